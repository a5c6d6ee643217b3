// Where the cluster tests find the services their ctest fixtures started
// (CMakeLists.txt sets these variables for each test).
#pragma once

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace lode::testing {

struct S3Env {
  std::string endpoint;
  std::string access_key;
  std::string secret_key;
};

// From the env file scripts/cluster/s3-up.sh writes (LODE_S3_ENV_FILE):
// lines of `export NAME=value`.
inline const S3Env& GetS3Env() {
  static const S3Env env = [] {
    const char* path = std::getenv("LODE_S3_ENV_FILE");
    if (path == nullptr) throw std::runtime_error("LODE_S3_ENV_FILE is not set");
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("cannot read ") + path);
    S3Env e;
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("export ", 0) == 0) line = line.substr(7);
      size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string name = line.substr(0, eq), value = line.substr(eq + 1);
      if (name == "S3_ENDPOINT") e.endpoint = value;
      if (name == "AWS_ACCESS_KEY_ID") e.access_key = value;
      if (name == "AWS_SECRET_ACCESS_KEY") e.secret_key = value;
    }
    if (e.endpoint.empty()) throw std::runtime_error(std::string("no S3_ENDPOINT in ") + path);
    return e;
  }();
  return env;
}

// "nats://127.0.0.1:14222, ..." from LODE_NATS_URLS (comma-separated).
inline std::string NatsUrls() {
  const char* urls = std::getenv("LODE_NATS_URLS");
  if (urls == nullptr) throw std::runtime_error("LODE_NATS_URLS is not set");
  return urls;
}

}  // namespace lode::testing
