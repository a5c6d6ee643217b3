#include "ruler/rule_group.h"

#include <yaml-cpp/yaml.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/json_writer.h"
#include "base/log.h"
#include "base/strings.h"
#include "logql/parser.h"
#include "query/metric_query.h"
#include "ruler/alertmanager_notifier.h"
#include "ruler/remote_writer.h"
#include "wire/query_response.h"  // WriteLabels

namespace lode {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

// Prometheus' staleness marker: a series a rule no longer produces.
double StaleNaN() { return std::bit_cast<double>(uint64_t{0x7ff0000000000002}); }

std::string FormatDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Labels ReadLabels(const YAML::Node& node) {
  std::vector<Label> out;
  if (node && node.IsMap()) {
    for (const auto& kv : node) out.push_back({kv.first.Scalar(), kv.second.Scalar()});
  }
  return Labels(std::move(out));
}

int64_t ReadInt(const YAML::Node& node) {
  if (!node || !node.IsScalar()) return 0;
  return std::strtoll(node.Scalar().c_str(), nullptr, 10);
}

AlertState ReadState(const std::string& s) {
  if (s == "firing") return AlertState::kFiring;
  if (s == "pending") return AlertState::kPending;
  return AlertState::kInactive;
}

// Adds the external labels a series does not have itself.
Labels WithExternal(const Labels& labels, const Labels& external) {
  if (external.empty()) return labels;
  std::vector<Label> items = external.items();
  for (const Label& l : labels) items.push_back(l);  // the series' own win
  return Labels(std::move(items));
}

}  // namespace

RuleGroup::RuleGroup(std::string tenant, std::string name_space, RuleGroupDefinition def,
                     const RuleGroupServices& services)
    : tenant_(std::move(tenant)),
      name_space_(std::move(name_space)),
      def_(std::move(def)),
      services_(services),
      interval_ns_(def_.interval_ns > 0 ? def_.interval_ns : services.default_interval_ns),
      metric_labels_({tenant_, name_space_ + ";" + def_.name}) {
  MutexLock lock(mu_);
  for (const RuleDefinition& r : def_.rules) {
    Rule rule;
    rule.def = r;
    if (r.kind == RuleDefinition::Kind::kAlert) {
      rule.alerting = std::make_unique<AlertingRule>(r, services_.alert_context);
    }
    rules_.push_back(std::move(rule));
  }
}

RuleGroup::~RuleGroup() { Stop(); }

std::string RuleGroup::StatePath() const {
  if (services_.state_dir.empty()) return "";
  return JoinPath(services_.state_dir, UrlEncode(tenant_) + "/" + UrlEncode(name_space_) + "/" +
                                           UrlEncode(def_.name) + ".json");
}

void RuleGroup::Start(const RuleGroup* replaced) {
  std::string state;
  bool from_disk = false;
  if (replaced != nullptr) {
    MutexLock lock(replaced->mu_);
    state = replaced->EncodeState();
  } else if (const std::string path = StatePath(); !path.empty()) {
    if (auto text = services_.env->ReadFile(path); text.ok()) {
      state = std::move(*text);
      from_disk = true;
    }
  }
  if (!state.empty()) {
    MutexLock lock(mu_);
    try {
      const YAML::Node root = YAML::Load(state);
      const int64_t saved_at = ReadInt(root["saved_at"]);
      const int64_t age = services_.clock->NowNanos() - saved_at;
      if (from_disk && age > services_.for_outage_tolerance_ns) {
        log::Info("alert state older than for_outage_tolerance, not restored",
                  {{"tenant", tenant_}, {"group", def_.name}});
      } else {
        RestoreState(state);
      }
    } catch (const YAML::Exception& e) {
      log::Warn("cannot read saved alert state",
                {{"tenant", tenant_}, {"group", def_.name}, {"err", e.what()}});
    }
  }
  thread_ = std::thread([this] { Run(); });
}

void RuleGroup::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
    cancelled_->store(true);
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void RuleGroup::ForgetState() {
  if (const std::string path = StatePath(); !path.empty() && services_.env->FileExists(path)) {
    (void)services_.env->RemoveFile(path);
  }
}

void RuleGroup::Run() {
  const int64_t interval = interval_ns_;
  const int64_t offset = static_cast<int64_t>(
      std::hash<std::string>{}(tenant_ + '\0' + name_space_ + '\0' + def_.name) %
      static_cast<uint64_t>(interval));
  Clock* clock = services_.clock;
  const int64_t now = clock->NowNanos();
  // The first slot after now: slots are offset + k * interval.
  int64_t next = now - (((now - offset) % interval) + interval) % interval + interval;
  for (;;) {
    {
      MutexLock lock(mu_);
      while (!stop_) {
        const int64_t wait = next - clock->NowNanos();
        if (wait <= 0) break;
        clock->WaitUntil(cv_, clock->Monotonic() + std::chrono::nanoseconds(wait));
      }
      if (stop_) return;
    }
    Evaluate(next);
    const int64_t missed = (clock->NowNanos() - next) / interval;
    if (missed > 0 && services_.missed != nullptr) {
      services_.missed->With(metric_labels_).Inc(static_cast<uint64_t>(missed));
      log::Warn("rule group evaluation took longer than its interval; skipping evaluations",
                {{"tenant", tenant_}, {"group", def_.name}, {"missed", std::to_string(missed)}});
    }
    next += interval * (missed + 1);
  }
}

