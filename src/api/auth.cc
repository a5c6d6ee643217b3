#include "api/auth.h"

#include <strings.h>

#include "base/base64.h"

namespace lode {
namespace {

// Compares in time independent of where the strings differ.
bool SecureEquals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

HttpResponse Unauthorized(const std::string& why) {
  HttpResponse r = HttpResponse::Text(401, why);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"lode\"");
  return r;
}

}  // namespace

const AuthToken* Authenticator::Find(const std::string& token) const {
  const AuthToken* found = nullptr;
  for (const AuthToken& t : tokens_) {
    if (SecureEquals(t.token, token)) found = &t;
  }
  return found;
}

std::optional<HttpResponse> Authenticator::Check(HttpRequest& request, Access access) const {
  if (!enabled() || access == Access::kNone) return std::nullopt;
  std::string header = request.Header("Authorization");
  std::string token;
  if (header.size() > 7 && strncasecmp(header.c_str(), "Bearer ", 7) == 0) {
    token = header.substr(7);
  } else if (header.size() > 6 && strncasecmp(header.c_str(), "Basic ", 6) == 0) {
    std::string pair = DecodeBase64(std::string_view(header).substr(6)).value_or("");
    size_t colon = pair.find(':');
    token = colon == std::string::npos ? pair : pair.substr(colon + 1);
  } else if (!header.empty()) {
    return Unauthorized("unsupported Authorization scheme: send \"Authorization: Bearer <token>\"");
  } else {
    return Unauthorized("authentication required: send \"Authorization: Bearer <token>\"");
  }
  while (!token.empty() && token.back() == ' ') token.pop_back();
  const AuthToken* t = Find(token);
  if (t == nullptr) return Unauthorized("invalid token");
  if (access == Access::kRead && !t->read) {
    return HttpResponse::Text(403, "this token may not read (tenant " + t->tenant + ")");
  }
  if (access == Access::kWrite && !t->write) {
    return HttpResponse::Text(403, "this token may not write (tenant " + t->tenant + ")");
  }
  std::string asked = request.Header("X-Scope-OrgID");
  if (!asked.empty() && asked != t->tenant) {
    return HttpResponse::Text(
        403, "this token is for tenant \"" + t->tenant + "\" and cannot access \"" + asked + "\"");
  }
  request.headers["X-Scope-OrgID"] = t->tenant;
  return std::nullopt;
}

}  // namespace lode
