// DynamicLibrary: a shared library opened at run time (dlopen) and the
// functions looked up in it. lode links its dependencies statically, but
// two are only shipped by Debian as shared libraries (libcurl and libnats)
// and only cluster members use them: linking them would make every start
// of the binary, a CLI query included, load some 30 libraries (about
// 12 ms measured). They are opened on first use instead.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace lode {

class DynamicLibrary {
 public:
  // Opens the first of `names` (sonames such as "libnats.so.3.4") that the
  // dynamic loader finds. The library stays loaded for the process' life.
  static Result<DynamicLibrary> Open(const std::vector<std::string>& names);

  // The address of `symbol`; an error naming the library and the symbol
  // when it is missing.
  Result<void*> Symbol(const char* symbol) const;

  // Looks up `symbol` into a function pointer of the right type:
  //   LODE_RETURN_IF_ERROR(lib.Bind("curl_easy_init", api.curl_easy_init));
  template <typename Fn>
  Status Bind(const char* symbol, Fn*& out) const {
    auto address = Symbol(symbol);
    if (!address.ok()) return address.status();
    out = reinterpret_cast<Fn*>(*address);
    return Status::Ok();
  }

  const std::string& name() const { return name_; }

 private:
  DynamicLibrary(void* handle, std::string name) : handle_(handle), name_(std::move(name)) {}
  void* handle_ = nullptr;
  std::string name_;
};

}  // namespace lode
