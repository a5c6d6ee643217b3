// The web UI's files, built from web/ and compiled into the binary
// (build/gen/web_assets.cc, written by scripts/embed-web.py), so `lode
// serve` needs nothing beside it.
#pragma once

#include <span>
#include <string_view>

namespace lode {

struct WebAsset {
  std::string_view path;  // as requested: "/", "/ui/app.js", ...
  std::string_view content_type;
  std::string_view body;
  std::string_view gzip_body;  // the same, gzip-compressed
  std::string_view etag;       // quoted, from a hash of the body
};

std::span<const WebAsset> WebAssets();

}  // namespace lode
