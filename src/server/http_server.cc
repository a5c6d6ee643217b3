#include "server/http_server.h"

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

constexpr auto kIdleTimeout = std::chrono::seconds(120);

struct ServerState {
  HttpServerOptions options;
  HttpHandler handler;
  WebSocketHandler websocket;
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
  WsSession(Stream stream, ServerState& state) : ws_(std::move(stream)), state_(state) {}

  void Accept(std::shared_ptr<HttpRequest> request, http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // A client that offers the "lode" subprotocol (the web UI, which sends
    // its credentials as other offers) must see it accepted.
    const std::string offered = request->Header("Sec-WebSocket-Protocol");
    const auto offers = SplitHeaderList(offered);
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

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(Stream stream, ServerState& state) : stream_(std::move(stream)), state_(state) {
    beast::error_code ec;
    auto ep = Lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Lowest().expires_after(std::chrono::seconds(30));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();
          self->Read();
        });
      } else {
        self->Read();
      }
    });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Read() {
    parser_.emplace();
    parser_->body_limit(state_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    Lowest().expires_after(kIdleTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Clients such as curl send "Expect: 100-continue" before a large body
  // and wait for the interim response (or a timeout) before sending it.
  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    auto expect = parser_->get().find(http::field::expect);
    if (expect == parser_->get().end() || !beast::iequals(expect->value(), "100-continue")) {
      return ReadBody();
    }
    auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                      parser_->get().version());
    http::async_write(stream_, *interim,
                      [self = this->shared_from_this(), interim](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->ReadBody();
                      });
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      return Close();
    }
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
      asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
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
      asio::post(self->stream_.get_executor(), [self, request, raw, refused]() mutable {
        if (refused) {
          self->keep_alive_ = false;
          return self->Write(std::move(*refused));
        }
        auto ws = std::make_shared<WsSession<Stream>>(std::move(self->stream_), self->state_);
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
    Lowest().expires_after(kIdleTimeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !self->keep_alive_) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ec;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    Lowest().socket().close(ec);
  }

  Stream stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::string remote_;
};

}  // namespace

struct HttpServer::Impl {
  ServerState state;
  std::unique_ptr<ssl::context> tls;  // set when serving HTTPS
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> io_threads;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};

  void Accept() {
    acceptor->async_accept(asio::make_strand(state.ioc), [this](beast::error_code ec,
                                                                tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
        log::Warn("accept failed", {{"err", ec.message()}});
      } else {
        if (tls) {
          std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *tls), state)->Start();
        } else {
          std::make_shared<Session<PlainStream>>(PlainStream(std::move(socket)), state)->Start();
        }
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(0); }

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      HttpHandler handler,
                                                      WebSocketHandler websocket) {
  auto impl = std::make_unique<Impl>();
  impl->state.options = options;
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
  impl->Accept();
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl->io_threads.emplace_back([ioc = &impl->state.ioc] { ioc->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop(int grace_ms) {
  if (impl_->stopped.exchange(true)) return;
  impl_->state.stopping.store(true);
  asio::post(impl_->state.ioc, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor->close(ec);
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

  impl_->state.workers->join();
}

}  // namespace lode
