// Bearer-token authentication: each token is bound to one tenant and to
// read and/or write access. With no tokens configured, auth is off and the
// tenant is X-Scope-OrgID (or the default, as Loki's `fake`).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "transport/http_types.h"

namespace lode {

struct AuthToken {
  std::string token;
  std::string tenant;
  bool read = true;
  bool write = true;
};

enum class Access { kNone, kRead, kWrite };

class Authenticator {
 public:
  explicit Authenticator(std::vector<AuthToken> tokens) : tokens_(std::move(tokens)) {}

  bool enabled() const { return !tokens_.empty(); }

  // Checks the request's credentials (`Authorization: Bearer <token>`, or
  // Basic with the token as the password, for clients that only do
  // Basic) for `access`: 401 without a known token, 403 when the token
  // may not do this or names another tenant in X-Scope-OrgID. On success
  // the request's X-Scope-OrgID is set to the token's tenant.
  std::optional<HttpResponse> Check(HttpRequest& request, Access access) const;

 private:
  const AuthToken* Find(const std::string& token) const;
  std::vector<AuthToken> tokens_;
};

}  // namespace lode
