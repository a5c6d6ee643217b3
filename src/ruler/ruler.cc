#include "ruler/ruler.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"

namespace lode {
namespace {

// A namespace as a file name: '/', '%' and a leading '.' are
// percent-encoded, so any namespace maps to one file in its tenant's
// directory and back.
std::string NamespaceFile(std::string_view ns) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < ns.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(ns[i]);
    if (c == '/' || c == '%' || c == 0 || (i == 0 && c == '.')) {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + ".yaml";
}

std::optional<std::string> FileNamespace(std::string_view file) {
  std::string_view stem;
  if (file.ends_with(".yaml")) {
    stem = file.substr(0, file.size() - 5);
  } else if (file.ends_with(".yml")) {
    stem = file.substr(0, file.size() - 4);
  } else {
    return std::nullopt;
  }
  if (stem.empty()) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < stem.size(); ++i) {
    if (stem[i] == '%' && i + 2 < stem.size() + 0 && i + 2 <= stem.size() - 1) {
      const std::string hex(stem.substr(i + 1, 2));
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end != nullptr && *end == '\0') {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(stem[i]);
  }
  return out;
}

bool SameGroup(const RuleGroupDefinition& a, const RuleGroupDefinition& b) {
  return FormatRuleGroup(a) == FormatRuleGroup(b);
}

}  // namespace

Ruler::Ruler(RulerOptions options, Storage& storage, Env& env, MetricsRegistry& metrics,
             HttpSender& sender)
    : options_(std::move(options)),
      env_(env),
      notifier_(NotifierOptions{options_.alertmanager_urls, options_.notification_queue_capacity,
                                256, std::chrono::milliseconds(10000)},
                sender, metrics),
      remote_writer_(RemoteWriterOptions{.url = options_.remote_write_url,
                                         .capacity = options_.remote_write_queue_capacity},
                     sender, metrics) {
  alert_context_.external_labels = options_.external_labels;
  alert_context_.external_url = options_.external_url;
  services_.storage = &storage;
  services_.env = &env;
  services_.clock = env.clock();
  services_.notifier = &notifier_;
  services_.remote_writer = &remote_writer_;
  services_.alert_context = &alert_context_;
  services_.default_interval_ns = options_.evaluation_interval_ns;
  services_.resend_delay_ns = options_.resend_delay_ns;
  services_.for_outage_tolerance_ns = options_.for_outage_tolerance_ns;
  services_.max_series = options_.max_series;
  services_.query_timeout = std::chrono::milliseconds(options_.query_timeout_ns / 1'000'000);
  services_.state_dir = options_.state_dir;
  services_.external_url = options_.external_url;
  const std::vector<std::string> group_labels = {"tenant", "rule_group"};
  services_.evaluations = &metrics.AddCounter("lode_ruler_evaluations_total",
                                              "Rule evaluations, per rule group.", group_labels);
  services_.failures = &metrics.AddCounter(
      "lode_ruler_evaluation_failures_total",
      "Rule evaluations that failed (query error, limit, duplicate series).", group_labels);
  services_.missed = &metrics.AddCounter(
      "lode_ruler_group_iterations_missed_total",
      "Evaluations skipped because the one before overran the group's interval.", group_labels);
  services_.duration = &metrics.AddHistogram("lode_ruler_group_duration_seconds",
                                             "Time to evaluate all the rules of a group once.",
                                             group_labels, LatencyBuckets());
  metrics.AddGauge("lode_ruler_groups", "Rule groups running.", [this] {
    MutexLock lock(mu_);
    return static_cast<double>(groups_.size());
  });
}

Ruler::~Ruler() { Stop(); }

std::string Ruler::FilePath(const FileKey& key) const {
  return JoinPath(JoinPath(options_.rule_path, key.first), NamespaceFile(key.second));
}

Result<std::map<Ruler::FileKey, std::vector<RuleGroupDefinition>>> Ruler::ReadAll() const {
  std::map<FileKey, std::vector<RuleGroupDefinition>> out;
  if (!env_.FileExists(options_.rule_path)) return out;
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> tenants, env_.ListDir(options_.rule_path));
  std::sort(tenants.begin(), tenants.end());
  for (const std::string& tenant : tenants) {
    if (tenant.starts_with(".")) continue;
    const std::string dir = JoinPath(options_.rule_path, tenant);
    auto files = env_.ListDir(dir);
    if (!files.ok()) continue;  // a file beside the tenant directories
    std::sort(files->begin(), files->end());
    for (const std::string& file : *files) {
      auto ns = FileNamespace(file);
      if (!ns) continue;
      const std::string path = JoinPath(dir, file);
      LODE_ASSIGN_OR_RETURN(std::string text, env_.ReadFile(path));
      LODE_ASSIGN_OR_RETURN(auto groups, ParseRuleFile(text, path));
      out[{tenant, *ns}] = std::move(groups);
    }
  }
  return out;
}

Status Ruler::WriteFile(const FileKey& key, const std::vector<RuleGroupDefinition>& groups) const {
  const std::string dir = JoinPath(options_.rule_path, key.first);
  LODE_RETURN_IF_ERROR(env_.CreateDirs(dir));
  const std::string path = FilePath(key);
  if (groups.empty()) {
    if (env_.FileExists(path)) LODE_RETURN_IF_ERROR(env_.RemoveFile(path));
    return env_.SyncDir(dir);
  }
  return env_.WriteFileAtomic(path, FormatRuleFile(groups));
}