std::string RuleGroup::GeneratorUrl(const RuleDefinition& def, const Alert& alert,
                                    int64_t ts) const {
  // The UI's Explore page with the rule's query, from a while before the
  // alert became active to its end.
  const int64_t from_ms = (alert.active_at_ns - 30 * 60 * kSecond) / 1'000'000;
  std::string to = "now";
  if (alert.resolved_at_ns != 0)
    to = std::to_string((alert.resolved_at_ns + 5 * 60 * kSecond) / 1'000'000);
  (void)ts;
  std::string base = services_.external_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/?query=" + UrlEncode(def.expr) + "&from=" + std::to_string(from_ms) + "&to=" + to;
}

void RuleGroup::Evaluate(int64_t ts) {
  const auto group_started = std::chrono::steady_clock::now();
  std::vector<RecordedSample> samples;
  std::vector<NotifierAlert> notifications;
  const Labels& external =
      services_.alert_context != nullptr ? services_.alert_context->external_labels : Labels();
  size_t count;
  {
    MutexLock lock(mu_);
    count = rules_.size();
  }
  for (size_t i = 0; i < count; ++i) {
    const RuleDefinition& def = def_.rules[i];
    const auto started = std::chrono::steady_clock::now();
    Result<MetricQueryResult> result = Status::Internal("not evaluated");
    auto expr = logql::ParseQuery(def.expr);
    if (!expr.ok()) {
      result = expr.status();
    } else {
      MetricQueryParams params;
      params.tenants = {tenant_};
      params.start = params.end = ts;
      params.instant = true;
      params.max_series = services_.max_series;
      params.limits.timeout = services_.query_timeout;
      params.limits.deadline = std::chrono::steady_clock::now() + services_.query_timeout;
      params.limits.cancelled = cancelled_;
      result = ExecuteMetricQuery(*services_.storage, *expr, params);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (services_.evaluations != nullptr) services_.evaluations->With(metric_labels_).Inc();

    MutexLock lock(mu_);
    Rule& rule = rules_[i];
    rule.last_evaluation_ns = ts;
    rule.evaluation_seconds = seconds;
    Result<std::vector<RecordedSample>> produced = Status::Internal("not evaluated");
    if (!result.ok()) {
      produced = result.status();
    } else if (rule.alerting) {
      produced = rule.alerting->Update(ts, result->series, def_.limit);
    } else {
      produced = RecordSeries(def, ts, result->series, def_.limit);
    }
    if (!produced.ok()) {
      rule.health = "err";
      rule.last_error = produced.status().message();
      if (services_.failures != nullptr) services_.failures->With(metric_labels_).Inc();
      log::Warn("rule evaluation failed", {{"tenant", tenant_},
                                           {"group", def_.name},
                                           {"rule", def.name},
                                           {"err", rule.last_error}});
      continue;
    }
    rule.health = "ok";
    rule.last_error.clear();
    std::set<Labels> series;
    for (RecordedSample& s : *produced) {
      s.labels = WithExternal(s.labels, external);
      series.insert(s.labels);
      samples.push_back(std::move(s));
    }
    for (const Labels& gone : rule.last_series) {
      if (!series.contains(gone)) samples.push_back({gone, ts, StaleNaN()});
    }
    rule.last_series = std::move(series);
    if (rule.alerting) {
      for (Alert& a :
           rule.alerting->TakeAlertsToSend(ts, services_.resend_delay_ns, interval_ns_)) {
        NotifierAlert n;
        n.tenant = tenant_;
        n.labels = WithExternal(a.labels, external);
        n.annotations = a.annotations;
        n.starts_at_ns = a.fired_at_ns;
        n.ends_at_ns = a.resolved_at_ns != 0 ? a.resolved_at_ns : a.valid_until_ns;
        n.generator_url = GeneratorUrl(def, a, ts);
        notifications.push_back(std::move(n));
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - group_started).count();
  {
    MutexLock lock(mu_);
    last_evaluation_ns_ = ts;
    evaluation_seconds_ = seconds;
  }
  if (services_.duration != nullptr) services_.duration->With(metric_labels_).Observe(seconds);
  if (services_.notifier != nullptr) services_.notifier->Send(std::move(notifications));
  if (services_.remote_writer != nullptr) {
    services_.remote_writer->Append(tenant_, std::move(samples));
  }
  SaveState();
}

std::string RuleGroup::EncodeState() const {
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("tenant");
  w.String(tenant_);
  w.Key("namespace");
  w.String(name_space_);
  w.Key("group");
  w.String(def_.name);
  w.Key("rules");
  w.BeginArray();
  for (const Rule& rule : rules_) {
    w.BeginObject();
    w.Key("name");
    w.String(rule.def.name);
    w.Key("alerts");
    w.BeginArray();
    if (rule.alerting) {
      for (const auto& [labels, a] : rule.alerting->alerts()) {
        w.BeginObject();
        w.Key("labels");
        WriteLabels(w, a.labels);
        w.Key("annotations");
        WriteLabels(w, a.annotations);
        w.Key("state");
        w.String(AlertStateName(a.state));
        w.Key("value");
        w.String(FormatDouble(a.value));
        const std::pair<const char*, int64_t> times[] = {
            {"active_at", a.active_at_ns},     {"fired_at", a.fired_at_ns},
            {"resolved_at", a.resolved_at_ns}, {"last_sent_at", a.last_sent_at_ns},
            {"valid_until", a.valid_until_ns}, {"keep_firing_since", a.keep_firing_since_ns}};
        for (const auto& [key, t] : times) {
          w.Key(key);
          w.String(std::to_string(t));
        }
        w.EndObject();
      }
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

void RuleGroup::RestoreState(std::string_view text) {
  const YAML::Node root = YAML::Load(std::string(text));
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence()) return;
  // Rules are matched by name and by which of the rules of that name they
  // are (a group may hold several alerts of one name).
  std::map<std::string, std::vector<YAML::Node>> saved;
  for (const auto& r : rules) saved[r["name"].Scalar()].push_back(r);
  std::map<std::string, size_t> seen;
  for (Rule& rule : rules_) {
    const size_t nth = seen[rule.def.name]++;
    auto it = saved.find(rule.def.name);
    if (!rule.alerting || it == saved.end() || nth >= it->second.size()) continue;
    std::vector<Alert> alerts;
    for (const auto& a : it->second[nth]["alerts"]) {
      Alert alert;
      alert.labels = ReadLabels(a["labels"]);
      alert.annotations = ReadLabels(a["annotations"]);
      alert.state = ReadState(a["state"].Scalar());
      alert.value = std::strtod(a["value"].Scalar().c_str(), nullptr);
      alert.active_at_ns = ReadInt(a["active_at"]);
      alert.fired_at_ns = ReadInt(a["fired_at"]);
      alert.resolved_at_ns = ReadInt(a["resolved_at"]);
      alert.last_sent_at_ns = ReadInt(a["last_sent_at"]);
      alert.valid_until_ns = ReadInt(a["valid_until"]);
      alert.keep_firing_since_ns = ReadInt(a["keep_firing_since"]);
      alerts.push_back(std::move(alert));
    }
    rule.alerting->Restore(std::move(alerts));
  }
}

void RuleGroup::SaveState() {
  const std::string path = StatePath();
  if (path.empty()) return;
  std::string state;
  {
    MutexLock lock(mu_);
    state = EncodeState();
  }
  // Written when it changed, and at least every few minutes: saved_at
  // says how long ago the group last ran, which decides at the next start
  // whether the state is still worth restoring (for_outage_tolerance).
  const int64_t now = services_.clock->NowNanos();
  if (state == saved_state_ && now - saved_at_ns_ < 5 * 60 * kSecond) return;
  // saved_at goes in front so that the comparison above ignores it.
  std::string file = "{\"saved_at\":\"" + std::to_string(now) + "\"," + state.substr(1);
  const std::string dir = path.substr(0, path.rfind('/'));
  Status s = services_.env->CreateDirs(dir);
  if (s.ok()) s = services_.env->WriteFileAtomic(path, file);
  if (!s.ok()) {
    log::Warn("cannot save alert state", {{"path", path}, {"err", s.message()}});
    return;
  }
  saved_state_ = std::move(state);
  saved_at_ns_ = now;
}

RuleGroupStatus RuleGroup::Snapshot() const {
  RuleGroupStatus out;
  out.tenant = tenant_;
  out.name_space = name_space_;
  out.name = def_.name;
  out.interval_ns = interval_ns_;
  out.limit = def_.limit;
  MutexLock lock(mu_);
  out.last_evaluation_ns = last_evaluation_ns_;
  out.evaluation_seconds = evaluation_seconds_;
  for (const Rule& rule : rules_) {
    RuleStatus r;
    r.definition = rule.def;
    r.health = rule.health;
    r.last_error = rule.last_error;
    r.last_evaluation_ns = rule.last_evaluation_ns;
    r.evaluation_seconds = rule.evaluation_seconds;
    if (rule.alerting) {
      r.state = rule.alerting->State();
      for (const auto& [labels, a] : rule.alerting->alerts()) {
        if (a.state != AlertState::kInactive) r.alerts.push_back(a);
      }
    }
    out.rules.push_back(std::move(r));
  }
  return out;
}

}  // namespace lode
