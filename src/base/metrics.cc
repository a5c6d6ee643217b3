#include "base/metrics.h"

#include <bit>
#include <charconv>
#include <cmath>

namespace lode {
namespace {

void AppendNumber(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, ptr);
}

void AppendEscapedLabelValue(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
}

void AppendHeader(std::string& out, const std::string& name, const std::string& help,
                  const char* type) {
  out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  uint64_t old_bits = sum_bits_.load(std::memory_order_relaxed);
  while (true) {
    double updated = std::bit_cast<double>(old_bits) + value;
    if (sum_bits_.compare_exchange_weak(old_bits, std::bit_cast<uint64_t>(updated),
                                        std::memory_order_relaxed)) {
      break;
    }
  }
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out;
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out.push_back(total);
  }
  return out;
}

double Histogram::sum() const { return std::bit_cast<double>(sum_bits_.load()); }

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 16};
}

std::string MetricFamily::LabelText(const std::vector<std::string>& values,
                                    const std::string& extra) const {
  if (label_names_.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += label_names_[i] + "=\"";
    AppendEscapedLabelValue(out, values[i]);
    out += "\"";
  }
  if (!extra.empty()) {
    if (!label_names_.empty()) out += ",";
    out += extra;
  }
  out += "}";
  return out;
}

Counter& CounterFamily::With(const std::vector<std::string>& values) {
  MutexLock lock(mu_);
  auto& slot = children_[values];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

void CounterFamily::Render(std::string& out) const {
  AppendHeader(out, name_, help_, "counter");
  MutexLock lock(mu_);
  if (children_.empty() && label_names_.empty()) {
    out += name_ + " 0\n";
    return;
  }
  for (const auto& [values, counter] : children_) {
    out += name_ + LabelText(values) + " " + std::to_string(counter->value()) + "\n";
  }
}

Histogram& HistogramFamily::With(const std::vector<std::string>& values) {
  MutexLock lock(mu_);
  auto& slot = children_[values];
  if (!slot) slot = std::make_unique<Histogram>(bounds_);
  return *slot;
}

void HistogramFamily::Render(std::string& out) const {
  AppendHeader(out, name_, help_, "histogram");
  MutexLock lock(mu_);
  for (const auto& [values, hist] : children_) {
    std::vector<uint64_t> counts = hist->CumulativeCounts();
    for (size_t i = 0; i < bounds_.size(); ++i) {
      std::string le = "le=\"";
      AppendNumber(le, bounds_[i]);
      le += "\"";
      out += name_ + "_bucket" + LabelText(values, le) + " " + std::to_string(counts[i]) + "\n";
    }
    out += name_ + "_bucket" + LabelText(values, "le=\"+Inf\"") + " " +
           std::to_string(counts.back()) + "\n";
    out += name_ + "_sum" + LabelText(values) + " ";
    AppendNumber(out, hist->sum());
    out += "\n";
    out += name_ + "_count" + LabelText(values) + " " + std::to_string(counts.back()) + "\n";
  }
}

void GaugeFunc::Render(std::string& out) const {
  AppendHeader(out, name_, help_, type_);
  out += name_ + " ";
  AppendNumber(out, fn_());
  out += "\n";
}

CounterFamily& MetricsRegistry::AddCounter(std::string name, std::string help,
                                           std::vector<std::string> label_names) {
  auto family =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names));
  CounterFamily& ref = *family;
  MutexLock lock(mu_);
  families_.push_back(std::move(family));
  return ref;
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                               std::vector<std::string> label_names,
                                               std::vector<double> bounds) {
  auto family = std::make_unique<HistogramFamily>(std::move(name), std::move(help),
                                                  std::move(label_names), std::move(bounds));
  HistogramFamily& ref = *family;
  MutexLock lock(mu_);
  families_.push_back(std::move(family));
  return ref;
}

void MetricsRegistry::AddGauge(std::string name, std::string help, std::function<double()> fn) {
  MutexLock lock(mu_);
  families_.push_back(std::make_unique<GaugeFunc>(std::move(name), std::move(help), std::move(fn)));
}

void MetricsRegistry::AddCounterFunc(std::string name, std::string help,
                                     std::function<double()> fn) {
  MutexLock lock(mu_);
  families_.push_back(
      std::make_unique<GaugeFunc>(std::move(name), std::move(help), std::move(fn), "counter"));
}

std::string MetricsRegistry::Render() const {
  std::string out;
  MutexLock lock(mu_);
  for (const auto& family : families_) family->Render(out);
  return out;
}

}  // namespace lode
