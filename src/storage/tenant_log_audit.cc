// TenantLog's audit chains (audit_chain.h): linking appended records,
// replaying links from the WAL, the cuts retention makes, and hiding the
// links from readers.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "base/log.h"
#include "storage/chain_cuts.h"
#include "storage/hide_chain_links.h"
#include "storage/tenant_log.h"

namespace lode {
TenantLog::ChainWork TenantLog::ChainWorkFor(const std::vector<StreamBatch>& batches) const {
  const bool chains = has_chains_.load(std::memory_order_acquire);
  for (const StreamBatch& b : batches) {
    if (MatchesAnySelector(options_.audit_streams, b.labels)) return ChainWork::kLink;
  }
  if (chains) {
    MutexLock lock(mu_);
    for (const StreamBatch& b : batches) {
      if (chains_.count(b.labels.ToString()) > 0) return ChainWork::kLink;
    }
  }
  return HasPushedChainLinks(batches) ? ChainWork::kStrip : ChainWork::kNone;
}

std::vector<StreamBatch> TenantLog::LinkToChains(const std::vector<StreamBatch>& batches,
                                                 std::map<std::string, AuditChain>& heads) const {
  heads.clear();
  const bool chains = has_chains_.load(std::memory_order_acquire);
  return LinkRecords(batches, [&](const Labels& stream) -> AuditChain* {
    if (!chains) return nullptr;
    // BeginChains has begun the chains of audit streams.
    std::string key = stream.ToString();
    auto it = heads.find(key);
    if (it == heads.end()) {
      MutexLock lock(mu_);
      auto existing = chains_.find(key);
      if (existing == chains_.end()) return nullptr;
      it = heads.emplace(key, existing->second).first;
    }
    return &it->second;
  });
}

Status TenantLog::BeginChains(const std::vector<StreamBatch>& batches) {
  for (const StreamBatch& b : batches) {
    if (!MatchesAnySelector(options_.audit_streams, b.labels)) continue;
    const std::string key = b.labels.ToString();
    {
      MutexLock lock(mu_);
      if (chains_.count(key) > 0) continue;
    }
    AuditChain chain;
    chain.stream = b.labels;
    chain.started_ns = env_->clock()->NowNanos();
    // A stream made an audit stream after it had records: those are not
    // chained, and the chain records how many there were and until when.
    std::vector<Matcher> matchers;
    for (const Label& l : b.labels) {
      LODE_ASSIGN_OR_RETURN(Matcher m, Matcher::Create(MatchType::kEqual, l.name, l.value));
      matchers.push_back(std::move(m));
    }
    SeriesRequest series;
    series.tenant = tenant_;
    series.start = std::numeric_limits<TimestampNs>::min();
    series.end = std::numeric_limits<TimestampNs>::max();
    series.matchers = matchers;
    for (const SeriesInfo& info : Series(series)) {
      if (info.labels == b.labels) chain.unchained_records = info.entries;
    }
    if (chain.unchained_records > 0) {
      SelectRequest newest;
      newest.tenant = tenant_;
      newest.start = series.start;
      newest.end = series.end;
      newest.matchers = matchers;
      newest.direction = Direction::kBackward;
      newest.timestamps_only = true;
      std::unique_ptr<RecordIterator> it = Select(newest);
      while (it->Next()) {
        if (it->record().stream == b.labels) {
          chain.unchained_until = it->record().timestamp;
          break;
        }
      }
      LODE_RETURN_IF_ERROR(it->status());
    }
    log::Info("audit chain begun", {{"tenant", tenant_},
                                    {"stream", key},
                                    {"records_before", std::to_string(chain.unchained_records)}});
    // Under flush_mu_ until it is in chains_, so that no head flush
    // writes a checkpoint without it meanwhile.
    MutexLock flush_lock(flush_mu_);
    std::vector<AuditChain> persisted = persisted_chains_;
    persisted.push_back(chain);
    LODE_RETURN_IF_ERROR(WriteCheckpointFile(checkpoint_, std::move(persisted))
                             .WithContext("begin the audit chain of " + key));
    MutexLock lock(mu_);
    chains_.emplace(key, std::move(chain));
    has_chains_.store(true, std::memory_order_release);
  }
  return Status::Ok();
}

void TenantLog::CommitChainHeads(std::map<std::string, AuditChain>& heads) {
  for (auto& [key, chain] : heads) {
    auto [it, inserted] = chains_.try_emplace(key);
    if (inserted) {
      it->second = std::move(chain);
    } else {
      // Only the head: retention may have added cuts meanwhile.
      it->second.head = chain.head;
    }
  }
  has_chains_.store(!chains_.empty(), std::memory_order_release);
}

void TenantLog::ReplayChainLinks(const std::vector<StreamBatch>& batches) {
  for (const StreamBatch& b : batches) {
    AuditChain* chain = nullptr;
    for (const Entry& e : b.entries) {
      ChainLink link;
      if (!FindChainLink(e.metadata, link)) continue;
      if (chain == nullptr) {
        auto [it, inserted] = chains_.try_emplace(b.labels.ToString());
        if (inserted) {
          it->second.stream = b.labels;
          it->second.started_ns = e.timestamp;
        }
        chain = &it->second;
      }
      if (link.seq > chain->head.count) chain->head = ChainHead{link.seq, e.timestamp, link.hash};
    }
  }
  has_chains_.store(!chains_.empty(), std::memory_order_release);
}

std::set<std::string> TenantLog::ChainedStreams() const {
  std::set<std::string> chained;
  MutexLock lock(mu_);
  for (const auto& [key, chain] : chains_) chained.insert(key);
  return chained;
}

bool TenantLog::HoldsChainedStream(const LocalPart& part) const {
  const std::set<std::string> chained = ChainedStreams();
  for (const Labels& stream : part.streams()) {
    if (chained.count(stream.ToString()) > 0) return true;
  }
  return false;
}

Status TenantLog::RecordRetentionCuts(const std::vector<std::shared_ptr<const LocalPart>>& parts,
                                      std::map<std::string, std::vector<RetentionCut>>& cuts) {
  std::vector<const ReadablePart*> removing;
  for (const auto& p : parts) removing.push_back(p.get());
  cuts = RetentionCuts(removing, ChainedStreams(), env_->clock()->NowNanos(), tenant_);
  if (cuts.empty()) return Status::Ok();
  std::vector<AuditChain> persisted = persisted_chains_;
  for (AuditChain& chain : persisted) {
    auto it = cuts.find(chain.stream.ToString());
    if (it == cuts.end()) continue;
    for (const RetentionCut& cut : it->second) {
      AddRetentionCut(chain.cuts, cut);
      log::Info("retention cuts an audit chain", {{"tenant", tenant_},
                                                  {"stream", it->first},
                                                  {"first", std::to_string(cut.first)},
                                                  {"last", std::to_string(cut.last)}});
    }
  }
  return WriteCheckpointFile(checkpoint_, std::move(persisted));
}

std::vector<AuditChain> TenantLog::AuditChains() const {
  MutexLock lock(mu_);
  std::vector<AuditChain> out;
  out.reserve(chains_.size());
  for (const auto& [key, chain] : chains_) out.push_back(chain);
  return out;
}

std::unique_ptr<RecordIterator> TenantLog::HideChainLinks(
    const SelectRequest& request, std::unique_ptr<RecordIterator> it) const {
  if (request.keep_audit_chain || !has_chains_.load(std::memory_order_acquire)) return it;
  return WithoutChainLinks(std::move(it));
}

std::function<void(const TimestampRun&)> TenantLog::HideChainLinks(
    const SelectRequest& request, const std::function<void(const TimestampRun&)>& fn) const {
  if (request.keep_audit_chain || !has_chains_.load(std::memory_order_acquire)) return fn;
  return WithoutChainLinks(fn);
}

}  // namespace lode
