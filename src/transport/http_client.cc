#include "transport/http_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstdlib>
#include <optional>

#include "transport/tls_client.h"

namespace lode {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

Result<Url> ParseUrl(std::string_view text) {
  std::string_view rest = text;
  Url url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    url.tls = true;
    url.port = "443";
  } else if (rest.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("unsupported URL scheme in \"" + std::string(text) +
                                   "\" (http:// or https://)");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(rest.substr(slash));
  if (authority.empty())
    return Status::InvalidArgument("URL has no host: \"" + std::string(text) + "\"");
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    url.host = std::string(authority.substr(0, colon));
    url.port = std::string(authority.substr(colon + 1));
  } else {
    url.host = std::string(authority);
  }
  if (url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  if (url.host.empty() || url.port.empty()) {
    return Status::InvalidArgument("invalid URL \"" + std::string(text) + "\"");
  }
  return url;
}

namespace {

// Writes the request and reads the response on a connected stream (plain
// or TLS), each step under the request's timeout. `buffer` holds what was
// read past a response, for the next one on the connection. With
// `keep_alive`, asks the server to keep the connection open, and tells in
// `kept_open` whether it will (the caller closes it otherwise).
template <class Stream>
Result<HttpResponse> Exchange(asio::io_context& ioc, Stream& stream, const ClientRequest& request,
                              const Url& url, const std::string& where, bool keep_alive,
                              beast::flat_buffer& buffer, bool& kept_open) {
  beast::error_code op_ec;
  auto run = [&]() {
    ioc.restart();
    ioc.run();
  };
  http::request<http::string_body> req;
  req.method_string(request.method);
  req.target(url.path);
  req.version(11);
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "lode");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.keep_alive(keep_alive);
  req.prepare_payload();

  beast::get_lowest_layer(stream).expires_after(request.timeout);
  http::async_write(stream, req, [&](beast::error_code e, size_t) { op_ec = e; });
  run();
  if (op_ec) return Status::Unavailable("send to " + where + ": " + op_ec.message());

  // Read in large pieces: a small first buffer would take a query's
  // answer a few hundred bytes per system call.
  if (buffer.capacity() < 64 * 1024) buffer.reserve(64 * 1024);
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 32);
  beast::get_lowest_layer(stream).expires_after(request.timeout);
  http::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { op_ec = e; });
  run();
  if (op_ec) return Status::Unavailable("read response from " + where + ": " + op_ec.message());

  const auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  auto ct = res.find(http::field::content_type);
  out.content_type = ct != res.end() ? std::string(ct->value()) : "";
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = res.body();
  kept_open = keep_alive && parser.keep_alive();
  return out;
}

// Whether an idle connection can take another request: a server that
// closed it (its idle timeout) has sent its FIN, which a peek reads as
// end of stream. Bytes waiting are no answer to anything: not usable
// either.
bool IdleConnectionUsable(tcp::socket& socket) {
  char byte;
  ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// One connection, plain or TLS, and what was read past its last response.
struct ClientConnection {
  asio::io_context ioc;
  std::string authority;  // scheme, host and port it is open to; empty: closed
  std::optional<beast::tcp_stream> plain;
  std::optional<ssl::context> tls_context;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  void Close() {
    beast::error_code ec;
    if (tls) {
      beast::get_lowest_layer(*tls).socket().shutdown(tcp::socket::shutdown_both, ec);
    } else if (plain) {
      plain->socket().shutdown(tcp::socket::shutdown_both, ec);
    }
    tls.reset();
    tls_context.reset();
    plain.reset();
    buffer.clear();
    authority.clear();
  }

  tcp::socket& socket() { return tls ? beast::get_lowest_layer(*tls).socket() : plain->socket(); }

  Status Open(const Url& url, const std::string& where, std::chrono::milliseconds timeout) {
    Close();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) return Status::Unavailable("resolve " + where + ": " + ec.message());
    // Run the async operations with a deadline: Beast's tcp_stream times
    // out each one.
    beast::error_code op_ec;
    plain.emplace(ioc);
    plain->expires_after(timeout);
    plain->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { op_ec = e; });
    ioc.restart();
    ioc.run();
    if (op_ec) {
      plain.reset();
      return Status::Unavailable("connect to " + where + ": " + op_ec.message());
    }
    if (url.tls) {
      tls_context.emplace(ssl::context::tls_client);
      if (Status s = ConfigureClientTls(*tls_context, url.host); !s.ok()) {
        Close();
        return s;
      }
      tls.emplace(std::move(*plain), *tls_context);
      plain.reset();
      SSL_set_tlsext_host_name(tls->native_handle(), url.host.c_str());
      beast::get_lowest_layer(*tls).expires_after(timeout);
      tls->async_handshake(ssl::stream_base::client, [&](beast::error_code e) { op_ec = e; });
      ioc.restart();
      ioc.run();
      if (op_ec) {
        Close();
        return Status::Unavailable("TLS handshake with " + where + ": " + op_ec.message());
      }
    }
    return Status::Ok();
  }

  Result<HttpResponse> Send(const ClientRequest& request, bool keep_alive) {
    LODE_ASSIGN_OR_RETURN(Url url, ParseUrl(request.url));
    const std::string where = url.host + ":" + url.port;
    const std::string wanted = (url.tls ? "https://" : "http://") + where;
    if (!authority.empty() && (authority != wanted || !IdleConnectionUsable(socket()))) Close();
    if (authority.empty()) {
      LODE_RETURN_IF_ERROR(Open(url, where, request.timeout));
      authority = wanted;
    }
    bool kept_open = false;
    Result<HttpResponse> response =
        tls ? Exchange(ioc, *tls, request, url, where, keep_alive, buffer, kept_open)
            : Exchange(ioc, *plain, request, url, where, keep_alive, buffer, kept_open);
    if (!response.ok() || !kept_open) Close();
    return response;
  }
};

}  // namespace

struct HttpConnection::Impl : ClientConnection {};

HttpConnection::HttpConnection() : impl_(std::make_unique<Impl>()) {}
HttpConnection::~HttpConnection() { impl_->Close(); }

Result<HttpResponse> HttpConnection::Send(const ClientRequest& request) {
  return impl_->Send(request, true);
}

Result<HttpResponse> SendHttpRequest(const ClientRequest& request) {
  ClientConnection connection;
  return connection.Send(request, false);
}

}  // namespace lode
