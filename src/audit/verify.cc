#include "audit/verify.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

#include "base/time.h"

namespace lode {
namespace {

std::string Short(const ChainHash& hash) { return HashToHex(hash).substr(0, 16); }

// One record read back: its time, the chain hash its link claims, and
// the digest of its content.
struct Item {
  TimestampNs time = 0;
  ChainHash stored{};
  ChainHash digest{};
};

// Walks one stream's chain in position order. Records come in time
// order, which differs from position order where they arrived out of
// order, so those ahead of the next position wait in `pending_`.
class ChainChecker {
 public:
  ChainChecker(const AuditChain& chain, const VerifyOptions& options, ChainVerdict& verdict)
      : chain_(chain), options_(options), v_(verdict) {
    for (const ExpectedHead& e : options.expected) {
      if (e.tenant == verdict.tenant && e.stream == chain.stream && e.count > 0) {
        expected_.emplace(e.count, Expected{e.hash, "a published head", e.last_time});
      }
    }
    if (chain.head.count > 0) {
      expected_.emplace(chain.head.count,
                        Expected{chain.head.hash, "the store's head", std::nullopt});
    }
    SkipCuts();
  }

  void Add(const Record& r) {
    bool malformed = false;
    ChainLink link;
    if (!FindChainLink(r.metadata, link, &malformed)) {
      if (malformed) {
        Report(ChainProblem::kAltered, 0, r.timestamp, "its chain link is damaged");
      } else if (r.timestamp <= chain_.unchained_until &&
                 v_.before_chain < chain_.unchained_records) {
        ++v_.before_chain;  // the stream held it before its chain began
      } else {
        Report(ChainProblem::kInserted, 0, r.timestamp,
               r.timestamp <= chain_.unchained_until
                   ? "it has no chain link, and the stream held only " +
                         std::to_string(chain_.unchained_records) +
                         " records without one when its chain began"
                   : "it has no chain link" + ReadAfter());
      }
      return;
    }
    if (link.seq > chain_.head.count) {
      if (options_.running) return;  // appended after the heads were taken
      Report(ChainProblem::kInserted, link.seq, r.timestamp,
             "its position is past the chain's head (" + std::to_string(chain_.head.count) + ")");
      return;
    }
    // Removed by retention, yet still readable (a store stopped between
    // recording the cut and deleting the part): harmless, and not checked.
    if (InCut(link.seq)) return;
    last_read_ = link.seq;
    Item item{r.timestamp, link.hash, RecordDigest(r.timestamp, r.stream, r.line, r.metadata)};
    if (link.seq < next_) {
      Report(ChainProblem::kInserted, link.seq, r.timestamp,
             "its position was already taken by another record");
      return;
    }
    pending_[link.seq].push_back(item);
    ++pending_count_;
    Drain(/*all=*/false);
  }

  void Finish() {
    Drain(/*all=*/true);
    for (const auto& [position, e] : expected_) {
      if (const RetentionCut* cut = CutOf(position)) {
        if (position == cut->last) {
          ++v_.heads_checked;
          if (cut->hash != e.hash) {
            Report(ChainProblem::kAltered, position, std::nullopt,
                   "the chain's hash at record " + std::to_string(position) +
                       " as retention recorded it (" + Short(cut->hash) + "...) differs from " +
                       e.what + " (" + Short(e.hash) + "...)");
          }
        } else {
          v_.notes.push_back(e.what + " at record " + std::to_string(position) +
                             " lies in records removed by retention; not checked");
        }
      } else if (position > chain_.head.count) {
        Report(ChainProblem::kMissing, chain_.head.count + 1, std::nullopt,
               e.what + " counts " + std::to_string(position) + " records; the chain has only " +
                   std::to_string(chain_.head.count));
      } else {
        v_.notes.push_back(e.what + " at record " + std::to_string(position) +
                           " falls where records are missing; not checked");
      }
    }
  }

