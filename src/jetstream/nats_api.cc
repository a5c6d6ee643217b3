#include "jetstream/nats_api.h"

#include "base/dynamic_library.h"

namespace lode {
namespace {

Result<NatsApi> Load() {
  // Only 3.4: the structs passed to libnats (jsOptions, jsStreamConfig,
  // kvConfig, ...) are laid out as this build's headers say, and their
  // fields change between minor versions.
  LODE_ASSIGN_OR_RETURN(DynamicLibrary lib, DynamicLibrary::Open({"libnats.so.3.4"}));
  NatsApi api;
#define LODE_NATS_BIND(name) LODE_RETURN_IF_ERROR(lib.Bind(#name, api.name));
  LODE_NATS_FUNCTIONS(LODE_NATS_BIND)
#undef LODE_NATS_BIND
  return api;
}

}  // namespace

Result<const NatsApi*> LoadNatsApi() {
  static const Result<NatsApi> api = Load();
  if (!api.ok()) return api.status();
  return &api.value();
}

}  // namespace lode
