// lode members as a cluster, as users run one: real `lode serve`
// processes on loopback over a real 3-node NATS JetStream cluster and a
// real Ceph RGW bucket, each started by ctest fixtures
// (scripts/cluster/). Pushes and queries go over the Loki HTTP API.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "base/strings.h"
#include "base/time.h"
#include "cluster/cluster_options.h"
#include "cluster_env.h"
#include "jetstream/nats_client.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

constexpr int64_t kBase = 1764892800LL * 1'000'000'000;  // 2025-12-05

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  uint16_t port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  return prefix + std::to_string(rng() % 1000000000);
}

// One cluster of members sharing a NATS name and a bucket of their own.
class Cluster {
 public:
  // `extra_yaml`: more settings of the cluster section; `top_yaml`: more
  // top-level settings.
  explicit Cluster(std::string extra_yaml = "", std::string top_yaml = "", uint32_t partitions = 8)
      : name_(UniqueName("t")),
        bucket_(UniqueName("lode-test-")),
        extra_(std::move(extra_yaml)),
        top_(std::move(top_yaml)),
        partitions_(partitions) {}

  // Starts (or restarts) member `id` on its port.
  LodeServer& Start(const std::string& id) {
    if (!ports_.count(id)) ports_[id] = FreePort();
    const std::string dir = dir_.path() + "/" + id;
    std::filesystem::create_directories(dir);
    const S3Env& s3 = GetS3Env();
    std::ostringstream yaml;
    yaml << top_ << "cluster:\n"
         << "  name: " << name_ << "\n"
         << "  node_id: " << id << "\n"
         << "  advertise: 127.0.0.1:" << ports_[id] << "\n"
         << "  nats: [" << NatsUrls() << "]\n"
         << "  partitions: " << partitions_ << "\n"
         << "  replicas: 3\n"
         << "  s3:\n"
         << "    endpoint: " << s3.endpoint << "\n"
         << "    bucket: " << bucket_ << "\n"
         << "    region: us-east-1\n"
         << "    access_key: " << s3.access_key << "\n"
         << "    secret_key: " << s3.secret_key << "\n"
         << "  cache_dir: " << dir << "/cache\n"
         << "  lease_ttl: 6s\n"
         << "  lease_interval: 1s\n"
         << "  head_max_age: 2s\n"
         << extra_;
    members_[id].reset();
    members_[id] = std::make_unique<LodeServer>(dir + "/data", ConfigArgs(dir, yaml.str()),
                                                "127.0.0.1:" + std::to_string(ports_[id]));
    return *members_[id];
  }

  // A failed test shows what each member warned of (a stuck consumer, a
  // peer it could not reach), the evidence a rare failure leaves.
  ~Cluster() {
    // An exception (a member that stopped answering) is not yet counted
    // as a failure while it unwinds the test.
    if (!::testing::Test::HasFailure() && std::uncaught_exceptions() == 0) return;
    for (const auto& [id, member] : members_) {
      if (member == nullptr) continue;
      std::istringstream log(member->Log());
      std::vector<std::string> warnings;
      for (std::string line; std::getline(log, line);) {
        // Warnings, errors, and what is not a log line (a crash's words).
        if (line.find("level=warn") != std::string::npos ||
            line.find("level=error") != std::string::npos ||
            (!line.empty() && line.rfind("ts=", 0) != 0)) {
          warnings.push_back(line);
        }
      }
      // The first ones (what went wrong) and the last (how it ended).
      const std::string ended = member->HowItEnded();
      if (!ended.empty()) std::cerr << "member " << id << " is gone: " << ended << "\n";
      std::cerr << "member " << id << ": " << warnings.size() << " warnings and errors";
      if (warnings.size() > 40) std::cerr << ", the first 15 and the last 25";
      std::cerr << "\n";
      for (size_t i = 0; i < warnings.size(); ++i) {
        if (warnings.size() > 40 && i == 15) std::cerr << "  ...\n";
        if (warnings.size() > 40 && i >= 15 && i < warnings.size() - 25) continue;
        std::cerr << "  " << warnings[i] << "\n";
      }
    }
  }

  LodeServer& operator[](const std::string& id) { return *members_.at(id); }
  const std::string& name() const { return name_; }
  void Kill9(const std::string& id) { members_.at(id)->Kill9(); }