 private:
  // Where a record without a position sits: after the last one read (in
  // the store's order, by time).
  std::string ReadAfter() const {
    return last_read_ > 0
               ? " (it comes after the record at position " + std::to_string(last_read_) + ")"
               : " (it comes before every chained record)";
  }

  struct Expected {
    ChainHash hash;
    std::string what;
    std::optional<TimestampNs> last_time;
  };

  void Drain(bool all) {
    while (next_ <= chain_.head.count) {
      auto it = pending_.find(next_);
      if (it != pending_.end()) {
        std::vector<Item> items = std::move(it->second);
        pending_.erase(it);
        pending_count_ -= items.size();
        Process(next_, items);
        continue;
      }
      // next_ has not come (yet): at the end, or once too much waits for
      // it, it is missing.
      if (!all && pending_count_ <= options_.max_pending) return;
      auto after = pending_.lower_bound(next_);
      uint64_t upto = after == pending_.end() ? chain_.head.count : after->first - 1;
      for (const RetentionCut& cut : chain_.cuts) {
        if (cut.first > next_ && cut.first <= upto) upto = cut.first - 1;
      }
      std::string what = upto > next_ ? "records " + std::to_string(next_) + " to " +
                                            std::to_string(upto) + " are missing"
                                      : "record " + std::to_string(next_) + " is missing";
      if (after != pending_.end() && after->first == upto + 1) {
        what += "; the next record, " + std::to_string(upto + 1) + ", is at " +
                FormatRfc3339Nano(after->second[0].time);
      }
      Report(ChainProblem::kMissing, next_, std::nullopt, what);
      next_ = upto + 1;
      unknown_previous_ = true;
      SkipCuts();
    }
  }

  void Process(uint64_t k, const std::vector<Item>& items) {
    size_t genuine = items.size();
    ChainHash chained{};
    const bool unchecked = unknown_previous_;
    if (unknown_previous_) {
      // The first record after missing ones cannot be checked: the chain
      // goes on from the hash it stores.
      genuine = 0;
      chained = items[0].stored;
      unknown_previous_ = false;
      v_.notes.push_back("record " + std::to_string(k) +
                         " follows missing records; its own hash was taken as stored");
    } else {
      for (size_t i = 0; i < items.size(); ++i) {
        ChainHash h = NextChainHash(previous_, k, items[i].digest);
        if (h == items[i].stored) {
          genuine = i;
          chained = h;
          break;
        }
      }
    }
    if (genuine < items.size()) {
      if (!unchecked) ++v_.records_checked;
    } else {
      const Item& item = items[0];
      if (std::optional<uint64_t> j = ChainedAt(item.digest, k, items)) {
        Report(ChainProblem::kReordered, k, item.time,
               "it holds the record chained at position " + std::to_string(*j));
      } else {
        Report(ChainProblem::kAltered, k, item.time,
               "its content does not match its chain hash (or record " + std::to_string(k - 1) +
                   "'s hash was changed)");
      }
      genuine = 0;
      chained = item.stored;  // go on from what is stored, to find more
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (i == genuine) continue;
      Report(ChainProblem::kInserted, k, items[i].time,
             items[i].digest == items[genuine].digest && items[i].stored == items[genuine].stored
                 ? "a second copy of record " + std::to_string(k)
                 : "it claims position " + std::to_string(k) + ", which another record holds");
    }
    auto range = expected_.equal_range(k);
    for (auto e = range.first; e != range.second;) {
      ++v_.heads_checked;
      if (e->second.hash != chained) {
        Report(ChainProblem::kAltered, k, items[genuine].time,
               "the chain's hash at record " + std::to_string(k) + " is " + Short(chained) +
                   "..., but " + e->second.what + " has " + Short(e->second.hash) +
                   "...: records up to it were changed since");
      } else if (e->second.last_time && *e->second.last_time != items[genuine].time) {
        // The hash covers the record's time: the head itself was changed.
        Report(ChainProblem::kAltered, k, items[genuine].time,
               e->second.what + " gives record " + std::to_string(k) + " the time " +
                   FormatRfc3339Nano(*e->second.last_time) +
                   ", which its hash does not cover: the head was changed");
      }
      e = expected_.erase(e);
    }
    recent_[k] = items[genuine].stored;
    if (recent_.size() > kWindow * 2) recent_.erase(recent_.begin());
    previous_ = chained;
    next_ = k + 1;
    SkipCuts();
  }

