#include "query/metric_query.h"

#include <re2/re2.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "model/regex_error.h"
#include "query/range_aggregation.h"

namespace lode {
namespace {

using logql::BinaryExpr;
using logql::BinaryOp;
using logql::Expr;
using logql::VectorMatching;

struct Value {
  bool scalar = false;
  std::vector<double> scalar_values;  // per step, when scalar
  std::vector<StepSeries> series;
};

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

  Result<Value> Eval(const Expr& e) {
    if (const auto* r = std::get_if<logql::RangeAggregation>(&e.node)) return EvalRange(*r);
    if (const auto* v = std::get_if<logql::VectorAggregation>(&e.node)) return EvalVectorAgg(*v);
    if (const auto* b = std::get_if<BinaryExpr>(&e.node)) return EvalBinary(*b);
    if (const auto* n = std::get_if<logql::NumberLiteral>(&e.node)) {
      Value v;
      v.scalar = true;
      v.scalar_values.assign(steps_, n->value);
      return v;
    }
    if (const auto* n = std::get_if<logql::VectorLiteral>(&e.node)) {
      Value v;
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

  Result<Value> EvalRange(const logql::RangeAggregation& agg,
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
    Value v;
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

  Result<Value> EvalVectorAgg(const logql::VectorAggregation& agg) {
    using logql::VectorOp;
    if (agg.op == VectorOp::kApproxTopk && !params_.instant) {
      // Loki's count-min sketches answer only instant queries.
      return Status::InvalidArgument("count min sketches are only supported on instant queries");
    }
    Value in;
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
    Value out;
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

  // ---- Binary operators. ----

  static bool Compare(BinaryOp op, double a, double b) {
    switch (op) {
      case BinaryOp::kEq:
        return a == b;
      case BinaryOp::kNeq:
        return a != b;
      case BinaryOp::kGt:
        return a > b;
      case BinaryOp::kGte:
        return a >= b;
      case BinaryOp::kLt:
        return a < b;
      case BinaryOp::kLte:
        return a <= b;
      default:
        return false;
    }
  }

  static double Arith(BinaryOp op, double a, double b) {
    switch (op) {
      case BinaryOp::kAdd:
        return a + b;
      case BinaryOp::kSub:
        return a - b;
      case BinaryOp::kMul:
        return a * b;
      case BinaryOp::kDiv:
        return b == 0 ? NAN : a / b;  // LogQL gives NaN, not an infinity
      case BinaryOp::kMod:
        return b == 0 ? NAN : std::fmod(a, b);
      case BinaryOp::kPow:
        return std::pow(a, b);
      default:
        return NAN;
    }
  }

  // The value of `a op b`; false when a comparison without bool drops it.
  static bool Apply(const BinaryExpr& b, double x, double y, double keep, double& out) {
    if (logql::IsComparison(b.op)) {
      bool t = Compare(b.op, x, y);
      if (b.return_bool) {
        out = t ? 1 : 0;
        return true;
      }
      out = keep;
      return t;
    }
    out = Arith(b.op, x, y);
    return true;
  }

  Labels Signature(const Labels& l, const std::optional<VectorMatching>& m) const {
    if (!m) return l;
    return m->on ? OnlyLabels(l, m->labels) : WithoutLabels(l, m->labels);
  }

  Result<Value> EvalBinary(const BinaryExpr& b) {
    LODE_ASSIGN_OR_RETURN(Value lhs, Eval(*b.lhs));
    LODE_ASSIGN_OR_RETURN(Value rhs, Eval(*b.rhs));
    Value out;
    if (lhs.scalar && rhs.scalar) {
      out.scalar = true;
      out.scalar_values.resize(steps_);
      // Between scalars a comparison is 0 or 1, `bool` or not.
      BinaryExpr as_bool = b;
      as_bool.return_bool = true;
      for (size_t i = 0; i < steps_; ++i) {
        double v = 0;
        Apply(as_bool, lhs.scalar_values[i], rhs.scalar_values[i], lhs.scalar_values[i], v);
        out.scalar_values[i] = v;
      }
      return out;
    }
    if (lhs.scalar || rhs.scalar) {
      const bool scalar_left = lhs.scalar;
      Value& vec = scalar_left ? rhs : lhs;
      const std::vector<double>& sc = scalar_left ? lhs.scalar_values : rhs.scalar_values;
      for (StepSeries& s : vec.series) {
        for (size_t i = 0; i < steps_; ++i) {
          if (!s.present[i]) continue;
          double x = scalar_left ? sc[i] : s.values[i];
          double y = scalar_left ? s.values[i] : sc[i];
          double v = 0;
          s.present[i] = Apply(b, x, y, s.values[i], v);
          s.values[i] = v;
        }
      }
      return std::move(vec);
    }
    if (logql::IsSetOperator(b.op)) return EvalSet(b, lhs, rhs);

    return MatchVectors(b, lhs, rhs);
  }

  // The labels of a match between `many` and `one`, as Loki's resultMetric
  // gives them: one-to-one keeps only the on(...) labels or drops the
  // ignoring(...) ones; group_left/group_right keep the many side's labels
  // and take each included label from the one side, or drop it where the
  // one side has none. Comparisons that filter are labelled the same way.
  static Labels ResultLabels(const Labels& many, const Labels& one,
                             const std::optional<VectorMatching>& m) {
    if (!m) return many;
    if (m->group == VectorMatching::Group::kNone) {
      return m->on ? OnlyLabels(many, m->labels) : WithoutLabels(many, m->labels);
    }
    Labels out = WithoutLabels(many, m->include);
    for (const std::string& name : m->include) {
      std::string_view v = one.Get(name);
      if (!v.empty()) out.Set(name, std::string(v));
    }
    return out;
  }

  // Arithmetic and comparisons between two vectors, matched step by step
  // as Loki does: at each step the "one" side (the right, or the left for
  // group_right) must have one series per signature, and one-to-one
  // matching one left series per signature; grouped matching must give
  // distinct result labels. These are checked before a comparison filters,
  // as Loki checks them. Results with the same labels from different steps
  // are one series.
  Result<Value> MatchVectors(const BinaryExpr& b, const Value& lhs, const Value& rhs) {
    const VectorMatching::Group group =
        b.matching ? b.matching->group : VectorMatching::Group::kNone;
    const bool many_left = group != VectorMatching::Group::kRight;
    const std::vector<StepSeries>& one = many_left ? rhs.series : lhs.series;
    const std::vector<StepSeries>& many = many_left ? lhs.series : rhs.series;
    // Signatures as small ids, so that the checks at each step compare
    // numbers and allocate nothing.
    std::unordered_map<std::string, uint32_t> ids;
    auto id_of = [&](const StepSeries& s) {
      return ids.try_emplace(Signature(s.labels, b.matching).ToString(), ids.size()).first->second;
    };
    std::vector<uint32_t> one_id, many_id;
    for (const StepSeries& s : one) one_id.push_back(id_of(s));
    for (const StepSeries& s : many) many_id.push_back(id_of(s));
    constexpr size_t kNever = SIZE_MAX;
    std::vector<size_t> one_step(ids.size(), kNever), many_step(ids.size(), kNever);
    std::vector<size_t> one_at(ids.size());  // the one side's series of an id at one_step
    Value out;
    std::unordered_map<std::string, size_t> out_index;  // result labels -> out.series
    std::unordered_map<uint64_t, size_t> pairs;         // (many, one) -> out.series
    std::unordered_set<uint64_t> grouped;               // (id, result) met at this step
    for (size_t k = 0; k < steps_; ++k) {
      bool any_one = false;
      for (size_t i = 0; i < one.size(); ++i) {
        if (!one[i].present[k]) continue;
        if (one_step[one_id[i]] == k) {
          return Status::InvalidArgument(
              "found duplicate series on the " + std::string(many_left ? "right" : "left") +
              " hand-side;many-to-many matching not allowed: matching labels must be unique on "
              "one side");
        }
        one_step[one_id[i]] = k;
        one_at[one_id[i]] = i;
        any_one = true;
      }
      if (!any_one) continue;
      grouped.clear();
      for (size_t j = 0; j < many.size(); ++j) {
        if (!many[j].present[k]) continue;
        const uint32_t id = many_id[j];
        if (one_step[id] != k) continue;
        const size_t i = one_at[id];
        const uint64_t pair_key = (static_cast<uint64_t>(j) << 32) | i;
        auto p = pairs.find(pair_key);
        if (p == pairs.end()) {
          Labels labels = ResultLabels(many[j].labels, one[i].labels, b.matching);
          auto [pos, inserted] = out_index.try_emplace(labels.ToString(), out.series.size());
          if (inserted) {
            out.series.push_back(StepSeries{std::move(labels), std::vector<double>(steps_, 0),
                                            std::vector<uint8_t>(steps_, 0)});
          }
          p = pairs.emplace(pair_key, pos->second).first;
        }
        if (group == VectorMatching::Group::kNone) {
          if (many_step[id] == k) {
            return Status::InvalidArgument(
                "multiple matches for labels: many-to-one matching must be explicit "
                "(group_left/group_right)");
          }
          many_step[id] = k;
        } else if (!grouped.insert((static_cast<uint64_t>(id) << 32) | p->second).second) {
          return Status::InvalidArgument(
              "multiple matches for labels: grouping labels must ensure unique matches");
        }
        const double x = many_left ? many[j].values[k] : one[i].values[k];
        const double y = many_left ? one[i].values[k] : many[j].values[k];
        double v = 0;
        StepSeries& s = out.series[p->second];
        if (Apply(b, x, y, x, v) && !s.present[k]) {
          s.values[k] = v;
          s.present[k] = 1;
        }
      }
    }
    std::erase_if(out.series, [](const StepSeries& s) {
      return std::find(s.present.begin(), s.present.end(), 1) == s.present.end();
    });
    return out;
  }

  Result<Value> EvalSet(const BinaryExpr& b, Value& lhs, Value& rhs) {
    // Per step: which signatures the right side has.
    std::vector<std::set<std::string>> right(steps_);
    for (const StepSeries& s : rhs.series) {
      std::string key = Signature(s.labels, b.matching).ToString();
      for (size_t i = 0; i < steps_; ++i) {
        if (s.present[i]) right[i].insert(key);
      }
    }
    Value out;
    if (b.op == BinaryOp::kOr) {
      std::vector<std::set<std::string>> left(steps_);
      for (StepSeries& s : lhs.series) {
        std::string key = Signature(s.labels, b.matching).ToString();
        for (size_t i = 0; i < steps_; ++i) {
          if (s.present[i]) left[i].insert(key);
        }
        out.series.push_back(std::move(s));
      }
      for (StepSeries& s : rhs.series) {
        std::string key = Signature(s.labels, b.matching).ToString();
        for (size_t i = 0; i < steps_; ++i) {
          if (s.present[i] && left[i].count(key)) s.present[i] = 0;
        }
        out.series.push_back(std::move(s));
      }
      return out;
    }
    const bool want = b.op == BinaryOp::kAnd;
    for (StepSeries& s : lhs.series) {
      std::string key = Signature(s.labels, b.matching).ToString();
      for (size_t i = 0; i < steps_; ++i) {
        if (s.present[i] && (right[i].count(key) > 0) != want) s.present[i] = 0;
      }
      out.series.push_back(std::move(s));
    }
    return out;
  }

  // ---- label_replace. ----

  Result<Value> EvalLabelReplace(const logql::LabelReplace& l) {
    LODE_ASSIGN_OR_RETURN(Value in, Eval(*l.inner));
    if (in.scalar) return Status::InvalidArgument("label_replace needs a vector, not a scalar");
    RE2 re("^(?:" + l.regex + ")$");
    if (!re.ok()) return Status::InvalidArgument(DescribeRegexError(re));
    const auto& names = re.NamedCapturingGroups();
    std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
    for (StepSeries& s : in.series) {
      std::string src(s.labels.Get(l.src));
      if (!re.Match(src, 0, src.size(), RE2::UNANCHORED, groups.data(),
                    static_cast<int>(groups.size()))) {
        continue;
      }
      std::string value = Expand(l.replacement, groups, names);
      std::vector<Label> labels;
      for (const Label& x : s.labels) {
        if (x.name != l.dst) labels.push_back(x);
      }
      if (!value.empty()) labels.push_back(Label{l.dst, value});
      s.labels = Labels(std::move(labels));
    }
    return in;
  }

  // `$1`, `${1}`, `$name`, `${name}` in a replacement, as Prometheus expands them.
  static std::string Expand(const std::string& tmpl, const std::vector<re2::StringPiece>& groups,
                            const std::map<std::string, int>& names) {
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      if (tmpl[i] != '$' || i + 1 == tmpl.size()) {
        out.push_back(tmpl[i]);
        continue;
      }
      if (tmpl[i + 1] == '$') {
        out.push_back('$');
        ++i;
        continue;
      }
      size_t start = i + 1, end;
      bool braced = tmpl[start] == '{';
      if (braced) {
        end = tmpl.find('}', start);
        if (end == std::string::npos) {
          out.push_back('$');
          continue;
        }
        ++start;
      } else {
        end = start;
        while (end < tmpl.size() &&
               (std::isalnum(static_cast<unsigned char>(tmpl[end])) || tmpl[end] == '_')) {
          ++end;
        }
      }
      std::string name = tmpl.substr(start, end - start);
      int index = -1;
      if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
        index = std::stoi(name);
      } else if (auto it = names.find(name); it != names.end()) {
        index = it->second;
      }
      if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
          groups[static_cast<size_t>(index)].data() != nullptr) {
        out.append(groups[static_cast<size_t>(index)].data(),
                   groups[static_cast<size_t>(index)].size());
      }
      i = braced ? end : end - 1;
    }
    return out;
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
  LODE_ASSIGN_OR_RETURN(Value v, ev.Eval(expr));
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