Status Ruler::Start() {
  LODE_ASSIGN_OR_RETURN(auto files, ReadAll());
  notifier_.Start();
  remote_writer_.Start();
  {
    MutexLock lock(mu_);
    files_ = std::move(files);
    started_ = true;
    Sync();
    size_t rules = 0;
    for (const auto& [key, group] : groups_) rules += group->definition().rules.size();
    log::Info("ruler started", {{"rule_path", options_.rule_path},
                                {"groups", std::to_string(groups_.size())},
                                {"rules", std::to_string(rules)}});
  }
  poller_ = std::thread([this] { Poll(); });
  return Status::Ok();
}

void Ruler::Stop() {
  std::map<GroupKey, std::unique_ptr<RuleGroup>> groups;
  {
    MutexLock lock(mu_);
    if (stop_ || !started_) {
      stop_ = true;
      return;
    }
    stop_ = true;
    cv_.SignalAll();
    groups = std::move(groups_);
  }
  if (poller_.joinable()) poller_.join();
  for (auto& [key, group] : groups) group->Stop();
  groups.clear();
  notifier_.Stop();
  remote_writer_.Stop();
}

void Ruler::Poll() {
  Clock* clock = env_.clock();
  for (;;) {
    {
      MutexLock lock(mu_);
      const auto deadline =
          clock->Monotonic() + std::chrono::nanoseconds(options_.poll_interval_ns);
      while (!stop_ && !clock->WaitUntil(cv_, deadline)) {
      }
      if (stop_) return;
    }
    Status s = Reload();
    if (!s.ok()) log::Warn("rule files not reloaded", {{"err", s.message()}});
  }
}

Status Ruler::Reload() {
  auto files = ReadAll();
  if (!files.ok()) return files.status();
  MutexLock lock(mu_);
  if (stop_) return Status::Ok();
  files_ = std::move(*files);
  Sync();
  return Status::Ok();
}

void Ruler::Sync() {
  std::map<GroupKey, std::unique_ptr<RuleGroup>> next;
  for (const auto& [file, groups] : files_) {
    for (const RuleGroupDefinition& def : groups) {
      GroupKey key{file.first, file.second, def.name};
      auto it = groups_.find(key);
      if (it != groups_.end() && SameGroup(it->second->definition(), def)) {
        next[key] = std::move(it->second);
        groups_.erase(it);
        continue;
      }
      auto group = std::make_unique<RuleGroup>(file.first, file.second, def, services_);
      if (it != groups_.end()) {
        // Changed: the new group carries on the alerts of the old one.
        it->second->Stop();
        group->Start(it->second.get());
        groups_.erase(it);
      } else {
        group->Start(nullptr);
      }
      next[key] = std::move(group);
    }
  }
  for (auto& [key, group] : groups_) {
    group->Stop();
    group->ForgetState();
  }
  groups_ = std::move(next);
}

std::vector<Ruler::Namespace> Ruler::ListRules(const std::string& tenant,
                                               const std::optional<std::string>& name_space) const {
  std::vector<Namespace> out;
  MutexLock lock(mu_);
  for (const auto& [key, groups] : files_) {
    if (key.first != tenant || groups.empty()) continue;
    if (name_space && key.second != *name_space) continue;
    out.emplace_back(key.second, groups);
  }
  return out;
}

Result<RuleGroupDefinition> Ruler::GetGroup(const std::string& tenant,
                                            const std::string& name_space,
                                            const std::string& group) const {
  MutexLock lock(mu_);
  auto it = files_.find({tenant, name_space});
  if (it != files_.end()) {
    for (const RuleGroupDefinition& g : it->second) {
      if (g.name == group) return g;
    }
  }
  return Status::NotFound("group does not exist");
}

Status Ruler::SetGroup(const std::string& tenant, const std::string& name_space,
                       RuleGroupDefinition group) {
  if (name_space.empty()) return Status::InvalidArgument("the namespace must not be empty");
  MutexLock lock(mu_);
  std::vector<RuleGroupDefinition> groups = files_[{tenant, name_space}];
  bool replaced = false;
  for (RuleGroupDefinition& g : groups) {
    if (g.name == group.name) {
      g = group;
      replaced = true;
    }
  }
  if (!replaced) groups.push_back(std::move(group));
  LODE_RETURN_IF_ERROR(WriteFile({tenant, name_space}, groups));
  files_[{tenant, name_space}] = std::move(groups);
  if (started_ && !stop_) Sync();
  return Status::Ok();
}

Status Ruler::DeleteGroup(const std::string& tenant, const std::string& name_space,
                          const std::string& group) {
  MutexLock lock(mu_);
  auto it = files_.find({tenant, name_space});
  if (it == files_.end()) return Status::NotFound("group does not exist");
  std::vector<RuleGroupDefinition> groups = it->second;
  const size_t before = groups.size();
  std::erase_if(groups, [&](const RuleGroupDefinition& g) { return g.name == group; });
  if (groups.size() == before) return Status::NotFound("group does not exist");
  LODE_RETURN_IF_ERROR(WriteFile(it->first, groups));
  if (groups.empty()) {
    files_.erase(it);
  } else {
    it->second = std::move(groups);
  }
  if (started_ && !stop_) Sync();
  return Status::Ok();
}

Status Ruler::DeleteNamespace(const std::string& tenant, const std::string& name_space) {
  MutexLock lock(mu_);
  auto it = files_.find({tenant, name_space});
  if (it == files_.end() || it->second.empty()) {
    return Status::NotFound("group namespace does not exist");
  }
  LODE_RETURN_IF_ERROR(WriteFile(it->first, {}));
  files_.erase(it);
  if (started_ && !stop_) Sync();
  return Status::Ok();
}

std::vector<RuleGroupStatus> Ruler::GroupStatuses(const std::string& tenant) const {
  std::vector<RuleGroupStatus> out;
  MutexLock lock(mu_);
  for (const auto& [key, group] : groups_) {
    if (std::get<0>(key) == tenant) out.push_back(group->Snapshot());
  }
  return out;
}

}  // namespace lode
