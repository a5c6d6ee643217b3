// Checks audit chains (storage/audit_chain.h) against the records a store holds:
// every record of an audit stream, read back with its chain link, must
// chain from the one before it, from the first record (or the last one
// retention removed) to the chain's head, and agree with every head
// published earlier. Finds the first record that does not, and what is
// wrong with it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/audit_chain.h"
#include "storage/storage.h"

namespace lode {

// A chain head published earlier (GET /api/v1/audit/heads), to be checked.
struct ExpectedHead {
  std::string tenant;
  Labels stream;
  uint64_t count = 0;
  ChainHash hash{};
  // The time of the record at `count`, when the head gives one ("last_time").
  std::optional<TimestampNs> last_time;
};

enum class ChainProblem {
  kAltered,    // its content (or a hash) differs from what was chained
  kMissing,    // a position of the chain has no record
  kReordered,  // it holds the record chained at another position
  kInserted,   // it was never chained: no link, a position taken twice, or past the head
};
const char* ChainProblemName(ChainProblem problem);

// The first record of a stream that does not chain.
struct ChainFinding {
  ChainProblem problem = ChainProblem::kAltered;
  uint64_t position = 0;  // in the chain; 0 when the record has none
  TimestampNs time = 0;   // the record's (0 for a missing one)
  bool has_time = false;
  std::string detail;
};

struct ChainVerdict {
  std::string tenant;
  Labels stream;
  ChainHead head;                  // as the store has it
  std::vector<RetentionCut> cuts;  // records retention removed
  uint64_t records_checked = 0;    // records found chained where they belong
  uint64_t before_chain = 0;       // records without links older than the chain
  uint64_t heads_checked = 0;      // published heads compared
  uint64_t problems = 0;           // records (or runs of missing ones) that do not chain
  std::optional<ChainFinding> first;
  std::vector<std::string> notes;  // what was not checked, and why
  bool intact() const { return problems == 0; }
};

struct VerifyOptions {
  // Heads published earlier; those of other tenants are left alone.
  std::vector<ExpectedHead> expected;
  // Records past the chain's head were appended after `chains` was
  // taken (a running store): left alone. Otherwise (a stopped store,
  // whose heads come from its own data) they are inserted.
  bool running = false;
  // Records buffered while waiting for a missing position before it is
  // declared missing (bounds memory on a long stream with a hole).
  size_t max_pending = 1 << 20;
  // A check of a running store (the HTTP endpoint) stops past `deadline`
  // (DeadlineExceeded; `timeout` names it in the message) and once
  // *cancelled is set (Cancelled: the client went away): it reads every
  // record of every audit stream.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::chrono::milliseconds timeout{0};
  std::shared_ptr<const std::atomic<bool>> cancelled;
};

// Verifies each of `chains` (Storage::AuditChains(tenant)) against the
// records `storage` holds, and each expected head of `tenant`.
Result<std::vector<ChainVerdict>> VerifyAuditChains(Storage& storage, const std::string& tenant,
                                                    const std::vector<AuditChain>& chains,
                                                    const VerifyOptions& options);

// The same for a store that may be changing: takes the chains from
// `storage`, and when a chain seems broken and retention cut it while its
// records were read (which would show them missing), checks again.
Result<std::vector<ChainVerdict>> VerifyTenant(Storage& storage, const std::string& tenant,
                                               const VerifyOptions& options);

}  // namespace lode