  // The position other than k, near it, at which a record of `digest`
  // was chained (the stored hashes around it say so), if any.
  std::optional<uint64_t> ChainedAt(const ChainHash& digest, uint64_t k,
                                    const std::vector<Item>& at_k) const {
    auto stored = [&](uint64_t position) -> std::optional<ChainHash> {
      if (position == 0) return ChainHash{};
      if (position == k) return at_k[0].stored;
      if (auto r = recent_.find(position); r != recent_.end()) return r->second;
      if (auto p = pending_.find(position); p != pending_.end()) return p->second[0].stored;
      return std::nullopt;
    };
    const uint64_t from = k > kWindow ? k - kWindow : 1;
    for (uint64_t j = from; j <= k + kWindow; ++j) {
      if (j == k) continue;
      auto before = stored(j - 1), at = stored(j);
      if (before && at && NextChainHash(*before, j, digest) == *at) return j;
    }
    return std::nullopt;
  }

  const RetentionCut* CutOf(uint64_t position) const {
    for (const RetentionCut& cut : chain_.cuts) {
      if (cut.first <= position && position <= cut.last) return &cut;
    }
    return nullptr;
  }
  bool InCut(uint64_t position) const { return CutOf(position) != nullptr; }

  void SkipCuts() {
    while (const RetentionCut* cut = CutOf(next_)) {
      next_ = cut->last + 1;
      previous_ = cut->hash;
      unknown_previous_ = false;
    }
    // Nothing below the next position waits any more (Add keeps none).
    while (!pending_.empty() && pending_.begin()->first < next_) {
      pending_count_ -= pending_.begin()->second.size();
      pending_.erase(pending_.begin());
    }
  }

  void Report(ChainProblem problem, uint64_t position, std::optional<TimestampNs> time,
              std::string detail) {
    ++v_.problems;
    if (v_.first) return;
    ChainFinding f;
    f.problem = problem;
    f.position = position;
    f.has_time = time.has_value();
    f.time = time.value_or(0);
    f.detail = std::move(detail);
    v_.first = std::move(f);
  }

  static constexpr uint64_t kWindow = 64;

