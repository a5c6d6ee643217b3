// Binary operators between metric values, step by step: arithmetic and
// comparisons (with or without bool) between scalars, a scalar and a
// vector, or two vectors matched by their labels (on/ignoring,
// group_left/group_right); and the set operators and, or, unless.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "query/metric_query_internal.h"

namespace lode {
namespace {

using logql::BinaryExpr;
using logql::BinaryOp;
using logql::VectorMatching;

bool Compare(BinaryOp op, double a, double b) {
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

double Arith(BinaryOp op, double a, double b) {
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
bool Apply(const BinaryExpr& b, double x, double y, double keep, double& out) {
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

Labels Signature(const Labels& l, const std::optional<VectorMatching>& m) {
  if (!m) return l;
  return m->on ? OnlyLabels(l, m->labels) : WithoutLabels(l, m->labels);
}

// The labels of a match between `many` and `one`, as Loki's resultMetric
// gives them: one-to-one keeps only the on(...) labels or drops the
// ignoring(...) ones; group_left/group_right keep the many side's labels
// and take each included label from the one side, or drop it where the
// one side has none. Comparisons that filter are labelled the same way.
Labels ResultLabels(const Labels& many, const Labels& one, const std::optional<VectorMatching>& m) {
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
Result<StepValue> MatchVectors(const BinaryExpr& b, const StepValue& lhs, const StepValue& rhs,
                               size_t steps) {
  const VectorMatching::Group group = b.matching ? b.matching->group : VectorMatching::Group::kNone;
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
  StepValue out;
  std::unordered_map<std::string, size_t> out_index;  // result labels -> out.series
  std::unordered_map<uint64_t, size_t> pairs;         // (many, one) -> out.series
  std::unordered_set<uint64_t> grouped;               // (id, result) met at this step
  for (size_t k = 0; k < steps; ++k) {
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
          out.series.push_back(StepSeries{std::move(labels), std::vector<double>(steps, 0),
                                          std::vector<uint8_t>(steps, 0)});
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

Result<StepValue> EvalSet(const BinaryExpr& b, StepValue& lhs, StepValue& rhs, size_t steps) {
  // Per step: which signatures the right side has.
  std::vector<std::set<std::string>> right(steps);
  for (const StepSeries& s : rhs.series) {
    std::string key = Signature(s.labels, b.matching).ToString();
    for (size_t i = 0; i < steps; ++i) {
      if (s.present[i]) right[i].insert(key);
    }
  }
  StepValue out;
  if (b.op == BinaryOp::kOr) {
    std::vector<std::set<std::string>> left(steps);
    for (StepSeries& s : lhs.series) {
      std::string key = Signature(s.labels, b.matching).ToString();
      for (size_t i = 0; i < steps; ++i) {
        if (s.present[i]) left[i].insert(key);
      }
      out.series.push_back(std::move(s));
    }
    for (StepSeries& s : rhs.series) {
      std::string key = Signature(s.labels, b.matching).ToString();
      for (size_t i = 0; i < steps; ++i) {
        if (s.present[i] && left[i].count(key)) s.present[i] = 0;
      }
      out.series.push_back(std::move(s));
    }
    return out;
  }
  const bool want = b.op == BinaryOp::kAnd;
  for (StepSeries& s : lhs.series) {
    std::string key = Signature(s.labels, b.matching).ToString();
    for (size_t i = 0; i < steps; ++i) {
      if (s.present[i] && (right[i].count(key) > 0) != want) s.present[i] = 0;
    }
    out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Result<StepValue> ApplyBinaryOperator(const BinaryExpr& b, StepValue lhs, StepValue rhs,
                                      size_t steps) {
  StepValue out;
  if (lhs.scalar && rhs.scalar) {
    out.scalar = true;
    out.scalar_values.resize(steps);
    // Between scalars a comparison is 0 or 1, `bool` or not.
    BinaryExpr as_bool = b;
    as_bool.return_bool = true;
    for (size_t i = 0; i < steps; ++i) {
      double v = 0;
      Apply(as_bool, lhs.scalar_values[i], rhs.scalar_values[i], lhs.scalar_values[i], v);
      out.scalar_values[i] = v;
    }
    return out;
  }
  if (lhs.scalar || rhs.scalar) {
    const bool scalar_left = lhs.scalar;
    StepValue& vec = scalar_left ? rhs : lhs;
    const std::vector<double>& sc = scalar_left ? lhs.scalar_values : rhs.scalar_values;
    for (StepSeries& s : vec.series) {
      for (size_t i = 0; i < steps; ++i) {
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
  if (logql::IsSetOperator(b.op)) return EvalSet(b, lhs, rhs, steps);

  return MatchVectors(b, lhs, rhs, steps);
}

}  // namespace lode
