#include "query/range_aggregation.h"

#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>

#include "query/label_filter.h"
#include "query/line_filter.h"
#include "query/pipeline.h"
#include "query/range_functions.h"
#include "query/scan_hooks.h"
#include "query/tenants.h"
#include "query/value_parse.h"

namespace lode {
namespace {

using logql::RangeOp;

inline constexpr std::string_view kSampleExtractionErr = "SampleExtractionErr";

struct Window {
  std::deque<WindowSample> samples;
  double total = 0;  // count and bytes: the window's exact sum
  bool errored = false;
  StepSeries out;
};

std::string PipelineError(const Labels& labels) {
  const std::string err(labels.Get(kErrorLabel));
  return "pipeline error: '" + err + "' for series: '" + labels.ToString() +
         "'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\"" + err +
         "\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\nThe "
         "label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" "
         ")\n";
}

// Which of a record's labels name its series: those a `by` lists, or all
// but those a `without` lists and the unwrapped label. An errored record
// keeps all its labels, so the error names where it happened.
class SeriesLabels {
 public:
  SeriesLabels(const logql::Grouping* grouping, std::string unwrapped)
      : unwrapped_(std::move(unwrapped)) {
    if (grouping != nullptr) {
      by_ = !grouping->without;
      names_ = grouping->labels;
      std::sort(names_.begin(), names_.end());
      names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
    }
  }

  // A hash of the series' labels, computed without sorting the record's.
  uint64_t Hash(const LabelsBuilder& labels, bool errored) const {
    uint64_t h = 0;
    ForEach(labels, errored, [&](std::string_view name, std::string_view value) {
      // Summed per label, so the labels' order does not matter.
      uint64_t x = XXH3_64bits_withSeed(name.data(), name.size(), 0x51ed27);
      h += XXH3_64bits_withSeed(value.data(), value.size(), x);
    });
    return h;
  }

  // Whether the record's series labels are exactly `have` (sorted).
  bool Same(const LabelsBuilder& labels, bool errored, const Labels& have) const {
    size_t n = 0;
    bool same = true;
    ForEach(labels, errored, [&](std::string_view name, std::string_view value) {
      ++n;
      if (same && (!have.Has(name) || have.Get(name) != value)) same = false;
    });
    return same && n == have.size();
  }

  Labels Build(const LabelsBuilder& labels, bool errored) const {
    std::vector<Label> out;
    ForEach(labels, errored, [&](std::string_view name, std::string_view value) {
      out.push_back(Label{std::string(name), std::string(value)});
    });
    return Labels(std::move(out));
  }

 private:
  template <typename Fn>
  void ForEach(const LabelsBuilder& labels, bool errored, Fn&& fn) const {
    if (by_ && !errored) {
      for (const std::string& name : names_) {
        if (auto v = labels.Get(name)) fn(name, *v);
      }
      return;
    }
    labels.ForEachUnsorted([&](std::string_view name, std::string_view value) {
      if (!errored) {
        if (!unwrapped_.empty() && name == unwrapped_) return;
        if (std::binary_search(names_.begin(), names_.end(), name)) return;
      }
      fn(name, value);
    });
  }

