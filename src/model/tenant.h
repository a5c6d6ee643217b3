// Tenant IDs, as carried by X-Scope-OrgID.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace lode {

// Tenant IDs become directory names: letters, digits and !-_.*'() only,
// at most 150 bytes, and not "." or "..".
Status ValidateTenant(std::string_view tenant);

// Splits a read request's "a|b|c" into validated tenant IDs.
Result<std::vector<std::string>> ParseTenantList(std::string_view header);

}  // namespace lode
