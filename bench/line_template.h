// A sample log line compiled for lode_gen_corpus: literal text and the
// variable fields (numbers, hex ids, IPv4 host octets, times of day) that
// the generator redraws for every copy of the line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lode::bench {

enum class FieldKind : uint8_t {
  kLiteral,   // text[offset, offset + length)
  kDigits,    // `length` random digits
  kHexLower,  // `length` random hex digits
  kHexUpper,
  kOctet,  // 0..255
  kHour,   // from the clock; `length` 2 = zero-padded, 1 = not
  kMinute,
  kSecond,
  kFraction,  // `length` digits: milliseconds from the clock, then random
};

struct Field {
  FieldKind kind;
  bool nonzero_first;  // kDigits: the sample's number had no leading zero
  uint32_t offset;
  uint32_t length;
};

// A sample line compiled into literal text and variable fields.
struct Template {
  std::string text;
  std::vector<Field> fields;
  size_t max_length = 0;  // longest rendering, for buffer reservation
};

// Finds the fields of `line`. Dates are kept as literal text, and so is
// everything before the time of day of a line that starts with a
// timestamp (e.g. "Jun 14 " or "I0501 "); digits glued to a letter (v1,
// x86_64, ssh2) are kept as part of a name.
Template CompileLineTemplate(std::string_view line);

}  // namespace lode::bench
