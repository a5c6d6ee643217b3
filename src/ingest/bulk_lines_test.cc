#include "ingest/bulk_lines.h"

#include <gtest/gtest.h>

#include <string>

namespace lode {
namespace {

constexpr TimestampNs kNow = 1'700'000'000'000'000'000;

// The timestamps of the records of a /insert/jsonl body, in order.
std::vector<TimestampNs> Times(const std::string& body, const std::string& time_field,
                               PushReport& report) {
  JsonLinesOptions options;
  options.time_field = time_field;
  options.labels = Labels{{"job", "t"}};
  std::vector<TimestampNs> times;
  for (const StreamBatch& batch : DecodeJsonLines(body, options, kNow, report)) {
    for (const Entry& e : batch.entries) times.push_back(e.timestamp);
  }
  return times;
}

TEST(JsonLinesTimeTest, EpochNumbersAreReadBySize) {
  PushReport report;
  auto times = Times(
      "{\"ts\":1700000000}\n{\"ts\":1700000000123}\n{\"ts\":1700000000123456}\n"
      "{\"ts\":1700000000123456789}\n{\"ts\":1700000000.5}\n{\"ts\":\"1700000000\"}\n",
      "", report);
  EXPECT_TRUE(report.messages.empty());
  EXPECT_EQ(times,
            (std::vector<TimestampNs>{1'700'000'000'000'000'000, 1'700'000'000'123'000'000,
                                      1'700'000'000'123'456'000, 1'700'000'000'123'456'789,
                                      1'700'000'000'500'000'000, 1'700'000'000'000'000'000}));
}

// Times whose nanoseconds do not fit in 64 bits (past the year 2262) are
// no times: refused when the field is named, passed over (the record
// stamped on arrival) when it was only looked for. Found by fuzzing: a
// 130-digit string and 5e10 seconds made an out-of-range conversion and
// a signed overflow.
TEST(JsonLinesTimeTest, TimesPastWhatNanosecondsHoldAreNotTimes) {
  const std::string huge(130, '7');
  for (const std::string& value :
       {"\"" + huge + "\"", huge + ".5", std::string("50000000000"), std::string("-50000000000"),
        std::string("\"9223372036854775807000\""), std::string("1e300")}) {
    PushReport named;
    EXPECT_TRUE(Times("{\"ts\":" + value + "}\n", "ts", named).empty()) << value;
    ASSERT_EQ(named.messages.size(), 1u) << value;
    EXPECT_NE(named.messages[0].find("is not a time"), std::string::npos) << named.messages[0];

    PushReport found;
    auto times = Times("{\"ts\":" + value + "}\n", "", found);
    EXPECT_TRUE(found.messages.empty()) << value;
    ASSERT_EQ(times.size(), 1u) << value;
    EXPECT_EQ(times[0], kNow) << value;
  }
  // The largest that fit, and the smallest.
  PushReport report;
  auto times =
      Times("{\"ts\":9223372036854775807}\n{\"ts\":-9223372036854775808}\n{\"ts\":9223372036}\n",
            "ts", report);
  EXPECT_TRUE(report.messages.empty());
  EXPECT_EQ(times, (std::vector<TimestampNs>{9223372036854775807LL, INT64_MIN,
                                             9'223'372'036'000'000'000LL}));
}

}  // namespace
}  // namespace lode
