#include "text/file_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>

#include "text/deflate_for_tests.h"

namespace lode {
namespace {

class FileReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-reader-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  static std::string Gzip(const std::string& text) {
    return DeflateForTests(text, DeflateWrapper::kGzip);
  }

  static std::string Zstd(const std::string& text) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
    return out;
  }

  // Everything the reader gives, read `max` bytes at a time.
  static Result<std::string> ReadAll(const std::string& path, size_t max = 100) {
    LODE_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader,
                          FileReader::Open(Env::Default(), path));
    std::string out;
    while (true) {
      LODE_ASSIGN_OR_RETURN(size_t got, reader->Read(out, max));
      if (got == 0) break;
    }
    EXPECT_EQ(reader->consumed(), reader->size());
    return out;
  }

  static std::string Text() {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + "\n";
    return text;
  }

  std::string dir_;
};

TEST_F(FileReaderTest, PlainFile) {
  auto got = ReadAll(Write("a.log", Text()));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Text());
}

TEST_F(FileReaderTest, GzipAndZstdAreToldByTheirBytesNotTheirNames) {
  auto gz = ReadAll(Write("a.log", Gzip(Text())));
  ASSERT_TRUE(gz.ok()) << gz.status().ToString();
  EXPECT_EQ(*gz, Text());
  auto zst = ReadAll(Write("b.txt", Zstd(Text())));
  ASSERT_TRUE(zst.ok()) << zst.status().ToString();
  EXPECT_EQ(*zst, Text());
}

TEST_F(FileReaderTest, ConcatenatedGzipMembersAreOneStream) {
  auto got = ReadAll(Write("ab.gz", Gzip("first\n") + Gzip("second\n")));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "first\nsecond\n");
}

TEST_F(FileReaderTest, TruncatedOrCorruptCompressedFilesAreErrors) {
  std::string gz = Gzip(Text());
  auto truncated = ReadAll(Write("t.gz", gz.substr(0, gz.size() / 2)));
  EXPECT_EQ(truncated.status().message(), "gzip stream is truncated");
  std::string corrupt = gz;
  corrupt[2] = 9;  // compression method
  auto bad = ReadAll(Write("c.gz", corrupt));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().rfind("corrupt gzip data: ", 0), 0u);
  std::string zst = Zstd(Text());
  auto zst_truncated = ReadAll(Write("t.zst", zst.substr(0, zst.size() - 3)));
  EXPECT_EQ(zst_truncated.status().message(), "zstd stream is truncated");
}

TEST_F(FileReaderTest, AMissingFileIsNotFound) {
  auto got = FileReader::Open(Env::Default(), dir_ + "/none.log");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("none.log"), std::string::npos);
}

TEST(LineSplitterTest, SplitsOnNewlinesAndDropsCarriageReturns) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto add = [&](std::string_view l) { lines.emplace_back(l); };
  splitter.Add("a\r\nb", add);
  splitter.Add("c\n\nd", add);
  splitter.Finish(add);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "bc", "", "d"}));
}

}  // namespace
}  // namespace lode
