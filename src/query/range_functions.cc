#include "query/range_functions.h"

#include <algorithm>
#include <cmath>

namespace lode {

using logql::RangeOp;

namespace {

// Prometheus' quantile over sorted values, with linear interpolation.
double Quantile(double q, std::vector<double>& v) {
  if (v.empty()) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  std::sort(v.begin(), v.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(v.size());
  const double rank = q * (n - 1);
  const double lo_f = std::max(0.0, std::floor(rank));
  const size_t lo = static_cast<size_t>(lo_f);
  const size_t hi = std::min(v.size() - 1, lo + 1);
  const double w = rank - std::floor(rank);
  return v[lo] * (1 - w) + v[hi] * w;
}

// LogQL's rate_counter: Prometheus' rate() over the unwrapped values,
// which Loki follows: the increase (a drop adds the value before it, a
// counter reset) extrapolated to the window (window_end - range,
// window_end] unless the first or last sample is 1.1 average intervals or
// more from its edge (then by half an interval), and never back past the
// counter's zero point. Fewer than two samples give 0, as in Loki.
double RateCounter(const std::deque<WindowSample>& s, int64_t range_ns, int64_t window_end) {
  if (s.size() < 2) return 0;
  double result = s.back().v - s.front().v;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i].v < s[i - 1].v) result += s[i - 1].v;
  }
  constexpr double kNanos = 1e9;
  const int64_t window_start = window_end - range_ns;
  double to_start = static_cast<double>(s.front().t - window_start) / kNanos;
  double to_end = static_cast<double>(window_end - s.back().t) / kNanos;
  const double sampled = static_cast<double>(s.back().t - s.front().t) / kNanos;
  const double avg = sampled / static_cast<double>(s.size() - 1);
  const double threshold = avg * 1.1;
  if (to_start >= threshold) to_start = avg / 2;
  // In Prometheus' order: the zero point may shorten even the half
  // interval.
  if (result > 0 && s.front().v >= 0) {
    const double to_zero = sampled * (s.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg / 2;
  const double factor = (sampled + to_start + to_end) / sampled;
  return result * factor / (static_cast<double>(range_ns) / kNanos);
}

}  // namespace

double AggregateWindow(RangeOp op, const std::deque<WindowSample>& s, double total,
                       int64_t range_ns, int64_t window_end, double param,
                       std::vector<double>& scratch) {
  const double range_seconds = static_cast<double>(range_ns) / 1e9;
  switch (op) {
    case RangeOp::kCountOverTime:
    case RangeOp::kAbsentOverTime:
      return static_cast<double>(s.size());
    case RangeOp::kBytesOverTime:
      return total;
    case RangeOp::kBytesRate:
      return total / range_seconds;
    case RangeOp::kRate:
    case RangeOp::kSumOverTime: {
      double sum = 0;
      for (const WindowSample& x : s) sum += x.v;
      return op == RangeOp::kRate ? sum / range_seconds : sum;
    }
    case RangeOp::kAvgOverTime: {
      double mean = 0, count = 0;
      for (const WindowSample& x : s) {
        count += 1;
        if (std::isinf(mean)) {
          if (std::isinf(x.v) && (mean > 0) == (x.v > 0)) continue;
          if (!std::isinf(x.v) && !std::isnan(x.v)) continue;
        }
        mean += x.v / count - mean / count;
      }
      return mean;
    }
    case RangeOp::kMaxOverTime:
    case RangeOp::kMinOverTime: {
      double m = s.front().v;
      for (const WindowSample& x : s) {
        if ((op == RangeOp::kMaxOverTime ? x.v > m : x.v < m) || std::isnan(m)) m = x.v;
      }
      return m;
    }
    case RangeOp::kStddevOverTime:
    case RangeOp::kStdvarOverTime: {
      double count = 0, mean = 0, aux = 0;
      for (const WindowSample& x : s) {
        count += 1;
        const double delta = x.v - mean;
        mean += delta / count;
        aux += delta * (x.v - mean);
      }
      return op == RangeOp::kStdvarOverTime ? aux / count : std::sqrt(aux / count);
    }
    case RangeOp::kQuantileOverTime:
      scratch.clear();
      for (const WindowSample& x : s) scratch.push_back(x.v);
      return Quantile(param, scratch);
    case RangeOp::kFirstOverTime:
      return s.front().v;
    case RangeOp::kLastOverTime:
      return s.back().v;
    case RangeOp::kRateCounter:
      return RateCounter(s, range_ns, window_end);
  }
  return 0;
}

}  // namespace lode
