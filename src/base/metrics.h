// Metrics in the Prometheus text exposition format. Families are created
// once (usually at startup) and registered; updates are lock-free on the
// hot path once a labelled child has been looked up.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"

namespace lode {

class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then the total count.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<uint64_t> sum_bits_{0};                // a double, updated by CAS
};

// Common latency buckets in seconds, 1 ms to ~16 s.
std::vector<double> LatencyBuckets();

// Base for a named family of metrics with a fixed list of label names.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~MetricFamily() = default;
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }

 protected:
  // `{a="x",b="y"}` for the given values (empty string when no labels);
  // `extra` is appended as one more label, e.g. le="0.5".
  std::string LabelText(const std::vector<std::string>& values,
                        const std::string& extra = "") const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

class CounterFamily : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  // The child for these label values (created on first use). The returned
  // reference stays valid for the life of the family.
  Counter& With(const std::vector<std::string>& values);
  void Render(std::string& out) const override;

 private:
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Counter>> children_ GUARDED_BY(mu_);
};

class HistogramFamily : public MetricFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds)
      : MetricFamily(std::move(name), std::move(help), std::move(label_names)),
        bounds_(std::move(bounds)) {}
  Histogram& With(const std::vector<std::string>& values);
  void Render(std::string& out) const override;

 private:
  std::vector<double> bounds_;
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Histogram>> children_ GUARDED_BY(mu_);
};

// A gauge (or a counter kept elsewhere) whose value is read from a
// callback at scrape time.
class GaugeFunc : public MetricFamily {
 public:
  GaugeFunc(std::string name, std::string help, std::function<double()> fn,
            const char* type = "gauge")
      : MetricFamily(std::move(name), std::move(help), {}), fn_(std::move(fn)), type_(type) {}
  void Render(std::string& out) const override;

 private:
  std::function<double()> fn_;
  const char* type_;
};

// Owns the families and renders them all. Thread-safe.
class MetricsRegistry {
 public:
  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names, std::vector<double> bounds);
  void AddGauge(std::string name, std::string help, std::function<double()> fn);
  // A counter whose monotonic value is read from a callback.
  void AddCounterFunc(std::string name, std::string help, std::function<double()> fn);

  std::string Render() const;

 private:
  mutable Mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_ GUARDED_BY(mu_);
};

}  // namespace lode
