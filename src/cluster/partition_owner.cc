#include "cluster/partition_owner.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <random>

#include "base/log.h"
#include "cluster/ingest_message.h"
#include "cluster/partitioning.h"
#include "storage/part/part_reader.h"
#include "storage/part/part_writer.h"
#include "storage/part_set.h"
#include "storage/record_keys.h"

namespace lode {
namespace {

// Equal timestamps: parts, then the heads being flushed, then live heads
// (the order a single node's reads use).
constexpr uint64_t kFlushingSource = ~uint64_t{0} - 1;
constexpr uint64_t kHeadSource = ~uint64_t{0};

std::string RandomHex() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

PartitionOwner::PartitionOwner(const Services& services, const ClusterOptions& options,
                               uint32_t partition)
    : services_(services),
      options_(options),
      partition_(partition),
      stream_(IngestStreamName(options.name)),
      subject_(IngestSubject(options.name, partition)),
      work_dir_(JoinPath(options.cache_dir, "flush")) {}

Result<std::unique_ptr<PartitionOwner>> PartitionOwner::Start(const Services& services,
                                                              const ClusterOptions& options,
                                                              uint32_t partition) {
  std::unique_ptr<PartitionOwner> owner(new PartitionOwner(services, options, partition));
  LODE_RETURN_IF_ERROR(services.env->CreateDirs(owner->work_dir_));
  LODE_RETURN_IF_ERROR(owner->Fence());
  owner->thread_ = std::thread([o = owner.get()] { o->Run(); });
  return owner;
}

PartitionOwner::~PartitionOwner() { Stop(false); }

Status PartitionOwner::Fence() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    LODE_ASSIGN_OR_RETURN(VersionedState v, services_.catalog->Load(partition_));
    v.state.owner = options_.node_id;
    v.state.epoch += 1;
    auto revision = services_.catalog->Store(partition_, v.state, v.revision);
    if (revision.ok()) {
      epoch_ = v.state.epoch;
      MutexLock lock(mu_);
      covered_ = v.state.covered;
      applied_ = v.state.covered;
      chains_.clear();
      for (const CatalogChain& c : v.state.audit_chains) {
        chains_[{c.tenant, c.chain.stream.ToString()}] = c.chain;
      }
      log::Info("partition taken over", {{"partition", std::to_string(partition_)},
                                         {"epoch", std::to_string(epoch_)},
                                         {"resume_after", std::to_string(covered_)}});
      return Status::Ok();
    }
    if (revision.status().code() != StatusCode::kConflict) return revision.status();
  }
  return Status::Conflict("partition " + std::to_string(partition_) +
                          ": another node is taking it over");
}

void PartitionOwner::Stop(bool hand_over) {
  if (!thread_.joinable()) return;
  hand_over_.store(hand_over);
  stop_.store(true);
  {
    MutexLock lock(mu_);
    applied_cv_.SignalAll();
  }
  thread_.join();
}

