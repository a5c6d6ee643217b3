#include "ingest/push_validation.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

constexpr int64_t kNow = 1'800'000'000LL * 1'000'000'000;
constexpr int64_t kMinute = 60LL * 1'000'000'000;

StreamBatch Stream(Labels labels, std::vector<std::string> lines, int64_t ts = kNow) {
  StreamBatch b;
  b.labels = std::move(labels);
  for (std::string& line : lines) b.entries.push_back(Entry{ts++, std::move(line), {}});
  return b;
}

TEST(ValidateStreamsTest, ValidEntriesPassUntouched) {
  std::vector<StreamBatch> batches = {Stream({{"app", "a"}}, {"one", "two"})};
  PushReport report;
  ValidateStreams(batches, IngestLimits{}, kNow, report);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].entries.size(), 2u);
  EXPECT_EQ(report.accepted_records, 2u);
  EXPECT_EQ(report.accepted_bytes, 6u);
  EXPECT_TRUE(report.messages.empty());
}

TEST(ValidateStreamsTest, BadStreamIsRefusedWholeAndTheOthersStay) {
  std::vector<StreamBatch> batches = {
      Stream({{"app", "good"}}, {"kept"}),
      Stream(Labels(std::vector<Label>{{"bad-name", "x"}}), {"a", "b"}),
      Stream(Labels(), {"no labels"}),
  };
  PushReport report;
  ValidateStreams(batches, IngestLimits{}, kNow, report);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].labels.Get("app"), "good");
  EXPECT_EQ(report.rejected_records, 3u);
  EXPECT_EQ(report.rejected_by_reason["invalid_labels"], 2u);
  EXPECT_EQ(report.rejected_by_reason["missing_labels"], 1u);
  ASSERT_EQ(report.messages.size(), 2u);
  EXPECT_NE(report.messages[0].find("invalid label name \"bad-name\""), std::string::npos);
  EXPECT_EQ(report.messages[1], "error at least one label pair is required per stream");
}

TEST(ValidateStreamsTest, LabelCountAndLengthLimits) {
  IngestLimits limits;
  limits.max_label_names_per_series = 2;
  limits.max_label_name_length = 5;
  limits.max_label_value_length = 3;
  std::vector<StreamBatch> batches = {
      Stream({{"a", "1"}, {"b", "2"}, {"c", "3"}}, {"x"}),
      Stream({{"longname", "1"}}, {"x"}),
      Stream({{"a", "long"}}, {"x"}),
      Stream({{"a", "ok"}}, {"x"}),
  };
  PushReport report;
  ValidateStreams(batches, limits, kNow, report);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(report.rejected_by_reason["max_label_names_per_series"], 1u);
  EXPECT_EQ(report.rejected_by_reason["label_name_too_long"], 1u);
  EXPECT_EQ(report.rejected_by_reason["label_value_too_long"], 1u);
  EXPECT_EQ(report.messages[0],
            "entry for stream '{a=\"1\", b=\"2\", c=\"3\"}' has 3 label names; limit 2");
}

TEST(ValidateStreamsTest, LongLineIsRefusedOrCutOnACharacterBoundary) {
  IngestLimits limits;
  limits.max_line_size = 5;
  std::vector<StreamBatch> batches = {Stream({{"app", "a"}}, {"short", "too long", "ok"})};
  PushReport report;
  ValidateStreams(batches, limits, kNow, report);
  ASSERT_EQ(batches[0].entries.size(), 2u);
  EXPECT_EQ(batches[0].entries[1].line, "ok");
  EXPECT_EQ(report.messages[0],
            "Max entry size '5' bytes exceeded for stream '{app=\"a\"}' while adding an entry "
            "with length '8' bytes");

  limits.max_line_size_truncate = true;
  // "abcé" is 5 bytes; "abcéf" cut at 5 keeps é whole, "abcdé" cut at 5
  // would split é, so it loses it.
  batches = {Stream({{"app", "a"}}, {"abc\xc3\xa9"
                                     "f",
                                     "abcd\xc3\xa9"})};
  PushReport cut;
  ValidateStreams(batches, limits, kNow, cut);
  ASSERT_EQ(batches[0].entries.size(), 2u);
  EXPECT_EQ(batches[0].entries[0].line, "abc\xc3\xa9");
  EXPECT_EQ(batches[0].entries[1].line, "abcd");
  EXPECT_EQ(cut.truncated_lines, 2u);
  EXPECT_EQ(cut.rejected_records, 0u);
}

