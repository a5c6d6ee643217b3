// The JSON label parsers of a log pipeline:
//   `| json`              every leaf of the line's object, nested keys
//                         joined by `_` (arrays and nulls skipped);
//   `| json a="x.y[0]"`   the values at the given paths;
//   `| unpack`            a packed line: `_entry` becomes the line, the
//                         other string fields labels.
// Scanning follows the lenient reader LogQL users' data was shaped by:
// numbers are kept as written, bytes after the object are ignored, and
// errors read "Value looks like object, but can't find closing '}' symbol"
// and so on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode {

class LabelsBuilder;

// Error values of `__error__`.
inline constexpr std::string_view kJsonParserErr = "JSONParserErr";

// `| json`: sets every leaf as a label (stage `stage`, first creator
// wins). On malformed JSON returns false with the error text in *error;
// labels extracted before the error stay.
bool ExtractJsonLabels(std::string_view line, LabelsBuilder& labels, std::string* error);

// A path of `| json label="path"`: `a.b`, `a[0]`, `["key with.dot"]`.
struct JsonPath {
  struct Element {
    bool is_index = false;
    size_t index = 0;
    std::string key;
  };
  std::vector<Element> elements;
};
// Parses a path; errors read `cannot parse expression [..]: ...`.
Result<JsonPath> ParseJsonPath(std::string_view expression);

struct JsonExtraction {
  std::string label;
  JsonPath path;
};
// `| json a="x", b`: sets each label to its path's value ("" when the
// path is missing). Returns false with *error when the line is not JSON
// (*error empty when Loki gives no details) or a value on a path is
// malformed.
bool ExtractJsonPaths(std::string_view line, const std::vector<JsonExtraction>& paths,
                      LabelsBuilder& labels, std::string* error);

// `| unpack`: when the object has `_entry`, *new_line gets it and the
// other string fields become labels; otherwise nothing changes. Returns
// false with *error when the line is not a JSON object.
bool Unpack(std::string_view line, LabelsBuilder& labels, std::string* new_line, bool* replaced,
            std::string* error);

}  // namespace lode
