// HttpServer: HTTP/1.1 over TCP (Boost.Beast inside, not in this header).
// Network I/O runs on a few I/O threads; each request's handler runs on a
// worker pool, so a handler that blocks (a durable push waiting for fsync)
// never stalls other connections.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "server/http_types.h"

namespace lode {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3100;  // 0 picks a free port
  int io_threads = 2;
  int worker_threads = 16;
  size_t max_body_bytes = 64u << 20;
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
