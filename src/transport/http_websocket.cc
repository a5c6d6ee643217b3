// A connection upgraded to a WebSocket (/loki/api/v1/tail): the handler
// runs on a thread of its own and sends messages, which the connection's
// strand writes one at a time.
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <string>
#include <thread>

#include "base/strings.h"
#include "transport/http_server_internal.h"

namespace lode::http_internal {
namespace {

namespace websocket = beast::websocket;

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

template <class Stream>
void StartWebSocket(Stream stream, ServerState& state, ConnectionLimiter::Slot slot,
                    std::shared_ptr<HttpRequest> request,
                    http::request<http::string_body> upgrade) {
  auto ws = std::make_shared<WsSession<Stream>>(std::move(stream), state, std::move(slot));
  ws->Accept(std::move(request), std::move(upgrade));
}

}  // namespace

void AcceptWebSocket(PlainStream stream, ServerState& state, ConnectionLimiter::Slot slot,
                     std::shared_ptr<HttpRequest> request,
                     http::request<http::string_body> upgrade) {
  StartWebSocket(std::move(stream), state, std::move(slot), std::move(request), std::move(upgrade));
}

void AcceptWebSocket(TlsStream stream, ServerState& state, ConnectionLimiter::Slot slot,
                     std::shared_ptr<HttpRequest> request,
                     http::request<http::string_body> upgrade) {
  StartWebSocket(std::move(stream), state, std::move(slot), std::move(request), std::move(upgrade));
}

}  // namespace lode::http_internal
