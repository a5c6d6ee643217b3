// What the HTTP server's files share: http_server.cc (the listener: TLS
// setup, the accept loop at the connection cap, start and stop),
// http_session.cc (one connection's requests, each wait with its timeout)
// and http_websocket.cc (a connection upgraded to a WebSocket). Boost
// inside: for these files only.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "base/metrics.h"
#include "transport/connection_limiter.h"
#include "transport/http_server.h"
#include "transport/http_types.h"

namespace lode::http_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// At the connection cap, a connection whose request header has been
// arriving for this long may be closed to make room for a new one.
constexpr auto kHeaderGrace = std::chrono::seconds(1);

// What a connection waits for; names the timeout that ends the wait.
enum class Wait { kHeader, kBody, kIdle, kWrite };

// The connection counters, children of the exported metric families (or
// of a private registry when the server exports none).
struct ConnectionCounters {
  explicit ConnectionCounters(MetricsRegistry& metrics);

  Counter* header;
  Counter* body;
  Counter* idle;
  Counter* write;
  Counter* evicted_idle;
  Counter* evicted_header;
  Counter* accept_paused;
  Counter* accepted;
  Counter* accept_failed;
};

// What every connection of one server shares (HttpServer::Impl owns it).
struct ServerState {
  explicit ServerState(const HttpServerOptions& opts)
      : options(opts),
        limiter(std::make_shared<ConnectionLimiter>(std::max<size_t>(1, opts.max_connections),
                                                    kHeaderGrace)),
        counters(opts.metrics != nullptr ? *opts.metrics : own_metrics) {}

  void CountTimeout(Wait wait) {
    switch (wait) {
      case Wait::kHeader:
        return counters.header->Inc();
      case Wait::kBody:
        return counters.body->Inc();
      case Wait::kIdle:
        return counters.idle->Inc();
      case Wait::kWrite:
        return counters.write->Inc();
    }
  }

  HttpServerOptions options;
  HttpHandler handler;
  WebSocketHandler websocket;
  // Declared before the loop: sessions destroyed with it release their
  // slots into the limiter.
  std::shared_ptr<ConnectionLimiter> limiter;
  MetricsRegistry own_metrics;
  ConnectionCounters counters;
  asio::io_context ioc;
  std::unique_ptr<asio::thread_pool> workers;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  // WebSocket handlers run on detached threads; stop waits for them.
  std::mutex ws_mu;
  std::condition_variable ws_cv;
  int ws_running = 0;
};

// Serves an accepted connection (http_session.cc), over TLS when `tls` is
// set; the session keeps itself alive until the connection closes.
void StartSession(tcp::socket socket, ssl::context* tls, ServerState& state);

// Completes the upgrade `request` asked for on `stream` and runs
// state.websocket on the new WebSocket (http_websocket.cc). The
// connection keeps its `slot` under the cap.
void AcceptWebSocket(PlainStream stream, ServerState& state, ConnectionLimiter::Slot slot,
                     std::shared_ptr<HttpRequest> request,
                     http::request<http::string_body> upgrade);
void AcceptWebSocket(TlsStream stream, ServerState& state, ConnectionLimiter::Slot slot,
                     std::shared_ptr<HttpRequest> request,
                     http::request<http::string_body> upgrade);

}  // namespace lode::http_internal
