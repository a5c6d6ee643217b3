#include "query/labels_builder.h"

#include <gtest/gtest.h>

#include <string>

namespace lode {
namespace {

// Enough labels that names are found through the builder's hash table,
// with deletes (which move entries) and copies in between.
TEST(LabelsBuilderTest, ManyLabelsAreFoundAfterAppendsDeletesAndCopies) {
  Labels stream{{"app", "api"}, {"env", "prod"}};
  Labels metadata{{"trace_id", "t1"}};
  LabelsBuilder b;
  for (int round = 0; round < 3; ++round) {  // reuse across records
    b.Reset(stream, metadata);
    for (int i = 0; i < 100; ++i) {
      b.SetParsed("k" + std::to_string(i), "v" + std::to_string(i + round), false);
    }
    for (int i = 0; i < 100; ++i) {
      ASSERT_EQ(b.Get("k" + std::to_string(i)), "v" + std::to_string(i + round)) << i;
    }
    EXPECT_EQ(b.Get("app"), "api");
    EXPECT_EQ(b.Get("trace_id"), "t1");
    EXPECT_FALSE(b.Has("k100"));
    for (int i = 0; i < 100; i += 3) b.Delete("k" + std::to_string(i));
    for (int i = 0; i < 100; ++i) {
      EXPECT_EQ(b.Has("k" + std::to_string(i)), i % 3 != 0) << i;
    }
    // A deleted name was extracted: an implicit parser does not bring it
    // back; an extraction expression does.
    b.SetParsed("k0", "again", false);
    EXPECT_FALSE(b.Has("k0"));
    b.SetParsed("k0", "again", true);
    EXPECT_EQ(b.Get("k0"), "again");
    // The first value of a name wins for implicit parsers.
    b.SetParsed("k1", "second", false);
    EXPECT_EQ(b.Get("k1"), "v" + std::to_string(1 + round));
    // A copy finds the same labels, and changes apart from the original.
    LabelsBuilder copy = b;
    copy.SetParsed("only_in_copy", "x", false);
    EXPECT_EQ(copy.Get("k50"), "v" + std::to_string(50 + round));
    EXPECT_TRUE(copy.Has("only_in_copy"));
    EXPECT_FALSE(b.Has("only_in_copy"));
    EXPECT_EQ(b.Build().size(), copy.Build().size() - 1);
  }
}

TEST(LabelsBuilderTest, MetadataAndStreamNamesGetTheSuffixOnce) {
  Labels stream{{"tri", "stream"}};
  Labels metadata{{"tri", "sm"}, {"pod", "p_sm"}};
  LabelsBuilder b;
  b.Reset(stream, metadata);
  EXPECT_EQ(b.Get("tri_extracted"), "sm");
  b.SetParsed("tri", "parsed", false);
  b.SetParsed("pod", "p_parsed", false);
  EXPECT_EQ(b.Get("tri"), "stream");
  EXPECT_EQ(b.Get("tri_extracted"), "parsed");
  EXPECT_EQ(b.Get("pod"), "p_sm");
  EXPECT_EQ(b.Get("pod_extracted"), "p_parsed");
  EXPECT_EQ(b.Build(LabelCategory::kParsed).ToString(),
            R"({pod_extracted="p_parsed", tri_extracted="parsed"})");
  EXPECT_EQ(b.Build(LabelCategory::kMetadata).ToString(), R"({pod="p_sm"})");
}

}  // namespace
}  // namespace lode
