// Bearer-token auth and tenants on the real server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string config = dir_.path() + "/lode.yaml";
    std::ofstream(config) << "auth:\n  tokens:\n"
                             "    - {token: writer-token-a, tenant: team-a, access: write}\n"
                             "    - {token: reader-token-a, tenant: team-a, access: read}\n"
                             "    - {token: both-token-b1, tenant: team-b}\n";
    server_ = std::make_unique<LodeServer>(dir_.path() + "/data",
                                           std::vector<std::string>{"--config", config});
  }
  std::vector<std::pair<std::string, std::string>> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  std::string Range() { return "start=0&end=" + std::to_string(NowNanos() + kNanosPerSecond); }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
};

TEST_F(AuthTest, TokensChooseTheTenantAndWhatTheyMayDo) {
  std::string body = PushBody(R"({"app":"x"})", {{NowNanos() - kNanosPerSecond, "secret line"}});
  // No token, a wrong one: 401 with a challenge.
  HttpResponse none = server_->PushJson(body);
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find("Authorization: Bearer"), std::string::npos);
  bool challenge = false;
  for (const auto& [name, value] : none.headers) challenge |= name == "WWW-Authenticate";
  EXPECT_TRUE(challenge);
  EXPECT_EQ(server_->PushJson(body, Bearer("wrong-token-x")).status, 401);
  // The writer writes to its tenant; it may not read.
  ASSERT_EQ(server_->PushJson(body, Bearer("writer-token-a")).status, 204);
  HttpResponse denied = server_->QueryRange(R"({app="x"})", Range(), Bearer("writer-token-a"));
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("may not read"), std::string::npos) << denied.body;
  // The reader of team-a sees it; it may not write.
  ParsedStreams a =
      ParseStreams(server_->QueryRange(R"({app="x"})", Range(), Bearer("reader-token-a")).body);
  ASSERT_EQ(a.entries.size(), 1u);
  EXPECT_EQ(a.entries[0].second, "secret line");
  EXPECT_EQ(server_->PushJson(body, Bearer("reader-token-a")).status, 403);
  // team-b's token sees nothing of team-a, and cannot name it.
  EXPECT_TRUE(
      ParseStreams(server_->QueryRange(R"({app="x"})", Range(), Bearer("both-token-b1")).body)
          .entries.empty());
  auto cross = Bearer("both-token-b1");
  cross.emplace_back("X-Scope-OrgID", "team-a");
  HttpResponse other = server_->QueryRange(R"({app="x"})", Range(), cross);
  EXPECT_EQ(other.status, 403);
  EXPECT_NE(other.body.find("cannot access \"team-a\""), std::string::npos) << other.body;
  // Basic auth with the token as the password works too (for Grafana).
  HttpResponse basic = server_->Get("/loki/api/v1/labels",
                                    {{"Authorization", "Basic dXNlcjpyZWFkZXItdG9rZW4tYQ=="}});
  EXPECT_EQ(basic.status, 200) << basic.body;
  EXPECT_NE(basic.body.find("\"app\""), std::string::npos);
  // Health and metrics stay open.
  EXPECT_EQ(server_->Get("/ready").status, 200);
  EXPECT_EQ(server_->Get("/metrics").status, 200);
  // The CLI passes --token.
  CommandResult q = RunLode({"query", "--url", server_->base_url(), "--token", "reader-token-a",
                             "--since", "1h", "-o", "raw", R"({app="x"})"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "secret line\n");
  // A tail refused at the WebSocket upgrade says why, with the server's
  // status, and exits 1.
  CommandResult tail = RunLode({"query", "--url", server_->base_url(), "--token", "wrong-token-x",
                                "--follow", R"({app="x"})"});
  EXPECT_EQ(tail.exit_code, 1);
  EXPECT_NE(tail.err.find("invalid token (HTTP 401)"), std::string::npos) << tail.err;
  CommandResult writer_tail = RunLode({"query", "--url", server_->base_url(), "--token",
                                       "writer-token-a", "--follow", R"({app="x"})"});
  EXPECT_EQ(writer_tail.exit_code, 1);
  EXPECT_NE(writer_tail.err.find("(HTTP 403)"), std::string::npos) << writer_tail.err;
}

TEST(TenantNames, PathTricksAreRefused) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");
  for (const char* tenant : {"../etc", "a/b", ".", "..", "x\\y", "with space"}) {
    HttpResponse r =
        server.PushJson(PushBody(R"({"app":"x"})", {{1, "l"}}), {{"X-Scope-OrgID", tenant}});
    EXPECT_EQ(r.status, 400) << tenant;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/etc"));
}

}  // namespace
}  // namespace lode::testing
