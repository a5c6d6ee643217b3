// The fixture of TenantLog's tests (tenant_log*_test.cc): a tenant in a
// temporary directory, batches spread over hours and days, reads of all
// its lines, and the files it wrote.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "storage/part/part_reader.h"
#include "storage/tenant_log.h"

namespace lode {

inline constexpr int64_t kDay = 86400LL * 1'000'000'000;
inline constexpr int64_t kBase = 19844 * kDay;  // 2024-05-01T00:00:00Z

class TenantLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-tenant-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.flush_head_on_close = false;
    options_.part.block_max_records = 100;
    options_.part.stream_block_raw_bytes = 0;  // many blocks of 100 records
    // Test data is years old: cold compaction only where a test asks.
    options_.cold_after = std::chrono::nanoseconds(0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TenantLog> Open(Env* env = Env::Default()) {
    auto log = TenantLog::Open(env, "t", dir_, options_);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }

  // `n` records of stream app=<app>, one per hour from `start`, so a
  // batch crosses day boundaries.
  static std::vector<StreamBatch> Batch(const std::string& app, int64_t start, int n) {
    StreamBatch b{Labels({{"app", app}}), {}};
    for (int i = 0; i < n; ++i) {
      int64_t t = start + i * 3600LL * 1'000'000'000;
      b.entries.push_back(Entry{t, app + "#" + std::to_string(t), {}});
    }
    return {b};
  }

  // A read of stream app=a over [0, end).
  static SelectRequest ReadOfA(int64_t end, Direction dir) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = end;
    req.matchers = {Matcher::Create(MatchType::kEqual, "app", "a").value()};
    req.direction = dir;
    return req;
  }

  // The lines of app=a over a day from kBase that hold `literal` (their
  // timestamps less kBase), read as a search for it, and what the read
  // skipped.
  static std::pair<std::vector<int64_t>, ReadStats> FindLiteral(TenantLog& log,
                                                                const std::string& literal) {
    SelectRequest req = ReadOfA(kBase + kDay, Direction::kForward);
    req.line_contains = {literal};
    auto it = log.Select(req);
    std::vector<int64_t> hits;
    while (it->Next()) {
      if (it->record().line.find(literal) != std::string::npos) {
        hits.push_back(it->record().timestamp - kBase);
      }
    }
    return {hits, it->read_stats()};
  }

  static std::vector<std::string> All(TenantLog& log, Direction dir = Direction::kForward) {
    SelectRequest req;
    req.tenant = "t";
    req.start = 0;
    req.end = kBase + 3650 * kDay;
    req.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    req.direction = dir;
    std::vector<std::string> lines;
    auto it = log.Select(req);
    while (it->Next()) lines.push_back(it->record().line);
    EXPECT_TRUE(it->status().ok());
    return lines;
  }

  std::vector<std::string> Files(const std::string& sub, const std::string& suffix) {
    std::vector<std::string> out;
    if (!std::filesystem::exists(dir_ + "/" + sub)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/" + sub)) {
      if (e.is_regular_file() && e.path().string().ends_with(suffix))
        out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Flips a byte of every part's filters section: its checksum fails, and
  // its blocks' filters rule nothing out.
  void DamageFilters() {
    for (const std::string& path : Files("parts", ".part")) {
      uint64_t filters_start;
      {
        auto reader = part::PartReader::Open(Env::Default(), path);
        ASSERT_TRUE(reader.ok());
        filters_start = (*reader)->filters_offset();
      }
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(filters_start + 3));
      f.put('\x42');
    }
  }

  std::string dir_;
  TenantLogOptions options_;
};

}  // namespace lode
