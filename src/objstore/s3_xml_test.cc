#include "objstore/s3_xml.h"

#include <gtest/gtest.h>

namespace lode {
namespace {

TEST(S3XmlTest, FindsElementsByExactNameInOrder) {
  const std::string xml =
      "<a><KeyCount>2</KeyCount><Key>one</Key><Key attr=\"x\">two</Key><Key/></a>";
  size_t pos = 0;
  EXPECT_EQ(NextXmlElement(xml, "Key", pos), "one");
  EXPECT_EQ(NextXmlElement(xml, "Key", pos), "two");
  EXPECT_EQ(NextXmlElement(xml, "Key", pos), "");
  EXPECT_EQ(NextXmlElement(xml, "Key", pos), std::nullopt);
  pos = 0;
  EXPECT_EQ(NextXmlElement("<Key>never closed", "Key", pos), std::nullopt);
}

TEST(S3XmlTest, DecodesEntitiesAndCharacterReferences) {
  EXPECT_EQ(XmlUnescape("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"), "a & b <c> \"d\" 'e'");
  EXPECT_EQ(XmlUnescape("&#38;&#x26;&#13;&#xE9;&#x1F600;"), "&&\r\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(XmlUnescape("no entities"), "no entities");
  EXPECT_EQ(XmlUnescape("&nbsp;"), std::nullopt);
  EXPECT_EQ(XmlUnescape("&amp"), std::nullopt);
  EXPECT_EQ(XmlUnescape("&#0;"), std::nullopt);
  EXPECT_EQ(XmlUnescape("&#xD800;"), std::nullopt);
  EXPECT_EQ(XmlUnescape("&#x110000;"), std::nullopt);
  EXPECT_EQ(XmlUnescape("&#12a;"), std::nullopt);
  EXPECT_EQ(XmlEscape("a<b>&c\"'"), "a&lt;b&gt;&amp;c\"'");
}

TEST(S3XmlTest, ParsesAListPageWithEscapedKeys) {
  const std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>)"
      R"(<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>)"
      R"(<Contents><Key>p/a &amp; b&lt;1&gt;</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>)"
      R"(<ETag>&quot;x&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>)"
      R"(<Contents><Key>p/déjà vu</Key><Size>18446744073709551615</Size></Contents>)"
      R"(<NextContinuationToken>tok&amp;en/+=</NextContinuationToken></ListBucketResult>)";
  auto page = ParseListPage(xml);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a & b<1>");
  EXPECT_EQ(page->objects[0].size, 12u);
  EXPECT_EQ(page->objects[1].key, "p/déjà vu");
  EXPECT_EQ(page->objects[1].size, UINT64_MAX);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok&en/+=");
}

TEST(S3XmlTest, ALastOrEmptyPage) {
  auto page = ParseListPage(
      "<ListBucketResult><Name>b</Name><Prefix/><IsTruncated>false</IsTruncated></"
      "ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(S3XmlTest, RefusesWhatIsNotAReadableListPage) {
  EXPECT_EQ(ParseListPage("<Error><Code>x</Code></Error>").status().code(),
            StatusCode::kCorruption);
  EXPECT_FALSE(ParseListPage("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
                             "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListPage("<ListBucketResult><Contents><Key>k</Key></Contents>"
                             "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListPage("<ListBucketResult><Contents><Key>a&bad;</Key><Size>1</Size>"
                             "</Contents></ListBucketResult>")
                   .ok());
  // Truncated without a way to go on: stop rather than loop.
  EXPECT_FALSE(
      ParseListPage("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>").ok());
}

TEST(S3XmlTest, ErrorDocumentsAndUploadIds) {
  S3Error error = ParseS3Error(
      R"(<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The key &quot;a&quot; does not exist</Message><Key>a</Key></Error>)");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "The key \"a\" does not exist");
  error = ParseS3Error("");
  EXPECT_TRUE(error.code.empty());
  EXPECT_TRUE(ParseS3Error("<ListBucketResult/>").code.empty());

  auto id = ParseUploadId(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>2~abc</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "2~abc");
  EXPECT_FALSE(ParseUploadId("<Error/>").ok());
}

TEST(S3XmlTest, CompleteBodyNumbersPartsFromOne) {
  EXPECT_EQ(CompleteMultipartBody({"\"e1\"", "\"e2\""}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part></CompleteMultipartUpload>");
}

}  // namespace
}  // namespace lode
