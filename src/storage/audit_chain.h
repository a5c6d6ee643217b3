// Audit chains: each record of an audit stream carries its position in
// the stream's chain and a SHA-256 hash over the previous record's hash
// and its own content, so that altering, removing, inserting or
// reordering a stored record breaks the chain from there on, even when
// the file's checksums are recomputed. The exact hash input is in
// docs/format/audit-chain.md, so that an auditor can check a chain with
// tools of their own.
//
// The link travels as a structured metadata entry of the record
// (kAuditChainKey), so the WAL, heads, parts, merges and object storage
// carry it like any metadata; storage hides it from readers unless they
// ask for it (SelectRequest::keep_audit_chain).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/coding.h"
#include "model/labels.h"
#include "model/matcher.h"
#include "model/record.h"

namespace lode {

// The structured metadata name of a record's chain link; reserved: a
// pushed entry of that name is dropped.
inline constexpr std::string_view kAuditChainKey = "__audit_chain__";

using ChainHash = std::array<uint8_t, 32>;

// A record's place in its stream's chain: its position (1 for the first
// record) and the chain hash up to and including it.
struct ChainLink {
  uint64_t seq = 0;
  ChainHash hash{};
};

// "<seq> <64 hex digits>", the metadata value.
std::string FormatChainLink(const ChainLink& link);
bool ParseChainLink(std::string_view text, ChainLink& link);

std::string HashToHex(const ChainHash& hash);
bool HexToHash(std::string_view hex, ChainHash& hash);

// SHA-256 over a record's time, stream labels, line and structured
// metadata (the chain link itself left out).
ChainHash RecordDigest(TimestampNs timestamp, const Labels& stream, std::string_view line,
                       const Labels& metadata);
// The chain hash of record `seq`: SHA-256 over the previous record's
// chain hash (all zero for the first), seq and the record's digest.
ChainHash NextChainHash(const ChainHash& previous, uint64_t seq, const ChainHash& digest);

// Where a chain stands: `count` records chained (the last one's seq),
// the last one's time and chain hash. count 0: nothing chained yet.
struct ChainHead {
  uint64_t count = 0;
  TimestampNs last_time = 0;
  ChainHash hash{};
  bool operator==(const ChainHead&) const = default;
};

// Records first..last of a chain that retention removed, and the chain
// hash of `last`, from which the chain goes on. at_ns: wall clock.
struct RetentionCut {
  uint64_t first = 0;
  uint64_t last = 0;
  ChainHash hash{};
  int64_t at_ns = 0;
  bool operator==(const RetentionCut&) const = default;
};

// One audit stream's chain as the store keeps it.
struct AuditChain {
  Labels stream;
  int64_t started_ns = 0;  // wall clock when the chain began
  // The records the stream held when its chain began (it was made an
  // audit stream after it had records): the newest one's time. Other
  // records without a link were inserted since.
  uint64_t unchained_records = 0;
  TimestampNs unchained_until = 0;
  ChainHead head;
  std::vector<RetentionCut> cuts;  // sorted by first, not overlapping
};

// Adds `cut` to `cuts`, joining it with the cuts it touches (the joined
// cut keeps the hash of its highest record).
void AddRetentionCut(std::vector<RetentionCut>& cuts, const RetentionCut& cut);

// The binary form of a chain, as checkpoint files and the cluster's
// catalog keep it (docs/format/checkpoint.md).
void PutAuditChain(std::string& out, const AuditChain& chain);
bool ReadAuditChain(Decoder& d, AuditChain& chain);

// Whether `stream` matches any of the selectors (each a conjunction).
bool MatchesAnySelector(const std::vector<std::vector<Matcher>>& selectors, const Labels& stream);
// Whether any record carries a chain link entry (a client pushed one).
bool HasPushedChainLinks(const std::vector<StreamBatch>& batches);
// A copy of `batches` in which each record of a stream that `chain_of`
// gives a chain for is linked to it, in order (the chain's head
// advanced), and chain link entries in other streams are dropped.
std::vector<StreamBatch> LinkRecords(const std::vector<StreamBatch>& batches,
                                     const std::function<AuditChain*(const Labels&)>& chain_of);

// The link a record's metadata carries, if any (false: none, or not
// parseable, which `malformed` then tells).
bool FindChainLink(const Labels& metadata, ChainLink& link, bool* malformed = nullptr);
// Whether `metadata` has a chain link entry.
bool HasChainLink(const Labels& metadata);
// `metadata` without its chain link entry.
Labels WithoutChainLink(const Labels& metadata);

}  // namespace lode
