#include "query/metric_query.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "query/metric_query_internal.h"
#include "query/range_aggregation.h"

namespace lode {

Labels WithoutLabels(const Labels& in, const std::vector<std::string>& names) {
  std::vector<Label> out;
  for (const Label& l : in) {
    if (std::find(names.begin(), names.end(), l.name) == names.end()) out.push_back(l);
  }
  return Labels(std::move(out));
}

Labels OnlyLabels(const Labels& in, const std::vector<std::string>& names) {
  std::vector<Label> out;
  for (const Label& l : in) {
    if (std::find(names.begin(), names.end(), l.name) != names.end()) out.push_back(l);
  }
  return Labels(std::move(out));
}

namespace {

using logql::BinaryExpr;
using logql::Expr;

// Series with the same labels are one series, present at the union of
// their steps (a step both have keeps the first's value), as Loki joins a
// range query's step vectors by labels: `sum(...) or vector(0)` is one {}
// series. The first appearance keeps its place.
void MergeSameLabels(std::vector<StepSeries>& series) {
  std::unordered_map<std::string, size_t> first;
  std::vector<StepSeries> out;
  for (StepSeries& s : series) {
    auto [pos, inserted] = first.try_emplace(s.labels.ToString(), out.size());
    if (inserted) {
      out.push_back(std::move(s));
      continue;
    }
    StepSeries& into = out[pos->second];
    for (size_t i = 0; i < s.present.size(); ++i) {
      if (s.present[i] && !into.present[i]) {
        into.values[i] = s.values[i];
        into.present[i] = 1;
      }
    }
  }
  series = std::move(out);
}

class Evaluator {
 public:
  Evaluator(Storage& storage, const MetricQueryParams& params)
      : storage_(storage), params_(params) {
    steps_ =
        params.instant ? 1 : static_cast<size_t>((params.end - params.start) / params.step_ns) + 1;
  }

  Result<StepValue> Eval(const Expr& e) {
    if (const auto* r = std::get_if<logql::RangeAggregation>(&e.node)) return EvalRange(*r);
    if (const auto* v = std::get_if<logql::VectorAggregation>(&e.node)) return EvalVectorAgg(*v);
    if (const auto* b = std::get_if<BinaryExpr>(&e.node)) return EvalBinary(*b);
    if (const auto* n = std::get_if<logql::NumberLiteral>(&e.node)) {
      StepValue v;
      v.scalar = true;
      v.scalar_values.assign(steps_, n->value);
      return v;
    }
    if (const auto* n = std::get_if<logql::VectorLiteral>(&e.node)) {
      StepValue v;
      v.series.push_back(StepSeries{Labels{}, std::vector<double>(steps_, n->value),
                                    std::vector<uint8_t>(steps_, 1)});
      return v;
    }
    if (const auto* l = std::get_if<logql::LabelReplace>(&e.node)) return EvalLabelReplace(*l);
    return Status::InvalidArgument("a log query is not a metric expression");
  }

  size_t steps() const { return steps_; }
  TimestampNs StepTime(size_t k) const {
    return params_.start + static_cast<int64_t>(k) * params_.step_ns;
  }
  QueryStats& stats() { return stats_; }

  Status CheckSeries(size_t n) const {
    if (n > params_.max_series) {
      return Status::InvalidArgument("maximum of series (" + std::to_string(params_.max_series) +
                                     ") reached for a single query; narrow the selector or "
                                     "aggregate with sum by (...)");
    }
    return Status::Ok();
  }

 private:
  // ---- Range aggregations over log records. ----

  Result<StepValue> EvalRange(const logql::RangeAggregation& agg,
                              const logql::Grouping* pushed = nullptr) {
    RangeEvalContext ctx;
    ctx.tenants = params_.tenants;
    ctx.first_step = StepTime(0);
    ctx.step_ns = params_.step_ns;
    ctx.steps = steps_;
    ctx.max_series = params_.max_inner_series;
    ctx.limits = params_.limits;
    LODE_ASSIGN_OR_RETURN(std::vector<StepSeries> series,
                          EvalRangeAggregation(storage_, agg, ctx, pushed, &stats_));
    StepValue v;
    v.series = std::move(series);
    return v;
  }

