// Template: the text/template language of `| line_format "..."` and
// `| label_format a="..."`, as LogQL users write it: `{{.label}}` field
// access, pipelines (`{{ .msg | ToUpper }}`), variables, if/else/with/
// range, the text/template builtins (printf, eq, and, index, len, ...) and
// the functions LogQL adds (ToUpper, trim*, replace, default, add/sub/mul/
// div, date, unixEpoch, __line__, __timestamp__, regexReplaceAll, ...).
//
// The dot is the record's labels; a missing label reads as "".
//
// ParsePrometheus reads the other dialect in use: the label and
// annotation templates of Prometheus alerting and recording rules, with
// Prometheus' functions (humanize, humanizeDuration, reReplaceAll, ...)
// and its variables: $labels (the record's labels), $value,
// $externalLabels, $externalURL.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace lode {

class LabelsBuilder;

namespace tmpl {
struct Node;
enum class Dialect : uint8_t;
}  // namespace tmpl

// What an alert template sees besides the alert's labels.
struct AlertTemplateData {
  const LabelsBuilder* external_labels = nullptr;
  std::string_view external_url;
  double value = 0;
};

// What a template sees of one record.
struct TemplateInput {
  const LabelsBuilder* labels = nullptr;
  std::string_view line;                     // for __line__
  int64_t timestamp_ns = 0;                  // for __timestamp__
  const AlertTemplateData* alert = nullptr;  // Prometheus templates only
};

// Parsed once per query; immutable, shared by threads.
class Template {
 public:
  // `name` appears in error messages ("line", "label").
  static Result<Template> Parse(std::string_view text, std::string_view name = "line");
  static Result<Template> ParsePrometheus(std::string_view text, std::string_view name);

  // Appends the template's output for `input` to *out. On error *out holds
  // what was written before it, and the status says what failed.
  Status Execute(const TemplateInput& input, std::string* out) const;

  // Whether the template is text without actions (its output is fixed).
  bool IsConstant() const { return constant_; }
  // Whether it calls __line__ (so a stage must keep the line available).
  bool UsesLine() const { return uses_line_; }

 private:
  static Result<Template> ParseDialect(std::string_view text, std::string_view name,
                                       tmpl::Dialect dialect);

  std::shared_ptr<const tmpl::Node> root_;
  tmpl::Dialect dialect_{};
  std::string name_;
  std::string source_;
  bool constant_ = false;
  bool uses_line_ = false;
};

}  // namespace lode
