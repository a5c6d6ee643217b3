#include "query/log_level.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

LogLevel Of(std::string_view line) { return DetectLogLevel(Labels(), Labels(), line); }

TEST(LogLevelTest, ReadsLevelFieldsAndStandaloneLevelWords) {
  EXPECT_EQ(Of("ts=1 level=warn msg=x"), LogLevel::kWarn);
  EXPECT_EQ(Of(R"({"level":"error","msg":"x"})"), LogLevel::kError);
  EXPECT_EQ(Of("2024-05-01 12:00:00,123 INFO [main] started"), LogLevel::kInfo);
  EXPECT_EQ(Of("081109 203615 148 WARN dfs.DataNode: slow"), LogLevel::kWarn);
  EXPECT_EQ(Of("[Sun Dec 04 04:47:44 2005] [error] mod_jk child init"), LogLevel::kError);
  EXPECT_EQ(Of("panic: runtime error"), LogLevel::kUnknown);  // lower case, no field
  EXPECT_EQ(Of("FATAL out of memory"), LogLevel::kCritical);
  EXPECT_EQ(Of("the error budget is fine"), LogLevel::kUnknown);
  EXPECT_EQ(Of("nolevel=info"), LogLevel::kUnknown);
}

TEST(LogLevelTest, ALevelLabelOrMetadataWins) {
  EXPECT_EQ(DetectLogLevel(Labels({{"level", "debug"}}), Labels(), "ERROR x"), LogLevel::kDebug);
  EXPECT_EQ(DetectLogLevel(Labels(), Labels({{"detected_level", "WARNING"}}), "x"),
            LogLevel::kWarn);
  EXPECT_STREQ(LogLevelName(ParseLogLevel("Err")), "error");
}

}  // namespace
}  // namespace lode
