#include "transport/tls_client.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <cstdlib>

namespace lode {

Status ConfigureClientTls(boost::asio::ssl::context& ctx, const std::string& host) {
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
