#include "cli/serve_config.h"

#include <gtest/gtest.h>

#include <string>

namespace lode {
namespace {

using std::chrono::milliseconds;

void ExpectError(const std::string& yaml, std::string_view mention) {
  ServeConfig config;
  Status s = ParseServeConfig(yaml, config);
  ASSERT_FALSE(s.ok()) << yaml;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << yaml;
  EXPECT_NE(s.message().find(mention), std::string::npos)
      << yaml << "\nmessage: " << s.message() << "\nexpected to mention: " << mention;
}

TEST(ParseServeConfigTest, SetsEveryKey) {
  ServeConfig config;
  ASSERT_TRUE(ParseServeConfig("data: /var/lib/lode\n"
                               "listen: 0.0.0.0:9000\n"
                               "flush_interval: 250ms\n"
                               "log_level: debug\n"
                               "max_body_size: 1048576\n"
                               "max_query_limit: 100\n",
                               config)
                  .ok());
  EXPECT_EQ(config.data, "/var/lib/lode");
  EXPECT_EQ(config.listen, "0.0.0.0:9000");
  EXPECT_EQ(config.flush_interval, milliseconds(250));
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.max_body_size, 1048576u);
  EXPECT_EQ(config.max_query_limit, 100u);
}

TEST(ParseServeConfigTest, DurabilityNamesAuditStreams) {
  ServeConfig config;
  ASSERT_TRUE(
      ParseServeConfig("durability:\n"
                       "  durable_streams: ['{app=\"billing\"}']\n"
                       "  audit_streams: ['{app=\"ledger\"}', '{team=\"pay\", env=\"prod\"}']\n",
                       config)
          .ok());
  EXPECT_EQ(config.durable_streams, std::vector<std::string>{"{app=\"billing\"}"});
  EXPECT_EQ(config.audit_streams,
            (std::vector<std::string>{"{app=\"ledger\"}", "{team=\"pay\", env=\"prod\"}"}));
  ExpectError("durability:\n  audit_streams: '{app=\"ledger\"}'\n", "durability.audit_streams");
  ExpectError("durability:\n  audit_stream: []\n", "audit_streams");
}

TEST(ParseServeConfigTest, TenantsOverrideRetention) {
  ServeConfig config;
  Status s = ParseServeConfig(
      "tenants:\n"
      "  audit:\n"
      "    retention_period: 365d\n"
      "  debug: {retention_size: 1000, retention_period: 3d}\n"
      "retention_period: 30d\n",
      config);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(config.tenants.size(), 2u);
  EXPECT_EQ(config.tenants["audit"].retention_period_ns, 365LL * 86400 * 1'000'000'000);
  EXPECT_FALSE(config.tenants["audit"].retention_size.has_value());
  EXPECT_EQ(config.tenants["debug"].retention_size, 1000u);
  EXPECT_EQ(config.tenants["debug"].retention_period_ns, 3LL * 86400 * 1'000'000'000);
  EXPECT_EQ(config.retention_period_ns, 30LL * 86400 * 1'000'000'000);
}

TEST(ParseServeConfigTest, BadTenantsAreErrors) {
  ExpectError("tenants: 5\n", "must map tenant names");
  ExpectError("tenants:\n  ../x:\n    retention_period: 1d\n", "tenants:");
  ExpectError("tenants:\n  a: 1d\n", "tenants.a");
  ExpectError("tenants:\n  a:\n    retention: 1d\n", "unknown tenant setting \"retention\"");
  ExpectError("tenants:\n  a:\n    retention_period: soon\n", "tenants.a.retention_period");
}

TEST(ParseServeConfigTest, KeysNotGivenKeepTheirValues) {
  ServeConfig config;
  config.data = "/from/flags";
  ASSERT_TRUE(ParseServeConfig("log_level: warn\n", config).ok());
  EXPECT_EQ(config.log_level, "warn");
  EXPECT_EQ(config.data, "/from/flags");
  const ServeConfig defaults;
  EXPECT_EQ(config.listen, defaults.listen);
  EXPECT_EQ(config.flush_interval, defaults.flush_interval);
  EXPECT_EQ(config.max_body_size, defaults.max_body_size);
  EXPECT_EQ(config.max_query_limit, defaults.max_query_limit);
}

TEST(ParseServeConfigTest, EmptyTextAndCommentsAreOk) {
  for (std::string text : {"", "\n", "# nothing here\n", "---\n"}) {
    ServeConfig config;
    Status s = ParseServeConfig(text, config);
    EXPECT_TRUE(s.ok()) << text << ": " << s.ToString();
    EXPECT_EQ(config.data, ServeConfig().data);
    EXPECT_EQ(config.listen, ServeConfig().listen);
  }
}

TEST(ParseServeConfigTest, FlushIntervalForms) {
  struct Case {
    std::string text;
    milliseconds want;
  };
  for (const Case& c : {Case{"2", milliseconds(2000)}, Case{"0.5", milliseconds(500)},
                        Case{"1m", milliseconds(60'000)}, Case{"1s500ms", milliseconds(1500)},
                        Case{"100us", milliseconds(1)}}) {
    ServeConfig config;
    Status s = ParseServeConfig("flush_interval: " + c.text + "\n", config);
    ASSERT_TRUE(s.ok()) << c.text << ": " << s.ToString();
    EXPECT_EQ(config.flush_interval, c.want) << c.text;
  }
}

TEST(ParseServeConfigTest, UnknownKeyIsNamed) {
  ExpectError("listen: 127.0.0.1:3100\nretention: 7d\n", "\"retention\"");
  ExpectError("listen: 127.0.0.1:3100\nretention: 7d\n", "line 2");
  ExpectError("flush-interval: 1s\n", "\"flush-interval\"");
}

TEST(ParseServeConfigTest, BadDurationIsAnError) {
  ExpectError("flush_interval: 5x\n", "flush_interval");
  ExpectError("flush_interval: -1s\n", "flush_interval");
  ExpectError("flush_interval: 0s\n", "flush_interval must be positive");
  ExpectError("flush_interval: 0\n", "flush_interval must be positive");
  ExpectError("flush_interval: [1s]\n", "\"flush_interval\" at line 1 needs a single value");
}

TEST(ParseServeConfigTest, BadNumbersAreErrors) {
  ExpectError("max_body_size: lots\n", "invalid config value");
  ExpectError("max_query_limit: 1.5\n", "invalid config value");
  ExpectError("max_body_size: -1\n", "invalid config value");
}

TEST(ParseServeConfigTest, NotAMappingOrNotYaml) {
  ExpectError("- a\n- b\n", "mapping");
  ExpectError("just a string\n", "mapping");
  ExpectError("data: [unclosed\n", "invalid YAML");
  ExpectError("data: {a: b}\n", "\"data\" at line 1 needs a single value");
}

// yaml-cpp reads an empty value as the string "null"; `data:` must not
// silently become a directory named "null".
TEST(ParseServeConfigTest, EmptyValueIsAnError) {
  ExpectError("data:\n", "data");
  ExpectError("listen: ~\n", "listen");
  ExpectError("log_level:\n", "log_level");
}

TEST(ParseServeConfigTest, HttpLimitsHaveDefaults) {
  ServeConfig config;
  ASSERT_TRUE(ParseServeConfig("data: /x\n", config).ok());
  EXPECT_EQ(config.http.header_timeout, milliseconds(10'000));
  EXPECT_EQ(config.http.body_timeout, milliseconds(30'000));
  EXPECT_EQ(config.http.idle_timeout, milliseconds(120'000));
  EXPECT_EQ(config.http.max_connections, 4096u);
}

TEST(ParseServeConfigTest, HttpLimits) {
  ServeConfig config;
  Status s = ParseServeConfig(
      "http:\n"
      "  header_timeout: 1500ms\n"
      "  body_timeout: 1m\n"
      "  idle_timeout: 5\n"  // plain seconds
      "  max_connections: 20000\n",
      config);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(config.http.header_timeout, milliseconds(1500));
  EXPECT_EQ(config.http.body_timeout, milliseconds(60'000));
  EXPECT_EQ(config.http.idle_timeout, milliseconds(5000));
  EXPECT_EQ(config.http.max_connections, 20000u);

  // A setting left out keeps its value.
  ServeConfig partial;
  ASSERT_TRUE(ParseServeConfig("http: {idle_timeout: 90s}\n", partial).ok());
  EXPECT_EQ(partial.http.idle_timeout, milliseconds(90'000));
  EXPECT_EQ(partial.http.header_timeout, milliseconds(10'000));
  EXPECT_EQ(partial.http.max_connections, 4096u);
}

TEST(ParseServeConfigTest, BadHttpLimitsAreErrors) {
  ExpectError("http: 5\n", "must be a mapping");
  ExpectError("http:\n  read_timeout: 10s\n", "unknown http setting \"read_timeout\" at line 2");
  ExpectError("http:\n  header_timeout: 0s\n", "http.header_timeout at line 2 must be positive");
  ExpectError("http:\n  idle_timeout: -1s\n", "http.idle_timeout");
  ExpectError("http:\n  body_timeout: soon\n", "http.body_timeout");
  ExpectError("http:\n  body_timeout: [1s]\n", "needs a single value");
  ExpectError("http:\n  max_connections: 0\n", "not a positive count");
  ExpectError("http:\n  max_connections: many\n", "http.max_connections");
  ExpectError("http:\n  max_connections: -5\n", "not a positive count");
}

TEST(SplitHostPortTest, HostAndPort) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort("127.0.0.1:3100", host, port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 3100);
  ASSERT_TRUE(SplitHostPort("localhost:65535", host, port).ok());
  EXPECT_EQ(host, "localhost");
  EXPECT_EQ(port, 65535);
  ASSERT_TRUE(SplitHostPort("h:0", host, port).ok());
  EXPECT_EQ(port, 0);
}

TEST(SplitHostPortTest, EmptyHostMeansAllInterfaces) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort(":3100", host, port).ok());
  EXPECT_EQ(host, "0.0.0.0");
  EXPECT_EQ(port, 3100);
}

TEST(SplitHostPortTest, BracketedIpv6) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort("[::1]:3100", host, port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 3100);
  ASSERT_TRUE(SplitHostPort("[fe80::1:2]:80", host, port).ok());
  EXPECT_EQ(host, "fe80::1:2");
  EXPECT_EQ(port, 80);
}

TEST(SplitHostPortTest, Errors) {
  for (std::string listen : {"host", "", "h:99999", "h:65536", "h:", "h:abc", "h:-1", "h:+80",
                             "h: 80", "h:80x", "[::1]", "h:4294967297"}) {
    std::string host;
    uint16_t port = 0;
    Status s = SplitHostPort(listen, host, port);
    ASSERT_FALSE(s.ok()) << listen;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << listen;
    EXPECT_NE(s.message().find(listen), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace lode
