#include "base/dynamic_library.h"

#include <dlfcn.h>

namespace lode {

Result<DynamicLibrary> DynamicLibrary::Open(const std::vector<std::string>& names) {
  std::string errors;
  for (const std::string& name : names) {
    // RTLD_LOCAL: the library's symbols serve only the lookups below.
    void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) return DynamicLibrary(handle, name);
    if (!errors.empty()) errors += "; ";
    const char* error = dlerror();
    errors += error != nullptr ? error : name;
  }
  return Status::Unavailable("cannot load a shared library: " + errors);
}

Result<void*> DynamicLibrary::Symbol(const char* symbol) const {
  dlerror();
  void* address = dlsym(handle_, symbol);
  if (address == nullptr) {
    return Status::Unavailable(name_ + " has no symbol " + symbol + " (too old a version?)");
  }
  return address;
}

}  // namespace lode
