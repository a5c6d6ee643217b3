// Pipeline: the compiled stages of a log query after its stream selector
// (`| json | status >= 500 | line_format "{{.msg}}"`), run over one
// record at a time. Stages see and change the record's labels (a
// LabelsBuilder) and its line; a stage may drop the record.
//
// Text line filters that come before any stage changing the line are
// split off (`PushedLineFilters`): they do not depend on labels, so
// storage runs them while it reads blocks, and the pipeline skips them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "logql/ast.h"
#include "query/labels_builder.h"

namespace lode {

// Error values of `__error__` set by formatting stages.
inline constexpr std::string_view kTemplateFormatErr = "TemplateFormatErr";

// Per-caller scratch space of a pipeline: buffers for rewritten lines
// and label snapshots. One per thread running the pipeline.
struct PipelineState {
  std::string lines[2];
  int next_line = 0;
  LabelsBuilder snapshot;
  std::string error;
  std::vector<std::pair<std::string_view, std::string_view>> captures;
  // A buffer for a stage to write a new line into (not the current one).
  std::string* LineBuffer() {
    next_line ^= 1;
    return &lines[next_line];
  }
};

class Pipeline {
 public:
  class Stage;

  // Compiles `stages`; errors (a bad template, regex or json path) are
  // InvalidArgument, for a 400.
  static Result<Pipeline> Compile(const std::vector<logql::Stage>& stages);

  // The leading text line filters, run by storage instead.
  const std::vector<logql::LineFilter>& PushedLineFilters() const { return pushed_; }

  // Runs the remaining stages on one record: `labels` holds its labels
  // (LabelsBuilder::Reset), *line its line; on return *line is the line
  // after the stages (possibly in `state`). False when a stage drops it.
  bool Process(int64_t timestamp_ns, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const;

  // No stages left to run after the pushed filters.
  bool empty() const { return stages_.empty(); }
  // Whether a stage may add, change or remove labels (or set errors).
  bool ChangesLabels() const { return changes_labels_; }
  // Whether a stage reads labels (label filters, templates, drop/keep with
  // matchers).
  bool ReadsLabels() const { return reads_labels_; }
  // Whether a stage may rewrite the line.
  bool ChangesLine() const { return changes_line_; }
  // Whether every remaining stage is a label parser, so that dropping them
  // changes nothing but the labels.
  bool OnlyParsers() const { return only_parsers_; }

 private:
  std::vector<std::shared_ptr<const Stage>> stages_;
  std::vector<logql::LineFilter> pushed_;
  bool changes_labels_ = false;
  bool reads_labels_ = false;
  bool changes_line_ = false;
  bool only_parsers_ = true;
};

}  // namespace lode
