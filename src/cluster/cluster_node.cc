#include "cluster/cluster_node.h"

#include <future>
#include <set>
#include <thread>

#include "base/log.h"
#include "cluster/cluster_store.h"
#include "io/dir_lock.h"
#include "objstore/s3_object_store.h"
#include "storage/part/part_reader.h"

namespace lode {
namespace {

constexpr const char* kRecentPath = "/internal/v1/recent";

Status EmptyDir(Env* env, const std::string& dir) {
  LODE_RETURN_IF_ERROR(env->CreateDirs(dir));
  LODE_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  for (const std::string& name : names) LODE_RETURN_IF_ERROR(env->RemoveFile(JoinPath(dir, name)));
  return Status::Ok();
}

}  // namespace

ClusterNode::ClusterNode(Env* env, ClusterOptions options, PeerClient* peers)
    : env_(env), options_(std::move(options)), peers_(peers) {}

Result<std::unique_ptr<ClusterNode>> ClusterNode::Start(Env* env, const ClusterOptions& options,
                                                        PeerClient* peers) {
  if (options.node_id.empty()) return Status::InvalidArgument("cluster.node_id is required");
  if (options.advertise.empty()) return Status::InvalidArgument("cluster.advertise is required");
  if (options.nats.empty()) return Status::InvalidArgument("cluster.nats lists no server");
  if (options.partitions == 0) return Status::InvalidArgument("cluster.partitions must be > 0");
  std::unique_ptr<ClusterNode> node(new ClusterNode(env, options, peers));
  LODE_RETURN_IF_ERROR(node->Join());
  return node;
}

Status ClusterNode::Join() {
  // One member per cache directory: a second would empty the first's
  // flush directory and evict its cached blocks under it. Taken first,
  // so that such a member stops before it joins anything.
  LODE_RETURN_IF_ERROR(env_->CreateDirs(options_.cache_dir));
  LODE_ASSIGN_OR_RETURN(
      cache_lock_, LockDirectory(env_, options_.cache_dir, /*exclusive=*/true, "cache directory"));

  NatsOptions nats;
  nats.servers = options_.nats;
  nats.name = "lode-" + options_.node_id;
  nats.max_publishes_in_flight = options_.max_publishes_in_flight;
  LODE_ASSIGN_OR_RETURN(nats_, NatsClient::Connect(nats));

  StreamConfig stream;
  stream.name = IngestStreamName(options_.name);
  stream.subjects = {options_.name + ".ingest.>"};
  stream.replicas = options_.replicas;
  // JetStream may be starting, electing leaders, or busy: its API calls
  // are tried again for a while before the member gives up.
  auto patiently = [](const char* what, const std::function<Status()>& step) {
    Status s;
    for (int attempt = 0; attempt < 30; ++attempt) {
      s = step();
      if (s.ok() ||
          (s.code() != StatusCode::kUnavailable && s.code() != StatusCode::kDeadlineExceeded)) {
        break;
      }
      log::Warn("JetStream is not answering yet; trying again",
                {{"step", what}, {"err", s.ToString()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return s.WithContext(what);
  };
  LODE_RETURN_IF_ERROR(patiently("ingest stream", [&] { return nats_->EnsureStream(stream); }));
  auto open_kv = [&](std::unique_ptr<KvBucket>& out, const KvConfig& config) {
    return patiently("KV bucket", [&]() -> Status {
      auto kv = nats_->OpenKv(config);
      if (!kv.ok()) return kv.status();
      out = std::move(*kv);
      return Status::Ok();
    });
  };
  LODE_RETURN_IF_ERROR(
      open_kv(leases_kv_, {LeaseBucketName(options_.name), options_.replicas, options_.lease_ttl}));
  LODE_RETURN_IF_ERROR(open_kv(
      members_kv_, {MemberBucketName(options_.name), options_.replicas, options_.lease_ttl}));
  LODE_RETURN_IF_ERROR(open_kv(catalog_kv_, {CatalogBucketName(options_.name), options_.replicas,
                                             std::chrono::nanoseconds(0)}));
  catalog_ = std::make_unique<Catalog>(*catalog_kv_);

  LODE_ASSIGN_OR_RETURN(auto s3, S3ObjectStore::Open(options_.s3));
  s3_ = s3.get();
  bucket_ = std::move(s3);
  cache_ = std::make_unique<BlockCache>(env_, JoinPath(options_.cache_dir, "blocks"),
                                        options_.cache_max_bytes, *bucket_);
  LODE_RETURN_IF_ERROR(cache_->Open());
  LODE_RETURN_IF_ERROR(EmptyDir(env_, JoinPath(options_.cache_dir, "flush")));
  read_pool_ = std::make_unique<ReadPool>(0);
  sink_ = std::make_unique<ReplicatedSink>(*nats_, options_);
  store_ = std::make_unique<ClusterStore>(*this);

  {
    MutexLock lock(catalog_mu_);
    states_.resize(options_.partitions);
  }
  watcher_ = std::thread([this] { RefreshCatalog(); });

  LeaseKeeper::Callbacks callbacks;
  callbacks.acquired = [this](uint32_t p) { return StartOwner(p); };
  callbacks.lost = [this](uint32_t p) { StopOwner(p, false); };
  callbacks.release = [this](uint32_t p) { StopOwner(p, true); };
  leases_ = std::make_unique<LeaseKeeper>(*leases_kv_, *members_kv_, options_, callbacks);
  return Status::Ok();
}

void ClusterNode::Activate() {
  leases_->Start();
  log::Info("joined the cluster", {{"node", options_.node_id},
                                   {"partitions_owned", std::to_string(leases_->Stats().owned)}});
}

ClusterNode::~ClusterNode() { Stop(false); }

void ClusterNode::Stop(bool hand_over) {
  if (stopped_) return;
  stopped_ = true;
  if (leases_) leases_->Stop(hand_over);
  std::map<uint32_t, std::shared_ptr<PartitionOwner>> owners;
  {
    MutexLock lock(owners_mu_);
    owners.swap(owners_);
  }
  for (auto& [p, owner] : owners) owner->Stop(hand_over);
  stop_watch_.store(true);
  refresh_cv_.SignalAll();
  if (watcher_.joinable()) watcher_.join();
}

IngestSink& ClusterNode::sink() { return *sink_; }
Storage& ClusterNode::storage() { return *store_; }

bool ClusterNode::StartOwner(uint32_t partition) {
  PartitionOwner::Services services{
      env_, nats_.get(), catalog_.get(), bucket_.get(),
      [this](uint32_t p, const CatalogPart& part) { return OpenPart(p, part); }};
  auto owner = PartitionOwner::Start(services, options_, partition);
  if (!owner.ok()) {
    log::Warn("cannot take the partition over",
              {{"partition", std::to_string(partition)}, {"err", owner.status().ToString()}});
    return false;
  }
  MutexLock lock(owners_mu_);
  owners_[partition] = std::shared_ptr<PartitionOwner>(std::move(*owner));
  return true;
}

void ClusterNode::StopOwner(uint32_t partition, bool hand_over) {
  std::shared_ptr<PartitionOwner> owner;
  {
    MutexLock lock(owners_mu_);
    auto it = owners_.find(partition);
    if (it == owners_.end()) return;
    owner = std::move(it->second);
    owners_.erase(it);
  }
  owner->Stop(hand_over);
  PartitionOwnerStats o = owner->Stats();
  MutexLock lock(owners_mu_);
  retired_.parts_uploaded += o.parts_uploaded;
  retired_.bytes_uploaded += o.bytes_uploaded;
  retired_.upload_failures += o.upload_failures;
  retired_.corrupt_messages += o.corrupt_messages;
  retired_.duplicate_records += o.duplicate_records;
  retired_.merges += o.merges;
  retired_.retention_removed_parts += o.retention_removed_parts;
  retired_.objects_deleted += o.objects_deleted;
}

std::shared_ptr<PartitionOwner> ClusterNode::OwnerOf(uint32_t partition) const {
  MutexLock lock(owners_mu_);
  auto it = owners_.find(partition);
  return it == owners_.end() ? nullptr : it->second;
}

void ClusterNode::RefreshCatalog() {
  // Polled rather than watched: libnats' KV watcher rides on an ordered
  // push consumer whose reset under load can stall the whole connection
  // (seen with libnats 3.4.1). A copy a second old is enough: a read
  // needing newer state (an owner answered with a higher `covered`)
  // reads that partition afresh (StateOf), and parts that merges replace
  // stay readable for delete_grace.
  while (!stop_watch_.load()) {
    for (uint32_t p = 0; p < options_.partitions && !stop_watch_.load(); ++p) {
      auto loaded = catalog_->Load(p);
      if (!loaded.ok() || loaded->revision == 0) continue;
      auto shared = std::make_shared<const PartitionState>(std::move(loaded->state));
      MutexLock lock(catalog_mu_);
      if (!states_[p] || states_[p]->covered <= shared->covered) states_[p] = std::move(shared);
    }
    ForgetUnlistedParts();
    MutexLock lock(catalog_mu_);
    refresh_cv_.WaitFor(std::chrono::seconds(1));
  }
}

void ClusterNode::ForgetUnlistedParts() {
  std::set<std::string> listed;
  {
    MutexLock lock(catalog_mu_);
    for (const auto& state : states_) {
      if (!state) continue;
      for (const CatalogPart& part : state->parts) listed.insert(part.key);
    }
  }
  // Reads that took a part keep it (shared) until they end; the next
  // reads will not list it.
  MutexLock lock(parts_mu_);
  for (auto it = open_parts_.begin(); it != open_parts_.end();) {
    it = listed.count(it->first) ? std::next(it) : open_parts_.erase(it);
  }
}

std::shared_ptr<const PartitionState> ClusterNode::StateOf(uint32_t partition, uint64_t at_least) {
  {
    MutexLock lock(catalog_mu_);
    const auto& state = states_[partition];
    if (state && state->covered >= at_least) return state;
  }
  auto loaded = catalog_->Load(partition);
  if (!loaded.ok()) {
    MutexLock lock(catalog_mu_);
    return states_[partition];
  }
  auto shared = std::make_shared<const PartitionState>(std::move(loaded->state));
  MutexLock lock(catalog_mu_);
  if (!states_[partition] || states_[partition]->covered <= shared->covered) {
    states_[partition] = shared;
  }
  return shared;
}

Result<std::vector<AuditChain>> ClusterNode::AuditChainsOf(const std::string& tenant) {
  std::vector<AuditChain> chains;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    // A fresh read: a published head must never be one the catalog has
    // not reached yet.
    auto loaded = catalog_->Load(p);
    if (!loaded.ok())
      return loaded.status().WithContext("audit chains of partition " + std::to_string(p));
    for (const CatalogChain& c : loaded->state.audit_chains) {
      if (c.tenant == tenant) chains.push_back(c.chain);
    }
  }
  return chains;
}

StreamIndex& ClusterNode::IndexOf(const std::string& tenant) {
  MutexLock lock(parts_mu_);
  auto& index = indexes_[tenant];
  if (!index) index = std::make_unique<StreamIndex>();
  return *index;
}

Result<std::shared_ptr<const LocalPart>> ClusterNode::OpenPart(uint32_t partition,
                                                               const CatalogPart& part) {
  {
    MutexLock lock(parts_mu_);
    auto it = open_parts_.find(part.key);
    if (it != open_parts_.end()) return it->second;
  }
  auto file = std::make_unique<CachedObjectFile>(*cache_, part.key, part.size);
  LODE_ASSIGN_OR_RETURN(
      auto reader, part::PartReader::Open(options_.s3.bucket + "/" + part.key, std::move(file)));
  std::vector<uint32_t> ids = IndexOf(part.tenant).InternAll(reader->streams());
  // Newer parts have larger ids within a partition; the partition number
  // makes the sequence unique across partitions.
  const uint64_t seq = part.id * options_.partitions + partition;
  auto opened = std::make_shared<const LocalPart>(seq, std::move(reader), std::move(ids));
  MutexLock lock(parts_mu_);
  auto [it, inserted] = open_parts_.emplace(part.key, opened);
  return it->second;
}

Result<std::vector<std::shared_ptr<const ReadablePart>>> ClusterNode::PartsFor(
    const std::string& tenant, TimestampNs start, TimestampNs end,
    const std::vector<std::optional<uint64_t>>& covered) {
  std::vector<std::shared_ptr<const ReadablePart>> parts;
  for (uint32_t p = 0; p < options_.partitions; ++p) {
    auto state = StateOf(p, covered[p].value_or(0));
    if (covered[p] && *covered[p] > 0 && (!state || state->covered < *covered[p])) {
      // The owner's answer starts above parts this member cannot list:
      // failing beats a silent gap.
      return Status::Unavailable("cannot read the catalog of partition " + std::to_string(p));
    }
    if (!state) continue;
    for (const CatalogPart& part : state->parts) {
      if (part.tenant != tenant || part.max_time < start || part.min_time >= end) continue;
      // Above the owner's answer: those records came in that answer.
      if (covered[p] && part.last_seq > *covered[p]) continue;
      LODE_ASSIGN_OR_RETURN(auto opened, OpenPart(p, part));
      parts.push_back(std::move(opened));
    }
  }
  return parts;
}

RecentAnswer ClusterNode::AnswerLocally(const RecentRequest& request) {
  RecentAnswer answer;
  PartitionOwner::CatchUp catch_up;
  catch_up.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(request.wait_ms);
  std::map<std::string, SeriesInfo> series;
  for (uint32_t p : request.partitions) {
    PartitionAnswer pa;
    pa.partition = p;
    auto owner = p < options_.partitions ? OwnerOf(p) : nullptr;
    if (owner && !owner->lost()) {
      PartitionOwner::Recent recent;
      switch (request.kind) {
        case RecentKind::kRecords:
          recent = owner->CollectRecent(request.select, catch_up, answer.records);
          break;
        case RecentKind::kSeries: {
          SeriesRequest sr{request.select.tenant, request.select.start, request.select.end,
                           request.select.matchers};
          recent = owner->CollectSeries(sr, catch_up, &series);
          break;
        }
        case RecentKind::kTimestamps:
          recent = owner->ScanTimestamps(request.select, catch_up, [&](const TimestampRun& run) {
            OwnedTimestampRun copy;
            copy.stream = *run.stream;
            copy.timestamps.assign(run.timestamps, run.timestamps + run.count);
            if (run.metadata != nullptr)
              copy.metadata.assign(run.metadata, run.metadata + run.count);
            answer.runs.push_back(std::move(copy));
          });
          break;
      }
      pa.owned = true;
      pa.caught_up = recent.caught_up;
      pa.covered = recent.covered;
    }
    answer.partitions.push_back(pa);
  }
  for (auto& [key, info] : series) answer.series.push_back(std::move(info));
  return answer;
}

Result<std::string> ClusterNode::AnswerRecent(std::string_view body) {
  LODE_ASSIGN_OR_RETURN(RecentRequest request, DecodeRecentRequest(body));
  return EncodeRecentAnswer(request.kind, AnswerLocally(request));
}

RecentGathered ClusterNode::GatherRecent(RecentKind kind, const SelectRequest& select) {
  RecentGathered g;
  g.covered.assign(options_.partitions, std::nullopt);
  RecentRequest base;
  base.kind = kind;
  base.select = select;
  base.wait_ms = static_cast<uint32_t>(options_.catch_up_wait.count());
  auto take = [&](RecentAnswer&& a) {
    for (const PartitionAnswer& pa : a.partitions) {
      if (!pa.owned || pa.partition >= options_.partitions || g.covered[pa.partition]) continue;
      g.covered[pa.partition] = pa.covered;
      if (!pa.caught_up) {
        g.warnings.push_back("partition " + std::to_string(pa.partition) +
                             ": its owner had not yet applied every acknowledged push; the "
                             "newest records may be missing");
      }
    }
    for (auto& r : a.records) g.answer.records.push_back(std::move(r));
    for (auto& s : a.series) g.answer.series.push_back(std::move(s));
    for (auto& run : a.runs) g.answer.runs.push_back(std::move(run));
  };

  // The owners as this member last saw them; for what they do not answer
  // (a partition changing hands), the owners read afresh, a few times.
  std::vector<std::optional<PartitionLease>> owners = leases_->Owners();
  // The other members seen owning partitions: asked in turn, at the end,
  // about partitions whose owner could not be found (the lease bucket out
  // of reach, as while JetStream elects a leader), since the owner is
  // most likely one of them.
  std::set<std::string> members;
  for (const auto& o : owners) {
    if (o && o->node_id != options_.node_id) members.insert(o->address);
  }
  std::set<std::string> unreachable;  // members that did not answer this query
  auto take_body = [&](const std::string& address, Result<std::string> body) {
    if (!body.ok()) {
      unreachable.insert(address);
      log::Warn("a partition owner did not answer",
                {{"owner", address}, {"err", body.status().ToString()}});
      return;
    }
    auto answer = DecodeRecentAnswer(kind, *body);
    if (!answer.ok()) {
      log::Warn("bad answer from a partition owner",
                {{"owner", address}, {"err", answer.status().ToString()}});
      return;
    }
    take(std::move(*answer));
  };
  const auto peer_timeout = options_.catch_up_wait + std::chrono::seconds(5);
  std::vector<uint32_t> pending(options_.partitions);
  for (uint32_t p = 0; p < options_.partitions; ++p) pending[p] = p;
  for (int attempt = 0; attempt < 4 && !pending.empty(); ++attempt) {
    if (attempt > 0) {
      // The fresh owner is usually right at once; a partition being
      // handed over needs a moment.
      if (attempt > 1) std::this_thread::sleep_for(std::chrono::milliseconds(250 * (attempt - 1)));
      for (uint32_t p : pending) owners[p] = leases_->ReadOwner(p);
    }
    RecentRequest local = base;
    std::map<std::string, std::vector<uint32_t>> remote;  // address -> partitions
    for (uint32_t p : pending) {
      if (!owners[p]) continue;
      if (owners[p]->node_id == options_.node_id) {
        local.partitions.push_back(p);
      } else {
        remote[owners[p]->address].push_back(p);
      }
    }
    std::vector<std::pair<std::string, std::future<Result<std::string>>>> calls;
    if (peers_ != nullptr) {
      for (const auto& [owner, partitions] : remote) {
        RecentRequest r = base;
        r.partitions = partitions;
        std::string body = EncodeRecentRequest(r);
        std::string address = owner;
        calls.emplace_back(address,
                           std::async(std::launch::async, [this, address, body, peer_timeout] {
                             return peers_->Post(address, kRecentPath, body, peer_timeout);
                           }));
      }
    }
    if (!local.partitions.empty()) take(AnswerLocally(local));
    for (auto& [address, call] : calls) take_body(address, call.get());
    std::erase_if(pending, [&](uint32_t p) { return g.covered[p].has_value(); });
  }
  // One member at a time, so that no partition is answered twice (its
  // records would be too); not those that did not answer already (each
  // would cost a query its peer timeout again).
  for (const std::string& address : members) {
    if (pending.empty() || peers_ == nullptr) break;
    if (unreachable.count(address)) continue;
    RecentRequest r = base;
    r.partitions = pending;
    take_body(address, peers_->Post(address, kRecentPath, EncodeRecentRequest(r), peer_timeout));
    std::erase_if(pending, [&](uint32_t p) { return g.covered[p].has_value(); });
  }
  if (!pending.empty()) {
    std::string list;
    for (uint32_t p : pending) list += (list.empty() ? "" : ",") + std::to_string(p);
    g.warnings.push_back("partitions " + list +
                         " have no reachable owner: their records not yet in parts are missing "
                         "from this answer");
  }
  if (!g.warnings.empty()) partial_answers_.fetch_add(1);
  return g;
}

uint64_t ClusterNode::ConsumerLag() const {
  std::map<uint32_t, std::shared_ptr<PartitionOwner>> owners;
  {
    MutexLock lock(owners_mu_);
    owners = owners_;
  }
  uint64_t lag = 0;
  for (const auto& [p, owner] : owners) {
    const uint64_t applied = owner->Stats().applied_sequence;
    auto last =
        nats_->LastSequence(IngestStreamName(options_.name), IngestSubject(options_.name, p));
    if (last.ok() && *last > applied) lag += *last - applied;
  }
  return lag;
}

ClusterStats ClusterNode::Stats() const {
  ClusterStats s;
  if (leases_) s.leases = leases_->Stats();
  if (sink_) s.sink = sink_->Stats();
  if (cache_) s.cache = cache_->Stats();
  if (s3_) s.s3 = s3_->Stats();
  s.partial_answers = partial_answers_.load();
  std::map<uint32_t, std::shared_ptr<PartitionOwner>> owners;
  {
    MutexLock lock(owners_mu_);
    owners = owners_;
    s.owners = retired_;
  }
  for (const auto& [p, owner] : owners) {
    PartitionOwnerStats o = owner->Stats();
    s.owners.applied_sequence = std::max(s.owners.applied_sequence, o.applied_sequence);
    s.owners.head_records += o.head_records;
    s.owners.head_bytes += o.head_bytes;
    s.owners.parts_uploaded += o.parts_uploaded;
    s.owners.bytes_uploaded += o.bytes_uploaded;
    s.owners.upload_failures += o.upload_failures;
    s.owners.corrupt_messages += o.corrupt_messages;
    s.owners.duplicate_records += o.duplicate_records;
    s.owners.merges += o.merges;
    s.owners.retention_removed_parts += o.retention_removed_parts;
    s.owners.objects_deleted += o.objects_deleted;
  }
  return s;
}

}  // namespace lode