TEST(ValidateStreamsTest, TimestampsTooOldOrTooNew) {
  IngestLimits limits;
  limits.reject_old_samples_max_age_ns = 60 * kMinute;
  limits.creation_grace_period_ns = 10 * kMinute;
  StreamBatch b;
  b.labels = Labels{{"app", "t"}};
  b.entries = {Entry{kNow - 61 * kMinute, "old", {}}, Entry{kNow - 59 * kMinute, "recent", {}},
               Entry{kNow + 9 * kMinute, "soon", {}}, Entry{kNow + 11 * kMinute, "future", {}}};
  std::vector<StreamBatch> batches = {b};
  PushReport report;
  ValidateStreams(batches, limits, kNow, report);
  ASSERT_EQ(batches[0].entries.size(), 2u);
  EXPECT_EQ(batches[0].entries[0].line, "recent");
  EXPECT_EQ(batches[0].entries[1].line, "soon");
  EXPECT_EQ(report.rejected_by_reason["greater_than_max_sample_age"], 1u);
  EXPECT_EQ(report.rejected_by_reason["too_far_in_future"], 1u);
  EXPECT_NE(report.messages[0].find("has timestamp too old: "), std::string::npos);
  EXPECT_NE(report.messages[1].find("has timestamp too new: "), std::string::npos);

  // By default any age is taken (old files can be imported).
  batches = {b};
  PushReport defaults;
  ValidateStreams(batches, IngestLimits{}, kNow, defaults);
  EXPECT_EQ(batches[0].entries.size(), 3u);
}

TEST(ValidateStreamsTest, StructuredMetadataLimits) {
  IngestLimits limits;
  limits.max_structured_metadata_size = 10;
  limits.max_structured_metadata_entries_count = 2;
  StreamBatch b;
  b.labels = Labels{{"app", "m"}};
  b.entries = {Entry{kNow, "ok", Labels{{"k", "v"}}},
               Entry{kNow, "big", Labels{{"key", "0123456789"}}},
               Entry{kNow, "many", Labels{{"a", "1"}, {"b", "2"}, {"c", "3"}}},
               Entry{kNow, "badname", Labels(std::vector<Label>{{"bad name", "v"}})}};
  std::vector<StreamBatch> batches = {b};
  PushReport report;
  ValidateStreams(batches, limits, kNow, report);
  ASSERT_EQ(batches[0].entries.size(), 1u);
  EXPECT_EQ(batches[0].entries[0].line, "ok");
  EXPECT_EQ(report.rejected_by_reason["structured_metadata_too_large"], 1u);
  EXPECT_EQ(report.rejected_by_reason["structured_metadata_too_many"], 1u);
  EXPECT_EQ(report.rejected_by_reason["invalid_labels"], 1u);
}

TEST(ValidateStreamsTest, MessagesAreCappedAndCounted) {
  IngestLimits limits;
  limits.max_line_size = 1;
  std::vector<std::string> lines(PushReport::kMaxMessages + 5, "xx");
  std::vector<StreamBatch> batches = {Stream({{"app", "a"}}, lines)};
  PushReport report;
  ValidateStreams(batches, limits, kNow, report);
  EXPECT_TRUE(batches.empty());
  EXPECT_EQ(report.rejected_records, PushReport::kMaxMessages + 5);
  EXPECT_EQ(report.messages.size(), PushReport::kMaxMessages);
  EXPECT_NE(report.ErrorText().find("(and 5 more errors)"), std::string::npos);
}

}  // namespace
}  // namespace lode