  // Waits until the live members own every partition between them, each
  // at least its share.
  bool WaitOwned(const std::vector<std::string>& live, int timeout_ms = 40000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    const double share = partitions_ / live.size();
    while (std::chrono::steady_clock::now() < deadline) {
      double owned = 0;
      bool balanced = true;
      for (const std::string& id : live) {
        double mine = MetricValue(id, "lode_cluster_partitions_owned");
        owned += mine;
        if (mine < share) balanced = false;
      }
      if (owned == partitions_ && balanced) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  double MetricValue(const std::string& id, const std::string& name) {
    HttpResponse r = members_.at(id)->Get("/metrics");
    std::istringstream in(r.body);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }

 private:
  TempDir dir_;
  std::string name_;
  std::string bucket_;
  std::string extra_;
  std::string top_;
  uint32_t partitions_;
  std::map<std::string, uint16_t> ports_;
  std::map<std::string, std::unique_ptr<LodeServer>> members_;
};

std::string AllRange() {
  return "start=" + std::to_string(kBase - 1) +
         "&end=" + std::to_string(kBase + 3600LL * 1'000'000'000) + "&limit=5000";
}

// The lines of `query` over the whole test range, from `member`.
std::vector<std::string> Lines(LodeServer& member, const std::string& query,
                               std::string* body = nullptr) {
  HttpResponse r = member.QueryRange(query, AllRange() + "&direction=forward");
  if (body != nullptr) *body = r.body;
  ParsedStreams s = ParseStreams(r.body);
  EXPECT_TRUE(s.ok) << r.status << " " << r.body.substr(0, 500);
  size_t warnings = r.body.find("\"warnings\"");
  if (warnings != std::string::npos) std::cerr << "answer with " << r.body.substr(warnings) << "\n";
  std::vector<std::string> lines;
  for (auto& [ts, line] : s.entries) lines.push_back(line);
  return lines;
}

// The lines of `query` once an answer is complete (no warnings: every
// partition's owner answered, caught up), within `timeout_s`.
std::vector<std::string> CompleteLines(LodeServer& member, const std::string& query,
                                       int timeout_s = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::string body;
  std::vector<std::string> lines;
  do {
    lines = Lines(member, query, &body);
    if (body.find("\"warnings\"") == std::string::npos) return lines;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  } while (std::chrono::steady_clock::now() < deadline);
  ADD_FAILURE() << "no complete answer within " << timeout_s << " s";
  return lines;
}

// Pushes `n` lines of stream `{app=<app>, pod=<pod i % pods>}`, durably,
// as a client does: a push refused for now (429, 5xx: a JetStream leader
// election, or acks slower than the publish timeout on a busy machine) is
// sent again, with the same batch id, for up to 20 s.
// Without `batch_id`, one is made from the arguments, so that a push
// stored despite its 503 is stored once.
HttpResponse PushLines(LodeServer& member, const std::string& app, int first, int n, int pods,
                       const std::string& batch_id = "") {
  std::string body = "{\"streams\":[";
  for (int pod = 0; pod < pods; ++pod) {
    if (pod > 0) body += ",";
    body += "{\"stream\":{\"app\":\"" + app + "\",\"pod\":\"p" + std::to_string(pod) +
            "\"},\"values\":[";
    bool first_value = true;
    for (int i = first; i < first + n; ++i) {
      if (i % pods != pod) continue;
      if (!first_value) body += ",";
      first_value = false;
      body += "[\"" + std::to_string(kBase + int64_t{i} * 1'000'000) + "\",\"line " +
              std::to_string(i) + "\"]";
    }
    body += "]}";
  }
  body += "]}";
  const std::string id = !batch_id.empty() ? batch_id
                                           : app + "-" + std::to_string(first) + "-" +
                                                 std::to_string(n) + "-" + std::to_string(pods);
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Lode-Durability", "durable"}, {"X-Lode-Batch-Id", id}};
  HttpResponse r = member.PushJson(body, headers);
  for (int attempt = 1; attempt < 40 && (r.status >= 500 || r.status == 429); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    r = member.PushJson(body, headers);
  }
  return r;
}

// Every "line <i>" for i in [0, n) exactly once.
void ExpectEachOnce(const std::vector<std::string>& lines, int n) {
  std::map<std::string, int> seen;
  for (const std::string& l : lines) ++seen[l];
  int doubled = 0, missing = 0;
  for (int i = 0; i < n; ++i) {
    auto it = seen.find("line " + std::to_string(i));
    if (it == seen.end()) {
      ++missing;
    } else if (it->second != 1) {
      ++doubled;
    }
  }
  EXPECT_EQ(lines.size(), static_cast<size_t>(n));
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(doubled, 0);
}

// Waits until `metric`, summed over `members`, reaches `at_least`.
bool WaitMetric(Cluster& cluster, const std::vector<std::string>& members,
                const std::string& metric, double at_least, int timeout_s = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    double sum = 0;
    for (const std::string& id : members) sum += cluster.MetricValue(id, metric);
    if (sum >= at_least) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

// Runs one of scripts/cluster/ with the fixtures' environment.
void RunScript(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"bash",
                                   std::string(LODE_SOURCE_DIR) + "/scripts/cluster/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = RunProgram(argv);
  ASSERT_EQ(r.exit_code, 0) << script << ": " << r.out << r.err;
}

// The audit chains' heads over every partition, as one member publishes
// them: (streams, records counted).
std::pair<int, uint64_t> AuditHeads(LodeServer& member) {
  HttpResponse r = member.Get("/api/v1/audit/heads");
  std::pair<int, uint64_t> total{0, 0};
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (r.status != 200 || parser.parse(r.body).get(root) != simdjson::SUCCESS) return {-1, 0};
  for (simdjson::dom::element head : root["data"].get_array()) {
    ++total.first;
    total.second += uint64_t(head["count"].get_uint64());
  }
  return total;
}

bool WaitAuditHeads(LodeServer& member, int streams, uint64_t records, int timeout_s = 40) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (AuditHeads(member) == std::pair<int, uint64_t>{streams, records}) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ADD_FAILURE() << "audit heads: " << AuditHeads(member).first << " streams, "
                << AuditHeads(member).second << " records; want " << streams << ", " << records;
  return false;
}

TEST(ClusterTest, AuditChainsAreLinkedByTheOwnersAndSurviveAnOwnerKilled) {
  Cluster cluster("", "durability:\n  audit_streams: ['{app=\"ledger\"}']\n", 4);
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  // Four ledger streams (pods), pushed through both members.
  ASSERT_EQ(PushLines(cluster["a"], "ledger", 0, 40, 4).status, 204);
  ASSERT_EQ(PushLines(cluster["b"], "ledger", 40, 40, 4).status, 204);
  ASSERT_EQ(PushLines(cluster["a"], "web", 0, 20, 2).status, 204);
  // Heads count the records in parts: each owner's flush names them.
  ASSERT_TRUE(WaitAuditHeads(cluster["b"], 4, 80));
  std::string body;
  ExpectEachOnce(Lines(cluster["b"], R"({app="ledger"})", &body), 80);
  EXPECT_EQ(body.find("__audit_chain__"), std::string::npos);
  CommandResult v = RunLode({"verify", "--url", cluster["a"].base_url()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  for (int pod = 0; pod < 4; ++pod) {
    EXPECT_NE(v.out.find("{app=\"ledger\", pod=\"p" + std::to_string(pod) +
                         "\"}: intact, 20 records checked"),
              std::string::npos)
        << v.out;
  }
  // Its partitions' new owner goes on with each chain where the catalog
  // left it; records a head does not count yet are left for later.
  cluster.Kill9("a");
  ASSERT_TRUE(cluster.WaitOwned({"b"}));
  ASSERT_EQ(PushLines(cluster["b"], "ledger", 80, 40, 4).status, 204);
  ASSERT_TRUE(WaitAuditHeads(cluster["b"], 4, 120));
  v = RunLode({"verify", "--url", cluster["b"].base_url()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("intact, 30 records checked"), std::string::npos) << v.out;
  cluster.Start("a");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  v = RunLode({"verify", "--url", cluster["a"].base_url(), "-o", "json"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find(R"("intact":true)"), std::string::npos) << v.out;
}

TEST(ClusterTest, PushedThroughOneMemberQueriedThroughAnother) {
  Cluster cluster;
  cluster.Start("a");
  cluster.Start("b");
  cluster.Start("c");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b", "c"}));
  for (int batch = 0; batch < 10; ++batch) {
    HttpResponse r = PushLines(cluster["a"], "shop", batch * 200, 200, 20);
    ASSERT_EQ(r.status, 204) << r.body;
  }
  // Straight away, from the owners' memory...
  ExpectEachOnce(Lines(cluster["b"], R"({app="shop"})"), 2000);
  // ...and once every partition has written its parts to the bucket.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  double uploaded = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    uploaded = 0;
    for (const char* id : {"a", "b", "c"}) {
      uploaded += cluster.MetricValue(id, "lode_cluster_parts_uploaded_total");
    }
    if (uploaded >= 5 && cluster.MetricValue("a", "lode_cluster_head_records") +
                                 cluster.MetricValue("b", "lode_cluster_head_records") +
                                 cluster.MetricValue("c", "lode_cluster_head_records") ==
                             0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  // 20 streams land in most of the 8 partitions; each writes one part.
  EXPECT_GE(uploaded, 5);
  EXPECT_EQ(cluster.MetricValue("a", "lode_cluster_head_records") +
                cluster.MetricValue("b", "lode_cluster_head_records") +
                cluster.MetricValue("c", "lode_cluster_head_records"),
            0);
  ExpectEachOnce(Lines(cluster["c"], R"({app="shop"})"), 2000);
  ExpectEachOnce(Lines(cluster["a"], R"({app="shop"})"), 2000);
  EXPECT_EQ(Lines(cluster["b"], R"({app="shop", pod="p7"} |= "line 1007")").size(), 1u);

  HttpResponse count =
      cluster["c"].Get("/loki/api/v1/query?query=" +
                       std::string("sum(count_over_time(%7Bapp%3D%22shop%22%7D%5B2h%5D))") +
                       "&time=" + std::to_string(kBase + 3600LL * 1'000'000'000));
  EXPECT_NE(count.body.find("\"2000\""), std::string::npos) << count.body;
  HttpResponse series =
      cluster["b"].Get("/loki/api/v1/series?match%5B%5D=%7Bapp%3D%22shop%22%7D&" + AllRange());
  EXPECT_EQ(series.status, 200);
  EXPECT_NE(series.body.find("\"p19\""), std::string::npos) << series.body;
}

TEST(ClusterTest, AMemberKilledDuringDurablePushesLosesAndDoublesNothing) {
  Cluster cluster;
  cluster.Start("a");
  cluster.Start("b");
  cluster.Start("c");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b", "c"}));
  const int kBatches = 60, kPerBatch = 50;
  for (int batch = 0; batch < kBatches; ++batch) {
    if (batch == 20) cluster.Kill9("c");
    LodeServer& to = batch % 2 == 0 ? cluster["a"] : cluster["b"];
    // Sent again while not acknowledged (PushLines), with the same batch id.
    ASSERT_EQ(
        PushLines(to, "bank", batch * kPerBatch, kPerBatch, 10, "batch-" + std::to_string(batch))
            .status,
        204)
        << "batch " << batch;
  }
  // c's partitions are taken over within the lease TTL; then every
  // acknowledged record is there exactly once.
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  ExpectEachOnce(CompleteLines(cluster["a"], R"({app="bank"})"), kBatches * kPerBatch);
  ExpectEachOnce(CompleteLines(cluster["b"], R"({app="bank"})"), kBatches * kPerBatch);
}

TEST(ClusterTest, AQueryWhileAnOwnerIsDownAnswersWithAWarning) {
  // A long lease: the dead member's partitions stay its own for a while.
  Cluster cluster("  lease_ttl: 60s\n  lease_interval: 2s\n  head_max_age: 1h\n");
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  ASSERT_EQ(PushLines(cluster["a"], "web", 0, 400, 16).status, 204);
  ExpectEachOnce(Lines(cluster["a"], R"({app="web"})"), 400);
  cluster.Kill9("b");
  std::string body;
  HttpResponse r = cluster["a"].QueryRange(R"({app="web"})", AllRange());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"warnings\""), std::string::npos) << r.body.substr(0, 300);
  EXPECT_NE(r.body.find("no reachable owner"), std::string::npos);
  bool header = false;
  for (const auto& [name, value] : r.headers) {
    if (name == "X-Lode-Partial-Answer") header = true;
  }
  EXPECT_TRUE(header);
  ParsedStreams s = ParseStreams(r.body);
  EXPECT_TRUE(s.ok);
  EXPECT_GT(s.entries.size(), 0u) << "what a's partitions hold is answered";
  EXPECT_LT(s.entries.size(), 400u) << "b's records were only in its memory";
}

TEST(ClusterTest, TheWholeClusterKilledAndStartedAgainKeepsEverythingAcknowledged) {
  Cluster cluster("  head_max_age: 1h\n");
  cluster.Start("a");
  cluster.Start("b");
  cluster.Start("c");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b", "c"}));
  for (int batch = 0; batch < 6; ++batch) {
    ASSERT_EQ(PushLines(cluster[batch % 2 ? "b" : "c"], "ledger", batch * 100, 100, 12).status,
              204);
  }
  // Nothing is in a part yet (an hour's head age): all of it is in the
  // stream only.
  cluster.Kill9("a");
  cluster.Kill9("b");
  cluster.Kill9("c");
  cluster.Start("a");
  cluster.Start("b");
  cluster.Start("c");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b", "c"}));
  ExpectEachOnce(CompleteLines(cluster["b"], R"({app="ledger"})"), 600);
}

TEST(ClusterTest, MergesRetentionLabelsAndTailWorkAcrossMembers) {
  Cluster cluster(
      "  head_max_age: 1s\n  maintenance_interval: 1s\n  merge_min_parts: 2\n"
      "  delete_grace: 2s\n",
      "retention_period: 30d\ndurability:\n  audit_streams: ['{app=\"old\"}']\n");
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));

  // A tail on one member sees a line pushed through the other.
  LodeChild tail(
      {"query", "--url", cluster["a"].base_url(), "--follow", "-o", "raw", R"({app="live"})"});
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // Lines of today, in five flushes: parts to merge.
  const int64_t now = NowNanos();
  for (int round = 0; round < 5; ++round) {
    std::string body = "{\"streams\":[";
    for (int pod = 0; pod < 4; ++pod) {
      if (pod > 0) body += ",";
      body +=
          "{\"stream\":{\"app\":\"live\",\"pod\":\"q" + std::to_string(pod) + "\"},\"values\":[";
      for (int i = 0; i < 10; ++i) {
        const int n = round * 40 + pod * 10 + i;
        body += std::string(i ? "," : "") + "[\"" + std::to_string(now - 600'000'000'000LL + n) +
                "\",\"today " + std::to_string(n) + "\"]";
      }
      body += "]}";
    }
    body += "]}";
    ASSERT_EQ(cluster["b"].PushJson(body, {{"X-Lode-Durability", "durable"}}).status, 204);
    std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  }
  EXPECT_TRUE(tail.WaitForStdout("today 199\n", 15000)) << tail.Stderr();

  // A year-old line, past the 30-day retention once in a part.
  ASSERT_EQ(PushLines(cluster["a"], "old", 0, 20, 2).status, 204);

  EXPECT_TRUE(WaitMetric(cluster, {"a", "b"}, "lode_cluster_merges_total", 1));
  EXPECT_TRUE(WaitMetric(cluster, {"a", "b"}, "lode_cluster_retention_removed_parts_total", 1));
  EXPECT_TRUE(WaitMetric(cluster, {"a", "b"}, "lode_cluster_objects_deleted_total", 1));

  // After merges and deletes, every line once; the old ones gone.
  const std::string range = "start=" + std::to_string(now - 3600'000'000'000LL) +
                            "&end=" + std::to_string(now + 60'000'000'000LL) + "&limit=5000";
  HttpResponse r = cluster["a"].QueryRange(R"({app="live"})", range);
  ParsedStreams live = ParseStreams(r.body);
  ASSERT_TRUE(live.ok) << r.body.substr(0, 300);
  std::set<std::string> distinct;
  for (auto& [ts, line] : live.entries) distinct.insert(line);
  EXPECT_EQ(live.entries.size(), 200u);
  EXPECT_EQ(distinct.size(), 200u);
  // Each partition holding old lines drops its part at its next upkeep.
  size_t old_lines = 1;
  auto old_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (old_lines > 0 && std::chrono::steady_clock::now() < old_deadline) {
    old_lines = CompleteLines(cluster["b"], R"({app="old"})").size();
    if (old_lines > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(old_lines, 0u);
  // The old lines were an audit stream: retention recorded what it cut.
  CommandResult v = RunLode({"verify", "--url", cluster["a"].base_url()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("{app=\"old\", pod=\"p0\"}: intact"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("records 1 to 10 were removed by retention"), std::string::npos) << v.out;

  // Label names and values from any member.
  HttpResponse values = cluster["b"].Get("/loki/api/v1/label/pod/values?" + range);
  EXPECT_EQ(values.status, 200);
  for (const char* pod : {"q0", "q1", "q2", "q3"}) {
    EXPECT_NE(values.body.find(pod), std::string::npos) << values.body;
  }
  HttpResponse labels = cluster["a"].Get("/loki/api/v1/labels?" + range);
  EXPECT_NE(labels.body.find("\"pod\""), std::string::npos) << labels.body;
  // Index statistics and volumes count every record once, from any member.
  HttpResponse stats =
      cluster["b"].Get("/loki/api/v1/index/stats?query=%7Bapp%3D%22live%22%7D&" + range);
  EXPECT_NE(stats.body.find("\"entries\":200"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"streams\":4"), std::string::npos) << stats.body;
  HttpResponse volume =
      cluster["a"].Get("/loki/api/v1/index/volume?query=%7Bapp%3D%22live%22%7D&" + range);
  EXPECT_EQ(volume.status, 200) << volume.body;
  EXPECT_NE(volume.body.find("\"app\":\"live\""), std::string::npos) << volume.body;
}

TEST(ClusterTest, BestEffortPushesPastThePublishWindowGet429) {
  // A window smaller than one push's messages: every best-effort push
  // that touches more partitions is refused whole, as a full window is.
  Cluster cluster("  max_publishes_in_flight: 2\n");
  cluster.Start("a");
  ASSERT_TRUE(cluster.WaitOwned({"a"}));
  std::string body = "{\"streams\":[";
  for (int pod = 0; pod < 16; ++pod) {
    body += std::string(pod ? "," : "") + "{\"stream\":{\"app\":\"wide\",\"pod\":\"w" +
            std::to_string(pod) + "\"},\"values\":[[\"" + std::to_string(kBase + pod) +
            "\",\"wide " + std::to_string(pod) + "\"]]}";
  }
  body += "]}";
  HttpResponse refused = cluster["a"].PushJson(body);
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(refused.body.find("retry later"), std::string::npos) << refused.body;
  EXPECT_GE(cluster.MetricValue("a", "lode_cluster_publish_refused_total"), 1);
  // Durable pushes wait for their acks instead: no window.
  HttpResponse durable = cluster["a"].PushJson(body, {{"X-Lode-Durability", "durable"}});
  EXPECT_EQ(durable.status, 204) << durable.body;
  EXPECT_EQ(CompleteLines(cluster["a"], R"({app="wide"})").size(), 16u);
}

TEST(ClusterTest, WithASecretMembersAnswerOnlyOneAnother) {
  Cluster cluster("  secret: members-only-7f3a\n");
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  ASSERT_EQ(PushLines(cluster["a"], "sec", 0, 300, 12).status, 204);
  // Members ask one another with the secret: complete answers.
  ExpectEachOnce(CompleteLines(cluster["b"], R"({app="sec"})"), 300);
  // Anyone else is refused.
  HttpResponse without = cluster["a"].Post("/internal/v1/recent", "x", {});
  EXPECT_EQ(without.status, 403) << without.body;
  HttpResponse wrong =
      cluster["a"].Post("/internal/v1/recent", "x", {{"X-Lode-Cluster-Secret", "guess"}});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  HttpResponse right = cluster["a"].Post("/internal/v1/recent", "x",
                                         {{"X-Lode-Cluster-Secret", "members-only-7f3a"}});
  EXPECT_EQ(right.status, 400) << "past the secret, a malformed body is refused as such";
}

TEST(ClusterOutageTest, TheObjectStoreStoppedForAMinuteLosesNothing) {
  Cluster cluster("  head_max_age: 1s\n");
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  ASSERT_EQ(PushLines(cluster["a"], "pay", 0, 500, 10).status, 204);
  ASSERT_NO_FATAL_FAILURE(RunScript("s3-gateway.sh", {"stop"}));
  // Pushes are still acknowledged: the stream holds them.
  const auto stopped = std::chrono::steady_clock::now();
  for (int batch = 1; batch < 7; ++batch) {
    HttpResponse r = PushLines(cluster[batch % 2 ? "b" : "a"], "pay", batch * 500, 500, 10);
    EXPECT_EQ(r.status, 204) << r.body;
    std::this_thread::sleep_for(std::chrono::seconds(8));
  }
  // Queries still answer everything: from the owners' memory.
  ExpectEachOnce(Lines(cluster["b"], R"({app="pay"})"), 3500);
  EXPECT_GT(cluster.MetricValue("a", "lode_cluster_flush_failures_total") +
                cluster.MetricValue("b", "lode_cluster_flush_failures_total"),
            0);
  std::this_thread::sleep_until(stopped + std::chrono::seconds(60));
  ASSERT_NO_FATAL_FAILURE(RunScript("s3-gateway.sh", {"start"}));
  // The parts go up once it is back, and then hold everything.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cluster.MetricValue("a", "lode_cluster_head_records") +
            cluster.MetricValue("b", "lode_cluster_head_records") ==
        0) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(cluster.MetricValue("a", "lode_cluster_head_records") +
                cluster.MetricValue("b", "lode_cluster_head_records"),
            0);
  ExpectEachOnce(CompleteLines(cluster["a"], R"({app="pay"})"), 3500);
}

TEST(ClusterOutageTest, TheStreamLeaderKilledDuringDurablePushesLosesNothing) {
  Cluster cluster;
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  const int kBatches = 40, kPerBatch = 50;
  bool killed = false;
  std::string leader;
  for (int batch = 0; batch < kBatches; ++batch) {
    if (batch == 10) {
      // kill -9 of the JetStream server that leads the ingest stream.
      NatsOptions options;
      for (const std::string& url : SplitCommaList(NatsUrls())) options.servers.push_back(url);
      auto nats = NatsClient::Connect(options);
      ASSERT_TRUE(nats.ok()) << nats.status().ToString();
      auto state = (*nats)->GetStreamState(IngestStreamName(cluster.name()));
      ASSERT_TRUE(state.ok()) << state.status().ToString();
      leader = state->leader;
      ASSERT_EQ(leader.size(), 2u) << leader;  // n1, n2 or n3
      ASSERT_NO_FATAL_FAILURE(RunScript("nats-down.sh", {"--kill", leader.substr(1)}));
      killed = true;
    }
    LodeServer& to = batch % 2 == 0 ? cluster["a"] : cluster["b"];
    ASSERT_EQ(
        PushLines(to, "audit", batch * kPerBatch, kPerBatch, 8, "batch-" + std::to_string(batch))
            .status,
        204)
        << "batch " << batch;
  }
  ASSERT_TRUE(killed);
  ExpectEachOnce(CompleteLines(cluster["b"], R"({app="audit"})"), kBatches * kPerBatch);
  // The killed server comes back on its store and catches up.
  ASSERT_NO_FATAL_FAILURE(RunScript("nats-up.sh", {leader.substr(1)}));
  ExpectEachOnce(CompleteLines(cluster["a"], R"({app="audit"})"), kBatches * kPerBatch);
}

TEST(ClusterOutageTest, WithJetStreamOutOfQuorumQueriesStillReachTheOwners) {
  // Leases that outlive the outage: one shorter than it expires (its
  // entry ages out in the bucket), and its owner stops, as it must.
  Cluster cluster("  lease_ttl: 60s\n");
  cluster.Start("a");
  cluster.Start("b");
  ASSERT_TRUE(cluster.WaitOwned({"a", "b"}));
  ASSERT_EQ(PushLines(cluster["a"], "dark", 0, 400, 8).status, 204);
  ExpectEachOnce(CompleteLines(cluster["b"], R"({app="dark"})"), 400);
  // The records are in the owners' heads (no part yet). With two of the
  // three JetStream servers gone, JetStream has no quorum and the lease
  // bucket cannot be read; the members still know who owned what, and
  // the owners still hold the records.
  ASSERT_NO_FATAL_FAILURE(RunScript("nats-down.sh", {"--kill", "1", "2"}));
  struct Restart {
    ~Restart() { RunScript("nats-up.sh", {"1", "2"}); }
  } restart;
  // Past two lease rounds (every second), each unable to read the leases.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (const char* member : {"a", "b"}) {
    std::string body;
    ExpectEachOnce(Lines(cluster[member], R"({app="dark"})", &body), 400);
    EXPECT_EQ(body.find("no reachable owner"), std::string::npos) << member << ": " << body;
  }
}

}  // namespace
}  // namespace lode::testing
