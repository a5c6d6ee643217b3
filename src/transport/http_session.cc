// One HTTP connection: reads each request with a timeout for every wait,
// runs the handler on the worker pool, writes the answer, and hands a
// WebSocket upgrade to http_websocket.cc.
#include <sys/socket.h>

#include <boost/beast/websocket.hpp>
#include <optional>
#include <string>
#include <type_traits>

#include "transport/http_server_internal.h"

namespace lode::http_internal {
namespace {

namespace websocket = beast::websocket;

// A response (or a 100 Continue) must be written within this.
constexpr auto kWriteTimeout = std::chrono::seconds(120);
// Bytes asked of the socket when a kept-alive connection reads the first
// bytes of its next request.
constexpr size_t kFirstRead = 16 * 1024;
// Bytes asked of the socket per read of a body. Beast reads what the
// buffer has room for (at least 512 bytes): a connection's buffer sized
// by its header alone took a 70 KB push in 130 reads.
constexpr size_t kBodyRead = 64 * 1024;

// Takes the body out of `req` (a push body can be megabytes; no copy).
HttpRequest ToRequest(http::request<http::string_body>& req, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  out.path = UrlDecode(target.substr(0, q));
  if (q != std::string_view::npos) out.params = ParseQueryString(target.substr(q + 1));
  out.query_params = out.params.size();
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
    // An idle connection keeps no body-sized buffer.
    if (buffer_.capacity() > kFirstRead) buffer_.shrink_to_fit();
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
    if (buffer_.capacity() - buffer_.size() < kBodyRead)
      buffer_.reserve(buffer_.size() + kBodyRead);
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
  // the connection becomes a WebSocket (http_websocket.cc).
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
        AcceptWebSocket(std::move(self->stream_), self->state_, std::move(self->slot_), request,
                        std::move(*raw));
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

void StartSession(tcp::socket socket, ssl::context* tls, ServerState& state) {
  if (tls != nullptr) {
    std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *tls), state)->Start();
  } else {
    std::make_shared<Session<PlainStream>>(PlainStream(std::move(socket)), state)->Start();
  }
}

}  // namespace lode::http_internal
