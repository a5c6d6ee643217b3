// String columns of hex ids (UUIDs, trace and span ids, hashes, AWS
// resource ids) stored as nibbles: half a byte per hex digit instead of a
// byte of text that zstd, sharing one literal table with every other
// string of the block, codes at five to six bits. Layout 4 of template
// blocks (docs/format/part.md): a string column whose values all have one
// shape (the same length, hex digits at the same places, the same bytes
// elsewhere) stores that shape once and each value's digits packed.
//
// The reader turns such columns back into layout-3 columns before
// anything else looks at them, so rebuilding lines and searching string
// variables see the values as text, whatever their storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode::part {

// Shape bytes that stand for one hex digit of the value: lowercase
// (0-9, a-f) or uppercase (0-9, A-F). Every other byte of a shape is the
// value's own byte at that place.
inline constexpr char kLowerHexDigit = 0x00;
inline constexpr char kUpperHexDigit = 0x01;

// Sets `shape` to the shape `values` share and returns true when storing
// them as nibbles pays: every value has the same length; its digit places
// are runs of at least kMinHexRun places that hold a hex digit in every
// value, at least kMinHexDigits of them and half of its bytes, some of
// them a letter (columns of decimal digits stay text: zstd finds their
// repeats and runs); no digit place mixes lowercase and uppercase letters.
// Every other place holds one byte in every value, not a shape byte above.
inline constexpr size_t kMinHexDigits = 8;
inline constexpr size_t kMinHexRun = 4;
inline constexpr size_t kMaxHexShapeBytes = 1024;
bool HexShapeOf(const std::vector<std::string_view>& values, std::string& shape);
// Whether a column starting with `value` may have a hex shape: a quick
// test on its first value that rules out nearly every text column.
bool MayStartHexColumn(std::string_view value);

// Appends `values` (which share `shape`, from HexShapeOf) in layout 4:
// varint(shape length) to `lengths`, the shape to `bytes`, and each
// value's digits to `nibbles`, two to a byte, first digit in the high
// half, a value's last byte padded with a zero half when its digits are
// odd in number.
void PutHexValues(const std::vector<std::string_view>& values, std::string_view shape,
                  std::string& lengths, std::string& bytes, std::string& nibbles);

// Whether a k4 block's string values can hold `token` once its hex
// columns are spelled out, judged from its string bytes (text values,
// and a shape for each hex column) and its packed digits `nibbles`: the
// token is in the bytes as it is, or some shape's places could spell it
// and the digits it needs there follow one another in `nibbles`. Never
// false when a value holds it; true when unsure.
bool HexShapesMayContain(std::string_view bytes, std::string_view nibbles, std::string_view token);

// The string variables of one template of a block: `lines` using it,
// `strs` string variables each (one column per variable).
struct StringColumnsOf {
  uint64_t lines = 0;
  uint32_t strs = 0;
};

// Rewrites a layout-4 block's string columns (`lengths`, `bytes`,
// `nibbles`, laid out template by template as `templates` says) as
// layout-3 columns into `lengths_out` and `bytes_out`: hex columns with
// their values as text, the others copied. Corruption when the columns
// are malformed, do not use every byte of the three sections, or would
// spell more than `max_bytes` bytes of values.
Status ExpandHexStrings(const std::vector<StringColumnsOf>& templates, std::string_view lengths,
                        std::string_view bytes, std::string_view nibbles, uint64_t max_bytes,
                        std::string& lengths_out, std::string& bytes_out);

}  // namespace lode::part
