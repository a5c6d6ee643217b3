// lode's audit endpoints (Loki has none; the JSON is in audit_json.h):
//   GET /api/v1/audit/heads        each audit stream's chain head, counting
//                                  only records on stable storage
//   GET|POST /api/v1/audit/verify  every audit chain of the tenant checked
//                                  against its records; a POST body of heads
//                                  published earlier checks those too; within
//                                  query_timeout, like a query
#include <algorithm>

#include "api/api.h"
#include "api/api_params.h"
#include "audit/audit_json.h"

namespace lode {
namespace {

// Heads count only records on stable storage, so taking them syncs the
// tenant's WAL first; on a full disk that cannot be done.
Status WhyNoHeads(const Status& s) {
  if (s.code() != StatusCode::kNoSpace) return s;
  return Status::NoSpace(
      "the chain heads cannot be taken while the disk is full: they count only records on "
      "stable storage, and the newest cannot be synced (" +
      s.message() +
      "); they are answered again once the disk has room. Queries answer meanwhile; a stopped "
      "store can be checked with lode verify --data");
}

}  // namespace

HttpResponse Api::HandleAuditHeads(const HttpRequest& request) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  std::vector<std::pair<std::string, std::vector<AuditChain>>> found;
  for (const std::string& tenant : *tenants) {
    auto chains = storage_.AuditChains(tenant);
    if (!chains.ok()) return ErrorResponse(WhyNoHeads(chains.status()));
    found.emplace_back(tenant, std::move(chains).value());
  }
  return SuccessAnswer([&](JsonWriter& w) {
    w.BeginArray();
    for (const auto& [tenant, chains] : found) WriteAuditHeads(w, tenant, chains);
    w.EndArray();
  });
}

HttpResponse Api::HandleAuditVerify(const HttpRequest& request) {
  auto tenants = ReadTenants(request, options_.default_tenant);
  if (!tenants.ok()) return ErrorResponse(tenants.status());
  VerifyOptions options;
  options.running = true;
  // As long as a query may run: it reads every record of every audit
  // stream of the tenant.
  const QueryLimits limits = LimitsFor(request);
  options.deadline = limits.deadline;
  options.timeout = limits.timeout;
  options.cancelled = limits.cancelled;
  if (!request.body.empty()) {
    auto expected = ParseExpectedHeads(request.body, tenants->size() == 1 ? (*tenants)[0] : "");
    if (!expected.ok()) return ErrorResponse(expected.status());
    for (const ExpectedHead& e : *expected) {
      // Never "intact" for heads that were not checked.
      if (std::find(tenants->begin(), tenants->end(), e.tenant) == tenants->end()) {
        std::string asked;
        for (const std::string& t : *tenants) asked += (asked.empty() ? "" : "|") + t;
        return HttpResponse::Text(400, "a head of tenant \"" + e.tenant +
                                           "\" was given, but the request is for tenant " + asked +
                                           " (name every tenant in X-Scope-OrgID, a|b)");
      }
    }
    options.expected = std::move(expected).value();
  }
  std::vector<ChainVerdict> verdicts;
  for (const std::string& tenant : *tenants) {
    auto checked = VerifyTenant(storage_, tenant, options);
    if (!checked.ok()) return ErrorResponse(WhyNoHeads(checked.status()));
    for (ChainVerdict& v : *checked) verdicts.push_back(std::move(v));
  }
  return SuccessAnswer([&](JsonWriter& w) { WriteVerifyReport(w, verdicts); });
}

}  // namespace lode