void PartitionOwner::Run() {
  std::unique_ptr<OrderedConsumer> consumer;
  auto flush_retry_at = std::chrono::steady_clock::time_point::min();
  auto backoff = std::chrono::milliseconds(500);
  while (!stop_.load() && !lost_.load()) {
    const auto now = std::chrono::steady_clock::now();
    bool backlogged;
    {
      MutexLock lock(mu_);
      // While uploads fail, the stream keeps what is not yet applied:
      // memory stays bounded and nothing acknowledged is lost.
      backlogged = !flushing_.empty() && head_bytes_ >= options_.head_max_bytes;
    }
    if (!backlogged) {
      if (!consumer) {
        uint64_t from;
        {
          MutexLock lock(mu_);
          from = applied_ + 1;
        }
        auto made = services_.nats->ConsumeOrdered(stream_, subject_, from);
        if (made.ok()) {
          consumer = std::move(*made);
        } else {
          log::Warn("cannot consume partition",
                    {{"partition", std::to_string(partition_)}, {"err", made.status().ToString()}});
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
          continue;
        }
      }
      // Waits of 400 ms or more let the consumer notice a server failure by
      // its missed heartbeats.
      auto messages = consumer->Next(512, std::chrono::milliseconds(500));
      if (!messages.ok()) {
        log::Warn(
            "partition consumer failed; starting it again",
            {{"partition", std::to_string(partition_)}, {"err", messages.status().ToString()}});
        consumer.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      for (const StreamMessage& m : *messages) Apply(m);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (now >= flush_retry_at && ShouldFlush()) {
      Status s = Flush();
      if (s.ok()) {
        backoff = std::chrono::milliseconds(500);
      } else if (!lost_.load()) {
        upload_failures_.fetch_add(1);
        log::Warn("partition flush failed; will retry",
                  {{"partition", std::to_string(partition_)}, {"err", s.ToString()}});
        flush_retry_at = std::chrono::steady_clock::now() + backoff;
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(30));
      }
    }
    MaybePurge();
    if (std::chrono::steady_clock::now() >= next_maintenance_) {
      Maintain();
      next_maintenance_ = std::chrono::steady_clock::now() + options_.maintenance_interval;
    }
  }
  if (hand_over_.load() && !lost_.load()) {
    // A clean hand-over: what is held goes into parts now, a few tries.
    for (int attempt = 0; attempt < 3; ++attempt) {
      Status s = Flush();
      if (s.ok() || lost_.load()) break;
      log::Warn("hand-over flush failed",
                {{"partition", std::to_string(partition_)}, {"err", s.ToString()}});
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

void PartitionOwner::Apply(const StreamMessage& message) {
  auto decoded = DecodeIngestMessage(message.data);
  MutexLock lock(mu_);
  if (message.sequence <= applied_) return;  // already applied (a consumer restart)
  applied_ = message.sequence;
  applied_cv_.SignalAll();
  if (!decoded.ok()) {
    corrupt_messages_.fetch_add(1);
    log::Error("undecodable ingest message skipped",
               {{"partition", std::to_string(partition_)},
                {"sequence", std::to_string(message.sequence)},
                {"err", decoded.status().ToString()}});
    return;
  }
  IngestMessage& m = *decoded;
  // Records whose id this owner holds already (a producer's retry) are
  // left out, as a single node leaves them out of its WAL.
  const std::vector<RecordKey> keys = RecordKeys(m.batches, options_.record_id_keys);
  std::vector<StreamBatch> kept;
  const std::vector<StreamBatch>* batches = &m.batches;
  if (!keys.empty()) {
    auto [ids, inserted] = record_ids_.try_emplace(m.tenant, RecentBatchesOptions{});
    std::vector<char> dropped(keys.size());
    size_t duplicates = 0;
    const int64_t now = services_.env->clock()->NowNanos();
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].key.empty() || ids->second.Find(keys[i].key)) {
        dropped[i] = 1;
        ++duplicates;
      } else {
        ids->second.Add(keys[i].key, message.sequence, now);
      }
    }
    ids->second.Prune(now);
    if (duplicates > 0) {
      duplicate_records_.fetch_add(duplicates);
      kept = WithoutRecords(m.batches, keys, dropped);
      batches = &kept;
    }
  }
  if (batches->empty()) return;
  std::vector<StreamBatch> linked;
  if (!options_.audit_streams.empty() || !chains_.empty() || HasPushedChainLinks(*batches)) {
    linked = LinkToChains(m.tenant, *batches);
    batches = &linked;
  }
  auto& head = heads_[m.tenant];
  if (!head) head = std::make_unique<Head>();
  const auto now = std::chrono::steady_clock::now();
  if (head_records_ == 0) first_insert_ = now;
  const uint64_t bytes_before = head->bytes();
  const uint64_t records_before = head->records();
  head->Insert(*batches, now);
  head_bytes_ += head->bytes() - bytes_before;
  head_records_ += head->records() - records_before;
}

std::vector<StreamBatch> PartitionOwner::LinkToChains(const std::string& tenant,
                                                      const std::vector<StreamBatch>& batches) {
  return LinkRecords(batches, [&](const Labels& stream) -> AuditChain* {
    mu_.AssertHeld();  // called back at once, on this thread
    const std::pair<std::string, std::string> key{tenant, stream.ToString()};
    auto it = chains_.find(key);
    if (it == chains_.end()) {
      if (!MatchesAnySelector(options_.audit_streams, stream)) return nullptr;
      AuditChain chain;
      chain.stream = stream;
      chain.started_ns = services_.env->clock()->NowNanos();
      if (!CountUnchained(tenant, chain)) {
        // Begun later, with these records counted among those before it,
        // rather than now with a count too low (which would make them
        // look inserted).
        return nullptr;
      }
      log::Info("audit chain begun", {{"tenant", tenant},
                                      {"stream", key.second},
                                      {"partition", std::to_string(partition_)},
                                      {"records_before", std::to_string(chain.unchained_records)}});
      it = chains_.emplace(key, std::move(chain)).first;
    }
    return &it->second;
  });
}

bool PartitionOwner::CountUnchained(const std::string& tenant, AuditChain& chain) {
  auto add = [&](uint64_t records, TimestampNs newest) {
    if (records == 0) return;
    chain.unchained_until =
        chain.unchained_records == 0 ? newest : std::max(chain.unchained_until, newest);
    chain.unchained_records += records;
  };
  // In memory: the live and the flushing heads.
  SelectRequest request;
  request.tenant = tenant;
  request.start = std::numeric_limits<TimestampNs>::min();
  request.end = std::numeric_limits<TimestampNs>::max();
  request.direction = Direction::kForward;
  request.timestamps_only = true;
  for (const Label& l : chain.stream) {
    auto m = Matcher::Create(MatchType::kEqual, l.name, l.value);
    if (m.ok()) request.matchers.push_back(std::move(*m));
  }
  auto count_head = [&](const Head& head) {
    head.ScanTimestamps(request, [&](const TimestampRun& run) {
      if (run.stream == nullptr || *run.stream != chain.stream) return;
      TimestampNs newest = run.timestamps == nullptr ? run.max_time : run.timestamps[0];
      for (size_t i = 0; run.timestamps != nullptr && i < run.count; ++i) {
        newest = std::max(newest, run.timestamps[i]);
      }
      add(run.count, newest);
    });
  };
  if (auto it = heads_.find(tenant); it != heads_.end()) count_head(*it->second);
  if (auto it = flushing_.find(tenant); it != flushing_.end()) count_head(*it->second);
  // In the partition's parts: their block index says, without reading.
  if (!services_.open_part) return true;
  auto state = services_.catalog->Load(partition_);
  Status failed = state.status();
  if (state.ok()) {
    for (const CatalogPart& p : state->state.parts) {
      if (p.tenant != tenant) continue;
      auto part = services_.open_part(partition_, p);
      if (!part.ok()) {
        failed = part.status();
        break;
      }
      for (const part::BlockMeta& b : (*part)->blocks()) {
        if ((*part)->streams()[b.stream] == chain.stream) add(b.records, b.max_time);
      }
    }
  }
  if (!failed.ok()) {
    log::Warn("cannot count the records before an audit chain; it begins later",
              {{"partition", std::to_string(partition_)}, {"err", failed.ToString()}});
    return false;
  }
  return true;
}

bool PartitionOwner::ShouldFlush() const {
  MutexLock lock(mu_);
  if (!flushing_.empty()) return true;  // a flush to finish
  // Messages that added no record (all duplicates, or undecodable) still
  // move `covered` on, so that a new owner does not read them again.
  if (head_records_ == 0) return applied_ > covered_;
  return head_bytes_ >= options_.head_max_bytes ||
         std::chrono::steady_clock::now() - first_insert_ >= options_.head_max_age;
}

Status PartitionOwner::Flush() {
  uint64_t first_seq, last_seq;
  std::map<std::string, std::shared_ptr<const Head>> heads;
  std::vector<CatalogChain> chains;
  {
    MutexLock lock(mu_);
    if (flushing_.empty()) {
      if (heads_.empty() && applied_ == covered_) return Status::Ok();
      // The live heads become the flush; queries keep seeing them there.
      for (auto& [tenant, head] : heads_) flushing_[tenant] = std::move(head);
      heads_.clear();
      chains_at_flush_.clear();
      for (const auto& [key, chain] : chains_) chains_at_flush_.push_back({key.first, chain});
      head_bytes_ = 0;
      head_records_ = 0;
      flushing_last_ = applied_;
    }
    heads = flushing_;
    chains = chains_at_flush_;
    first_seq = covered_ + 1;
    last_seq = flushing_last_;
  }
  std::vector<CatalogPart> parts;
  auto discard = [&] {
    for (const CatalogPart& p : parts) (void)services_.bucket->Delete(p.key);
  };
  for (const auto& [tenant, head] : heads) {
    for (const auto& [day, streams] : head->ByDay()) {
      const std::string path =
          JoinPath(work_dir_, "p" + std::to_string(partition_) + "-" + RandomHex() + ".part");
      Status s = part::WritePart(services_.env, path, streams, last_seq, options_.part);
      Result<std::unique_ptr<part::PartReader>> reader =
          s.ok() ? part::PartReader::Open(services_.env, path)
                 : Result<std::unique_ptr<part::PartReader>>(s);
      if (!reader.ok()) {
        (void)services_.env->RemoveFile(path);
        discard();
        return reader.status().WithContext("writing a part");
      }
      CatalogPart p;
      p.key = "parts/" + tenant + "/" + DayDirName(day) + "/p" + std::to_string(partition_) + "-" +
              std::to_string(first_seq) + "-" + std::to_string(last_seq) + "-" + RandomHex() +
              ".part";
      p.tenant = tenant;
      p.min_time = (*reader)->meta().min_time;
      p.max_time = (*reader)->meta().max_time;
      p.records = (*reader)->meta().records;
      p.size = (*reader)->file_size();
      p.first_seq = first_seq;
      p.last_seq = last_seq;
      reader->reset();
      s = services_.bucket->PutFile(p.key, path);
      (void)services_.env->RemoveFile(path);
      if (!s.ok()) {
        discard();
        return s.WithContext("uploading a part");
      }
      bytes_uploaded_.fetch_add(p.size);
      parts.push_back(std::move(p));
    }
  }
  Status s = Commit(parts, last_seq, chains);
  if (!s.ok()) {
    // A lost race leaves objects no catalog names: remove them. After an
    // error that may hide a success, Commit finds its parts named and
    // says so; otherwise they are garbage too.
    discard();
    return s;
  }
  parts_uploaded_.fetch_add(parts.size());
  {
    MutexLock lock(mu_);
    flushing_.clear();
    covered_ = last_seq;
  }
  commits_.emplace_back(std::chrono::steady_clock::now(), last_seq);
  return Status::Ok();
}

Status PartitionOwner::Commit(const std::vector<CatalogPart>& parts, uint64_t last_seq,
                              const std::vector<CatalogChain>& chains) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    LODE_ASSIGN_OR_RETURN(VersionedState v, services_.catalog->Load(partition_));
    if (v.state.owner != options_.node_id || v.state.epoch != epoch_) {
      lost_.store(true);
      log::Warn("partition taken over by another node",
                {{"partition", std::to_string(partition_)}, {"owner", v.state.owner}});
      return Status::Conflict("partition " + std::to_string(partition_) + " is now owned by " +
                              v.state.owner);
    }
    if (v.state.covered >= last_seq) {
      // Only this owner writes covered while it holds the epoch: an
      // earlier try of this commit succeeded.
      return Status::Ok();
    }
    for (CatalogPart p : parts) {
      p.id = v.state.next_part_id++;
      v.state.parts.push_back(std::move(p));
    }
    v.state.covered = last_seq;
    for (const CatalogChain& c : chains) {
      auto it = std::find_if(v.state.audit_chains.begin(), v.state.audit_chains.end(),
                             [&](const CatalogChain& o) {
                               return o.tenant == c.tenant && o.chain.stream == c.chain.stream;
                             });
      if (it == v.state.audit_chains.end()) {
        v.state.audit_chains.push_back(c);
      } else {
        it->chain.head = c.chain.head;  // the cuts are retention's
      }
    }
    auto revision = services_.catalog->Store(partition_, v.state, v.revision);
    if (revision.ok()) return Status::Ok();
    if (revision.status().code() != StatusCode::kConflict) {
      // Unknown outcome (a timeout may hide a success): look again.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  return Status::Unavailable("partition " + std::to_string(partition_) +
                             ": cannot write the catalog");
}

