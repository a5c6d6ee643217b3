#include "objstore/curl_api.h"

#include <string>

#include "base/dynamic_library.h"

namespace lode {
namespace {

// CURLOPT_AWS_SIGV4 appeared in 7.75.0.
constexpr unsigned kMinVersion = (7u << 16) | (75u << 8);

Status Bind(const DynamicLibrary& lib, CurlApi& api) {
  LODE_RETURN_IF_ERROR(lib.Bind("curl_global_init", api.global_init));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_version_info", api.version_info));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_init", api.easy_init));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_cleanup", api.easy_cleanup));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_reset", api.easy_reset));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_setopt", api.easy_setopt));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_perform", api.easy_perform));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_getinfo", api.easy_getinfo));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_strerror", api.easy_strerror));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_slist_append", api.slist_append));
  LODE_RETURN_IF_ERROR(lib.Bind("curl_slist_free_all", api.slist_free_all));
  return Status::Ok();
}

Result<const CurlApi*> LoadOnce() {
  LODE_ASSIGN_OR_RETURN(DynamicLibrary lib, DynamicLibrary::Open({"libcurl.so.4"}));
  static CurlApi api;
  LODE_RETURN_IF_ERROR(Bind(lib, api));
  const curl_version_info_data* info = api.version_info(CURLVERSION_NOW);
  if (info == nullptr || info->version_num < kMinVersion) {
    return Status::Unavailable(std::string("libcurl ") + (info ? info->version : "?") +
                               " is too old: AWS signing needs 7.75 or later");
  }
  // Not thread-safe in libcurl before 7.84, hence here, once.
  const CURLcode code = api.global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    return Status::Unavailable(std::string("curl_global_init: ") + api.easy_strerror(code));
  }
  return &api;
}

}  // namespace

Result<const CurlApi*> CurlApi::Load() {
  // A function-local static: initialized exactly once, and concurrent
  // first callers wait for it. A failure is kept too: the library will
  // not appear later in this process.
  static const Result<const CurlApi*> loaded = LoadOnce();
  return loaded;
}

}  // namespace lode
