// Power cuts at random moments while a store takes durable, best-effort
// and audit appends from several threads and flushes and merges in the
// background: after each cut (everything not fsynced undone: file tails,
// new files, renames; see FaultEnv) the store opens again and holds every
// acknowledged durable record exactly once, no record twice, and every
// audit chain intact. Then the next cycle writes on top of what is left.
//
// LODE_POWER_CUT_CYCLES sets the number of cycles (50 by default; `make
// soak` runs 1,000) and LODE_POWER_CUT_SEED the random seed.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "audit/verify.h"
#include "io/fault_env.h"
#include "storage/local_store.h"

namespace lode {
namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = getenv(name);
  return v != nullptr && *v != '\0' ? atoi(v) : fallback;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lode-power-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.data_dir = dir_;
    options_.flush_interval = std::chrono::milliseconds(5);
    options_.head_room_wait = std::chrono::milliseconds(100);
    options_.close_flush_time = std::chrono::milliseconds(200);
    options_.log.max_head_bytes = 8 << 10;  // heads flush every few appends
    options_.log.merge_min_parts = 2;
    options_.log.merge_max_parts = 4;
    options_.log.segment_size_limit = 16 << 10;
    options_.log.part.block_max_records = 32;
    options_.log.audit_streams = {{Matcher::Create(MatchType::kEqual, "app", "ledger").value()}};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Every line of the store, counted.
  std::map<std::string, int> Lines(LocalStore& store) {
    SelectRequest r;
    r.tenant = "t";
    r.start = 0;
    r.end = std::numeric_limits<int64_t>::max();
    r.direction = Direction::kForward;
    r.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    auto it = store.Select(r);
    EXPECT_TRUE(it.ok());
    std::map<std::string, int> lines;
    while ((*it)->Next()) ++lines[(*it)->record().line];
    EXPECT_TRUE((*it)->status().ok()) << (*it)->status().ToString();
    return lines;
  }

  // What must hold after every cut.
  void Check(LocalStore& store, int cycle) {
    std::map<std::string, int> lines = Lines(store);
    size_t ledger = 0;
    for (const auto& [line, n] : lines) {
      ASSERT_EQ(n, 1) << "cycle " << cycle << ": stored " << n << " times: " << line;
      if (line.starts_with("ledger ")) ++ledger;
    }
    std::lock_guard<std::mutex> lock(acked_mu_);
    for (const std::string& line : acked_) {
      ASSERT_EQ(lines.count(line), 1u)
          << "cycle " << cycle << ": acknowledged, then lost: " << line;
    }
    ++checked_cycles_;
    records_checked_ += lines.size();
    auto chains = store.AuditChains("t");
    ASSERT_TRUE(chains.ok());
    if (ledger == 0) return;
    auto verdicts = VerifyAuditChains(store, "t", *chains, VerifyOptions{});
    ASSERT_TRUE(verdicts.ok()) << verdicts.status().ToString();
    ASSERT_EQ(verdicts->size(), 1u);
    const ChainVerdict& v = (*verdicts)[0];
    ASSERT_TRUE(v.intact()) << "cycle " << cycle << ": " << ChainProblemName(v.first->problem)
                            << " at " << v.first->position << ": " << v.first->detail;
    ASSERT_EQ(v.records_checked, ledger) << "cycle " << cycle;
    ASSERT_EQ(v.head.count, ledger) << "cycle " << cycle;
  }

  std::string dir_;
  LocalStoreOptions options_;
  std::mutex acked_mu_;
  std::set<std::string> acked_;
  int checked_cycles_ = 0;
  uint64_t records_checked_ = 0;
};

TEST_F(PowerCutTest, EveryAcknowledgedDurableRecordSurvivesEveryCutExactlyOnce) {
  const int cycles = EnvInt("LODE_POWER_CUT_CYCLES", 50);
  const unsigned seed = static_cast<unsigned>(EnvInt("LODE_POWER_CUT_SEED", 20261206));
  std::mt19937 rng(seed);
  FaultEnv env(Env::Default());
  uint64_t acked_before_cuts = 0, appends_refused = 0;
  for (int cycle = 0; cycle <= cycles; ++cycle) {
    auto opened = LocalStore::Open(&env, options_);
    ASSERT_TRUE(opened.ok()) << "cycle " << cycle << ": " << opened.status().ToString();
    std::unique_ptr<LocalStore> store = std::move(opened).value();
    Check(*store, cycle);
    if (HasFatalFailure() || cycle == cycles) break;

    // Writers: an audit stream and another durable one, several records
    // a push, and a best-effort stream.
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> refused{0};
    std::vector<std::thread> writers;
    const int64_t base = NowNs();
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        const char* app = w == 0 ? "ledger" : w == 1 ? "api" : "web";
        const Durability durability = w == 2 ? Durability::kBestEffort : Durability::kDurable;
        for (int i = 0; !stop.load(); ++i) {
          StreamBatch b{Labels{{"app", app}}, {}};
          const int n = 1 + (i + w) % 4;
          for (int k = 0; k < n; ++k) {
            b.entries.push_back(Entry{base + i * 1000 + k,
                                      std::string(app) + " c" + std::to_string(cycle) + " i" +
                                          std::to_string(i) + " k" + std::to_string(k) +
                                          std::string(40 + (i * 7 + k) % 60, 'x'),
                                      {}});
          }
          Status s = store->Append("t", {b}, durability);
          if (!s.ok()) {
            ++refused;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
          }
          if (durability == Durability::kDurable) {
            std::lock_guard<std::mutex> lock(acked_mu_);
            for (const Entry& e : b.entries) acked_.insert(e.line.str());
          }
          if (w == 2) std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
      });
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(2, 60)(rng)));
    {
      std::lock_guard<std::mutex> lock(acked_mu_);
      acked_before_cuts = acked_.size();
    }
    ASSERT_TRUE(env.CutPower().ok());
    stop = true;
    for (std::thread& t : writers) t.join();
    appends_refused += refused.load();
    (void)store->Close();  // fails: the power is off
    store.reset();
    env.RestorePower();
  }
  EXPECT_EQ(checked_cycles_, cycles + 1);
  std::cout << "power cuts: " << cycles << " cycles (seed " << seed << "), " << acked_before_cuts
            << " acknowledged durable records, " << records_checked_ << " records checked in all, "
            << appends_refused << " appends refused after cuts\n";
}

}  // namespace
}  // namespace lode
