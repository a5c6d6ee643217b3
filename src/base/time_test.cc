#include "base/time.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace lode {
namespace {

// 2024-05-01T00:00:00Z in seconds since the epoch (date -u -d ... +%s).
constexpr int64_t kMay2024 = 1714521600;
constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

int64_t ApiTime(std::string_view text) {
  auto t = ParseApiTime(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  return t.ok() ? *t : 0;
}

int64_t Rfc3339(std::string_view text) {
  auto t = ParseRfc3339(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
  return t.ok() ? *t : 0;
}

int64_t Duration(std::string_view text) {
  auto d = ParseDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.ok() ? *d : 0;
}

void ExpectInvalid(const Result<int64_t>& r, std::string_view input) {
  ASSERT_FALSE(r.ok()) << input << " parsed as " << *r;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << input;
}

TEST(ParseApiTimeTest, FloatSecondsKeepTheFraction) {
  EXPECT_EQ(ApiTime("1714521600.5"), kMay2024 * kNanosPerSecond + 500'000'000);
  EXPECT_EQ(ApiTime("1714521600.25"), kMay2024 * kNanosPerSecond + 250'000'000);
  EXPECT_EQ(ApiTime("0.5"), 500'000'000);
  EXPECT_EQ(ApiTime("1.000000001"), 1'000'000'001);
}

TEST(ParseApiTimeTest, IntegerOfAtMostTenDigitsIsSeconds) {
  EXPECT_EQ(ApiTime("1714521600"), kMay2024 * kNanosPerSecond);
  EXPECT_EQ(ApiTime("0"), 0);
  EXPECT_EQ(ApiTime("1"), kNanosPerSecond);
  EXPECT_EQ(ApiTime("9999999"), int64_t{9999999} * kNanosPerSecond);
}

TEST(ParseApiTimeTest, IntegerOfMoreThanTenDigitsIsNanoseconds) {
  EXPECT_EQ(ApiTime("17145216001"), 17145216001);
  EXPECT_EQ(ApiTime("1714521600123456789"), 1714521600123456789);
}

TEST(ParseApiTimeTest, NegativeValues) {
  EXPECT_EQ(ApiTime("-1"), -kNanosPerSecond);
  EXPECT_EQ(ApiTime("-1714521600"), -kMay2024 * kNanosPerSecond);
  EXPECT_EQ(ApiTime("-17145216001"), -17145216001);
  EXPECT_EQ(ApiTime("-1.5"), -1'500'000'000);
}

// A 10-digit second count past 2262 does not fit in int64 nanoseconds; it
// must be rejected, not wrapped around.
TEST(ParseApiTimeTest, SecondsOutOfNanosecondRangeAreRejected) {
  ExpectInvalid(ParseApiTime("9999999999"), "9999999999");
  ExpectInvalid(ParseApiTime("-9999999999"), "-9999999999");
  ExpectInvalid(ParseApiTime("99999999999999999999.5"), "99999999999999999999.5");
}

TEST(ParseApiTimeTest, Rfc3339WithZ) {
  EXPECT_EQ(ApiTime("2024-05-01T00:00:00Z"), kMay2024 * kNanosPerSecond);
  EXPECT_EQ(ApiTime("2024-05-01T10:00:00Z"), kMay2024 * kNanosPerSecond + 10 * kNanosPerHour);
}

TEST(ParseApiTimeTest, Rfc3339WithOffset) {
  // 12:00 at +02:00 is 10:00 UTC; 12:00 at -01:30 is 13:30 UTC.
  EXPECT_EQ(ApiTime("2024-05-01T12:00:00+02:00"), kMay2024 * kNanosPerSecond + 10 * kNanosPerHour);
  EXPECT_EQ(ApiTime("2024-05-01T12:00:00-01:30"),
            kMay2024 * kNanosPerSecond + 13 * kNanosPerHour + 30 * kNanosPerMinute);
}

// RFC 3339 times contain '.' when they have a fraction; they must not be
// mistaken for float seconds.
TEST(ParseApiTimeTest, Rfc3339WithFraction) {
  const int64_t base = kMay2024 * kNanosPerSecond;
  EXPECT_EQ(ApiTime("2024-05-01T00:00:00.5Z"), base + 500'000'000);
  EXPECT_EQ(ApiTime("2024-05-01T00:00:00.123456789Z"), base + 123'456'789);
  EXPECT_EQ(ApiTime("2024-05-01T02:00:00.25+02:00"), base + 250'000'000);
}

TEST(ParseApiTimeTest, GarbageIsInvalidArgument) {
  for (std::string_view text :
       {"", "-", "abc", "12abc", "1.2.3", "1..2", "2024-05-01", "2024-05-01T00:00:00",
        "2024-05-01T00:00:00Zjunk", "nan.", "--1", " 1"}) {
    ExpectInvalid(ParseApiTime(text), text);
  }
}

TEST(ParseRfc3339Test, FractionOfOneToNineDigits) {
  const int64_t base = kMay2024 * kNanosPerSecond;
  const std::string digits = "123456789";
  int64_t expected = 0;
  int64_t scale = 100'000'000;
  for (size_t n = 1; n <= 9; ++n) {
    expected += (digits[n - 1] - '0') * scale;
    scale /= 10;
    std::string text = "2024-05-01T00:00:00." + digits.substr(0, n) + "Z";
    EXPECT_EQ(Rfc3339(text), base + expected) << text;
  }
}

TEST(ParseRfc3339Test, EmptyFractionIsRejected) {
  ExpectInvalid(ParseRfc3339("2024-05-01T00:00:00.Z"), "empty fraction");
}

TEST(ParseRfc3339Test, LeapYearFebruary29) {
  // date -u -d 2024-02-29T00:00:00Z +%s
  EXPECT_EQ(Rfc3339("2024-02-29T00:00:00Z"), int64_t{1709164800} * kNanosPerSecond);
  // 2000 is a leap year (divisible by 400).
  EXPECT_EQ(Rfc3339("2000-02-29T12:34:56Z"), int64_t{951827696} * kNanosPerSecond);
  EXPECT_EQ(Rfc3339("2024-03-01T00:00:00Z") - Rfc3339("2024-02-28T00:00:00Z"), 2 * kNanosPerDay);
  EXPECT_EQ(Rfc3339("2023-03-01T00:00:00Z") - Rfc3339("2023-02-28T00:00:00Z"), kNanosPerDay);
}

TEST(ParseRfc3339Test, BeforeTheEpoch) {
  // date -u -d 1969-07-20T20:17:40Z +%s
  EXPECT_EQ(Rfc3339("1969-07-20T20:17:40Z"), int64_t{-14182940} * kNanosPerSecond);
  EXPECT_EQ(Rfc3339("1969-12-31T23:59:59.5Z"), -500'000'000);
}

TEST(ParseRfc3339Test, BadFieldsAreRejected) {
  for (std::string_view text :
       {"2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-05-00T00:00:00Z",
        "2024-05-32T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T00:60:00Z",
        "2024-05-01T00:00:61Z", "2024-5-01T00:00:00Z", "2024-05-01X00:00:00Z",
        "2024-05-01T00:00:00+0200", "2024-05-01T00:00:00+02", "2024-05-01T00:00:00"}) {
    ExpectInvalid(ParseRfc3339(text), text);
  }
}

// Days past the end of their month do not exist; Go's time.Parse (which
// Loki uses) rejects them rather than rolling over into the next month.
TEST(ParseRfc3339Test, DayPastEndOfMonthIsRejected) {
  for (std::string_view text : {"2023-02-29T00:00:00Z", "2024-02-30T00:00:00Z",
                                "2024-04-31T00:00:00Z", "1900-02-29T00:00:00Z"}) {
    ExpectInvalid(ParseRfc3339(text), text);
  }
}

TEST(ParseRfc3339Test, AcceptsLowercaseAndSpaceSeparator) {
  const int64_t want = kMay2024 * kNanosPerSecond;
  EXPECT_EQ(Rfc3339("2024-05-01t00:00:00z"), want);
  EXPECT_EQ(Rfc3339("2024-05-01 00:00:00Z"), want);
}

TEST(ParseDurationTest, CombinedTerms) {
  EXPECT_EQ(Duration("1h30m"), kNanosPerHour + 30 * kNanosPerMinute);
  EXPECT_EQ(Duration("2h45m30s"), 2 * kNanosPerHour + 45 * kNanosPerMinute + 30 * kNanosPerSecond);
}

TEST(ParseDurationTest, EachUnit) {
  EXPECT_EQ(Duration("7ns"), 7);
  EXPECT_EQ(Duration("7us"), 7'000);
  EXPECT_EQ(Duration("7\xC2\xB5s"), 7'000);  // µs in UTF-8
  EXPECT_EQ(Duration("500ms"), 500'000'000);
  EXPECT_EQ(Duration("7s"), 7 * kNanosPerSecond);
  EXPECT_EQ(Duration("7m"), 7 * kNanosPerMinute);
  EXPECT_EQ(Duration("7h"), 7 * kNanosPerHour);
  EXPECT_EQ(Duration("2d"), 2 * kNanosPerDay);
  EXPECT_EQ(Duration("1w"), 7 * kNanosPerDay);
  EXPECT_EQ(Duration("1y"), 365 * kNanosPerDay);
}

TEST(ParseDurationTest, FractionalValue) {
  EXPECT_EQ(Duration("1.5s"), 1'500'000'000);
  EXPECT_EQ(Duration("0.5h"), 30 * kNanosPerMinute);
}

TEST(ParseDurationTest, MalformedIsInvalidArgument) {
  for (std::string_view text : {"", "5", "5x", "-1s", "s", "1.2.3s", "1s2", "1 s", ".s", "1S",
                                "1\xB5s", "100000000000000000000s"}) {
    ExpectInvalid(ParseDuration(text), text);
  }
}

TEST(ParseModelDurationTest, WholeTermsFromYearsDownToMilliseconds) {
  auto d = ParseModelDuration("1y2w3d4h5m6s7ms");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, 382 * kNanosPerDay + 4 * kNanosPerHour + 5 * kNanosPerMinute + 6 * kNanosPerSecond +
                    7'000'000);
  EXPECT_EQ(*ParseModelDuration("0"), 0);
  EXPECT_EQ(*ParseModelDuration("0s"), 0);
  EXPECT_EQ(*ParseModelDuration("90s"), 90 * kNanosPerSecond);
  EXPECT_EQ(*ParseModelDuration("1h30m"), kNanosPerHour + 30 * kNanosPerMinute);
}

TEST(ParseModelDurationTest, RefusesWhatPrometheusRefuses) {
  for (std::string_view text :
       {"", "5", "1.5s", "7ns", "7us", "5m1h", "1m1m", "-1s", "1 s", "s", "1S", "ms5"}) {
    ExpectInvalid(ParseModelDuration(text), text);
  }
  auto bad = ParseModelDuration("5x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "not a valid duration string: \"5x\"");
  auto huge = ParseModelDuration("300y");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().message(), "duration out of range");
}

TEST(ParseSecondsOrDurationTest, UnitlessNumberIsSeconds) {
  auto fifteen = ParseSecondsOrDuration("15");
  ASSERT_TRUE(fifteen.ok());
  EXPECT_EQ(*fifteen, 15 * kNanosPerSecond);
  auto half = ParseSecondsOrDuration("0.5");
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(*half, 500'000'000);
}

TEST(ParseSecondsOrDurationTest, WithUnitIsDuration) {
  auto minute = ParseSecondsOrDuration("1m");
  ASSERT_TRUE(minute.ok());
  EXPECT_EQ(*minute, kNanosPerMinute);
  auto ms = ParseSecondsOrDuration("250ms");
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(*ms, 250'000'000);
}

TEST(ParseSecondsOrDurationTest, RejectsNegativeNonFiniteAndGarbage) {
  for (std::string_view text : {"", "-1", "-0.5", "inf", "nan", "1e20", "abc", "5x"}) {
    ExpectInvalid(ParseSecondsOrDuration(text), text);
  }
}

TEST(FormatRfc3339NanoTest, WholeSecondsHaveNoFraction) {
  EXPECT_EQ(FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(kMay2024 * kNanosPerSecond), "2024-05-01T00:00:00Z");
}

TEST(FormatRfc3339NanoTest, DropsTrailingZerosOfTheFraction) {
  const int64_t base = kMay2024 * kNanosPerSecond;
  EXPECT_EQ(FormatRfc3339Nano(base + 500'000'000), "2024-05-01T00:00:00.5Z");
  EXPECT_EQ(FormatRfc3339Nano(base + 120'000'000), "2024-05-01T00:00:00.12Z");
  EXPECT_EQ(FormatRfc3339Nano(base + 123'456'789), "2024-05-01T00:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339Nano(base + 1), "2024-05-01T00:00:00.000000001Z");
  EXPECT_EQ(FormatRfc3339Nano(base + 1'000), "2024-05-01T00:00:00.000001Z");
}

TEST(FormatRfc3339NanoTest, BeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339Nano(-kNanosPerSecond), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339Nano(-500'000'000), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(FormatRfc3339Nano(int64_t{-14182940} * kNanosPerSecond), "1969-07-20T20:17:40Z");
}

TEST(FormatRfc3339NanoTest, LeapDay) {
  EXPECT_EQ(FormatRfc3339Nano(int64_t{1709164800} * kNanosPerSecond), "2024-02-29T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(int64_t{951827696} * kNanosPerSecond), "2000-02-29T12:34:56Z");
}

TEST(FormatRfc3339NanoTest, RoundTripsThroughParseRfc3339) {
  std::mt19937_64 rng(20240501);
  // Years 1678..2261: the range of int64 nanoseconds, less a margin.
  std::uniform_int_distribution<int64_t> seconds(-9'200'000'000, 9'200'000'000);
  std::uniform_int_distribution<int64_t> fraction(0, kNanosPerSecond - 1);
  for (int i = 0; i < 20000; ++i) {
    int64_t nanos = seconds(rng) * kNanosPerSecond;
    // A quarter whole seconds, a quarter milliseconds, the rest arbitrary.
    switch (i % 4) {
      case 0:
        break;
      case 1:
        nanos += fraction(rng) / 1'000'000 * 1'000'000;
        break;
      default:
        nanos += fraction(rng);
    }
    std::string text = FormatRfc3339Nano(nanos);
    auto parsed = ParseRfc3339(text);
    ASSERT_TRUE(parsed.ok()) << nanos << " -> " << text;
    ASSERT_EQ(*parsed, nanos) << text;
  }
}

}  // namespace
}  // namespace lode