  // ---- Vector aggregations. ----

  // The order of topk/bottomk and sort/sort_desc: larger first when
  // `desc`, else smaller first; NaN after every number and infinity either
  // way, as in Loki and Prometheus. A strict weak ordering.
  static bool Before(double a, double b, bool desc) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return desc ? a > b : a < b;
  }

  Result<StepValue> EvalVectorAgg(const logql::VectorAggregation& agg) {
    using logql::VectorOp;
    if (agg.op == VectorOp::kApproxTopk && !params_.instant) {
      // Loki's count-min sketches answer only instant queries.
      return Status::InvalidArgument("count min sketches are only supported on instant queries");
    }
    StepValue in;
    // A sum over a count, rate, bytes or sum_over_time may group while
    // extracting: the same result, with fewer series alive.
    const auto* range = std::get_if<logql::RangeAggregation>(&agg.inner->node);
    if (agg.op == VectorOp::kSum && range != nullptr && CanPushGrouping(*range)) {
      const logql::Grouping none;
      LODE_ASSIGN_OR_RETURN(in, EvalRange(*range, agg.grouping ? &*agg.grouping : &none));
    } else {
      LODE_ASSIGN_OR_RETURN(in, Eval(*agg.inner));
    }
    if (in.scalar) return Status::InvalidArgument("an aggregation needs a vector, not a scalar");
    auto group_of = [&](const Labels& l) {
      if (!agg.grouping) return Labels{};
      return agg.grouping->without ? WithoutLabels(l, agg.grouping->labels)
                                   : OnlyLabels(l, agg.grouping->labels);
    };
    StepValue out;
    if (agg.op == VectorOp::kSort || agg.op == VectorOp::kSortDesc) {
      out.series = std::move(in.series);
      // Only an instant query's vector has an order: a range query's
      // series come sorted by labels, as Loki answers a matrix.
      if (params_.instant) {
        const bool desc = agg.op == VectorOp::kSortDesc;
        std::stable_sort(out.series.begin(), out.series.end(),
                         [desc](const StepSeries& a, const StepSeries& b) {
                           return Before(a.values[0], b.values[0], desc);
                         });
        sorted_ = true;
      }
      return out;
    }
    // Groups, in order of first appearance.
    std::map<std::string, size_t> groups;
    std::vector<std::vector<size_t>> members;
    std::vector<Labels> group_labels;
    for (size_t i = 0; i < in.series.size(); ++i) {
      Labels g = group_of(in.series[i].labels);
      auto [pos, inserted] = groups.try_emplace(g.ToString(), members.size());
      if (inserted) {
        members.emplace_back();
        group_labels.push_back(std::move(g));
      }
      members[pos->second].push_back(i);
    }
    if (logql::TakesK(agg.op)) {
      // The k largest (smallest) of each group at each step keep their
      // own labels. approx_topk is answered exactly: Loki's sketch gives
      // the same unless the series are very many.
      std::vector<StepSeries> result = in.series;
      for (StepSeries& s : result) std::fill(s.present.begin(), s.present.end(), 0);
      const bool top = agg.op != VectorOp::kBottomk;
      for (const auto& m : members) {
        for (size_t step = 0; step < steps_; ++step) {
          std::vector<size_t> at;
          for (size_t i : m) {
            if (in.series[i].present[step]) at.push_back(i);
          }
          size_t k = std::min<size_t>(at.size(), static_cast<size_t>(agg.param));
          std::partial_sort(at.begin(), at.begin() + k, at.end(), [&](size_t a, size_t b) {
            return Before(in.series[a].values[step], in.series[b].values[step], top);
          });
          for (size_t j = 0; j < k; ++j) result[at[j]].present[step] = 1;
        }
      }
      for (StepSeries& s : result) {
        if (std::find(s.present.begin(), s.present.end(), 1) != s.present.end()) {
          out.series.push_back(std::move(s));
        }
      }
      return out;
    }
    for (size_t g = 0; g < members.size(); ++g) {
      StepSeries s{group_labels[g], std::vector<double>(steps_, 0),
                   std::vector<uint8_t>(steps_, 0)};
      for (size_t step = 0; step < steps_; ++step) {
        double sum = 0, mn = NAN, mx = NAN;
        size_t n = 0;
        double mean = 0, m2 = 0;  // Welford, for stddev and stdvar
        for (size_t i : members[g]) {
          if (!in.series[i].present[step]) continue;
          double v = in.series[i].values[step];
          ++n;
          sum += v;
          // As Loki: the first value, then any that is smaller (larger),
          // or any at all in place of NaN. All NaN gives NaN.
          if (n == 1 || v < mn || std::isnan(mn)) mn = v;
          if (n == 1 || v > mx || std::isnan(mx)) mx = v;
          double d = v - mean;
          mean += d / static_cast<double>(n);
          m2 += d * (v - mean);
        }
        if (n == 0) continue;
        double v = 0;
        switch (agg.op) {
          case VectorOp::kSum:
            v = sum;
            break;
          case VectorOp::kAvg:
            v = sum / static_cast<double>(n);
            break;
          case VectorOp::kMin:
            v = mn;
            break;
          case VectorOp::kMax:
            v = mx;
            break;
          case VectorOp::kCount:
            v = static_cast<double>(n);
            break;
          case VectorOp::kStdvar:
            v = m2 / static_cast<double>(n);
            break;
          case VectorOp::kStddev:
            v = std::sqrt(m2 / static_cast<double>(n));
            break;
          default:
            break;
        }
        s.values[step] = v;
        s.present[step] = 1;
      }
      out.series.push_back(std::move(s));
    }
    return out;
  }

