// NatsApi: the functions of libnats that jetstream/ calls, looked up at
// run time (see base/dynamic_library.h for why it is not linked).
// <nats/nats.h> is included for its types and constants only; every call
// goes through this table, so a missing library is an error at Connect,
// never at load time.
#pragma once

#include <nats/nats.h>

#include <memory>

#include "base/status.h"

namespace lode {

// Every libnats function used, once. Add a name here to call it.
#define LODE_NATS_FUNCTIONS(X)               \
  X(natsStatus_GetText)                      \
  X(nats_GetLastError)                       \
  X(natsOptions_Create)                      \
  X(natsOptions_Destroy)                     \
  X(natsOptions_SetServers)                  \
  X(natsOptions_SetName)                     \
  X(natsOptions_SetTimeout)                  \
  X(natsOptions_SetMaxReconnect)             \
  X(natsOptions_SetReconnectWait)            \
  X(natsOptions_SetReconnectJitter)          \
  X(natsOptions_SetPingInterval)             \
  X(natsOptions_SetMaxPingsOut)              \
  X(natsOptions_SetFailRequestsOnDisconnect) \
  X(natsOptions_SetDisconnectedCB)           \
  X(natsOptions_SetReconnectedCB)            \
  X(natsOptions_SetErrorHandler)             \
  X(natsConnection_Connect)                  \
  X(natsConnection_Status)                   \
  X(natsConnection_Close)                    \
  X(natsConnection_Destroy)                  \
  X(natsConnection_JetStream)                \
  X(jsCtx_Destroy)                           \
  X(jsOptions_Init)                          \
  X(natsMsg_Create)                          \
  X(natsMsg_Destroy)                         \
  X(natsMsg_GetSubject)                      \
  X(natsMsg_GetData)                         \
  X(natsMsg_GetDataLength)                   \
  X(natsMsg_GetSequence)                     \
  X(natsMsg_GetTime)                         \
  X(natsMsg_GetMetaData)                     \
  X(jsMsgMetaData_Destroy)                   \
  X(natsMsgHeader_Add)                       \
  X(natsMsgHeader_Get)                       \
  X(natsMsgHeader_Keys)                      \
  X(natsMsgHeader_Values)                    \
  X(natsMsgList_Destroy)                     \
  X(jsStreamConfig_Init)                     \
  X(js_AddStream)                            \
  X(js_UpdateStream)                         \
  X(js_GetStreamInfo)                        \
  X(jsStreamInfo_Destroy)                    \
  X(js_PurgeStream)                          \
  X(js_GetLastMsg)                           \
  X(jsPubOptions_Init)                       \
  X(js_PublishMsg)                           \
  X(js_PublishMsgAsync)                      \
  X(jsPubAck_Destroy)                        \
  X(jsSubOptions_Init)                       \
  X(js_PullSubscribe)                        \
  X(jsFetchRequest_Init)                     \
  X(natsSubscription_FetchRequest)           \
  X(natsSubscription_Destroy)                \
  X(kvConfig_Init)                           \
  X(js_CreateKeyValue)                       \
  X(js_KeyValue)                             \
  X(kvStore_Destroy)                         \
  X(kvStore_Delete)                          \
  X(kvStore_Keys)                            \
  X(kvKeysList_Destroy)                      \
  X(kvStore_Watch)                           \
  X(kvWatcher_Next)                          \
  X(kvWatcher_Destroy)                       \
  X(kvEntry_Key)                             \
  X(kvEntry_Value)                           \
  X(kvEntry_ValueLen)                        \
  X(kvEntry_Revision)                        \
  X(kvEntry_Operation)                       \
  X(kvEntry_Destroy)

struct NatsApi {
#define LODE_NATS_MEMBER(name) decltype(&::name) name = nullptr;
  LODE_NATS_FUNCTIONS(LODE_NATS_MEMBER)
#undef LODE_NATS_MEMBER
};

// Opens libnats and looks up every function, once per process (later
// calls return the same table, or the same error). Thread-safe.
Result<const NatsApi*> LoadNatsApi();

// Owners of libnats objects, each destroyed by its own function.
template <typename T>
struct NatsDeleter {
  void (*destroy)(T*) = nullptr;
  void operator()(T* object) const {
    if (object != nullptr) destroy(object);
  }
};
template <typename T>
using NatsPtr = std::unique_ptr<T, NatsDeleter<T>>;

template <typename T>
NatsPtr<T> Own(T* object, void (*destroy)(T*)) {
  return NatsPtr<T>(object, NatsDeleter<T>{destroy});
}

}  // namespace lode