  bool by_ = false;
  std::vector<std::string> names_;  // sorted
  std::string unwrapped_;
};

// The labels a range aggregation's value depends on, when that is not all
// of them: a `by` grouping's, and those stages and unwrap read. Parsers
// then extract only these. Null when every label may matter.
std::optional<std::vector<std::string>> NeededLabels(const logql::LogRange& range,
                                                     const logql::Grouping* grouping) {
  if (grouping == nullptr || grouping->without) return std::nullopt;
  std::vector<std::string> names = grouping->labels;
  std::function<void(const logql::LabelFilterExpr&)> add_filter =
      [&](const logql::LabelFilterExpr& f) {
        for (const auto& c : f.children) add_filter(c);
        if (!f.name.empty()) names.push_back(f.name);
      };
  for (const logql::Stage& stage : range.selector.pipeline) {
    if (const auto* f = std::get_if<logql::LabelFilterExpr>(&stage)) {
      add_filter(*f);
    } else if (std::holds_alternative<logql::LineFormat>(stage) ||
               std::holds_alternative<logql::LabelFormat>(stage)) {
      return std::nullopt;  // templates and renames may read any label
    } else if (const auto* sel = std::get_if<logql::LabelSelection>(&stage)) {
      for (const auto& item : sel->items) names.push_back(item.name);
    }
  }
  if (range.unwrap) {
    names.push_back(range.unwrap->label);
    for (const auto& f : range.unwrap->post_filters) add_filter(f);
  }
  names.push_back(std::string(kErrorLabel));
  names.push_back(std::string(kErrorDetailsLabel));
  return names;
}

bool IsErrored(const LabelsBuilder& labels, bool preserve_errors) {
  if (preserve_errors || !labels.HasError()) return false;
  auto preserve = labels.Get("__preserve_error__");
  return !(preserve && *preserve == "true");
}

}  // namespace

bool CanPushGrouping(const logql::RangeAggregation& agg) {
  if (agg.grouping) return false;
  switch (agg.op) {
    case RangeOp::kCountOverTime:
    case RangeOp::kRate:
    case RangeOp::kBytesOverTime:
    case RangeOp::kBytesRate:
    case RangeOp::kSumOverTime:
      return true;
    default:
      return false;
  }
}

Result<std::vector<StepSeries>> EvalRangeAggregation(Storage& storage,
                                                     const logql::RangeAggregation& agg,
                                                     const RangeEvalContext& ctx,
                                                     const logql::Grouping* pushed,
                                                     QueryStats* stats) {
  const logql::LogRange& range = agg.range;
  const std::optional<logql::Unwrap>& unwrap = range.unwrap;
  LODE_ASSIGN_OR_RETURN(Pipeline pipeline, Pipeline::Compile(range.selector.pipeline));
  const std::vector<logql::LineFilter>& line_filters = pipeline.PushedLineFilters();
  LODE_ASSIGN_OR_RETURN(LineFilterChain filters, LineFilterChain::Compile(line_filters));
  std::vector<LabelFilter> post_filters;
  if (unwrap) {
    for (const logql::LabelFilterExpr& f : unwrap->post_filters) {
      LODE_ASSIGN_OR_RETURN(LabelFilter lf, LabelFilter::Compile(f));
      post_filters.push_back(std::move(lf));
    }
  }
  const logql::Grouping* grouping = agg.grouping ? &*agg.grouping : pushed;
  // When no label survives the grouping and the pipeline only parses,
  // the parsers' labels would be dropped anyway: they need not run (and
  // cannot fail the query), as in LogQL.
  const bool labels_dropped =
      grouping != nullptr && !grouping->without && grouping->labels.empty() && !unwrap;
  const bool run_pipeline = !pipeline.empty() && !(labels_dropped && pipeline.OnlyParsers());
  const bool needs_bytes = agg.op == RangeOp::kBytesOverTime || agg.op == RangeOp::kBytesRate;
  // Counting records whose series follows from stream and metadata alone
  // (no line filter, and no stage but drop/keep) needs no merge in time
  // order and no line: storage hands over runs of timestamps, each
  // counted into the steps whose windows hold it.
  bool only_selections = true;
  for (const logql::Stage& stage : range.selector.pipeline) {
    if (!std::holds_alternative<logql::LabelSelection>(stage)) only_selections = false;
  }
  // Only `|= "literal"` filters: storage may count the lines of a
  // template that holds the literals without rebuilding them.
  const bool only_contains =
      !line_filters.empty() &&
      std::all_of(line_filters.begin(), line_filters.end(), [](const logql::LineFilter& f) {
        return f.op == logql::LineFilter::Op::kContains && f.values.size() == 1 && !f.HasIp() &&
               !f.values[0].empty();
      });
  const bool fast_count = !unwrap && (line_filters.empty() || only_contains) &&
                          (only_selections || !run_pipeline) &&
                          (agg.op == RangeOp::kCountOverTime || agg.op == RangeOp::kRate ||
                           agg.op == RangeOp::kAbsentOverTime);
  const SeriesLabels series_labels(grouping, unwrap ? unwrap->label : std::string());
  // Grouping by __error__ asks to count errors: they do not fail the query.
  const bool preserve_errors = grouping != nullptr && !grouping->without &&
                               std::find(grouping->labels.begin(), grouping->labels.end(),
                                         kErrorLabel) != grouping->labels.end();

  // Records whose shifted time u = ts + offset falls in some window.
  const int64_t last = ctx.first_step + static_cast<int64_t>(ctx.steps - 1) * ctx.step_ns;
  const int64_t first = ctx.first_step - range.range_ns;  // exclusive
  std::vector<std::unique_ptr<RecordIterator>> its;
  std::vector<bool> valid;
  ScanCounters scan;  // on storage's read threads, with the line filters
  const QueryLimits& limits = ctx.limits;
  std::vector<Matcher> matchers = range.selector.matchers;
  const std::vector<std::string> tenants = SelectTenants(ctx.tenants, &matchers);
  const bool multi_tenant = ctx.tenants.size() > 1;
  for (const std::string& tenant : tenants) {
    if (fast_count) break;  // scanned below
    SelectRequest request;
    request.tenant = tenant;
    request.start = first + 1 - range.offset_ns;
    request.end = last + 1 - range.offset_ns;
    request.matchers = matchers;
    request.direction = Direction::kForward;
    request.line_contains = RequiredLineLiterals(line_filters);
    if (!filters.empty()) SetScanHooks(filters, scan, limits, &request);
    // Counting needs no line text; sizes, parsers and values do.
    request.timestamps_only = !needs_bytes && !run_pipeline && !unwrap;
    request.only_line_contains =
        only_contains && request.line_contains.size() == line_filters.size();
    LODE_ASSIGN_OR_RETURN(auto it, storage.Select(request));
    valid.push_back(it->Next());
    LODE_RETURN_IF_ERROR(it->status());
    its.push_back(std::move(it));
  }

  std::vector<Window> windows;
  std::unordered_multimap<uint64_t, size_t> index;  // series hash -> windows
  size_t last_series = SIZE_MAX;
  int last_tenant = -1;
  Labels last_stream, last_metadata;
  // Without a pipeline or unwrap, a record's series depends only on its
  // stream and metadata: it is reused while they repeat.
  const bool reuse_series = !run_pipeline && !unwrap;
  LabelsBuilder labels;
  const std::optional<std::vector<std::string>> needed = NeededLabels(range, grouping);
  if (needed) labels.RestrictParsed(&*needed);
  PipelineState state;
  std::vector<double> scratch;
  std::vector<uint8_t> absent(ctx.steps, 1);
  const double param = agg.param.value_or(0);
  Status failure;

  auto emit = [&](size_t step) -> Status {
    const int64_t t = ctx.first_step + static_cast<int64_t>(step) * ctx.step_ns;
    for (Window& w : windows) {
      while (!w.samples.empty() && w.samples.front().t <= t - range.range_ns) {
        if (IsCounting(agg.op)) w.total -= w.samples.front().v;
        w.samples.pop_front();
      }
      if (w.samples.empty()) continue;
      if (w.errored) return Status::InvalidArgument(PipelineError(w.out.labels));
      absent[step] = 0;
      w.out.values[step] =
          AggregateWindow(agg.op, w.samples, w.total, range.range_ns, t, param, scratch);
      w.out.present[step] = 1;
    }
    return Status::Ok();
  };

  // The series of the record now in `labels`: found by a hash of its
  // labels, created when new.
  auto series_of = [&](bool errored) -> Result<size_t> {
    const uint64_t h = series_labels.Hash(labels, errored);
    auto [lo, hi] = index.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      if (series_labels.Same(labels, errored, windows[it->second].out.labels)) return it->second;
    }
    if (windows.size() + 1 > ctx.max_series) {
      return Status::InvalidArgument(
          "maximum of series (" + std::to_string(ctx.max_series) +
          ") reached while evaluating a range aggregation; narrow the selector or group with "
          "sum by (...)");
    }
    Window w;
    w.out.labels = series_labels.Build(labels, errored);
    w.out.values.assign(ctx.steps, 0);
    w.out.present.assign(ctx.steps, 0);
    w.errored = errored;
    windows.push_back(std::move(w));
    index.emplace(h, windows.size() - 1);
    return windows.size() - 1;
  };

