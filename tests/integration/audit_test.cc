// Audit streams end to end: the real server chains the records of
// durability.audit_streams, publishes each chain's head, and `lode verify`
// (against the running server and against its stopped data directory)
// finds them intact, or finds the record someone rewrote in the files
// with every checksum made valid again.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "lode_process.h"
#include "storage/checkpoint.h"
#include "storage/local_store.h"
#include "storage/wal/batch_codec.h"
#include "storage/wal/wal_reader.h"
#include "storage/wal/wal_writer.h"

namespace lode::testing {
namespace {

constexpr const char* kConfig =
    "durability:\n"
    "  audit_streams: ['{app=\"ledger\"}']\n"
    "auth:\n"
    "  tokens:\n"
    "    - {token: reader-token-a, tenant: a, access: read}\n"
    "    - {token: writer-token-a, tenant: a, access: write}\n"
    "    - {token: reader-token-b, tenant: b, access: read}\n"
    "    - {token: both-token-b, tenant: b}\n";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

class AuditTest : public ::testing::Test {
 protected:
  void Start() { server_ = std::make_unique<LodeServer>(data(), ConfigArgs(dir_.path(), kConfig)); }
  std::string data() const { return dir_.path() + "/data"; }
  std::vector<std::pair<std::string, std::string>> As(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  // `n` ledger records credit <first>.. (one with structured metadata),
  // and as many of a stream that is not audited, pushed as tenant a.
  void PushLedger(int first, int n) {
    std::vector<std::pair<int64_t, std::string>> ledger, web;
    for (int i = first; i < first + n; ++i) {
      ledger.emplace_back(base_ + i * 1000, "credit " + std::to_string(i));
      web.emplace_back(base_ + i * 1000, "GET /" + std::to_string(i));
    }
    HttpResponse r =
        server_->PushJson(PushBody(R"({"app":"ledger"})", ledger), As("writer-token-a"));
    ASSERT_EQ(r.status, 204) << r.body;
    r = server_->PushJson(PushBody(R"({"app":"web"})", web), As("writer-token-a"));
    ASSERT_EQ(r.status, 204) << r.body;
  }

  TempDir dir_;
  std::unique_ptr<LodeServer> server_;
  const int64_t base_ = Now() - 3'600'000'000'000;  // an hour ago
};

TEST_F(AuditTest, HeadsArePublishedAndVerifyFindsChainsIntactRunningAndStopped) {
  Start();
  PushLedger(1, 20);
  PushLedger(21, 20);
  // A push with structured metadata, and one asking for best effort: the
  // stream is audited, so both are chained (and durable).
  HttpResponse r = server_->PushJson(
      R"({"streams":[{"stream":{"app":"ledger"},"values":[[")" + std::to_string(base_ + 50'000) +
          R"(","debit 41",{"user":"u7"}]]}]})",
      {{"Authorization", "Bearer writer-token-a"}, {"X-Lode-Durability", "best-effort"}});
  ASSERT_EQ(r.status, 204) << r.body;

  r = server_->Get("/api/v1/audit/heads", As("reader-token-a"));
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(r.body);
  simdjson::dom::array heads = root["data"].get_array();
  ASSERT_EQ(heads.size(), 1u) << r.body;
  simdjson::dom::object head = heads.at(0).get_object();
  EXPECT_EQ(std::string_view(head["tenant"].get_string()), "a");
  EXPECT_EQ(std::string_view(head["stream"]["app"].get_string()), "ledger");
  EXPECT_EQ(uint64_t(head["count"].get_uint64()), 41u);
  EXPECT_EQ(std::string_view(head["last_time"].get_string()), std::to_string(base_ + 50'000));
  EXPECT_EQ(std::string_view(head["hash"].get_string()).size(), 64u);
  const std::string heads_file = Write(dir_.path() + "/heads.jsonl", r.body + "\n");

  // Readers never see the links: not in lines, labels, fields or metadata.
  r = server_->QueryRange(R"({app="ledger"})", "&limit=100&since=2h", As("reader-token-a"));
  ASSERT_EQ(r.status, 200);
  ParsedStreams streams = ParseStreams(r.body);
  EXPECT_EQ(streams.entries.size(), 41u);
  EXPECT_EQ(r.body.find("__audit_chain__"), std::string::npos) << r.body;
  r = server_->QueryRange(R"({app="ledger"})", "&limit=100&since=2h",
                          {{"Authorization", "Bearer reader-token-a"},
                           {"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  EXPECT_EQ(r.body.find("__audit_chain__"), std::string::npos) << r.body;
  r = server_->QueryRange(R"(sum by (user) (count_over_time({app="ledger"}[1h])))",
                          "&step=60&since=2h", As("reader-token-a"));
  EXPECT_EQ(r.body.find("__audit_chain__"), std::string::npos) << r.body;
  for (const std::string path :
       {"/loki/api/v1/detected_fields?query=%7Bapp%3D%22ledger%22%7D&since=2h",
        "/loki/api/v1/labels?since=2h",
        "/loki/api/v1/series?match%5B%5D=%7Bapp%3D%22ledger%22%7D"}) {
    r = server_->Get(path, As("reader-token-a"));
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body.find("__audit_chain__"), std::string::npos) << path << ": " << r.body;
  }

  CommandResult v = RunLode({"verify", "--url", server_->base_url(), "--token", "reader-token-a",
                             "--expect-heads", heads_file});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("tenant a {app=\"ledger\"}: intact, 41 records checked"), std::string::npos)
      << v.out;
  EXPECT_NE(v.out.find("2 heads compared"), std::string::npos) << v.out;

  // More records, another published head, then a stop.
  PushLedger(100, 30);
  r = server_->Get("/api/v1/audit/heads", As("reader-token-a"));
  ASSERT_EQ(r.status, 200);
  std::ofstream(heads_file, std::ios::app) << r.body << "\n";
  // The running server's directory is not read behind its back: exit 2,
  // cannot check, and what to do instead.
  v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 2) << v.out << v.err;
  EXPECT_NE(v.err.find("in use by another lode process"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("--url"), std::string::npos) << v.err;
  ASSERT_EQ(server_->Terminate(), 0);
  v = RunLode({"verify", "--data", data(), "--expect-heads", heads_file});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("intact, 71 records checked"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("3 heads compared"), std::string::npos) << v.out;
  v = RunLode({"verify", "--data", data(), "--tenant", "a", "-o", "json"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find(R"("intact":true)"), std::string::npos) << v.out;

  // A head that was never part of the chain.
  std::string forged = r.body;
  const size_t at = forged.find("\"hash\":\"") + 8;
  forged[at] = forged[at] == '0' ? '1' : '0';
  v = RunLode(
      {"verify", "--data", data(), "--expect-heads", Write(dir_.path() + "/forged.json", forged)});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("BROKEN"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("position 71, time "), std::string::npos) << v.out;
  EXPECT_NE(v.out.find(": altered: the chain's hash at record 71"), std::string::npos) << v.out;
  // A tenant's whole directory gone: what was published of it is missing.
  std::filesystem::copy(data(), dir_.path() + "/without-a",
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(dir_.path() + "/without-a/tenants/a");
  v = RunLode({"verify", "--data", dir_.path() + "/without-a", "--expect-heads", heads_file});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("missing: a head was published for this stream"), std::string::npos)
      << v.out;
  // Bad input is an error, not a verdict.
  v = RunLode({"verify", "--data", data(), "--expect-heads",
               Write(dir_.path() + "/bad.json", "{\"data\":[{\"count\":3}]}")});
  EXPECT_EQ(v.exit_code, 2) << v.out << v.err;
  v = RunLode({"verify", "--data", dir_.path() + "/nothing-here"});
  EXPECT_EQ(v.exit_code, 2) << v.out << v.err;
}

// Verifying a running store reads every record of every audit stream:
// it stops at query_timeout, as a query does, and says what to do.
TEST_F(AuditTest, VerifyOfARunningStoreStopsAtTheQueryTimeout) {
  server_ = std::make_unique<LodeServer>(
      data(), ConfigArgs(dir_.path(), std::string(kConfig) + "query_timeout: 1ms\n"));
  PushLedger(1, 30000);
  HttpResponse r = server_->Get("/api/v1/audit/verify", As("reader-token-a"));
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_NE(r.body.find("audit verification timed out"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("lode verify --data"), std::string::npos) << r.body;
  CommandResult v = RunLode({"verify", "--url", server_->base_url(), "--token", "reader-token-a"});
  EXPECT_EQ(v.exit_code, 2) << v.out << v.err;  // cannot check
  EXPECT_NE(v.err.find("timed out"), std::string::npos) << v.out << v.err;
  // The same records, checked where no timeout applies: intact.
  ASSERT_EQ(server_->Terminate(), 0);
  v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("intact, 30,000 records checked"), std::string::npos) << v.out;
}

TEST_F(AuditTest, TheAuditEndpointsAnswerOnlyForTheTokensTenant) {
  Start();
  PushLedger(1, 5);
  EXPECT_EQ(server_->Get("/api/v1/audit/heads").status, 401);
  EXPECT_EQ(server_->Get("/api/v1/audit/heads", As("writer-token-a")).status, 403);
  EXPECT_EQ(server_->Get("/api/v1/audit/verify", As("writer-token-a")).status, 403);
  HttpResponse r = server_->Get("/api/v1/audit/heads", As("reader-token-b"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
  r = server_->Get("/api/v1/audit/heads",
                   {{"Authorization", "Bearer reader-token-b"}, {"X-Scope-OrgID", "a"}});
  EXPECT_EQ(r.status, 403) << r.body;
  // Heads of tenant a sent to be checked as tenant b: refused, never "intact".
  const std::string heads_a = server_->Get("/api/v1/audit/heads", As("reader-token-a")).body;
  r = server_->Post("/api/v1/audit/verify", heads_a, As("reader-token-b"));
  EXPECT_EQ(r.status, 400) << r.body;
  r = server_->Post("/api/v1/audit/verify", heads_a, As("reader-token-a"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("intact":true)"), std::string::npos) << r.body;
}

TEST_F(AuditTest, ARecordRewrittenWithValidChecksumsIsCaught) {
  Start();
  PushLedger(1, 30);
  ASSERT_EQ(server_->Terminate(), 0);

  // Someone with write access to the data directory changes record 12's
  // line, and writes the tenant's records back as a WAL whose frames have
  // valid checksums (the parts they were in removed); lode will flush
  // them into parts with valid checksums too.
  const std::string tenant_dir = data() + "/tenants/a";
  std::vector<Record> records;
  {
    LocalStoreOptions options;
    options.data_dir = data();
    options.log.read_only = true;
    auto store = LocalStore::Open(Env::Default(), options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    SelectRequest all;
    all.tenant = "a";
    all.start = 0;
    all.end = std::numeric_limits<int64_t>::max();
    all.direction = Direction::kForward;
    all.keep_audit_chain = true;
    all.matchers = {Matcher::Create(MatchType::kRegexMatch, "app", ".+").value()};
    auto it = (*store)->Select(all);
    ASSERT_TRUE(it.ok());
    while ((*it)->Next()) records.push_back((*it)->record());
  }
  ASSERT_EQ(records.size(), 60u);
  bool changed = false;
  for (Record& r : records) {
    if (r.line == "credit 12") r.line = "credit 12000", changed = true;
  }
  ASSERT_TRUE(changed);
  auto checkpoint = ReadCheckpoint(Env::Default(), tenant_dir + "/checkpoint");
  ASSERT_TRUE(checkpoint.ok());
  std::filesystem::remove_all(tenant_dir + "/parts");
  std::filesystem::create_directories(tenant_dir + "/wal");
  {
    auto wal = wal::WalWriter::Open(Env::Default(), tenant_dir + "/wal",
                                    checkpoint->wal_checkpoint + 1, 64 << 20);
    ASSERT_TRUE(wal.ok());
    std::vector<std::string> frames;
    for (const Record& r : records) {
      std::string frame;
      const size_t start = wal::WalWriter::BeginFrame(frame);
      wal::EncodeBatches(frame, {StreamBatch{r.stream, {Entry{r.timestamp, r.line, r.metadata}}}});
      wal::WalWriter::FinishFrame(frame, start, wal::FrameType::kBatch);
      frames.push_back(std::move(frame));
    }
    ASSERT_TRUE((*wal)->WriteFrames(frames).ok());
    ASSERT_TRUE((*wal)->Close().ok());
  }

  CommandResult v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("tenant a {app=\"ledger\"}: BROKEN"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("position 12, time "), std::string::npos) << v.out;
  EXPECT_NE(v.out.find(": altered: "), std::string::npos) << v.out;
  // lode takes the WAL as it finds it (its checksums hold), serves it and
  // writes it into parts; the chain still shows where it was changed.
  Start();
  HttpResponse q =
      server_->QueryRange(R"({app="ledger"} |= "credit 12000")", "&since=2h", As("reader-token-a"));
  EXPECT_EQ(ParseStreams(q.body).entries.size(), 1u) << q.body;
  v = RunLode({"verify", "--url", server_->base_url(), "--token", "reader-token-a"});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("position 12, time "), std::string::npos) << v.out;
  ASSERT_EQ(server_->Terminate(), 0);
  EXPECT_TRUE(std::filesystem::exists(tenant_dir + "/parts"));
  v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("position 12, time "), std::string::npos) << v.out;
}

// A byte damaged in place in the middle of a WAL segment (not a torn
// write: valid frames follow it) loses that frame's records only: the
// frames after it are replayed, the chain goes on from its newest
// position instead of reusing the lost ones, and verify names the gap.
TEST_F(AuditTest, AByteDamagedInTheMiddleOfTheWalLosesOnlyItsFrameAndVerifyNamesTheGap) {
  Start();
  for (int i = 0; i < 30; ++i) PushLedger(2 * i + 1, 2);  // 60 ledger records, 30 pushes
  server_->Kill9();

  // The ledger frame holding credits 21 and 22: a byte of its payload.
  const std::string wal_dir = data() + "/tenants/a/wal";
  std::string segment;
  for (const auto& e : std::filesystem::directory_iterator(wal_dir)) {
    if (e.path().extension() == ".wal" && e.file_size() > 0) segment = e.path().string();
  }
  ASSERT_FALSE(segment.empty());
  std::string bytes;
  {
    std::ifstream in(segment, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t pos = 0, target = 0;
  int frames = 0;
  auto scan = wal::ScanSegment(bytes, [&](wal::FrameType, std::string_view payload) {
    auto batches = wal::DecodeBatches(payload);
    if (batches.ok() && (*batches)[0].entries[0].line == "credit 21") target = pos;
    pos += wal::kFrameHeaderSize + payload.size();
    ++frames;
    return Status::Ok();
  });
  ASSERT_TRUE(scan.ok() && scan->clean());
  ASSERT_GT(target, 0u);
  ASSERT_GE(frames, 45) << "frames after the damaged one";
  bytes[target + wal::kFrameHeaderSize + 10] ^= 0x20;
  Write(segment, bytes);

  CommandResult v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("position 21: missing"), std::string::npos) << v.out;
  EXPECT_NE(v.err.find("wal segment damaged"), std::string::npos) << v.err;

  Start();
  EXPECT_NE(server_->Log().find("wal segment damaged"), std::string::npos) << server_->Log();
  HttpResponse q =
      server_->QueryRange(R"({app="ledger"})", "&limit=1000&since=2h", As("reader-token-a"));
  std::vector<std::string> lines;
  for (const auto& [ts, line] : ParseStreams(q.body).entries) lines.push_back(line);
  EXPECT_EQ(lines.size(), 58u) << q.body;
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "credit 21"), 0);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "credit 60"), 1);
  bool saved_aside = false;
  for (const auto& e : std::filesystem::directory_iterator(wal_dir)) {
    saved_aside |= e.path().filename().string().find(".corrupt-") != std::string::npos;
  }
  EXPECT_TRUE(saved_aside) << "the damaged bytes are kept beside the segment";

  // New records take positions 61 and 62, not the lost ones.
  PushLedger(61, 2);
  HttpResponse r = server_->Get("/api/v1/audit/heads", As("reader-token-a"));
  EXPECT_NE(r.body.find("\"count\":62"), std::string::npos) << r.body;
  // A crash now: the segment is read the same way again, and the new
  // records follow.
  server_->Kill9();
  Start();
  EXPECT_NE(server_->Log().find("wal segment damaged"), std::string::npos) << server_->Log();
  q = server_->QueryRange(R"({app="ledger"})", "&limit=1000&since=2h", As("reader-token-a"));
  EXPECT_EQ(ParseStreams(q.body).entries.size(), 60u) << q.body;
  ASSERT_EQ(server_->Terminate(), 0);
  v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("position 21: missing"), std::string::npos) << v.out;
  EXPECT_EQ(v.out.find("position 61"), std::string::npos) << v.out;
}

// A part block that fails its checksum is skipped: its records count as
// missing, and verify says why (and so does a query).
TEST_F(AuditTest, ADamagedPartBlockShowsAsMissingRecordsWithTheReason) {
  Start();
  PushLedger(1, 200);
  ASSERT_EQ(server_->Terminate(), 0);
  std::string part;
  for (const auto& e : std::filesystem::recursive_directory_iterator(data() + "/tenants/a")) {
    if (e.path().extension() == ".part") part = e.path().string();
  }
  ASSERT_FALSE(part.empty());
  std::string bytes;
  {
    std::ifstream in(part, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 3] ^= 0x5a;
  Write(part, bytes);
  CommandResult v = RunLode({"verify", "--data", data()});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find(": missing: "), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("note: part blocks that could not be read were skipped"), std::string::npos)
      << v.out;
  Start();
  HttpResponse q =
      server_->QueryRange(R"({app="ledger"})", "&limit=1000&since=2h", As("reader-token-a"));
  EXPECT_EQ(q.status, 200);
  EXPECT_NE(q.body.find("part blocks that could not be read were skipped"), std::string::npos)
      << q.body;
  // So does a metric query counting them.
  q = server_->QueryRange(R"(count_over_time({app="ledger"}[1h]))", "&step=60&since=2h",
                          As("reader-token-a"));
  EXPECT_NE(q.body.find("part blocks that could not be read were skipped"), std::string::npos)
      << q.body;
}

}  // namespace
}  // namespace lode::testing
