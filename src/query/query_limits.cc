#include "query/query_limits.h"

#include <cstdio>

namespace lode {
namespace {

std::string HumanBytes(uint64_t b) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace

Status QueryLimits::Check(uint64_t bytes_read) const {
  if (cancelled && cancelled->load(std::memory_order_relaxed)) {
    return Status::Cancelled("query cancelled: the client went away");
  }
  if (max_bytes > 0 && bytes_read > max_bytes) {
    return Status::InvalidArgument(
        "the query would read too many bytes (query: more than " + HumanBytes(max_bytes) +
        ", limit: " + HumanBytes(max_bytes) +
        "); consider adding more specific stream selectors or reduce the time range of the query");
  }
  if (std::chrono::steady_clock::now() > deadline) {
    return Status::DeadlineExceeded(
        "query timed out after " + std::to_string(timeout.count() / 1000) +
        "s (query_timeout); narrow the time range or the stream selector");
  }
  return Status::Ok();
}

}  // namespace lode
