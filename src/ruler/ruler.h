// The ruler: alerting and recording rules in Prometheus' rule-file format
// with LogQL expressions, as Loki's ruler runs them. Rule files live in
// <rule_path>/<tenant>/<namespace>.yaml; the ruler loads them at start
// (a bad file stops the start, naming file, line and reason), looks for
// changes every poll_interval, and changes them when the ruler API asks
// (written atomically). Each group runs on its own thread (rule_group.h);
// alerts go to Alertmanager, recorded series to remote write.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "base/metrics.h"
#include "base/mutex.h"
#include "io/env.h"
#include "ruler/alertmanager_notifier.h"
#include "ruler/remote_writer.h"
#include "ruler/rule_file.h"
#include "ruler/rule_group.h"
#include "ruler/ruler_options.h"

namespace lode {

class Storage;

class Ruler {
 public:
  using Namespace = std::pair<std::string, std::vector<RuleGroupDefinition>>;

  // `storage`, `env`, `metrics` and `sender` must outlive the ruler.
  Ruler(RulerOptions options, Storage& storage, Env& env, MetricsRegistry& metrics,
        HttpSender& sender);
  ~Ruler();

  // Loads every rule file and starts the groups; an error names the
  // first bad file (file:line:col: reason) and starts nothing.
  Status Start() EXCLUDES(mu_);
  void Stop() EXCLUDES(mu_);

  // Reads rule_path again: changed files replace their groups (alert
  // state carried over), removed ones stop theirs. A file that no longer
  // parses keeps its running groups and is reported in the result.
  Status Reload() EXCLUDES(mu_);

  // ---- The ruler API. ----
  // A tenant's namespaces (all, or just `name_space`), sorted by name.
  std::vector<Namespace> ListRules(const std::string& tenant,
                                   const std::optional<std::string>& name_space) const
      EXCLUDES(mu_);
  // NotFound when there is no such group.
  Result<RuleGroupDefinition> GetGroup(const std::string& tenant, const std::string& name_space,
                                       const std::string& group) const EXCLUDES(mu_);
  // Adds the group to the namespace or replaces the one of the same name,
  // writes the file, and runs it.
  Status SetGroup(const std::string& tenant, const std::string& name_space,
                  RuleGroupDefinition group) EXCLUDES(mu_);
  Status DeleteGroup(const std::string& tenant, const std::string& name_space,
                     const std::string& group) EXCLUDES(mu_);
  Status DeleteNamespace(const std::string& tenant, const std::string& name_space) EXCLUDES(mu_);

  // What the groups of a tenant are doing (Prometheus' rules and alerts
  // API), sorted by namespace then group.
  std::vector<RuleGroupStatus> GroupStatuses(const std::string& tenant) const EXCLUDES(mu_);

  const RulerOptions& options() const { return options_; }

 private:
  using FileKey = std::pair<std::string, std::string>;                 // tenant, namespace
  using GroupKey = std::tuple<std::string, std::string, std::string>;  // + group name

  // Reads every file under rule_path.
  Result<std::map<FileKey, std::vector<RuleGroupDefinition>>> ReadAll() const;
  std::string FilePath(const FileKey& key) const;
  Status WriteFile(const FileKey& key, const std::vector<RuleGroupDefinition>& groups) const;
  // Starts, replaces and stops groups to match files_.
  void Sync() REQUIRES(mu_);
  void Poll() EXCLUDES(mu_);

  const RulerOptions options_;
  Env& env_;
  AlertContext alert_context_;
  AlertmanagerNotifier notifier_;
  RemoteWriter remote_writer_;
  RuleGroupServices services_;

  mutable Mutex mu_;
  CondVar cv_{mu_};
  std::map<FileKey, std::vector<RuleGroupDefinition>> files_ GUARDED_BY(mu_);
  std::map<GroupKey, std::unique_ptr<RuleGroup>> groups_ GUARDED_BY(mu_);
  bool started_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread poller_;
};

}  // namespace lode
