#include "transport/websocket_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "transport/http_client.h"
#include "transport/tls_client.h"

namespace lode {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// The handshake and the read loop, over a connected stream (plain or TLS).
template <class Stream>
Status Follow(asio::io_context& ioc, websocket::stream<Stream>& ws, const Url& u,
              const std::string& where,
              const std::vector<std::pair<std::string, std::string>>& headers,
              const std::function<bool(const std::string& message)>& on_message) {
  beast::error_code ec;
  ws.set_option(websocket::stream_base::decorator([&headers](websocket::request_type& req) {
    req.set(http::field::user_agent, "lode");
    for (const auto& [name, value] : headers) req.set(name, value);
  }));
  websocket::response_type response;
  // The asynchronous handshake, run to its end: of the two, only it hands
  // back the server's answer when the upgrade is refused (a 401 for a bad
  // token, a 400 for a bad query), and that answer is what to tell.
  ws.async_handshake(response, u.host + ":" + u.port, u.path,
                     [&ec](beast::error_code e) { ec = e; });
  ioc.run();
  ioc.restart();
  if (ec) {
    if (response.result_int() != 0 && response.result() != http::status::switching_protocols) {
      std::string body = response.body();
      while (!body.empty() && body.back() == '\n') body.pop_back();
      return Status::InvalidArgument(body + " (HTTP " + std::to_string(response.result_int()) +
                                     ")");
    }
    return Status::Unavailable("WebSocket handshake with " + where + ": " + ec.message());
  }
  beast::flat_buffer buffer;
  while (true) {
    ws.read(buffer, ec);
    if (ec == websocket::error::closed) return Status::Ok();
    if (ec) return Status::Unavailable("connection to " + where + " lost: " + ec.message());
    std::string message = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (!on_message(message)) {
      ws.close(websocket::close_code::normal, ec);
      return Status::Ok();
    }
  }
}

}  // namespace

Status ReadWebSocket(const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::function<bool(const std::string& message)>& on_message) {
  LODE_ASSIGN_OR_RETURN(Url u, ParseUrl(url));
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  const std::string where = u.host + ":" + u.port;
  beast::error_code ec;
  auto endpoints = resolver.resolve(u.host, u.port, ec);
  if (ec) return Status::Unavailable("resolve " + where + ": " + ec.message());
  if (!u.tls) {
    websocket::stream<beast::tcp_stream> ws(ioc);
    beast::get_lowest_layer(ws).connect(endpoints, ec);
    if (ec) return Status::Unavailable("connect to " + where + ": " + ec.message());
    return Follow(ioc, ws, u, where, headers, on_message);
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  LODE_RETURN_IF_ERROR(ConfigureClientTls(ctx, u.host));
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
  beast::get_lowest_layer(ws).connect(endpoints, ec);
  if (ec) return Status::Unavailable("connect to " + where + ": " + ec.message());
  SSL_set_tlsext_host_name(ws.next_layer().native_handle(), u.host.c_str());
  ws.next_layer().handshake(asio::ssl::stream_base::client, ec);
  if (ec) return Status::Unavailable("TLS handshake with " + where + ": " + ec.message());
  return Follow(ioc, ws, u, where, headers, on_message);
}

}  // namespace lode