void PartitionOwner::MaybePurge() {
  const auto horizon = std::chrono::steady_clock::now() - options_.purge_margin;
  uint64_t upto = 0;
  size_t n = 0;
  while (n < commits_.size() && commits_[n].first <= horizon) upto = commits_[n++].second;
  if (upto <= purged_) return;
  Status s = services_.nats->Purge(stream_, subject_, upto + 1);
  if (!s.ok()) {
    log::Warn("cannot purge the ingest stream",
              {{"partition", std::to_string(partition_)}, {"err", s.ToString()}});
    return;
  }
  purged_ = upto;
  commits_.erase(commits_.begin(), commits_.begin() + n);
}

void PartitionOwner::WaitForSequence(uint64_t sequence, std::chrono::milliseconds wait,
                                     bool* caught_up) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  MutexLock lock(mu_);
  while (applied_ < sequence && !stop_.load() && !lost_.load()) {
    if (applied_cv_.WaitUntil(deadline)) break;
  }
  *caught_up = applied_ >= sequence;
}

PartitionOwner::Recent PartitionOwner::CollectUnderLock(
    const std::function<void(const Head&, bool flushing)>& visit, const std::string& tenant,
    CatchUp& catch_up) {
  Recent recent;
  recent.caught_up = false;
  if (catch_up.stream_answers) {
    auto last = services_.nats->LastSequence(stream_, subject_);
    if (last.ok()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          catch_up.deadline - std::chrono::steady_clock::now());
      WaitForSequence(*last, std::max(left, std::chrono::milliseconds(0)), &recent.caught_up);
    } else {
      catch_up.stream_answers = false;
    }
  }
  MutexLock lock(mu_);
  if (auto it = flushing_.find(tenant); it != flushing_.end()) visit(*it->second, true);
  if (auto it = heads_.find(tenant); it != heads_.end()) visit(*it->second, false);
  recent.covered = covered_;
  return recent;
}

