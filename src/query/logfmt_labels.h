// The logfmt label parser of a log pipeline: `| logfmt [--strict]
// [--keep-empty] [a, b="key"]` on lines like `level=info msg="a b" n=5`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode {

class LabelsBuilder;

inline constexpr std::string_view kLogfmtParserErr = "LogfmtParserErr";

struct LogfmtOptions {
  bool strict = false;      // stop at the first malformed pair, with an error
  bool keep_empty = false;  // keep keys without a value, as ""
  // With extractions, only these keys are taken, each under its label.
  struct Extraction {
    std::string label;
    std::string key;
  };
  std::vector<Extraction> extractions;
};

// Checks the expression of `| logfmt a="key"`: one key, as Loki's logfmt
// expression grammar has it (a KEY or a quoted STRING, then only
// STRINGs); errors read `cannot parse expression [..]: ...`.
Status CheckLogfmtExpression(std::string_view expression);

// Sets the line's pairs as labels. Without --strict malformed pairs are
// skipped silently; with it, returns false with *error ("logfmt syntax
// error at pos 8 : unexpected '='"), keeping what came before.
bool ExtractLogfmtLabels(std::string_view line, const LogfmtOptions& options, LabelsBuilder& labels,
                         std::string* error);

}  // namespace lode
