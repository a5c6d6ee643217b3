#include "transport/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include "base/log.h"
#include "base/strings.h"
#include "transport/connection_limiter.h"

namespace lode {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A response (or a 100 Continue) must be written within this.
constexpr auto kWriteTimeout = std::chrono::seconds(120);
// At the connection cap, a connection whose request header has been
// arriving for this long may be closed to make room for a new one.
constexpr auto kHeaderGrace = std::chrono::seconds(1);
// How often a server at its cap looks again for a connection to close.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
// Bytes asked of the socket when a kept-alive connection reads the first
// bytes of its next request.
constexpr size_t kFirstRead = 16 * 1024;

// What a connection waits for; names the timeout that ends the wait.
enum class Wait { kHeader, kBody, kIdle, kWrite };

// The connection counters, children of the exported metric families (or
// of a private registry when the server exports none).
struct ConnectionCounters {
  explicit ConnectionCounters(MetricsRegistry& metrics) {
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
    accept_paused =
        &metrics
             .AddCounter("lode_http_accept_paused_total",
                         "Times the server stopped accepting at max_connections with no "
                         "connection it could close; new clients waited in the backlog.")
             .With({});
  }
  Counter* header;
  Counter* body;
  Counter* idle;
  Counter* write;
  Counter* evicted_idle;
  Counter* evicted_header;
  Counter* accept_paused;
};

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

// An accepted WebSocket: messages from the handler's thread are queued and
// written one at a time on the connection's strand; reads only watch for
// the peer's close.
template <class Stream>
class WsSession : public std::enable_shared_from_this<WsSession<Stream>>, public WebSocketSink {
 public:
  // The connection keeps its place under the connection cap (`slot`); it
  // is never closed for being idle, as a tail's client sends nothing.
  WsSession(Stream stream, ServerState& state, ConnectionLimiter::Slot slot)
      : ws_(std::move(stream)), state_(state), slot_(std::move(slot)) {}

  void Accept(std::shared_ptr<HttpRequest> request, http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();
    // Beast's server settings ping a silent peer (after 150 s) and close
    // it only when it does not answer: a live tail is never idle-closed.
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // A client that offers the "lode" subprotocol (the web UI, which sends
    // its credentials as other offers) must see it accepted.
    const auto offers = SplitCommaList(request->Header("Sec-WebSocket-Protocol"));
    if (std::find(offers.begin(), offers.end(), "lode") != offers.end()) {
      ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::sec_websocket_protocol, "lode");
      }));
    }
    ws_.async_accept(req, [self = this->shared_from_this(), request](beast::error_code ec) {
      if (ec) return self->MarkClosed();
      self->ReadLoop();
      self->StartHandler(request);
    });
  }

  bool Send(std::string message) override {
    if (closed()) return false;
    asio::post(ws_.get_executor(),
               [self = this->shared_from_this(), m = std::move(message)]() mutable {
                 self->queue_.push_back(std::move(m));
                 if (self->queue_.size() == 1) self->WriteNext();
               });
    return true;
  }
  bool closed() const override { return closed_.load() || state_.stopping.load(); }
  bool WaitClosed(int ms) override {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return closed(); });
    return closed();
  }

 private:
  void StartHandler(std::shared_ptr<HttpRequest> request) {
    {
      std::lock_guard lock(state_.ws_mu);
      ++state_.ws_running;
    }
    std::thread([self = this->shared_from_this(), request]() mutable {
      self->state_.websocket.run(*request, *self);
      ServerState& state = self->state_;
      asio::post(self->ws_.get_executor(), [s = self] { s->CloseWhenDrained(); });
      // The session is released here, not after the server may be gone.
      self.reset();
      std::lock_guard lock(state.ws_mu);
      --state.ws_running;
      state.ws_cv.notify_all();
    }).detach();
  }

  void ReadLoop() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->MarkClosed();
      self->in_.consume(self->in_.size());  // clients send nothing we need
      self->ReadLoop();
    });
  }

  void WriteNext() {
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, size_t) {
                      self->queue_.pop_front();
                      if (ec) return self->MarkClosed();
                      if (!self->queue_.empty()) return self->WriteNext();
                      if (self->closing_) self->CloseNow();
                    });
  }

  void CloseWhenDrained() {
    closing_ = true;
    if (queue_.empty()) CloseNow();
  }

  void CloseNow() {
    if (closed_.load()) return;
    ws_.async_close(websocket::close_code::normal,
                    [self = this->shared_from_this()](beast::error_code) { self->MarkClosed(); });
  }

  void MarkClosed() {
    {
      std::lock_guard lock(mu_);
      closed_.store(true);
    }
    cv_.notify_all();
  }

  websocket::stream<Stream> ws_;
  ServerState& state_;
  ConnectionLimiter::Slot slot_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;  // on the strand
  bool closing_ = false;           // on the strand
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

