#include "nats_cluster.h"

#include <unistd.h>

#include <cstdlib>

#include "base/strings.h"

namespace lode::testing {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::vector<std::string> NatsUrls() {
  std::vector<std::string> urls;
  for (std::string_view url : SplitCommaList(Env("LODE_NATS_URLS"))) urls.emplace_back(url);
  return urls;
}

std::string Unique(const std::string& base) { return base + "_" + std::to_string(getpid()); }

int RunScript(const std::string& arguments) {
  std::string command = Env("LODE_NATS_SCRIPTS") + "/" + arguments + " >/dev/null";
  return std::system(command.c_str());
}

OutgoingMessage Msg(std::string subject, std::string data, std::string msg_id,
                    NatsHeaders headers) {
  OutgoingMessage message;
  message.subject = std::move(subject);
  message.data = std::move(data);
  message.msg_id = std::move(msg_id);
  message.headers = std::move(headers);
  return message;
}

double Millis(steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void NatsClusterTest::SetUp() {
  ASSERT_FALSE(Env("LODE_NATS_URLS").empty())
      << "LODE_NATS_URLS is not set: run through ctest, or start scripts/cluster/nats-up.sh "
         "and set it to the URLs it prints";
  client_ = Connect(4096);
  ASSERT_NE(client_, nullptr);
}

std::unique_ptr<NatsClient> NatsClusterTest::Connect(size_t window,
                                                     std::chrono::milliseconds request_timeout) {
  NatsOptions options;
  options.servers = NatsUrls();
  options.name = "lode-cluster-test";
  options.request_timeout = request_timeout;
  options.max_publishes_in_flight = window;
  auto client = NatsClient::Connect(options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

std::string NatsClusterTest::MakeStream(const std::string& base, const std::string& prefix) {
  StreamConfig config;
  config.name = Unique(base);
  config.subjects = {prefix + ".>"};
  config.replicas = 3;
  Status status = client_->EnsureStream(config);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return config.name;
}

std::vector<StreamMessage> NatsClusterTest::ReadAll(const std::string& stream,
                                                    const std::string& subject, uint64_t start,
                                                    size_t count) {
  std::vector<StreamMessage> all;
  auto consumer = client_->ConsumeOrdered(stream, subject, start);
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  if (!consumer.ok()) return all;
  auto deadline = steady_clock::now() + 10s;
  while (all.size() < count && steady_clock::now() < deadline) {
    auto batch = (*consumer)->Next(count - all.size(), 1s);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok()) break;
    for (StreamMessage& m : *batch) all.push_back(std::move(m));
  }
  return all;
}

}  // namespace lode::testing
