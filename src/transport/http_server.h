// HttpServer: HTTP/1.1 over TCP (Boost.Beast inside, not in this header).
// Network I/O runs on a few I/O threads; each request's handler runs on a
// worker pool, so a handler that blocks (a durable push waiting for fsync)
// never stalls other connections. Slow and idle clients are bounded by
// timeouts and a cap on open connections (see HttpServerOptions and
// connection_limiter.h), so they cannot starve well-behaved ones.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/metrics.h"
#include "base/status.h"
#include "transport/http_types.h"

namespace lode {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3100;  // 0 picks a free port
  int io_threads = 2;
  int worker_threads = 16;
  size_t max_body_bytes = 64u << 20;
  // A request header (and a TLS handshake) must arrive within this, from
  // the accept or from the request's first byte.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // A request body may pause this long between two reads; an upload that
  // keeps sending is never cut.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  // A kept-alive connection waits this long for its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  // Connections open at once, WebSocket tails included. At the cap the
  // oldest idle one (or one whose header has been arriving for a second)
  // is closed to make room; when none is, new connections wait in the
  // listen backlog.
  size_t max_connections = 4096;
  // Where the connection metrics go (lode_http_connections_open, ...);
  // nullptr: not exported. Must outlive the server.
  MetricsRegistry* metrics = nullptr;
  // PEM files; both set: serve HTTPS (TLS 1.2 and later) instead of HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Called concurrently from worker threads. The request is the handler's
// to change (authentication fills in the tenant).
using HttpHandler = std::function<HttpResponse(HttpRequest&)>;

// The sending side of an accepted WebSocket connection. Thread-safe.
class WebSocketSink {
 public:
  virtual ~WebSocketSink() = default;
  // Queues a text message; false once the connection is closed.
  virtual bool Send(std::string message) = 0;
  // Whether the peer went away or the server is stopping.
  virtual bool closed() const = 0;
  // Waits up to `ms` or until closed; returns closed().
  virtual bool WaitClosed(int ms) = 0;
};

// Serves WebSocket upgrade requests (GET with `Upgrade: websocket`).
struct WebSocketHandler {
  // A response refuses the upgrade (a 400 for a bad query); nullopt
  // accepts it.
  std::function<std::optional<HttpResponse>(HttpRequest&)> accept;
  // Runs on a thread of its own for the connection's life, sending
  // messages; the connection closes when it returns.
  std::function<void(const HttpRequest&, WebSocketSink&)> run;
};

class HttpServer {
 public:
  // Binds, listens and starts serving; fails if the address is unusable.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   HttpHandler handler,
                                                   WebSocketHandler websocket = {});
  ~HttpServer();

  // The bound port (useful when started with port 0).
  uint16_t port() const;

  // Stops accepting, lets in-flight requests finish and answer (for at
  // most `grace_ms`), then closes every connection. Idempotent.
  void Stop(int grace_ms = 10000);

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lode
