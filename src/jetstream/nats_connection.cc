#include "jetstream/nats_connection.h"

#include <atomic>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/mutex.h"
#include "jetstream/nats_error.h"

namespace lode {

// What libnats' callbacks reach. libnats may still run a callback after
// the connection is closed and destroyed (its threads end on their own
// time), so gates are never freed: one per connection ever opened, a few
// dozen bytes, kept in a list that lives as long as the process.
struct NatsCallbackGate {
  explicit NatsCallbackGate(const NatsApi& api) : api(api) {}
  const NatsApi& api;  // lives as long as the process
  std::atomic<uint64_t> disconnects{0};
  std::atomic<uint64_t> reconnects{0};
  Mutex mu;
  // Null once the connection is going away.
  AsyncPublisher* publisher GUARDED_BY(mu) = nullptr;
};

namespace {

constexpr int64_t kReconnectWaitMs = 250;
constexpr int64_t kReconnectJitterMs = 250;
// A server that answers no ping for 2 intervals is taken for dead and the
// client moves to another; libnats' default interval is 2 minutes.
constexpr int64_t kPingIntervalMs = 5000;
constexpr int kMaxPingsOut = 2;

NatsCallbackGate* NewGate(const NatsApi& api) {
  static Mutex mu;
  static auto* gates = new std::vector<std::unique_ptr<NatsCallbackGate>>();
  MutexLock lock(mu);
  gates->push_back(std::make_unique<NatsCallbackGate>(api));
  return gates->back().get();
}

void OnDisconnected(natsConnection*, void* closure) {
  static_cast<NatsCallbackGate*>(closure)->disconnects.fetch_add(1, std::memory_order_relaxed);
}

void OnReconnected(natsConnection*, void* closure) {
  static_cast<NatsCallbackGate*>(closure)->reconnects.fetch_add(1, std::memory_order_relaxed);
}

void OnAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure) {
  auto* gate = static_cast<NatsCallbackGate*>(closure);
  MutexLock lock(gate->mu);
  if (gate->publisher != nullptr) {
    gate->publisher->HandleAck(msg, ack, error);
  } else {
    gate->api.natsMsg_Destroy(msg);  // the handler owns it
  }
}

// Errors libnats meets with no call to return them to (a slow consumer
// dropping messages, a failed flow-control reply).
void OnAsyncError(natsConnection*, natsSubscription*, natsStatus status, void* closure) {
  const NatsApi& api = static_cast<NatsCallbackGate*>(closure)->api;
  log::Warn("nats asynchronous error", {{"error", api.natsStatus_GetText(status)}});
}

}  // namespace

Result<std::shared_ptr<NatsConnection>> NatsConnection::Open(const NatsOptions& options) {
  LODE_ASSIGN_OR_RETURN(const NatsApi* api, LoadNatsApi());
  if (options.servers.empty()) return Status::InvalidArgument("nats: no servers given");
  std::shared_ptr<NatsConnection> conn(new NatsConnection(*api, options));
  conn->gate_ = NewGate(*api);

  natsOptions* raw_options = nullptr;
  LODE_RETURN_IF_ERROR(NatsError(*api, api->natsOptions_Create(&raw_options), "nats options"));
  NatsPtr<natsOptions> nats_options = Own(raw_options, api->natsOptions_Destroy);
  natsOptions* o = nats_options.get();
  // natsOptions_SetURL with a comma-separated list fails to connect in
  // libnats 3.4.1 ("No server available"); a list of servers does not.
  std::vector<const char*> servers;
  for (const std::string& server : options.servers) servers.push_back(server.c_str());
  natsStatus s = api->natsOptions_SetServers(o, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK && !options.name.empty()) s = api->natsOptions_SetName(o, options.name.c_str());
  if (s == NATS_OK) s = api->natsOptions_SetTimeout(o, options.connect_timeout.count());
  if (s == NATS_OK) s = api->natsOptions_SetMaxReconnect(o, -1);  // forever
  if (s == NATS_OK) s = api->natsOptions_SetReconnectWait(o, kReconnectWaitMs);
  if (s == NATS_OK)
    s = api->natsOptions_SetReconnectJitter(o, kReconnectJitterMs, kReconnectJitterMs);
  if (s == NATS_OK) s = api->natsOptions_SetPingInterval(o, kPingIntervalMs);
  if (s == NATS_OK) s = api->natsOptions_SetMaxPingsOut(o, kMaxPingsOut);
  // A request in flight when the connection drops fails at once instead
  // of waiting out its timeout.
  if (s == NATS_OK) s = api->natsOptions_SetFailRequestsOnDisconnect(o, true);
  if (s == NATS_OK) s = api->natsOptions_SetDisconnectedCB(o, OnDisconnected, conn->gate_);
  if (s == NATS_OK) s = api->natsOptions_SetReconnectedCB(o, OnReconnected, conn->gate_);
  if (s == NATS_OK) s = api->natsOptions_SetErrorHandler(o, OnAsyncError, conn->gate_);
  LODE_RETURN_IF_ERROR(NatsError(*api, s, "nats options"));

  s = api->natsConnection_Connect(&conn->nc_, o);
  if (s != NATS_OK) {
    std::string list;
    for (const std::string& server : options.servers) list += (list.empty() ? "" : ",") + server;
    Status error = NatsError(*api, s, "connect to " + list);
    // Every failure to reach a server is one to retry.
    return Status::Unavailable(error.message());
  }

  jsOptions js_options;
  api->jsOptions_Init(&js_options);
  js_options.Wait = options.request_timeout.count();
  // No limit of libnats' own: it would block a publish for StallWait when
  // full, and AsyncPublisher refuses instead (RateLimited).
  js_options.PublishAsync.MaxPending = 0;
  js_options.PublishAsync.AckHandler = OnAck;
  js_options.PublishAsync.AckHandlerClosure = conn->gate_;
  LODE_RETURN_IF_ERROR(NatsError(*api,
                                 api->natsConnection_JetStream(&conn->js_, conn->nc_, &js_options),
                                 "nats jetstream context"));
  conn->publisher_.Attach(conn->nc_, conn->js_);
  {
    MutexLock lock(conn->gate_->mu);
    conn->gate_->publisher = &conn->publisher_;
  }
  return conn;
}

NatsConnection::~NatsConnection() {
  if (gate_ != nullptr) {
    // Waits for a callback that runs now; later ones find no publisher.
    MutexLock lock(gate_->mu);
    gate_->publisher = nullptr;
  }
  publisher_.FailAll(Status::Cancelled("the NATS client is closing"));
  if (nc_ != nullptr) api_.natsConnection_Close(nc_);
  if (js_ != nullptr) api_.jsCtx_Destroy(js_);
  if (nc_ != nullptr) api_.natsConnection_Destroy(nc_);
}

bool NatsConnection::connected() const {
  return nc_ != nullptr && api_.natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

Status NatsConnection::CheckConnected(std::string_view context) const {
  if (connected()) return Status::Ok();
  return Status::Unavailable(std::string(context) + ": not connected to NATS (reconnecting)");
}

NatsStats NatsConnection::stats() const {
  NatsStats stats;
  stats.publishes = publisher_.acked();
  stats.publish_errors = publisher_.failed();
  stats.publishes_in_flight = publisher_.in_flight();
  stats.disconnects = gate_->disconnects.load(std::memory_order_relaxed);
  stats.reconnects = gate_->reconnects.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace lode
