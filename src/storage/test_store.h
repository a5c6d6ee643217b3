// A real embedded store in a temporary directory, for the tests of the
// modules that use storage (query, ingest), with a helper to append lines.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/local_store.h"

namespace lode {

class TestStore {
 public:
  TestStore() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-query-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    LocalStoreOptions options;
    options.data_dir = dir_;
    options.flush_interval = std::chrono::hours(1);
    auto store = LocalStore::Open(Env::Default(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  ~TestStore() {
    (void)store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Storage& storage() { return *store_; }

  // Appends `lines` to the stream `labels` of `tenant`, at `times`.
  void Append(const std::string& tenant, Labels labels,
              const std::vector<std::pair<int64_t, std::string>>& lines) {
    StreamBatch b;
    b.labels = std::move(labels);
    for (const auto& [t, line] : lines) b.entries.push_back(Entry{t, line, {}});
    Status s = store_->Append(tenant, {b}, Durability::kBestEffort);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

 private:
  std::string dir_;
  std::unique_ptr<LocalStore> store_;
};

}  // namespace lode
