// The TLS settings of lode's clients (HTTP and WebSocket): the peer is
// verified against the system's CAs, or the PEM file named by
// $LODE_CA_FILE, and its name against the URL's host.
#pragma once

#include <string>

#include "base/status.h"

namespace boost::asio::ssl {
class context;
}

namespace lode {

// InvalidArgument when $LODE_CA_FILE names a file that cannot be loaded.
Status ConfigureClientTls(boost::asio::ssl::context& ctx, const std::string& host);

}  // namespace lode