PartitionOwner::Recent PartitionOwner::CollectRecent(const SelectRequest& request,
                                                     CatchUp& catch_up,
                                                     std::vector<KeyedRecord>& out) {
  return CollectUnderLock(
      [&](const Head& head, bool flushing) {
        head.Collect(request, flushing ? kFlushingSource : kHeadSource, out);
      },
      request.tenant, catch_up);
}

PartitionOwner::Recent PartitionOwner::CollectSeries(const SeriesRequest& request,
                                                     CatchUp& catch_up,
                                                     std::map<std::string, SeriesInfo>* out) {
  return CollectUnderLock([&](const Head& head, bool) { head.CollectSeries(request, out); },
                          request.tenant, catch_up);
}

PartitionOwner::Recent PartitionOwner::ScanTimestamps(
    const SelectRequest& request, CatchUp& catch_up,
    const std::function<void(const TimestampRun&)>& fn) {
  return CollectUnderLock([&](const Head& head, bool) { head.ScanTimestamps(request, fn); },
                          request.tenant, catch_up);
}

PartitionOwnerStats PartitionOwner::Stats() const {
  PartitionOwnerStats s;
  {
    MutexLock lock(mu_);
    s.applied_sequence = applied_;
    s.covered = covered_;
    s.head_records = head_records_;
    s.head_bytes = head_bytes_;
  }
  s.parts_uploaded = parts_uploaded_.load();
  s.bytes_uploaded = bytes_uploaded_.load();
  s.upload_failures = upload_failures_.load();
  s.corrupt_messages = corrupt_messages_.load();
  s.duplicate_records = duplicate_records_.load();
  s.merges = merges_.load();
  s.retention_removed_parts = retention_removed_.load();
  s.objects_deleted = objects_deleted_.load();
  return s;
}

}  // namespace lode
