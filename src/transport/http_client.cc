#include "transport/http_client.h"

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>

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
// or TLS), each step under the request's timeout.
template <class Stream>
Result<HttpResponse> Exchange(asio::io_context& ioc, Stream& stream, const ClientRequest& request,
                              const Url& url, const std::string& where) {
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
  req.keep_alive(false);
  req.prepare_payload();

  beast::get_lowest_layer(stream).expires_after(request.timeout);
  http::async_write(stream, req, [&](beast::error_code e, size_t) { op_ec = e; });
  run();
  if (op_ec) return Status::Unavailable("send to " + where + ": " + op_ec.message());

  // Read in large pieces: a small first buffer would take a query's
  // answer a few hundred bytes per system call.
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);
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
  beast::error_code ec;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace

Result<HttpResponse> SendHttpRequest(const ClientRequest& request) {
  LODE_ASSIGN_OR_RETURN(Url url, ParseUrl(request.url));
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  std::string where = url.host + ":" + url.port;

  beast::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return Status::Unavailable("resolve " + where + ": " + ec.message());

  // Run the async operations with a deadline: Beast's tcp_stream times
  // out each one.
  beast::error_code op_ec;
  stream.expires_after(request.timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { op_ec = e; });
  ioc.run();
  if (op_ec) return Status::Unavailable("connect to " + where + ": " + op_ec.message());
  if (!url.tls) return Exchange(ioc, stream, request, url, where);

  ssl::context ctx(ssl::context::tls_client);
  LODE_RETURN_IF_ERROR(ConfigureClientTls(ctx, url.host));
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), ctx);
  SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
  beast::get_lowest_layer(tls).expires_after(request.timeout);
  tls.async_handshake(ssl::stream_base::client, [&](beast::error_code e) { op_ec = e; });
  ioc.restart();
  ioc.run();
  if (op_ec) return Status::Unavailable("TLS handshake with " + where + ": " + op_ec.message());
  return Exchange(ioc, tls, request, url, where);
}

}  // namespace lode
