#include "jetstream/nats_message.h"

#include <cstdlib>

#include "jetstream/nats_error.h"

namespace lode {

Result<NatsPtr<natsMsg>> MakeNatsMsg(const NatsApi& api, const std::string& subject,
                                     std::string_view data, const NatsHeaders& headers) {
  natsMsg* raw = nullptr;
  natsStatus s = api.natsMsg_Create(&raw, subject.c_str(), nullptr, data.data(),
                                    static_cast<int>(data.size()));
  if (s != NATS_OK) return NatsError(api, s, "message to " + subject);
  NatsPtr<natsMsg> msg = Own(raw, api.natsMsg_Destroy);
  for (const auto& [name, value] : headers) {
    s = api.natsMsgHeader_Add(msg.get(), name.c_str(), value.c_str());
    if (s != NATS_OK) return NatsError(api, s, "message header " + name);
  }
  return msg;
}

std::string NatsMsgData(const NatsApi& api, natsMsg* msg) {
  const char* data = api.natsMsg_GetData(msg);
  int size = api.natsMsg_GetDataLength(msg);
  return data != nullptr && size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

NatsHeaders NatsMsgHeaders(const NatsApi& api, natsMsg* msg) {
  NatsHeaders headers;
  const char** names = nullptr;
  int name_count = 0;
  if (api.natsMsgHeader_Keys(msg, &names, &name_count) != NATS_OK) return headers;
  for (int i = 0; i < name_count; ++i) {
    const char** values = nullptr;
    int value_count = 0;
    if (api.natsMsgHeader_Values(msg, names[i], &values, &value_count) != NATS_OK) continue;
    for (int j = 0; j < value_count; ++j) headers.emplace_back(names[i], values[j]);
    // The arrays are the caller's (the strings stay libnats').
    free(static_cast<void*>(values));
  }
  free(static_cast<void*>(names));
  return headers;
}

}  // namespace lode
