// The ruler's endpoints, as Loki serves them: its rule configuration API
// in YAML (/loki/api/v1/rules[/{namespace}[/{group}]], also under
// /api/prom/rules) and Prometheus' read API in JSON
// (/prometheus/api/v1/rules and /alerts), which Grafana's alerting views
// read. Every call is per tenant (X-Scope-OrgID, or the default tenant).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "api/api.h"
#include "api/api_params.h"
#include "base/json_writer.h"
#include "base/time.h"
#include "logql/parser.h"
#include "logql/printer.h"
#include "ruler/ruler.h"
#include "wire/query_response.h"  // WriteLabels

namespace lode {
namespace {

// Loki's answer to an accepted change, byte for byte.
constexpr const char* kAccepted = R"({"status":"success","data":null,"errorType":"","error":""})";

HttpResponse Yaml(std::string body) {
  HttpResponse r;
  r.content_type = "application/yaml";
  r.body = std::move(body);
  return r;
}

HttpResponse PromError(int status, const char* type, const std::string& message) {
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("error");
  w.Key("data");
  w.Null();
  w.Key("errorType");
  w.String(type);
  w.Key("error");
  w.String(message);
  w.EndObject();
  return HttpResponse::Json(status, std::move(body));
}

// Go's time.Time in RFC 3339 with nanoseconds; the zero time for "never".
std::string EvalTime(int64_t ns) {
  return ns == 0 ? "0001-01-01T00:00:00Z" : FormatRfc3339Nano(ns);
}

// strconv.FormatFloat(v, 'e', -1, 64): "1e+00", "1.5e+01", "NaN", "+Inf".
std::string GoExp(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  for (int precision = 0; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void WritePairs(JsonWriter& w, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<Label> items;
  for (const auto& [k, v] : pairs) items.push_back({k, v});
  WriteLabels(w, Labels(std::move(items)));
}

void WriteAlert(JsonWriter& w, const Alert& a) {
  w.BeginObject();
  w.Key("labels");
  WriteLabels(w, a.labels);
  w.Key("annotations");
  WriteLabels(w, a.annotations);
  w.Key("state");
  w.String(AlertStateName(a.state));
  w.Key("activeAt");
  w.String(EvalTime(a.active_at_ns));
  if (a.keep_firing_since_ns != 0) {
    w.Key("keepFiringSince");
    w.String(EvalTime(a.keep_firing_since_ns));
  }
  w.Key("value");
  w.String(GoExp(a.value));
  w.EndObject();
}

// The rule's expression as Loki prints it back (its AST, formatted).
std::string PrintedQuery(const std::string& expr) {
  auto parsed = logql::ParseQuery(expr);
  return parsed.ok() ? logql::Print(*parsed) : expr;
}

// A path's segments after `prefix`, each percent-decoded on its own (so a
// namespace may hold an encoded '/').
std::vector<std::string> Segments(const HttpRequest& request, std::string_view prefix) {
  std::string_view raw = request.target;
  raw = raw.substr(0, raw.find('?'));
  std::vector<std::string> out;
  if (!raw.starts_with(prefix)) return out;
  raw.remove_prefix(prefix.size());
  while (!raw.empty()) {
    if (raw.front() == '/') {
      raw.remove_prefix(1);
      continue;
    }
    const size_t slash = raw.find('/');
    out.push_back(UrlDecode(raw.substr(0, slash)));
    raw = slash == std::string_view::npos ? std::string_view() : raw.substr(slash);
  }
  return out;
}

}  // namespace

Result<std::string> Api::RulerTenant(const HttpRequest& request) const {
  LODE_ASSIGN_OR_RETURN(auto tenants, ReadTenants(request, options_.default_tenant));
  if (tenants.size() != 1) {
    return Status::InvalidArgument("the ruler API takes one tenant, not several");
  }
  return tenants[0];
}

HttpResponse Api::HandleRuleConfig(const HttpRequest& request, std::string_view prefix) {
  Ruler& ruler = *options_.ruler;
  auto tenant = RulerTenant(request);
  if (!tenant.ok()) return ErrorResponse(tenant.status());
  const std::vector<std::string> segments = Segments(request, prefix);
  if (segments.size() > 2) return HttpResponse::Text(404, "404 page not found");
  const std::string& method = request.method;
  if (segments.size() <= 1 && method == "GET") {
    std::optional<std::string> ns;
    if (!segments.empty()) ns = segments[0];
    auto namespaces = ruler.ListRules(*tenant, ns);
    if (namespaces.empty()) return HttpResponse::Text(404, "no rule groups found\n");
    return Yaml(FormatNamespaces(namespaces));
  }
  if (segments.size() == 1 && method == "POST") {
    auto group = ParseRuleGroup(request.body);
    if (!group.ok()) return HttpResponse::Text(400, group.status().message() + "\n");
    Status s = ruler.SetGroup(*tenant, segments[0], std::move(*group));
    if (!s.ok()) return HttpResponse::Text(HttpStatusFor(s), s.message() + "\n");
    return HttpResponse::Json(202, kAccepted);
  }
  if (segments.size() == 1 && method == "DELETE") {
    Status s = ruler.DeleteNamespace(*tenant, segments[0]);
    if (!s.ok()) return HttpResponse::Text(HttpStatusFor(s), s.message() + "\n");
    return HttpResponse::Json(202, kAccepted);
  }
  if (segments.size() == 2 && method == "GET") {
    auto group = ruler.GetGroup(*tenant, segments[0], segments[1]);
    if (!group.ok())
      return HttpResponse::Text(HttpStatusFor(group.status()), group.status().message() + "\n");
    return Yaml(FormatRuleGroup(*group));
  }
  if (segments.size() == 2 && method == "DELETE") {
    Status s = ruler.DeleteGroup(*tenant, segments[0], segments[1]);
    if (!s.ok()) return HttpResponse::Text(HttpStatusFor(s), s.message() + "\n");
    return HttpResponse::Json(202, kAccepted);
  }
  return HttpResponse::Text(405, "method " + method + " not allowed on " + request.path);
}

HttpResponse Api::HandlePrometheusRules(const HttpRequest& request, bool alerts_only) {
  auto tenant = RulerTenant(request);
  if (!tenant.ok())
    return PromError(HttpStatusFor(tenant.status()), "bad_data", tenant.status().message());
  const std::vector<RuleGroupStatus> groups = options_.ruler->GroupStatuses(*tenant);
  std::string body;
  JsonWriter w(body);
  w.BeginObject();
  w.Key("status");
  w.String("success");
  w.Key("data");
  w.BeginObject();
  if (alerts_only) {
    w.Key("alerts");
    w.BeginArray();
    for (const RuleGroupStatus& g : groups) {
      for (const RuleStatus& r : g.rules) {
        for (const Alert& a : r.alerts) WriteAlert(w, a);
      }
    }
    w.EndArray();
  } else {
    std::string type = request.Param("type");
    for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!type.empty() && type != "alert" && type != "record") {
      return PromError(400, "bad_data", "not supported value \"" + request.Param("type") + "\"");
    }
    auto filter = [&](const char* name) {
      std::set<std::string> values;
      for (const std::string& v : request.Params(name)) values.insert(v);
      for (const std::string& v : request.Params(std::string(name) + "[]")) values.insert(v);
      return values;
    };
    const std::set<std::string> names = filter("rule_name"), group_names = filter("rule_group"),
                                files = filter("file");
    w.Key("groups");
    w.BeginArray();
    for (const RuleGroupStatus& g : groups) {
      if (!group_names.empty() && !group_names.contains(g.name)) continue;
      if (!files.empty() && !files.contains(g.name_space)) continue;
      std::vector<const RuleStatus*> rules;
      for (const RuleStatus& r : g.rules) {
        const bool alerting = r.definition.kind == RuleDefinition::Kind::kAlert;
        if (type == "alert" && !alerting) continue;
        if (type == "record" && alerting) continue;
        if (!names.empty() && !names.contains(r.definition.name)) continue;
        rules.push_back(&r);
      }
      if (rules.empty() && (!type.empty() || !names.empty())) continue;
      w.BeginObject();
      w.Key("name");
      w.String(g.name);
      w.Key("file");
      w.String(g.name_space);
      w.Key("rules");
      w.BeginArray();
      for (const RuleStatus* r : rules) {
        const RuleDefinition& d = r->definition;
        w.BeginObject();
        if (d.kind == RuleDefinition::Kind::kAlert) {
          w.Key("state");
          w.String(AlertStateName(r->state));
        }
        w.Key("name");
        w.String(d.name);
        w.Key("query");
        w.String(PrintedQuery(d.expr));
        if (d.kind == RuleDefinition::Kind::kAlert) {
          w.Key("duration");
          w.Double(static_cast<double>(d.for_ns) / 1e9);
          w.Key("keepFiringFor");
          w.Double(static_cast<double>(d.keep_firing_for_ns) / 1e9);
        }
        w.Key("labels");
        WritePairs(w, d.labels);
        if (d.kind == RuleDefinition::Kind::kAlert) {
          w.Key("annotations");
          WritePairs(w, d.annotations);
          w.Key("alerts");
          w.BeginArray();
          for (const Alert& a : r->alerts) WriteAlert(w, a);
          w.EndArray();
        }
        w.Key("health");
        w.String(r->health);
        w.Key("lastError");
        w.String(r->last_error);
        w.Key("type");
        w.String(d.kind == RuleDefinition::Kind::kAlert ? "alerting" : "recording");
        w.Key("lastEvaluation");
        w.String(EvalTime(r->last_evaluation_ns));
        w.Key("evaluationTime");
        w.Double(r->evaluation_seconds);
        w.EndObject();
      }
      w.EndArray();
      w.Key("interval");
      w.Double(static_cast<double>(g.interval_ns) / 1e9);
      w.Key("limit");
      w.Int(g.limit);
      w.Key("lastEvaluation");
      w.String(EvalTime(g.last_evaluation_ns));
      w.Key("evaluationTime");
      w.Double(g.evaluation_seconds);
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  w.Key("errorType");
  w.String("");
  w.Key("error");
  w.String("");
  w.EndObject();
  return HttpResponse::Json(200, std::move(body));
}

}  // namespace lode
