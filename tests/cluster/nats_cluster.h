// The fixture of the NATS cluster tests (tests/cluster/nats_*_test.cc):
// NatsClient against a real 3-node JetStream cluster on loopback, the one
// scripts/cluster/nats-up.sh starts, which the ctest fixture
// cluster/nats-up starts on test ports (CMakeLists.txt sets the LODE_NATS_*
// variables, LODE_NATS_URLS among them). Each test makes streams and
// buckets of its own, named after the process, so that runs against a
// cluster that is already up do not meet each other's data.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "jetstream/nats_client.h"

namespace lode::testing {

std::string Env(const char* name);
// The servers of LODE_NATS_URLS.
std::vector<std::string> NatsUrls();
// A name no other run of the tests uses: "<base>_<pid>".
std::string Unique(const std::string& base);
// Runs a script of scripts/cluster/ ("nats-down.sh --kill 2") on the
// fixture's cluster (the LODE_NATS_* variables are inherited); its exit
// status.
int RunScript(const std::string& arguments);
OutgoingMessage Msg(std::string subject, std::string data, std::string msg_id = "",
                    NatsHeaders headers = {});
double Millis(std::chrono::steady_clock::duration d);

class NatsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override;

  std::unique_ptr<NatsClient> Connect(
      size_t window, std::chrono::milliseconds request_timeout = std::chrono::seconds(5));
  // A replicated stream (R3) of its own subjects "<prefix>.>".
  std::string MakeStream(const std::string& base, const std::string& prefix);
  // Reads `subject` of `stream` from `start` until `count` messages came
  // (or 10 s passed).
  std::vector<StreamMessage> ReadAll(const std::string& stream, const std::string& subject,
                                     uint64_t start, size_t count);

  std::unique_ptr<NatsClient> client_;
};

}  // namespace lode::testing
