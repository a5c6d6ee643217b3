// The state of one alerting rule and of its alerts, updated from each
// evaluation's result as Prometheus updates it (rules/alerting.go):
//
// - a series in the result becomes a pending alert, active from that
//   evaluation; it fires once it has been active for `for`;
// - an alert whose series is gone: pending ones are dropped; firing ones
//   resolve (inactive, resolved at that evaluation) unless
//   `keep_firing_for` holds them, and are kept 15 minutes so that the
//   resolution is sent, and sent again;
// - labels and annotations are the rule's templates expanded with the
//   series' labels and value (an expansion error becomes the text
//   "<error expanding template: ...>", as in Prometheus).
//
// Not thread-safe: its group's thread owns it (the ruler copies what the
// API shows under the group's lock).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/labels.h"
#include "model/query_result.h"
#include "query/template/template.h"
#include "ruler/rule_file.h"

namespace lode {

enum class AlertState : uint8_t { kInactive, kPending, kFiring };
const char* AlertStateName(AlertState state);  // "inactive", "pending", "firing"

struct Alert {
  Labels labels;  // the series' labels, the rule's labels, alertname
  Labels annotations;
  AlertState state = AlertState::kPending;
  double value = 0;
  int64_t active_at_ns = 0;
  int64_t fired_at_ns = 0;
  int64_t resolved_at_ns = 0;
  int64_t last_sent_at_ns = 0;
  int64_t valid_until_ns = 0;
  int64_t keep_firing_since_ns = 0;
};

// A series a rule produces at one evaluation (recorded series, ALERTS,
// ALERTS_FOR_STATE), for remote write.
struct RecordedSample {
  Labels labels;  // with __name__
  int64_t t_ns = 0;
  double value = 0;
};

// What an alert's templates see besides its labels and value.
struct AlertContext {
  Labels external_labels;
  std::string external_url;
};

class AlertingRule {
 public:
  // `def` must be an alerting rule that ParseRuleFile accepted.
  AlertingRule(RuleDefinition def, const AlertContext* context);

  const RuleDefinition& definition() const { return def_; }

  // Applies the expression's result at `ts`. Returns the ALERTS and
  // ALERTS_FOR_STATE samples of the active alerts, or an error (more
  // alerts than `limit`, which also clears them, as Prometheus does; or
  // series equal after the rule's labels).
  Result<std::vector<RecordedSample>> Update(int64_t ts, const std::vector<MetricSeries>& result,
                                             int64_t limit);

  // The alerts to send to Alertmanager at `ts` (firing ones every
  // `resend_delay`, resolved ones once and then again while kept), marked
  // as sent; valid until ts + 4 * max(resend_delay, interval).
  std::vector<Alert> TakeAlertsToSend(int64_t ts, int64_t resend_delay, int64_t interval);

  // Pending, firing and (recently) resolved alerts.
  const std::map<Labels, Alert>& alerts() const { return active_; }
  // The highest state of its alerts.
  AlertState State() const;

  // Puts back alerts saved before a restart.
  void Restore(std::vector<Alert> alerts);

 private:
  std::string Expand(const Template& t, const LabelsBuilder& labels, double value) const;

  RuleDefinition def_;
  const AlertContext* context_;
  std::vector<std::pair<std::string, Template>> label_templates_;
  std::vector<std::pair<std::string, Template>> annotation_templates_;
  std::map<Labels, Alert> active_;
};

// A recording rule's output at `ts`: each series renamed `record` with the
// rule's labels set; an error for series made equal by that or for more
// than `limit`.
Result<std::vector<RecordedSample>> RecordSeries(const RuleDefinition& def, int64_t ts,
                                                 const std::vector<MetricSeries>& result,
                                                 int64_t limit);

}  // namespace lode
