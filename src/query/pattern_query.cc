#include "query/pattern_query.h"

#include <array>
#include <unordered_map>

#include "query/labels_builder.h"
#include "query/line_filter.h"
#include "query/log_level.h"
#include "query/pipeline.h"
#include "query/scan_hooks.h"
#include "query/tenants.h"

namespace lode {

Result<PatternQueryResult> ExecutePatternQuery(Storage& storage, const logql::LogSelectorExpr& expr,
                                               const PatternQueryParams& params) {
  LODE_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Compile(expr.pipeline));
  const std::vector<logql::LineFilter>& line_filters = pipeline.PushedLineFilters();
  LODE_ASSIGN_OR_RETURN(LineFilterChain filters, LineFilterChain::Compile(line_filters));
  PatternMinerOptions options;
  options.step_ns = params.step_ns;
  PatternMiner miner(options);
  PatternQueryResult result;
  ScanCounters scan;
  std::vector<Matcher> matchers = expr.matchers;
  const std::vector<std::string> tenants = SelectTenants(params.tenants, &matchers);
  LabelsBuilder labels;
  PipelineState state;
  // Lines per level, per line class: a pattern's level is its lines'.
  std::unordered_map<uint32_t, std::array<uint64_t, kLogLevels>> levels;
  for (const std::string& tenant : tenants) {
    SelectRequest request;
    request.tenant = tenant;
    request.start = params.start;
    request.end = params.end;
    request.matchers = matchers;
    request.direction = Direction::kForward;
    request.line_contains = RequiredLineLiterals(line_filters);
    SetScanHooks(filters, scan, params.limits, &request);
    LODE_ASSIGN_OR_RETURN(auto it, storage.Select(request));
    uint32_t until_check = QueryLimits::kCheckEvery;
    while (it->Next()) {
      if (--until_check == 0) {
        until_check = QueryLimits::kCheckEvery;
        LODE_RETURN_IF_ERROR(params.limits.Check(scan.bytes.load(std::memory_order_relaxed)));
      }
      const Record& record = it->record();
      std::string_view line = record.line;
      if (!pipeline.empty()) {
        labels.Reset(record.stream, record.metadata);
        if (!pipeline.Process(record.timestamp, &line, labels, state)) continue;
      }
      const uint32_t line_class = miner.Add(line, record.timestamp);
      ++levels[line_class]
              [static_cast<size_t>(DetectLogLevel(record.stream, record.metadata, line))];
      ++result.lines;
    }
    LODE_RETURN_IF_ERROR(it->status());
  }
  if (scan.stopped.load()) LODE_RETURN_IF_ERROR(params.limits.Check(scan.bytes.load()));
  result.patterns = miner.Finish();
  std::vector<std::array<uint64_t, kLogLevels>> per_pattern(result.patterns.size());
  for (const auto& [line_class, counts] : levels) {
    auto& into = per_pattern[miner.PatternIndexOf(line_class)];
    for (int l = 0; l < kLogLevels; ++l) into[l] += counts[l];
  }
  for (size_t i = 0; i < result.patterns.size(); ++i) {
    int best = 0;
    for (int l = 1; l < kLogLevels; ++l) {
      if (per_pattern[i][l] > per_pattern[i][best]) best = l;
    }
    result.patterns[i].level = LogLevelName(static_cast<LogLevel>(best));
  }
  return result;
}

}  // namespace lode
