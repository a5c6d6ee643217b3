#include "ingest/syslog.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "base/time.h"

namespace lode {
namespace {

// 2026-12-01T13:45:00Z
constexpr int64_t kNow = 1796132700LL * kNanosPerSecond;

class SyslogTest : public ::testing::Test {
 protected:
  // RFC 3164 times are local: make the zone UTC for these tests.
  void SetUp() override {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

TEST_F(SyslogTest, Rfc5424WithStructuredData) {
  auto m = ParseSyslog(
      "<165>1 2026-12-01T13:40:01.123456+01:00 web-1 nginx 4242 ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" note=\"a \\\"q\\\" \\] b\"]"
      "[timeQuality tzKnown=\"1\"] \xEF\xBB\xBFrequest served",
      kNow);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->facility, 20);  // local4
  EXPECT_EQ(m->severity, 5);   // notice
  ASSERT_TRUE(m->has_timestamp);
  EXPECT_EQ(m->timestamp, *ParseRfc3339("2026-12-01T12:40:01.123456Z"));
  EXPECT_EQ(m->hostname, "web-1");
  EXPECT_EQ(m->app_name, "nginx");
  EXPECT_EQ(m->procid, "4242");
  EXPECT_EQ(m->msgid, "ID47");
  ASSERT_EQ(m->structured_data.size(), 4u);
  EXPECT_EQ(m->structured_data[0], (Label{"exampleSDID_32473_iut", "3"}));
  EXPECT_EQ(m->structured_data[2], (Label{"exampleSDID_32473_note", "a \"q\" ] b"}));
  EXPECT_EQ(m->structured_data[3], (Label{"timeQuality_tzKnown", "1"}));
  EXPECT_EQ(m->message, "request served");
}

TEST_F(SyslogTest, Rfc5424NilValues) {
  auto m = ParseSyslog("<14>1 - - - - - - just the message", kNow);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_timestamp);
  EXPECT_TRUE(m->hostname.empty());
  EXPECT_TRUE(m->app_name.empty());
  EXPECT_EQ(m->message, "just the message");
  auto empty = ParseSyslog("<14>1 2026-12-01T13:40:01Z host app - - -", kNow);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->message, "");
}

TEST_F(SyslogTest, Rfc3164WithAndWithoutHostnameAndPid) {
  auto m =
      ParseSyslog("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed on /dev/pts/8", kNow);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->facility, 4);  // auth
  EXPECT_EQ(m->severity, 2);  // crit
  EXPECT_EQ(m->timestamp, *ParseRfc3339("2026-10-11T22:14:15Z"));
  EXPECT_EQ(m->hostname, "mymachine");
  EXPECT_EQ(m->app_name, "su");
  EXPECT_EQ(m->procid, "230");
  EXPECT_EQ(m->message, "'su root' failed on /dev/pts/8");

  auto local = ParseSyslog("<13>Dec  1 13:44:59 cron: job done", kNow);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->timestamp, kNow - kNanosPerSecond);
  EXPECT_TRUE(local->hostname.empty());
  EXPECT_EQ(local->app_name, "cron");
  EXPECT_EQ(local->message, "job done");

  // A date later than tomorrow is last year's.
  auto december = ParseSyslog("<13>Dec 31 23:59:59 h app: x", kNow);
  EXPECT_EQ(december->timestamp, *ParseRfc3339("2025-12-31T23:59:59Z"));
}

TEST_F(SyslogTest, Rfc3164WithoutTagAndPlainText) {
  auto m = ParseSyslog("<13>Dec  1 13:00:00 host just words here", kNow);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->hostname, "host");
  EXPECT_TRUE(m->app_name.empty());
  EXPECT_EQ(m->message, "just words here");
  auto plain = ParseSyslog("no priority at all\n", kNow);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->facility, 1);
  EXPECT_EQ(plain->severity, 5);
  EXPECT_EQ(plain->message, "no priority at all");
  EXPECT_FALSE(ParseSyslog("\r\n", kNow).ok());
  // A PRI out of range is not one: the text is the message.
  auto bad = ParseSyslog("<999>Dec  1 13:00:00 host x", kNow);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->message, "<999>Dec  1 13:00:00 host x");
}

TEST_F(SyslogTest, RecordsGetLabelsAndMetadata) {
  std::vector<StreamBatch> batches;
  AppendSyslogRecord(
      *ParseSyslog("<11>1 2026-12-01T13:40:01Z db-1 postgres 77 - - disk full", kNow), kNow,
      batches);
  AppendSyslogRecord(*ParseSyslog("<11>1 2026-12-01T13:40:02Z db-1 postgres 77 - - again", kNow),
                     kNow, batches);
  AppendSyslogRecord(*ParseSyslog("plain", kNow), kNow, batches);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(
      batches[0].labels.ToString(),
      R"({app_name="postgres", facility="user", hostname="db-1", level="error", severity="err"})");
  ASSERT_EQ(batches[0].entries.size(), 2u);
  EXPECT_EQ(batches[0].entries[0].line, "disk full");
  EXPECT_EQ(batches[0].entries[0].metadata.Get("procid"), "77");
  EXPECT_EQ(batches[1].entries[0].timestamp, kNow);
  EXPECT_EQ(batches[1].labels.ToString(), R"({facility="user", level="info", severity="notice"})");
}

TEST_F(SyslogTest, FramerSplitsOctetCountedAndNewlineFrames) {
  SyslogFramer framer(1000);
  std::vector<std::string> out;
  auto octets = [](const std::string& m) { return std::to_string(m.size()) + " " + m; };
  const std::string stream =
      octets("<13>1 - - - - - - first\n") + "<13>second line\r\n\n" + octets("<13>third");
  // Byte by byte: frames cut anywhere come out whole.
  for (char c : stream) {
    ASSERT_TRUE(framer.Add(std::string_view(&c, 1), out).ok());
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "<13>1 - - - - - - first\n");
  EXPECT_EQ(out[1], "<13>second line");
  EXPECT_EQ(out[2], "<13>third");
  ASSERT_TRUE(framer.Add("<13>unterminated", out).ok());
  framer.Finish(out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[3], "<13>unterminated");
  // A counted frame cut short by the end of the stream keeps its message.
  ASSERT_TRUE(framer.Add("50 <13>cut short", out).ok());
  framer.Finish(out);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[4], "<13>cut short");
}

TEST_F(SyslogTest, FramerRefusesOversizedAndBadLengths) {
  SyslogFramer framer(100);
  std::vector<std::string> out;
  EXPECT_FALSE(framer.Add("5000 <13>...", out).ok());
  SyslogFramer other(100);
  EXPECT_FALSE(other.Add("12x <13>hello", out).ok());
  // An over-long newline-framed line is cut into pieces, not lost.
  SyslogFramer lines(10);
  std::vector<std::string> pieces;
  ASSERT_TRUE(lines.Add("<13>abcdefghijklmnop\n", pieces).ok());
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], "<13>abcdef");
  EXPECT_EQ(pieces[1], "ghijklmnop");
}

}  // namespace
}  // namespace lode