  if (fast_count) {
    Status failed;
    const Labels no_metadata;
    const int64_t first_step = ctx.first_step;
    for (size_t ti = 0; ti < tenants.size() && failed.ok(); ++ti) {
      SelectRequest request;
      request.tenant = tenants[ti];
      request.start = first + 1 - range.offset_ns;
      request.end = last + 1 - range.offset_ns;
      request.matchers = matchers;
      if (only_contains) request.line_contains = RequiredLineLiterals(line_filters);
      // Only counts per window matter here: storage may count a block
      // that lies wholly inside each window it touches without reading it.
      request.count_windows =
          SelectRequest::CountWindows{first_step - range.offset_ns,
                                      std::max<int64_t>(ctx.step_ns, 1), range.range_ns, ctx.steps};
      // The series of a run's records with this metadata.
      auto series_for = [&](const Labels& stream, const Labels& metadata) -> Result<size_t> {
        labels.Reset(stream, metadata);
        std::string_view no_line;
        if (run_pipeline && !pipeline.Process(0, &no_line, labels, state)) return SIZE_MAX;
        if (multi_tenant) labels.Set(LabelCategory::kStream, kTenantLabel, tenants[ti]);
        return series_of(false);
      };
      auto count = [&](size_t series, TimestampNs t, double n = 1) {
        const int64_t u = t + range.offset_ns;
        if (u <= first || u > last) return;
        // The first step at or after u, then every later one whose
        // window (T - range, T] still holds u.
        size_t step = u <= first_step
                          ? 0
                          : static_cast<size_t>((u - first_step + ctx.step_ns - 1) / ctx.step_ns);
        StepSeries& out = windows[series].out;
        for (; step < ctx.steps; ++step) {
          const int64_t t_step = first_step + static_cast<int64_t>(step) * ctx.step_ns;
          if (t_step - range.range_ns >= u) break;
          out.values[step] += n;
        }
      };
      request.scan_stats = &stats->read;
      Status scan = storage.ScanTimestamps(request, [&](const TimestampRun& run) {
        if (!failed.ok()) return;
        if (limits.Exceeded(0)) {
          failed = limits.Check(0);
          return;
        }
        // Examined, though only their timestamps were read (no line bytes).
        stats->lines_scanned += run.count;
        stats->post_filter_lines += run.count;
        if (run.metadata == nullptr) {
          auto series = series_for(*run.stream, no_metadata);
          if (!series.ok()) {
            failed = series.status();
            return;
          }
          if (*series == SIZE_MAX) return;
          if (run.timestamps == nullptr) {
            // A count alone: every window holding its span holds it all.
            count(*series, run.max_time, static_cast<double>(run.count));
            return;
          }
          for (size_t i = 0; i < run.count; ++i) count(*series, run.timestamps[i]);
          return;
        }
        size_t series = SIZE_MAX;
        const Labels* last_meta = nullptr;
        for (size_t i = 0; i < run.count; ++i) {
          if (last_meta == nullptr || !(run.metadata[i] == *last_meta)) {
            auto s = series_for(*run.stream, run.metadata[i]);
            if (!s.ok()) {
              failed = s.status();
              return;
            }
            series = *s;
            last_meta = &run.metadata[i];
          }
          if (series != SIZE_MAX) count(series, run.timestamps[i]);
        }
      });
      LODE_RETURN_IF_ERROR(scan);
    }
    LODE_RETURN_IF_ERROR(failed);
    const double seconds = static_cast<double>(range.range_ns) / 1e9;
    for (Window& w : windows) {
      for (size_t step = 0; step < ctx.steps; ++step) {
        if (w.out.values[step] == 0) continue;
        w.out.present[step] = 1;
        absent[step] = 0;
        if (agg.op == RangeOp::kRate) w.out.values[step] /= seconds;
      }
    }
  }