// Takes the body out of `req` (a push body can be megabytes; no copy).
HttpRequest ToRequest(http::request<http::string_body>& req, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  out.path = UrlDecode(target.substr(0, q));
  if (q != std::string_view::npos) out.params = ParseQueryString(target.substr(q + 1));
  for (const auto& field : req) {
    out.headers[std::string(field.name_string())] = std::string(field.value());
  }
  out.body = std::move(req.body());
  out.remote = remote;
  // Form-encoded POST bodies carry parameters too (Loki accepts both).
  auto ct = req.find(http::field::content_type);
  if (ct != req.end() && std::string_view(ct->value().data(), ct->value().size())
                             .starts_with("application/x-www-form-urlencoded")) {
    auto form = ParseQueryString(out.body);
    out.params.insert(out.params.end(), form.begin(), form.end());
  }
  return out;
}

// One HTTP connection. Every wait has its timeout: the request header
// (header_timeout from the accept or from the request's first byte), each
// read of the body (body_timeout between reads), the next request on a
// kept-alive connection (idle_timeout), the response (kWriteTimeout). The
// limiter is told what the connection waits for, so that at the
// connection cap an idle or slow one can be closed to make room.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  using Phase = ConnectionLimiter::Phase;

 public:
  Session(Stream stream, ServerState& state)
      : stream_(std::move(stream)), state_(state), executor_(stream_.get_executor()) {
    beast::error_code ec;
    auto ep = Lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  // Takes a place under the connection cap and starts reading.
  void Start() {
    slot_ = state_.limiter->Open(EvictFn());
    asio::dispatch(executor_, [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->wait_ = Wait::kHeader;
        self->Lowest().expires_after(self->state_.options.header_timeout);
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->CloseAfter(ec);
          self->ReadHeader();
        });
      } else {
        self->ReadHeader();
      }
    });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  // Called by the limiter (on the accepting thread) when this connection
  // is chosen to make room: closing the socket ends its pending read.
  ConnectionLimiter::EvictFn EvictFn() {
    return [weak = this->weak_from_this(), &state = state_](Phase phase) {
      (phase == Phase::kIdle ? state.counters.evicted_idle : state.counters.evicted_header)->Inc();
      if (auto self = weak.lock()) {
        asio::post(self->executor_, [self] { self->Lowest().close(); });
      }
    };
  }

  // A kept-alive connection between requests: waits up to idle_timeout
  // for the next request's first bytes, then reads its header.
  void AwaitNextRequest() {
    if (buffer_.size() > 0) return ReadHeader();  // pipelined
    if (!slot_.SetPhase(Phase::kIdle)) return Close();
    wait_ = Wait::kIdle;
    Lowest().expires_after(state_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->CloseAfter(ec);
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    if (!slot_.SetPhase(Phase::kHeader)) return Close();
    wait_ = Wait::kHeader;
    parser_.emplace();
    parser_->body_limit(state_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    Lowest().expires_after(state_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Clients such as curl send "Expect: 100-continue" before a large body
  // and wait for the interim response (or a timeout) before sending it.
  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    if (!slot_.SetPhase(Phase::kBusy)) return Close();
    auto expect = parser_->get().find(http::field::expect);
    if (expect == parser_->get().end() || !beast::iequals(expect->value(), "100-continue")) {
      return ReadBody();
    }
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                      parser_->get().version());
    wait_ = Wait::kWrite;
    Lowest().expires_after(kWriteTimeout);
    http::async_write(stream_, *interim,
                      [self = this->shared_from_this(), interim](beast::error_code ec, size_t) {
                        if (ec) return self->CloseAfter(ec);
                        self->ReadBody();
                      });
  }

  // Reads the body a piece at a time, each read with its own timeout, so
  // a slow upload that keeps sending is not cut while a stalled one is.
  void ReadBody() {
    if (parser_->is_done()) return OnRead({});
    wait_ = Wait::kBody;
    Lowest().expires_after(state_.options.body_timeout);
    http::async_read_some(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->OnRead(ec);
                            self->ReadBody();
                          });
  }

  // Closes the connection when `ec` ended it: the peer left, a timeout
  // (counted by what it waited for), or an eviction. False otherwise.
  bool ClosedBy(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      state_.CountTimeout(wait_);
    } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
               ec != asio::error::operation_aborted && ec != asio::error::connection_reset) {
      return false;
    }
    Close();
    return true;
  }

  void CloseAfter(beast::error_code ec) {
    if (!ClosedBy(ec)) Close();
  }

  void OnRead(beast::error_code ec) {
    if (ClosedBy(ec)) return;
    if (!slot_.SetPhase(Phase::kBusy)) return Close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return Write(HttpResponse::Text(413, "request body exceeds the limit of " +
                                               std::to_string(state_.options.max_body_bytes) +
                                               " bytes"));
    }
    if (ec) {
      keep_alive_ = false;
      return Write(HttpResponse::Text(400, "malformed HTTP request: " + ec.message()));
    }
    auto& req = parser_->get();
    if (websocket::is_upgrade(req) && state_.websocket.run) return Upgrade(req);
    keep_alive_ = req.keep_alive() && !state_.stopping.load();
    version_ = req.version();
    state_.in_flight.fetch_add(1);
    auto request = std::make_shared<HttpRequest>(ToRequest(req, remote_));
    request->cancelled = std::make_shared<std::atomic<bool>>(false);
    WatchForHangUp(request->cancelled);
    asio::post(*state_.workers, [self = this->shared_from_this(), request] {
      HttpResponse response = self->state_.handler(*request);
      asio::post(self->executor_, [self, response = std::move(response)]() mutable {
        self->Write(std::move(response));
        self->state_.in_flight.fetch_sub(1);
      });
    });
  }

  // While a handler runs, notices the client closing its side (readable
  // with nothing to read), so the handler can give up.
  void WatchForHangUp(std::shared_ptr<std::atomic<bool>> cancelled) {
    Lowest().socket().async_wait(
        tcp::socket::wait_read, [self = this->shared_from_this(), cancelled](beast::error_code ec) {
          if (ec) return;
          char byte;
          ssize_t n =
              ::recv(self->Lowest().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
          if (n == 0) cancelled->store(true);
        });
  }

  // A WebSocket upgrade: checked on a worker (it may parse a query), then
  // the connection becomes a WsSession.
  void Upgrade(http::request<http::string_body>& req) {
    version_ = req.version();
    auto request = std::make_shared<HttpRequest>(ToRequest(req, remote_));
    auto raw = std::make_shared<http::request<http::string_body>>(std::move(req));
    asio::post(*state_.workers, [self = this->shared_from_this(), request, raw] {
      std::optional<HttpResponse> refused = self->state_.websocket.accept(*request);
      asio::post(self->executor_, [self, request, raw, refused]() mutable {
        if (refused) {
          self->keep_alive_ = false;
          return self->Write(std::move(*refused));
        }
        auto ws = std::make_shared<WsSession<Stream>>(std::move(self->stream_), self->state_,
                                                      std::move(self->slot_));
        ws->Accept(request, std::move(*raw));
      });
    });
  }

  void Write(HttpResponse response) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(response.status));
    res->set(http::field::server, "lode");
    res->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    wait_ = Wait::kWrite;
    Lowest().expires_after(kWriteTimeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec) return self->CloseAfter(ec);
                        if (!self->keep_alive_) return self->Close();
                        self->AwaitNextRequest();
                      });
  }

  void Close() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    Lowest().socket().close(ec);
  }

  Stream stream_;
  ServerState& state_;
  asio::any_io_executor executor_;  // the connection's strand
  ConnectionLimiter::Slot slot_;
  Wait wait_ = Wait::kHeader;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::string remote_;
};

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
            Warn("accept failed", {"err", ec.message()});
            return RetryAcceptIn(kAcceptRetry);
          }
          if (tls) {
            std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *tls), state)
                ->Start();
          } else {
            std::make_shared<Session<PlainStream>>(PlainStream(std::move(socket)), state)->Start();
          }
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
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return Status::InvalidArgument("TLS needs both a certificate and a key file");
    }
    for (const std::string& file : {options.tls_cert_file, options.tls_key_file}) {
      if (access(file.c_str(), R_OK) != 0) {
        return Status::InvalidArgument("TLS file " + file +
                                       " cannot be read: " + std::strerror(errno));
      }
    }
    impl->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
    beast::error_code tls_ec;
    impl->tls->use_certificate_chain_file(options.tls_cert_file, tls_ec);
    if (tls_ec) {
      return Status::InvalidArgument("TLS certificate " + options.tls_cert_file + ": " +
                                     tls_ec.message());
    }
    impl->tls->use_private_key_file(options.tls_key_file, ssl::context::pem, tls_ec);
    if (tls_ec) {
      return Status::InvalidArgument("TLS key " + options.tls_key_file + ": " + tls_ec.message());
    }
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
