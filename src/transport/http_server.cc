// HttpServer: the listener. TLS setup, the accept loop (on a strand of its
// own, pausing at the connection cap), start and stop; each accepted
// connection is a session (http_session.cc).
#include "transport/http_server.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "base/log.h"
#include "transport/http_server_internal.h"

namespace lode {
namespace http_internal {

ConnectionCounters::ConnectionCounters(MetricsRegistry& metrics) {
  auto& timeouts = metrics.AddCounter(
      "lode_http_timeouts_total",
      "HTTP connections closed by a timeout, by what they waited for: header (a request header "
      "or TLS handshake), body (the next bytes of a body), idle (the next request on a "
      "kept-alive connection), write (a client reading the response).",
      {"phase"});
  header = &timeouts.With({"header"});
  body = &timeouts.With({"body"});
  idle = &timeouts.With({"idle"});
  write = &timeouts.With({"write"});
  auto& evicted = metrics.AddCounter(
      "lode_http_connections_evicted_total",
      "HTTP connections closed at max_connections to make room for a new one, by what they "
      "waited for: idle (the next request on a kept-alive connection), header (a request header "
      "arriving for over a second).",
      {"phase"});
  evicted_idle = &evicted.With({"idle"});
  evicted_header = &evicted.With({"header"});
  accept_paused = &metrics
                       .AddCounter("lode_http_accept_paused_total",
                                   "Times the server stopped accepting at max_connections with no "
                                   "connection it could close; new clients waited in the backlog.")
                       .With({});
  accepted = &metrics
                  .AddCounter("lode_http_connections_accepted_total",
                              "HTTP connections accepted. Clients that keep their connection "
                              "open between requests (HTTP/1.1 keep-alive) add one each.")
                  .With({});
  accept_failed = &metrics
                       .AddCounter("lode_http_accept_failures_total",
                                   "Connections the server failed to accept (out of file "
                                   "descriptors, say); it tries again after a pause.")
                       .With({});
}

}  // namespace http_internal

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using http_internal::ServerState;
using http_internal::StartSession;

// How often a server at its cap looks again for a connection to close.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// The context of an HTTPS server from PEM files: TLS 1.2 and later.
Result<std::unique_ptr<ssl::context>> LoadServerTls(const std::string& cert_file,
                                                    const std::string& key_file) {
  if (cert_file.empty() || key_file.empty()) {
    return Status::InvalidArgument("TLS needs both a certificate and a key file");
  }
  for (const std::string& file : {cert_file, key_file}) {
    if (access(file.c_str(), R_OK) != 0) {
      return Status::InvalidArgument("TLS file " + file +
                                     " cannot be read: " + std::strerror(errno));
    }
  }
  auto tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  tls->use_certificate_chain_file(cert_file, ec);
  if (ec) return Status::InvalidArgument("TLS certificate " + cert_file + ": " + ec.message());
  tls->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("TLS key " + key_file + ": " + ec.message());
  return tls;
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(const HttpServerOptions& options)
      : state(options), accept_strand(state.ioc.get_executor()), accept_retry(accept_strand) {}

  ServerState state;
  std::unique_ptr<ssl::context> tls;  // set when serving HTTPS
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> io_threads;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};

  // The accept loop runs on this strand; at most one accept is pending.
  asio::strand<asio::io_context::executor_type> accept_strand;
  asio::steady_timer accept_retry;
  bool accept_pending = false;  // on accept_strand
  bool paused = false;          // on accept_strand: at the cap, not accepting
  std::chrono::steady_clock::time_point paused_since;
  std::chrono::steady_clock::time_point last_warning;
  uint64_t failed_accepts = 0;  // since the last warning
  // Microseconds spent paused (read by the metrics, which may outlive us).
  std::shared_ptr<std::atomic<uint64_t>> paused_us = std::make_shared<std::atomic<uint64_t>>(0);

