// One rule group at run time: its thread evaluates the group's rules in
// order, as instant queries at each evaluation time, every interval (the
// times aligned to the interval, shifted by a per-group offset so that
// groups do not all start at once, as Prometheus does). Alerts go to the
// notifier, recorded series and ALERTS to the remote writer; the alert
// state is saved after each evaluation that changed it, so a restart
// carries on where it was. A failing rule is recorded and the next one
// runs; an evaluation that overruns its interval skips the missed times
// (counted) rather than piling up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "base/mutex.h"
#include "io/clock.h"
#include "io/env.h"
#include "ruler/alerting_rule.h"
#include "ruler/rule_file.h"

namespace lode {

class Storage;
class AlertmanagerNotifier;
class RemoteWriter;

// What every group shares.
struct RuleGroupServices {
  Storage* storage = nullptr;
  Env* env = nullptr;
  Clock* clock = nullptr;
  AlertmanagerNotifier* notifier = nullptr;  // may be null
  RemoteWriter* remote_writer = nullptr;     // may be null
  const AlertContext* alert_context = nullptr;
  int64_t default_interval_ns = 60'000'000'000;
  int64_t resend_delay_ns = 60'000'000'000;
  int64_t for_outage_tolerance_ns = 3600'000'000'000;
  size_t max_series = 10000;  // per rule's query result
  // A rule's query stops (and the rule fails) after this long.
  std::chrono::milliseconds query_timeout{60000};
  std::string state_dir;  // empty: alert state is not kept
  // The base of generatorURL (the UI's address).
  std::string external_url;
  CounterFamily* evaluations = nullptr;        // {tenant, rule_group}
  CounterFamily* failures = nullptr;           // {tenant, rule_group}
  CounterFamily* missed = nullptr;             // {tenant, rule_group}
  HistogramFamily* duration = nullptr;         // {tenant, rule_group}
  CounterFamily* template_failures = nullptr;  // {tenant}
};

struct RuleStatus {
  RuleDefinition definition;
  std::string health = "unknown";  // unknown, ok, err
  std::string last_error;
  int64_t last_evaluation_ns = 0;
  double evaluation_seconds = 0;
  AlertState state = AlertState::kInactive;
  std::vector<Alert> alerts;  // pending and firing
};

struct RuleGroupStatus {
  std::string tenant;
  std::string name_space;
  std::string name;
  int64_t interval_ns = 0;
  int64_t limit = 0;
  int64_t last_evaluation_ns = 0;
  double evaluation_seconds = 0;
  std::vector<RuleStatus> rules;
};

class RuleGroup {
 public:
  RuleGroup(std::string tenant, std::string name_space, RuleGroupDefinition def,
            const RuleGroupServices& services);
  ~RuleGroup();  // stops

  const std::string& tenant() const { return tenant_; }
  const std::string& name_space() const { return name_space_; }
  const RuleGroupDefinition& definition() const { return def_; }
  int64_t interval_ns() const { return interval_ns_; }

  // Loads the alert state saved by an earlier run (or given by the group
  // this one replaces), then starts the thread.
  void Start(const RuleGroup* replaced) EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);
  // Deletes the saved state (the group was deleted).
  void ForgetState();

  // Evaluates once at `ts` (the thread's work; tests call it directly).
  void Evaluate(int64_t ts) EXCLUDES(mu_);

  RuleGroupStatus Snapshot() const EXCLUDES(mu_);

 private:
  struct Rule {
    RuleDefinition def;
    std::unique_ptr<AlertingRule> alerting;  // null for a recording rule
    std::string health = "unknown";
    std::string last_error;
    int64_t last_evaluation_ns = 0;
    double evaluation_seconds = 0;
    std::set<Labels> last_series;  // written last time, for stale markers
  };

  void Run() EXCLUDES(mu_);
  std::string StatePath() const;
  std::string EncodeState() const REQUIRES(mu_);
  void RestoreState(std::string_view text) REQUIRES(mu_);
  void SaveState() EXCLUDES(mu_);
  std::string GeneratorUrl(const RuleDefinition& def, const Alert& alert, int64_t ts) const;

  const std::string tenant_;
  const std::string name_space_;
  const RuleGroupDefinition def_;
  const RuleGroupServices services_;
  const int64_t interval_ns_;
  const std::vector<std::string> metric_labels_;  // {tenant, rule_group}

  mutable Mutex mu_;
  CondVar cv_{mu_};
  std::vector<Rule> rules_ GUARDED_BY(mu_);
  int64_t last_evaluation_ns_ GUARDED_BY(mu_) = 0;
  double evaluation_seconds_ GUARDED_BY(mu_) = 0;
  bool stop_ GUARDED_BY(mu_) = false;
  // Set by Stop, so that a running query ends early rather than holding
  // up a shutdown or a replacement.
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  // The evaluating thread's: what the state file holds, and when it was
  // written.
  std::string saved_state_;
  int64_t saved_at_ns_ = 0;
  std::thread thread_;
};

}  // namespace lode
