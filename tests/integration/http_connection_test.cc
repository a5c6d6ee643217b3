// HttpConnection (one kept-open connection for many requests) against the
// real server, counted by the server's own lode_http_connections_accepted_total:
// pushes share one connection, and a connection the server closed for
// idling is opened again without the caller seeing an error.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "base/time.h"
#include "lode_process.h"
#include "transport/http_client.h"

namespace lode::testing {
namespace {

using std::chrono::milliseconds;

// An unlabelled counter's value; -1 when the server does not export it.
// Each call is a request of its own, on a connection of its own.
int64_t Counter(const LodeServer& server, const std::string& name) {
  std::string metrics = server.Get("/metrics").body;
  size_t at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  at += name.size() + 2;
  return std::stoll(metrics.substr(at, metrics.find('\n', at) - at));
}

ClientRequest Push(const LodeServer& server, int i) {
  ClientRequest request;
  request.method = "POST";
  request.url = server.base_url() + "/loki/api/v1/push";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"streams":[{"stream":{"app":"kept"},"values":[[")" +
                 std::to_string(NowNanos()) + R"(","line )" + std::to_string(i) + R"("]]}]})";
  return request;
}

constexpr const char* kAccepted = "lode_http_connections_accepted_total";

TEST(HttpConnectionTest, PushesShareOneConnection) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  const int64_t before = Counter(server, kAccepted);
  ASSERT_GE(before, 1);  // the scrape itself
  HttpConnection connection;
  for (int i = 0; i < 30; ++i) {
    auto response = connection.Send(Push(server, i));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->status, 204) << response->body;
  }
  // The 30 pushes came over one connection; the second scrape is another.
  EXPECT_EQ(Counter(server, kAccepted) - before, 2);
  HttpResponse counted =
      server.Get("/loki/api/v1/query?query=" +
                 std::string("sum(count_over_time(%7Bapp%3D%22kept%22%7D%5B1h%5D))"));
  ASSERT_EQ(counted.status, 200) << counted.body;
  EXPECT_NE(counted.body.find(R"("30"])"), std::string::npos) << counted.body;
}

TEST(HttpConnectionTest, AConnectionTheServerClosedForIdlingIsOpenedAgain) {
  TempDir dir;
  TempDir config_dir;
  const std::string config = config_dir.path() + "/lode.yaml";
  {
    FILE* f = fopen(config.c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs("http: {idle_timeout: 1s}\n", f);
    fclose(f);
  }
  LodeServer server(dir.path() + "/data", {"--config", config});
  HttpConnection connection;
  auto first = connection.Send(Push(server, 0));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->status, 204);
  // The server closes the idle connection after a second.
  const std::string idle = R"(lode_http_timeouts_total{phase="idle"})";
  int64_t closed = 0;
  for (int i = 0; i < 100 && closed < 1; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    std::string metrics = server.Get("/metrics").body;
    size_t at = metrics.find("\n" + idle + " ");
    if (at != std::string::npos) closed = std::stoll(metrics.substr(at + idle.size() + 2));
  }
  ASSERT_GE(closed, 1);
  const int64_t after_idle = Counter(server, kAccepted);
  auto second = connection.Send(Push(server, 1));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->status, 204);
  // A new connection for the second push, and one for the last scrape.
  EXPECT_EQ(Counter(server, kAccepted) - after_idle, 2);
}

TEST(HttpConnectionTest, ARequestToAnotherServerGoesToThatServer) {
  TempDir a_dir, b_dir;
  LodeServer a(a_dir.path() + "/data");
  LodeServer b(b_dir.path() + "/data");
  HttpConnection connection;
  for (int i = 0; i < 4; ++i) {
    const LodeServer& to = i % 2 == 0 ? a : b;
    auto response = connection.Send(Push(to, i));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->status, 204);
  }
  for (const LodeServer* server : {&a, &b}) {
    HttpResponse counted =
        server->Get("/loki/api/v1/query?query=" +
                    std::string("sum(count_over_time(%7Bapp%3D%22kept%22%7D%5B1h%5D))"));
    EXPECT_NE(counted.body.find(R"("2"])"), std::string::npos) << counted.body;
  }
}

}  // namespace
}  // namespace lode::testing
