#include "transport/syslog_listener.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <list>
#include <thread>

#include "base/host_port.h"
#include "base/log.h"
#include "base/mutex.h"
#include "base/time.h"
#include "ingest/syslog.h"

namespace lode {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

struct SyslogListener::Impl {
  SyslogListenerOptions options;
  SyslogSink sink;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<udp::socket> udp_socket;
  std::thread accept_thread, udp_thread;
  std::atomic<bool> stopping{false};

  struct Connection {
    tcp::socket socket;
    std::thread thread;
    std::atomic<bool> done{false};
    explicit Connection(tcp::socket s) : socket(std::move(s)) {}
  };
  Mutex mu;
  std::list<std::unique_ptr<Connection>> connections GUARDED_BY(mu);

  // `wait`: a refusal for want of room is waited out (TCP, see SyslogSink).
  void Deliver(std::vector<std::string>& messages, bool wait) {
    if (messages.empty()) return;
    const TimestampNs now = NowNanos();
    std::vector<StreamBatch> batches;
    for (const std::string& text : messages) {
      auto parsed = ParseSyslog(text, now);
      if (parsed.ok()) AppendSyslogRecord(*parsed, now, batches);
    }
    messages.clear();
    if (batches.empty()) return;
    while (sink(batches).code() == StatusCode::kRateLimited && wait && !stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void ServeConnection(Connection* c) {
    SyslogFramer framer(options.max_message_size);
    std::vector<std::string> messages;
    std::vector<char> buffer(64 * 1024);
    boost::system::error_code ec;
    while (!stopping.load()) {
      size_t n = c->socket.read_some(asio::buffer(buffer), ec);
      if (ec) break;
      Status s = framer.Add(std::string_view(buffer.data(), n), messages);
      Deliver(messages, /*wait=*/true);
      if (!s.ok()) {
        log::Warn("syslog connection closed", {{"err", s.message()}});
        break;
      }
    }
    framer.Finish(messages);
    Deliver(messages, /*wait=*/true);
    c->socket.close(ec);
    c->done.store(true);
  }

  void AcceptLoop() {
    while (!stopping.load()) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor->accept(socket, ec);
      if (ec) {
        if (stopping.load()) break;
        continue;
      }
      MutexLock lock(mu);
      // Reap connections that ended.
      for (auto it = connections.begin(); it != connections.end();) {
        if ((*it)->done.load()) {
          (*it)->thread.join();
          it = connections.erase(it);
        } else {
          ++it;
        }
      }
      if (connections.size() >= options.max_connections) {
        log::Warn("syslog connection refused: too many connections",
                  {{"limit", std::to_string(options.max_connections)}});
        socket.close(ec);
        continue;
      }
      auto c = std::make_unique<Connection>(std::move(socket));
      Connection* raw = c.get();
      c->thread = std::thread([this, raw] { ServeConnection(raw); });
      connections.push_back(std::move(c));
    }
  }

  void UdpLoop() {
    std::vector<char> buffer(65536);
    std::vector<std::string> messages;
    while (!stopping.load()) {
      udp::endpoint from;
      boost::system::error_code ec;
      size_t n = udp_socket->receive_from(asio::buffer(buffer), from, 0, ec);
      if (ec) {
        if (stopping.load()) break;
        continue;
      }
      messages.emplace_back(buffer.data(), n);
      // Take the datagrams already waiting too, and store them as one batch.
      while (messages.size() < 1000 && udp_socket->available(ec) > 0 && !ec) {
        n = udp_socket->receive_from(asio::buffer(buffer), from, 0, ec);
        if (ec) break;
        messages.emplace_back(buffer.data(), n);
      }
      Deliver(messages, /*wait=*/false);
    }
  }
};

SyslogListener::SyslogListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SyslogListener::~SyslogListener() { Stop(); }

Result<std::unique_ptr<SyslogListener>> SyslogListener::Start(const SyslogListenerOptions& options,
                                                              SyslogSink sink) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->sink = std::move(sink);
  boost::system::error_code ec;
  auto resolve = [&](const std::string& listen, asio::ip::address& address,
                     uint16_t& port) -> Status {
    std::string host;
    LODE_RETURN_IF_ERROR(SplitHostPort(listen, host, port));
    address = asio::ip::make_address(host, ec);
    if (ec)
      return Status::InvalidArgument("syslog listen address \"" + listen + "\": " + ec.message());
    return Status::Ok();
  };
  if (!options.tcp.empty()) {
    asio::ip::address address;
    uint16_t port = 0;
    LODE_RETURN_IF_ERROR(resolve(options.tcp, address, port));
    impl->acceptor = std::make_unique<tcp::acceptor>(impl->io);
    tcp::endpoint endpoint(address, port);
    impl->acceptor->open(endpoint.protocol(), ec);
    if (!ec) impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor->bind(endpoint, ec);
    if (!ec) impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::Unavailable("syslog TCP " + options.tcp + ": " + ec.message());
  }
  if (!options.udp.empty()) {
    asio::ip::address address;
    uint16_t port = 0;
    LODE_RETURN_IF_ERROR(resolve(options.udp, address, port));
    udp::endpoint endpoint(address, port);
    impl->udp_socket = std::make_unique<udp::socket>(impl->io);
    impl->udp_socket->open(endpoint.protocol(), ec);
    if (!ec) impl->udp_socket->set_option(asio::socket_base::receive_buffer_size(8 << 20), ec);
    ec.clear();  // a smaller buffer than asked for is fine
    impl->udp_socket->bind(endpoint, ec);
    if (ec) return Status::Unavailable("syslog UDP " + options.udp + ": " + ec.message());
  }
  Impl* raw = impl.get();
  if (raw->acceptor) raw->accept_thread = std::thread([raw] { raw->AcceptLoop(); });
  if (raw->udp_socket) raw->udp_thread = std::thread([raw] { raw->UdpLoop(); });
  return std::unique_ptr<SyslogListener>(new SyslogListener(std::move(impl)));
}

uint16_t SyslogListener::tcp_port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

uint16_t SyslogListener::udp_port() const {
  return impl_->udp_socket ? impl_->udp_socket->local_endpoint().port() : 0;
}

void SyslogListener::Stop() {
  if (impl_->stopping.exchange(true)) return;
  // shutdown(2) wakes the threads blocked in accept, read and recvfrom.
  if (impl_->acceptor) ::shutdown(impl_->acceptor->native_handle(), SHUT_RDWR);
  if (impl_->udp_socket) ::shutdown(impl_->udp_socket->native_handle(), SHUT_RDWR);
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  if (impl_->udp_thread.joinable()) impl_->udp_thread.join();
  MutexLock lock(impl_->mu);
  for (auto& c : impl_->connections) {
    ::shutdown(c->socket.native_handle(), SHUT_RDWR);
  }
  for (auto& c : impl_->connections) c->thread.join();
  impl_->connections.clear();
}

}  // namespace lode
