// Queries over several tenants (`X-Scope-OrgID: a|b`): as in Loki, each
// result carries the label __tenant_id__ naming its tenant, and a
// selector's matchers on __tenant_id__ choose among the tenants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/matcher.h"

namespace lode {

inline constexpr std::string_view kTenantLabel = "__tenant_id__";

// The tenants of `tenants` that the __tenant_id__ matchers in *matchers
// accept, those matchers removed. With one tenant nothing changes (the
// label is not there to match).
inline std::vector<std::string> SelectTenants(const std::vector<std::string>& tenants,
                                              std::vector<Matcher>* matchers) {
  if (tenants.size() < 2) return tenants;
  std::vector<Matcher> rest, on_tenant;
  for (Matcher& m : *matchers) {
    (m.name() == kTenantLabel ? on_tenant : rest).push_back(std::move(m));
  }
  *matchers = std::move(rest);
  std::vector<std::string> out;
  for (const std::string& t : tenants) {
    bool ok = true;
    for (const Matcher& m : on_tenant) ok = ok && m.Matches(t);
    if (ok) out.push_back(t);
  }
  return out;
}

}  // namespace lode