  size_t k = 0;
  std::string value_text;
  uint32_t until_check = QueryLimits::kCheckEvery;
  uint64_t local_lines = 0, local_bytes = 0;
  while (true) {
    if (--until_check == 0) {
      until_check = QueryLimits::kCheckEvery;
      LODE_RETURN_IF_ERROR(
          ctx.limits.Check(local_bytes + scan.bytes.load(std::memory_order_relaxed)));
    }
    int best = -1;
    for (size_t i = 0; i < its.size(); ++i) {
      if (!valid[i]) continue;
      if (best < 0 || its[i]->record().timestamp < its[best]->record().timestamp) {
        best = static_cast<int>(i);
      }
    }
    if (best < 0) break;
    const Record& r = its[best]->record();
    const int64_t u = r.timestamp + range.offset_ns;
    while (k < ctx.steps && ctx.first_step + static_cast<int64_t>(k) * ctx.step_ns < u) {
      LODE_RETURN_IF_ERROR(emit(k++));
    }
    // Storage ran the pushed filters already (SelectRequest::line_filter).
    if (u > first && u <= last) {
      if (filters.empty()) {
        // Counted here, not on the atomics the read threads share.
        ++local_lines;
        local_bytes += r.line.size();
      }
      std::string_view line = r.line;
      bool keep = true;
      double value = 1;
      size_t series = SIZE_MAX;
      if (reuse_series && last_series != SIZE_MAX && best == last_tenant &&
          r.stream == last_stream && r.metadata == last_metadata) {
        series = last_series;
      } else {
        labels.Reset(r.stream, r.metadata);
        if (run_pipeline) keep = pipeline.Process(r.timestamp, &line, labels, state);
        if (multi_tenant) labels.Set(LabelCategory::kStream, kTenantLabel, tenants[best]);
        if (keep && unwrap) {
          auto text = labels.Get(unwrap->label);
          if (!text || text->empty()) {
            keep = false;  // no value, no sample
          } else {
            value_text.assign(*text);
            Status conversion;
            switch (unwrap->conversion) {
              case logql::Unwrap::Conversion::kNone: {
                auto f = ParseGoFloat(value_text);
                if (f.ok()) value = *f;
                conversion = f.status();
                break;
              }
              case logql::Unwrap::Conversion::kDuration:
              case logql::Unwrap::Conversion::kDurationSeconds: {
                auto d = ParseGoDuration(value_text);
                if (d.ok()) value = GoDurationSeconds(*d);
                conversion = d.status();
                break;
              }
              case logql::Unwrap::Conversion::kBytes: {
                auto b = ParseHumanBytes(value_text);
                if (b.ok()) value = static_cast<double>(*b);
                conversion = b.status();
                break;
              }
            }
            if (!conversion.ok()) {
              value = 0;
              labels.SetError(kSampleExtractionErr, conversion.message(), true);
            }
            for (const LabelFilter& f : post_filters) {
              if (!f.Matches(labels)) {
                keep = false;
                break;
              }
            }
          }
        }
        if (keep) {
          LODE_ASSIGN_OR_RETURN(series, series_of(IsErrored(labels, preserve_errors)));
          if (reuse_series) {
            last_series = series;
            last_tenant = best;
            last_stream = r.stream;
            last_metadata = r.metadata;
          }
        }
      }
      if (keep) {
        ++stats->post_filter_lines;
        if (needs_bytes) value = static_cast<double>(line.size());
        Window& w = windows[series];
        w.samples.push_back(WindowSample{u, value});
        if (IsCounting(agg.op)) w.total += value;
      }
    }
    valid[best] = its[best]->Next();
    LODE_RETURN_IF_ERROR(its[best]->status());
  }
  if (scan.stopped.load()) LODE_RETURN_IF_ERROR(limits.Check(scan.bytes.load()));
  while (k < ctx.steps) LODE_RETURN_IF_ERROR(emit(k++));
  for (const auto& it : its) stats->read += it->read_stats();
  stats->lines_scanned += scan.lines + local_lines;
  stats->bytes_scanned += scan.bytes + local_bytes;

  std::vector<StepSeries> out;
  if (agg.op == RangeOp::kAbsentOverTime) {
    // One series, labelled by the selector's equality matchers (a name
    // matched twice, or also otherwise, is left out), where nothing was
    // found.
    std::vector<Label> names;
    for (const Matcher& m : range.selector.matchers) {
      bool alone = m.type() == MatchType::kEqual;
      for (const Matcher& o : range.selector.matchers) {
        if (&o != &m && o.name() == m.name()) alone = false;
      }
      if (alone) names.push_back(Label{m.name(), m.value()});
    }
    StepSeries s{Labels(std::move(names)), std::vector<double>(ctx.steps, 1), absent};
    if (std::find(s.present.begin(), s.present.end(), 1) != s.present.end()) {
      out.push_back(std::move(s));
    }
    return out;
  }
  for (Window& w : windows) out.push_back(std::move(w.out));
  return out;
}

}  // namespace lode