  // ---- Binary operators (binary_operator.cc), label_replace (label_replace.cc). ----

  Result<StepValue> EvalBinary(const BinaryExpr& b) {
    LODE_ASSIGN_OR_RETURN(StepValue lhs, Eval(*b.lhs));
    LODE_ASSIGN_OR_RETURN(StepValue rhs, Eval(*b.rhs));
    return ApplyBinaryOperator(b, std::move(lhs), std::move(rhs), steps_);
  }

  Result<StepValue> EvalLabelReplace(const logql::LabelReplace& l) {
    LODE_ASSIGN_OR_RETURN(StepValue in, Eval(*l.inner));
    return ApplyLabelReplace(l, std::move(in));
  }

 public:
  bool sorted() const { return sorted_; }

 private:
  Storage& storage_;
  const MetricQueryParams& params_;
  size_t steps_ = 1;
  QueryStats stats_;
  bool sorted_ = false;  // sort()/sort_desc(): keep the series order
};

}  // namespace

Result<MetricQueryResult> ExecuteMetricQuery(Storage& storage, const logql::Expr& expr,
                                             const MetricQueryParams& params) {
  auto started = std::chrono::steady_clock::now();
  if (expr.is_log()) return Status::InvalidArgument("not a metric query");
  if (params.step_ns <= 0) return Status::InvalidArgument("step must be positive");
  Evaluator ev(storage, params);
  LODE_ASSIGN_OR_RETURN(StepValue v, ev.Eval(expr));
  MetricQueryResult result;
  if (v.scalar) {
    result.type =
        params.instant ? MetricQueryResult::Type::kScalar : MetricQueryResult::Type::kMatrix;
    MetricSeries s;
    for (size_t i = 0; i < ev.steps(); ++i)
      s.samples.push_back({ev.StepTime(i), v.scalar_values[i]});
    result.series.push_back(std::move(s));
  } else {
    result.type =
        params.instant ? MetricQueryResult::Type::kVector : MetricQueryResult::Type::kMatrix;
    MergeSameLabels(v.series);
    LODE_RETURN_IF_ERROR(ev.CheckSeries(v.series.size()));
    for (StepSeries& s : v.series) {
      MetricSeries out;
      out.labels = std::move(s.labels);
      for (size_t i = 0; i < ev.steps(); ++i) {
        if (s.present[i]) out.samples.push_back({ev.StepTime(i), s.values[i]});
      }
      if (!out.samples.empty()) result.series.push_back(std::move(out));
    }
    if (!ev.sorted()) {
      std::sort(result.series.begin(), result.series.end(),
                [](const MetricSeries& a, const MetricSeries& b) { return a.labels < b.labels; });
    }
  }
  result.stats = ev.stats();
  result.stats.exec_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace lode
