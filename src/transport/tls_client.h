// The TLS settings of lode's clients (HTTP and WebSocket): the peer is
// verified against the system's CAs, or the PEM file named by
// $LODE_CA_FILE, and its name against the URL's host. Boost inside: for
// src/transport/*.cc only.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <cstdlib>
#include <string>

#include "base/status.h"

namespace lode {

inline Status ConfigureClientTls(boost::asio::ssl::context& ctx, const std::string& host) {
  boost::system::error_code ec;
  const char* ca_file = std::getenv("LODE_CA_FILE");
  if (ca_file != nullptr && *ca_file != '\0') {
    ctx.load_verify_file(ca_file, ec);
    if (ec) {
      return Status::InvalidArgument(std::string("LODE_CA_FILE ") + ca_file + ": " + ec.message());
    }
  } else {
    ctx.set_default_verify_paths(ec);
  }
  ctx.set_verify_mode(boost::asio::ssl::verify_peer);
  ctx.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return Status::Ok();
}

}  // namespace lode
