#include "api/web_ui.h"

#include "api/web_assets.h"

namespace lode {

std::optional<HttpResponse> ServeWebUi(const HttpRequest& request) {
  std::string_view path = request.path == "/index.html" ? "/" : std::string_view(request.path);
  for (const WebAsset& asset : WebAssets()) {
    if (asset.path != path) continue;
    HttpResponse r;
    r.content_type = std::string(asset.content_type);
    // Names are not versioned, so the browser asks again each time and
    // gets 304 while the binary is the same.
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.headers.emplace_back("ETag", std::string(asset.etag));
    r.headers.emplace_back("Vary", "Accept-Encoding");
    if (request.Header("If-None-Match") == asset.etag) {
      r.status = 304;
      return r;
    }
    if (request.Header("Accept-Encoding").find("gzip") != std::string::npos) {
      r.headers.emplace_back("Content-Encoding", "gzip");
      r.body = std::string(asset.gzip_body);
    } else {
      r.body = std::string(asset.body);
    }
    return r;
  }
  return std::nullopt;
}

}  // namespace lode
