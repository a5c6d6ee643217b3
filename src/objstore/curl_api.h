// CurlApi: the libcurl functions the S3 client calls, looked up at run
// time (base/dynamic_library.h explains why libcurl is not linked).
// <curl/curl.h> is included for its types and constants only: calling a
// curl_* function directly would need the library at link time.
//
// The members drop the curl_ prefix on purpose: with GCC, curl.h defines
// curl_easy_setopt and curl_easy_getinfo as type-checking macros, which
// would expand inside `api.curl_easy_setopt(...)` into a direct call.
#pragma once

#include <curl/curl.h>

#include "base/status.h"

namespace lode {

struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_version_info) version_info = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_easy_reset) easy_reset = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;

  // Opens libcurl and runs curl_global_init, once per process (the first
  // call does it; concurrent callers wait for it). Unavailable when the
  // library is missing or too old for AWS signing (before 7.75). The
  // table lives as long as the process.
  static Result<const CurlApi*> Load();
};

}  // namespace lode
