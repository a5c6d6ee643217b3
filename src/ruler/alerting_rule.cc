#include "ruler/alerting_rule.h"

#include <algorithm>
#include <set>

#include "query/labels_builder.h"

namespace lode {
namespace {

// How long a resolved alert is kept (and resent), as in Prometheus.
constexpr int64_t kResolvedRetentionNs = 15LL * 60 * 1'000'000'000;

Labels WithName(const Labels& labels, std::string_view name) {
  std::vector<Label> items = labels.items();
  std::erase_if(items, [](const Label& l) { return l.name == "__name__"; });
  items.push_back({"__name__", std::string(name)});
  return Labels(std::move(items));
}

}  // namespace

const char* AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

AlertingRule::AlertingRule(RuleDefinition def, const AlertContext* context)
    : def_(std::move(def)), context_(context) {
  // The templates were checked when the file was parsed.
  const std::string name = "__alert_" + def_.name;
  for (const auto& [k, v] : def_.labels) {
    if (auto t = Template::ParsePrometheus(v, name); t.ok()) label_templates_.emplace_back(k, *t);
  }
  for (const auto& [k, v] : def_.annotations) {
    if (auto t = Template::ParsePrometheus(v, name); t.ok()) {
      annotation_templates_.emplace_back(k, *t);
    }
  }
}

std::string AlertingRule::Expand(const Template& t, const LabelsBuilder& labels,
                                 double value) const {
  AlertTemplateData data;
  LabelsBuilder external;
  external.Reset(context_->external_labels, Labels());
  data.external_labels = &external;
  data.external_url = context_->external_url;
  data.value = value;
  TemplateInput input;
  input.labels = &labels;
  input.alert = &data;
  std::string out;
  Status s = t.Execute(input, &out);
  if (!s.ok()) return "<error expanding template: " + s.message() + ">";
  return out;
}

Result<std::vector<RecordedSample>> AlertingRule::Update(int64_t ts,
                                                         const std::vector<MetricSeries>& result,
                                                         int64_t limit) {
  std::map<Labels, Alert> fresh;
  LabelsBuilder builder;
  for (const MetricSeries& series : result) {
    if (series.samples.empty()) continue;
    const double value = series.samples.back().value;
    builder.Reset(series.labels, Labels());
    std::vector<Label> items;
    for (const Label& l : series.labels) {
      if (l.name != "__name__") items.push_back(l);
    }
    std::vector<Label> rule_labels;
    for (const auto& [k, t] : label_templates_)
      rule_labels.push_back({k, Expand(t, builder, value)});
    for (Label& l : rule_labels) items.push_back(std::move(l));
    items.push_back({"alertname", def_.name});
    Alert alert;
    alert.labels = Labels(std::move(items));  // later names replace earlier ones
    std::vector<Label> annotations;
    for (const auto& [k, t] : annotation_templates_) {
      annotations.push_back({k, Expand(t, builder, value)});
    }
    alert.annotations = Labels(std::move(annotations));
    alert.value = value;
    alert.active_at_ns = ts;
    alert.state = AlertState::kPending;
    if (fresh.contains(alert.labels)) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying alert labels");
    }
    Labels key = alert.labels;
    fresh.emplace(std::move(key), std::move(alert));
  }

  for (auto& [labels, alert] : fresh) {
    auto it = active_.find(labels);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = alert.value;
      it->second.annotations = alert.annotations;
      continue;
    }
    active_[labels] = std::move(alert);
  }

  std::vector<RecordedSample> samples;
  int64_t active_count = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!fresh.contains(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && def_.keep_firing_for_ns > 0) {
        if (a.keep_firing_since_ns == 0) a.keep_firing_since_ns = ts;
        if (ts - a.keep_firing_since_ns < def_.keep_firing_for_ns) keep_firing = true;
      }
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ns != 0 && ts - a.resolved_at_ns > kResolvedRetentionNs)) {
        it = active_.erase(it);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ns = ts;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ns = 0;
    }
    ++active_count;
    if (a.state == AlertState::kPending && ts - a.active_at_ns >= def_.for_ns) {
      a.state = AlertState::kFiring;
      a.fired_at_ns = ts;
    }
    std::vector<Label> alerts = a.labels.items();
    alerts.push_back({"alertstate", AlertStateName(a.state)});
    samples.push_back({WithName(Labels(std::move(alerts)), "ALERTS"), ts, 1});
    samples.push_back({WithName(a.labels, "ALERTS_FOR_STATE"), ts,
                       static_cast<double>(a.active_at_ns / 1'000'000'000)});
    ++it;
  }
  if (limit > 0 && active_count > limit) {
    active_.clear();
    return Status::InvalidArgument("exceeded limit of " + std::to_string(limit) + " with " +
                                   std::to_string(active_count) + " alerts");
  }
  return samples;
}

std::vector<Alert> AlertingRule::TakeAlertsToSend(int64_t ts, int64_t resend_delay,
                                                  int64_t interval) {
  std::vector<Alert> out;
  for (auto& [labels, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    const bool resolved_since_sent = a.resolved_at_ns > a.last_sent_at_ns;
    if (!resolved_since_sent && a.last_sent_at_ns + resend_delay >= ts) continue;
    a.last_sent_at_ns = ts;
    a.valid_until_ns = ts + 4 * std::max(resend_delay, interval);
    out.push_back(a);
  }
  return out;
}

AlertState AlertingRule::State() const {
  AlertState max = AlertState::kInactive;
  for (const auto& [labels, a] : active_) {
    if (a.state == AlertState::kFiring) return AlertState::kFiring;
    if (a.state == AlertState::kPending) max = AlertState::kPending;
  }
  return max;
}

void AlertingRule::Restore(std::vector<Alert> alerts) {
  for (Alert& a : alerts) {
    Labels key = a.labels;
    active_[std::move(key)] = std::move(a);
  }
}

Result<std::vector<RecordedSample>> RecordSeries(const RuleDefinition& def, int64_t ts,
                                                 const std::vector<MetricSeries>& result,
                                                 int64_t limit) {
  std::vector<RecordedSample> out;
  std::set<Labels> seen;
  for (const MetricSeries& series : result) {
    if (series.samples.empty()) continue;
    std::vector<Label> items = series.labels.items();
    for (const auto& [k, v] : def.labels) items.push_back({k, v});
    Labels labels = WithName(Labels(std::move(items)), def.name);
    if (!seen.insert(labels).second) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying rule labels");
    }
    out.push_back({std::move(labels), ts, series.samples.back().value});
  }
  if (limit > 0 && static_cast<int64_t>(out.size()) > limit) {
    return Status::InvalidArgument("exceeded limit of " + std::to_string(limit) + " with " +
                                   std::to_string(out.size()) + " series");
  }
  return out;
}

}  // namespace lode
