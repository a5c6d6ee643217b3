#include "model/tenant.h"

namespace lode {

Status ValidateTenant(std::string_view tenant) {
  if (tenant.empty()) return Status::InvalidArgument("empty tenant ID");
  if (tenant.size() > 150) return Status::InvalidArgument("tenant ID is longer than 150 bytes");
  if (tenant == "." || tenant == "..") {
    return Status::InvalidArgument("tenant ID '" + std::string(tenant) + "' is not allowed");
  }
  for (char c : tenant) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!-_.*'()").find(c) != std::string_view::npos;
    if (!ok) {
      return Status::InvalidArgument("tenant ID '" + std::string(tenant) +
                                     "' contains an unsupported character");
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ParseTenantList(std::string_view header) {
  std::vector<std::string> tenants;
  size_t pos = 0;
  while (true) {
    size_t bar = header.find('|', pos);
    std::string_view one = header.substr(pos, bar == std::string_view::npos ? bar : bar - pos);
    LODE_RETURN_IF_ERROR(ValidateTenant(one));
    tenants.emplace_back(one);
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  return tenants;
}

}  // namespace lode
