// Syslog over TCP (RFC 6587 framing) and UDP (one message per datagram):
// receives, parses and hands records to a sink in batches. Each TCP
// connection has a thread that reads, parses and calls the sink in turn,
// so a sink that waits (a durable append, backpressure) slows only that
// sender, through TCP's own flow control.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "model/record.h"

namespace lode {

struct SyslogListenerOptions {
  std::string tcp;  // HOST:PORT to listen on, or empty for none
  std::string udp;
  size_t max_message_size = 64 * 1024;
  size_t max_connections = 1000;
};

// Called from the listener's threads, concurrently; batches hold the
// records of one read or of a burst of datagrams. RateLimited: the store
// cannot take them now. A TCP connection then waits and hands the same
// batches again, not reading meanwhile, so that its sender is slowed by
// TCP's flow control rather than losing records to a burst; datagrams
// cannot be slowed and are dropped (the sink counts them).
using SyslogSink = std::function<Status(std::vector<StreamBatch>& batches)>;

class SyslogListener {
 public:
  static Result<std::unique_ptr<SyslogListener>> Start(const SyslogListenerOptions& options,
                                                       SyslogSink sink);
  ~SyslogListener();

  // The bound ports (when asked for port 0), or 0 when not listening.
  uint16_t tcp_port() const;
  uint16_t udp_port() const;

  // Stops listening and closes every connection; what was read is handed
  // to the sink first. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit SyslogListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lode