  const AuditChain& chain_;
  const VerifyOptions& options_;
  ChainVerdict& v_;
  uint64_t next_ = 1;
  uint64_t last_read_ = 0;  // the position of the last record read with one
  ChainHash previous_{};
  bool unknown_previous_ = false;
  std::map<uint64_t, std::vector<Item>> pending_;
  size_t pending_count_ = 0;
  std::map<uint64_t, ChainHash> recent_;  // stored hashes of the last positions
  std::multimap<uint64_t, Expected> expected_;
};

}  // namespace

const char* ChainProblemName(ChainProblem problem) {
  switch (problem) {
    case ChainProblem::kAltered:
      return "altered";
    case ChainProblem::kMissing:
      return "missing";
    case ChainProblem::kReordered:
      return "reordered";
    case ChainProblem::kInserted:
      return "inserted";
  }
  return "altered";
}

namespace {

// Whether the check must stop (VerifyOptions::deadline, cancelled), and
// why, after `checked` records.
Status CheckLimits(const VerifyOptions& options, uint64_t checked) {
  if (options.cancelled && options.cancelled->load(std::memory_order_relaxed)) {
    return Status::Cancelled("audit verification cancelled: the client went away");
  }
  if (std::chrono::steady_clock::now() > options.deadline) {
    return Status::DeadlineExceeded(
        "audit verification timed out after " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count()) +
        "s (query_timeout) with " + std::to_string(checked) +
        " records read; check a stopped store with `lode verify "
        "--data DIR`, or raise query_timeout");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ChainVerdict>> VerifyAuditChains(Storage& storage, const std::string& tenant,
                                                    const std::vector<AuditChain>& chains,
                                                    const VerifyOptions& options) {
  std::vector<ChainVerdict> verdicts;
  uint64_t read = 0;  // records, over every chain
  for (const AuditChain& chain : chains) {
    LODE_RETURN_IF_ERROR(CheckLimits(options, read));
    ChainVerdict& v = verdicts.emplace_back();
    v.tenant = tenant;
    v.stream = chain.stream;
    v.head = chain.head;
    v.cuts = chain.cuts;
    SelectRequest request;
    request.tenant = tenant;
    request.start = std::numeric_limits<TimestampNs>::min();
    request.end = std::numeric_limits<TimestampNs>::max();
    request.direction = Direction::kForward;
    request.keep_audit_chain = true;
    for (const Label& l : chain.stream) {
      LODE_ASSIGN_OR_RETURN(Matcher m, Matcher::Create(MatchType::kEqual, l.name, l.value));
      request.matchers.push_back(std::move(m));
    }
    LODE_ASSIGN_OR_RETURN(std::unique_ptr<RecordIterator> it, storage.Select(request));
    ChainChecker checker(chain, options, v);
    while (it->Next()) {
      const Record& r = it->record();
      if (r.stream == chain.stream) checker.Add(r);
      if (++read % 4096 == 0) LODE_RETURN_IF_ERROR(CheckLimits(options, read));
    }
    LODE_RETURN_IF_ERROR(it->status().WithContext("read audit stream " + chain.stream.ToString()));
    checker.Finish();
    // Blocks that could not be read (a damaged part file): their records
    // are what shows as missing, and the reader says why.
    for (const std::string& w : it->read_stats().warnings) v.notes.push_back(w);
  }
  // Published heads of streams that have no chain here.
  for (const ExpectedHead& e : options.expected) {
    if (e.tenant != tenant || e.count == 0) continue;
    bool known = std::any_of(chains.begin(), chains.end(),
                             [&](const AuditChain& c) { return c.stream == e.stream; });
    if (known) continue;
    ChainVerdict& v = verdicts.emplace_back();
    v.tenant = tenant;
    v.stream = e.stream;
    v.problems = 1;
    v.first = ChainFinding{ChainProblem::kMissing, 1, 0, false,
                           "a head was published for this stream (" + std::to_string(e.count) +
                               " records), but the store has no chain for it"};
  }
  return verdicts;
}

Result<std::vector<ChainVerdict>> VerifyTenant(Storage& storage, const std::string& tenant,
                                               const VerifyOptions& options) {
  LODE_ASSIGN_OR_RETURN(std::vector<AuditChain> chains, storage.AuditChains(tenant));
  for (int attempt = 0;; ++attempt) {
    LODE_ASSIGN_OR_RETURN(std::vector<ChainVerdict> verdicts,
                          VerifyAuditChains(storage, tenant, chains, options));
    const bool intact = std::all_of(verdicts.begin(), verdicts.end(),
                                    [](const ChainVerdict& v) { return v.intact(); });
    if (intact || attempt == 2) return verdicts;
    LODE_ASSIGN_OR_RETURN(std::vector<AuditChain> now, storage.AuditChains(tenant));
    bool cut_meanwhile = false;
    for (const AuditChain& c : now) {
      for (const AuditChain& before : chains) {
        if (before.stream == c.stream && before.cuts != c.cuts) cut_meanwhile = true;
      }
    }
    if (!cut_meanwhile) return verdicts;
    chains = std::move(now);
  }
}

}  // namespace lode
