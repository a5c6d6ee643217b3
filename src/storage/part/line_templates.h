// Lines as templates and variable columns: the encoding that lets a block
// compress far better than zstd on the raw text, and is still lossless.
//
// Each line is cut into tokens (runs of bytes that are not delimiters).
// A token holding an ASCII digit is a variable (a number with a word glued
// before or after it, as in "web-79" or "250ms", is the number alone); the
// rest of the line, with each variable replaced by a placeholder byte, is
// the line's template.
// Lines of one block share a list of templates (their own, or ids in the
// part's dictionary, template_dictionary.h); the variables
// are stored column by column, one column per (template, position), so
// that zstd sees like beside like: the third field of every "GET ... HTTP"
// line together, as numbers in binary, not interleaved with text.
// docs/format/part.md gives the byte layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "storage/part/token_filter.h"

namespace lode::part {

class TemplateDictionary;
class TemplateDictionaryBuilder;

// Placeholder bytes in a template. A literal 0x01..0x03 in a line's text
// is written as kEscape followed by the byte.
inline constexpr char kIntVar = 0x01;  // canonical decimal, in the ints column
inline constexpr char kStrVar = 0x02;  // any other variable, in the strings columns
inline constexpr char kEscape = 0x03;

// How variables are told apart and stored (docs/format/part.md).
// k1 (block codecs 2 and 3): an integer variable is a canonical decimal
// number (no leading zero), its columns zigzag varint deltas.
// k2 (block codecs 4 and 5): an integer variable is any run of up to 18
// digits, its value the run read with a 1 before it (so "007" is 1007 and
// keeps its zeros: zero-padded fields such as times of day are integers
// too), and each column is bit-packed at the width its range needs, as
// values or as deltas, whichever is narrower.
// k3 (block codecs 6 and 7): k2, and a string column whose values repeat
// (a client's user agent over its requests, a JSON field's few values)
// may be dictionary-coded: its distinct values once, then an index per
// line.
// k4 (block codecs 8 and 9): k3, and a string column of hex ids (UUIDs,
// trace ids, hashes) may store its values' digits as nibbles in a
// seventh section (hex_strings.h). A block with no such column is
// written in k3.
enum class TemplateLayout : uint8_t { k1, k2, k3, k4 };
inline constexpr TemplateLayout kCurrentTemplateLayout = TemplateLayout::k4;
// Integers as digit runs in bit-packed columns (k2 and later).
inline bool PackedInts(TemplateLayout layout) { return layout != TemplateLayout::k1; }

// The columns of a block's lines in template form, uncompressed.
struct TemplateColumns {
  TemplateLayout layout = kCurrentTemplateLayout;
  // varint(n) then n length-prefixed templates; or, with dictionary_ids,
  // varint(n) then the n dictionary ids, ascending, each as the
  // difference from the previous id minus one (the first as is).
  std::string templates;
  bool dictionary_ids = false;
  // With dictionary_ids: (id, lines using it), ids ascending.
  std::vector<std::pair<uint32_t, uint64_t>> dictionary_lines;
  std::string ids;          // varint(template index) per line
  std::string ints;         // column by column, as `layout` says
  std::string str_lengths;  // varint length per string variable, column by column
  std::string str_bytes;    // the string variables' bytes, in the same order
  std::string str_nibbles;  // k4: the digits of hex string columns, packed
  size_t template_count = 0;
};

// Reads a column of dictionary ids (see TemplateColumns) into `ids`, in
// the block's order: the ascending form, or the form a merge writes for
// a block copied from another part, 0 then n then the n ids as they are.
// Each id below `dictionary_size`, each at most once.
Status DecodeDictionaryIds(std::string_view column, size_t dictionary_size,
                           std::vector<uint32_t>& ids);
// Writes `ids` (distinct) as a column that DecodeDictionaryIds reads
// back in the same order: ascending when they ascend.
void PutDictionaryIds(const std::vector<uint32_t>& ids, std::string& out);

// Whether `s` is one token: non-empty, without any delimiter byte.
bool IsTemplateToken(std::string_view s);

// Whether lines rebuilt from a block with these template and string
// columns can contain `token` (one token, see IsTemplateToken) anywhere,
// decided without rebuilding them. Never false when they can; true when
// unsure (a token of digits only may hide inside any integer).
// With `dictionary`, `templates` is a column of dictionary ids. With
// `hex_nibbles`, `str_bytes` is a k4 block's, whose hex columns hold
// shapes in place of values, and *hex_nibbles their packed digits
// (HexShapesMayContain, hex_strings.h).
bool TemplatesMayContainToken(std::string_view templates, std::string_view str_bytes,
                              std::string_view token,
                              const TemplateDictionary* dictionary = nullptr,
                              const std::string_view* hex_nibbles = nullptr);

// Whether lines of template text `text` (or of several templates' texts
// side by side) can hold `token` outside string variables: in the text
// itself or across words and integers ("web-79", "2020-09-04"). `token`
// is one token with a non-digit byte.
bool TemplateTextMayContain(std::string_view text, std::string_view token);

// Whether `lines` lines with `templates` distinct templates have enough
// shape for the template codec to pay: at least 16 lines, and at most
// half as many templates as lines. Otherwise a block is plain zstd.
inline bool TemplatesPay(size_t templates, size_t lines) {
  return lines >= 16 && templates > 0 && templates * 2 <= lines;
}

// How SplitLineTemplates cuts lines into variables.
// kTokens: every token holding a digit is a variable, every other token
// is template text.
// kQuotedStrings: the same, except that a double-quoted string (not a
// JSON object key, which a ':' follows) is one string variable, however
// many tokens it holds. For lines whose words vary too much to share
// templates (access logs' paths and user agents, JSON values) this keeps
// templates few and puts like values in one column. A string variable
// then spans delimiters, but still begins and ends at one, so every token
// lies wholly inside the template text or inside one variable.
// kAuto: kTokens, then kQuotedStrings if the lines have quotes and
// kTokens leaves them too few shared templates (TemplatesPay).
enum class SplitMode : uint8_t { kTokens, kQuotedStrings, kAuto };

// Splits `lines` into template columns (replacing `out`'s contents).
// With `dictionary`, the block's templates go to the part's dictionary
// and `templates` lists their ids (out.dictionary_ids), unless the
// dictionary is full or the templates do not pay (TemplatesPay); then
// the block keeps its template texts.
//
// With `token_keys`, also appends the token-filter keys of the lines
// (the same set as AddLineKeys of each line, token_filter.h), hashing the
// text of each template once rather than once per line.
// `layout` and `key_scheme` other than the current ones only to write
// blocks as older versions did (tests).
//
// With `string_keys`, also appends the string-filter keys of every string
// variable (AddStringKeys, token_filter.h).
void SplitLineTemplates(const std::vector<std::string_view>& lines, TemplateColumns& out,
                        TemplateDictionaryBuilder* dictionary = nullptr,
                        std::vector<uint64_t>* token_keys = nullptr,
                        TemplateLayout layout = kCurrentTemplateLayout,
                        KeyScheme key_scheme = kCurrentKeyScheme,
                        std::vector<uint64_t>* string_keys = nullptr,
                        SplitMode mode = SplitMode::kTokens);

// The columns as read back from a block.
struct TemplateColumnsView {
  std::string_view templates;
  std::string_view ids;
  std::string_view ints;
  std::string_view str_lengths;
  std::string_view str_bytes;
  TemplateLayout layout = kCurrentTemplateLayout;
  // `ints` was left out (not decompressed): JoinLineTemplates answers
  // Unavailable if a line it must rebuild has an integer, and the caller
  // tries again with them. Counting lines decided from their templates
  // then never decompresses the integers.
  bool ints_deferred = false;
  // The same for `str_lengths` and `str_bytes`, left out because the
  // block's string filter shows no string variable holds a fragment.
  bool strs_deferred = false;
  // k4: the packed digits of hex string columns (hex_strings.h); left
  // out with the other string columns.
  std::string_view str_nibbles;
};

// All of `columns`, as JoinLineTemplates reads them.
inline TemplateColumnsView ViewOf(const TemplateColumns& columns) {
  TemplateColumnsView view;
  view.templates = columns.templates;
  view.ids = columns.ids;
  view.ints = columns.ints;
  view.str_lengths = columns.str_lengths;
  view.str_bytes = columns.str_bytes;
  view.layout = columns.layout;
  view.str_nibbles = columns.str_nibbles;
  return view;
}

// The parts of `literal` between delimiters that hold a non-digit byte:
// each lies inside one token of any line containing `literal`, so lines
// that cannot hold one of them cannot contain it (see JoinLineTemplates).
std::vector<std::string_view> LiteralFragments(std::string_view literal);

// The parts of `literal` between delimiters made of digits alone. Each
// lies in one run of digits of any line containing `literal`, and such a
// run is an integer variable or inside a string variable: given with the
// fragments to JoinLineTemplates, lines whose variables cannot hold them
// are not rebuilt either (a search for an id or an order number). Not
// for the filters' checks, which hold no keys for parts of numbers.
// Parts shorter than kMinDigitFragment are left out: most integers are
// that long, so each would be printed and searched, and rule out few
// lines (`|= "10.196.181.231"` over 1 GB took 1.83 s with its four
// parts, 1.33 s without; `|= "4711"` 0.65 s with its part, 1.3-1.5 s
// without).
inline constexpr size_t kMinDigitFragment = 4;
std::vector<std::string_view> DigitFragments(std::string_view literal);

// Rebuilds `count` lines: writes their bytes to `data` from its start
// (growing it as needed; bytes past the last line are left as they are)
// and appends each line's start offset to `offsets`, then the end offset
// (count + 1 offsets in all).
// Corruption when the columns are malformed, do not account for every
// byte exactly, or would rebuild more than `max_bytes` of lines.
//
// With `fragments` (from LiteralFragments, and DigitFragments), lines
// that cannot contain every fragment, judged from their template and
// variables, are not rebuilt: they come out empty, and `rebuilt` gets a
// flag per line (1: rebuilt, 0: left empty). A needle query thus rebuilds a handful of
// lines of a block instead of all of them. Without fragments `rebuilt` is
// cleared.
//
// With `dictionary`, `columns.templates` is a column of its ids (see
// TemplateColumns); the dictionary's templates are parsed already, so a
// block costs nothing to set up.
//
// With `held_literals` too (the literals the fragments came from, all of
// them), a line whose template text holds every literal outright is not
// rebuilt either: its flag in `rebuilt` is 2 (it holds the literals; its
// text is left empty). Counting `|= "INFO"` then rebuilds no line of a
// template that says INFO.
Status JoinLineTemplates(const TemplateColumnsView& columns, size_t count, size_t max_bytes,
                         std::string& data, std::vector<uint64_t>& offsets,
                         const std::vector<std::string_view>& fragments = {},
                         std::vector<uint8_t>* rebuilt = nullptr,
                         const TemplateDictionary* dictionary = nullptr,
                         const std::vector<std::string_view>& held_literals = {});

// Whether every line of template `text` (escapes included) holds
// `literal` within the template's own text, between its variables.
bool TemplateTextHolds(std::string_view text, std::string_view literal);

}  // namespace lode::part