  // Accepts the next connection if there is room under the cap. At the
  // cap, once a client is waiting in the listen backlog, the limiter
  // closes an idle or slow connection if it can; until there is room the
  // client waits in the backlog (looked at again when a connection closes
  // and every kAcceptRetry).
  void TryAccept() {
    if (accept_pending || !acceptor->is_open()) return;
    if (!state.limiter->HasRoom()) {
      accept_pending = true;
      acceptor->async_wait(tcp::acceptor::wait_read,
                           asio::bind_executor(accept_strand, [this](beast::error_code ec) {
                             accept_pending = false;
                             if (ec) return;  // closed
                             switch (state.limiter->MakeRoom()) {
                               case ConnectionLimiter::Room::kNow:
                                 return TryAccept();
                               case ConnectionLimiter::Room::kSoon:
                                 // A close calls TryAccept; the timer in
                                 // case it came first.
                                 return RetryAcceptIn(kAcceptRetry);
                               case ConnectionLimiter::Room::kNone:
                                 return Pause();
                             }
                           }));
      return;
    }
    if (paused) {
      paused = false;
      paused_us->fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now() - paused_since)
                               .count());
    }
    accept_pending = true;
    acceptor->async_accept(
        asio::make_strand(state.ioc),
        asio::bind_executor(accept_strand, [this](beast::error_code ec, tcp::socket socket) {
          accept_pending = false;
          if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
            // Out of file descriptors, say: retrying at once would spin.
            ++failed_accepts;
            state.counters.accept_failed->Inc();
            Warn("accept failed", {"err", ec.message()});
            return RetryAcceptIn(kAcceptRetry);
          }
          state.counters.accepted->Inc();
          StartSession(std::move(socket), tls.get(), state);
          TryAccept();
        }));
  }

  // A client waits and no connection can be closed for it yet: every one
  // is busy, or its header is younger than kHeaderGrace.
  void Pause() {
    if (!paused) {
      paused = true;
      paused_since = std::chrono::steady_clock::now();
      state.counters.accept_paused->Inc();
      Warn("connection limit reached; new connections wait",
           {"max_connections", std::to_string(state.limiter->max_connections())});
    }
    RetryAcceptIn(kAcceptRetry);
  }

  void RetryAcceptIn(std::chrono::milliseconds delay) {
    accept_retry.expires_after(delay);
    accept_retry.async_wait([this](beast::error_code ec) {
      if (!ec) TryAccept();
    });
  }

  // A warning at most every 10 s, so a server under a flood of
  // connections does not flood its log.
  void Warn(std::string_view message, log::Field field) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_warning < std::chrono::seconds(10)) return;
    last_warning = now;
    if (failed_accepts > 1) {
      log::Warn(message, {field, {"failed_accepts", std::to_string(failed_accepts)}});
    } else {
      log::Warn(message, {field});
    }
    failed_accepts = 0;
  }

  void ExportMetrics(MetricsRegistry& metrics) {
    std::shared_ptr<ConnectionLimiter> limiter = state.limiter;
    metrics.AddGauge("lode_http_connections_open",
                     "HTTP connections open, WebSocket tails included.",
                     [limiter] { return static_cast<double>(limiter->open()); });
    metrics.AddGauge("lode_http_connections_max",
                     "The most HTTP connections open at once (http.max_connections).",
                     [limiter] { return static_cast<double>(limiter->max_connections()); });
    metrics.AddCounterFunc("lode_http_accept_paused_seconds_total",
                           "Time the server spent not accepting at max_connections.",
                           [paused = paused_us] { return static_cast<double>(*paused) / 1e6; });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(0); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler,
                                                      WebSocketHandler websocket) {
  auto impl = std::make_unique<Impl>(options);
  impl->state.handler = std::move(handler);
  impl->state.websocket = std::move(websocket);
  impl->state.workers = std::make_unique<asio::thread_pool>(options.worker_threads);
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    LODE_ASSIGN_OR_RETURN(impl->tls, LoadServerTls(options.tls_cert_file, options.tls_key_file));
  }

  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return Status::InvalidArgument("invalid listen address \"" + options.host +
                                   "\": " + ec.message());
  }
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.emplace(impl->state.ioc);
  std::string where = options.host + ":" + std::to_string(options.port);
  if (impl->acceptor->open(endpoint.protocol(), ec); ec) {
    return Status::IOError("open socket for " + where + ": " + ec.message());
  }
  impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (impl->acceptor->bind(endpoint, ec); ec) {
    return Status::IOError("bind " + where + ": " + ec.message());
  }
  if (impl->acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::IOError("listen on " + where + ": " + ec.message());
  }
  impl->port = impl->acceptor->local_endpoint().port();
  if (options.metrics != nullptr) impl->ExportMetrics(*options.metrics);
  // A close while the server is at its cap makes room for the next accept.
  impl->state.limiter->SetOnCloseWhileFull(
      [impl = impl.get()] { asio::post(impl->accept_strand, [impl] { impl->TryAccept(); }); });
  asio::post(impl->accept_strand, [impl = impl.get()] { impl->TryAccept(); });
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl->io_threads.emplace_back([ioc = &impl->state.ioc] { ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop(int grace_ms) {
  if (impl_->stopped.exchange(true)) return;
  impl_->state.stopping.store(true);
  asio::post(impl_->accept_strand, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor->close(ec);
    impl->accept_retry.cancel();
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (impl_->state.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // WebSocket handlers see `stopping` within their poll interval, and
  // return; they use the server's state until then.
  {
    std::unique_lock lock(impl_->state.ws_mu);
    impl_->state.ws_cv.wait(lock, [&] { return impl_->state.ws_running == 0; });
  }
  // Let the last responses leave before the loop stops.
  std::this_thread::sleep_for(std::chrono::milliseconds(grace_ms > 0 ? 50 : 0));
  impl_->state.ioc.stop();
  for (auto& t : impl_->io_threads) t.join();
  // Sessions destroyed with the loop must not post to it.
  impl_->state.limiter->SetOnCloseWhileFull(nullptr);

  impl_->state.workers->join();
}

}  // namespace lode
