#include "storage/audit_chain.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <memory>

namespace lode {
namespace {

// Big-endian, as docs/format/audit-chain.md gives the hash input.
void PutBig32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void PutBig64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}
void PutString(std::string& out, std::string_view s) {
  PutBig32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

ChainHash Sha256(std::string_view bytes) {
  ChainHash out{};
  unsigned int size = 0;
  // EVP_Digest: the one-shot form of OpenSSL 3's digest interface.
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not the canonical form
}

}  // namespace

std::string HashToHex(const ChainHash& hash) {
  std::string out;
  out.reserve(hash.size() * 2);
  for (uint8_t b : hash) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 15]);
  }
  return out;
}

bool HexToHash(std::string_view hex, ChainHash& hash) {
  if (hex.size() != hash.size() * 2) return false;
  for (size_t i = 0; i < hash.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    hash[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string FormatChainLink(const ChainLink& link) {
  return std::to_string(link.seq) + " " + HashToHex(link.hash);
}

bool ParseChainLink(std::string_view text, ChainLink& link) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos || space == 0) return false;
  const char* end = text.data() + space;
  auto [p, ec] = std::from_chars(text.data(), end, link.seq);
  if (ec != std::errc() || p != end || link.seq == 0 || text[0] == '0') return false;
  return HexToHash(text.substr(space + 1), link.hash);
}

ChainHash RecordDigest(TimestampNs timestamp, const Labels& stream, std::string_view line,
                       const Labels& metadata) {
  std::string input;
  input.reserve(64 + line.size());
  PutBig64(input, static_cast<uint64_t>(timestamp));
  PutBig32(input, static_cast<uint32_t>(stream.size()));
  for (const Label& l : stream) {
    PutString(input, l.name);
    PutString(input, l.value);
  }
  PutString(input, line);
  const bool linked = metadata.Has(kAuditChainKey);
  PutBig32(input, static_cast<uint32_t>(metadata.size() - (linked ? 1 : 0)));
  for (const Label& l : metadata) {
    if (l.name == kAuditChainKey) continue;
    PutString(input, l.name);
    PutString(input, l.value);
  }
  return Sha256(input);
}

ChainHash NextChainHash(const ChainHash& previous, uint64_t seq, const ChainHash& digest) {
  std::string input(reinterpret_cast<const char*>(previous.data()), previous.size());
  PutBig64(input, seq);
  input.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return Sha256(input);
}

void AddRetentionCut(std::vector<RetentionCut>& cuts, const RetentionCut& cut) {
  cuts.push_back(cut);
  std::sort(cuts.begin(), cuts.end(),
            [](const RetentionCut& a, const RetentionCut& b) { return a.first < b.first; });
  std::vector<RetentionCut> joined;
  for (const RetentionCut& c : cuts) {
    if (!joined.empty() && c.first <= joined.back().last + 1) {
      RetentionCut& j = joined.back();
      if (c.last > j.last) {
        j.last = c.last;
        j.hash = c.hash;
      }
      j.at_ns = std::max(j.at_ns, c.at_ns);
    } else {
      joined.push_back(c);
    }
  }
  cuts = std::move(joined);
}

namespace {
void PutHash(std::string& out, const ChainHash& hash) {
  out.append(reinterpret_cast<const char*>(hash.data()), hash.size());
}
bool ReadHash(Decoder& d, ChainHash& hash) {
  std::string_view bytes = d.Bytes(hash.size());
  if (!d.ok()) return false;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return true;
}
}  // namespace

void PutAuditChain(std::string& out, const AuditChain& c) {
  PutLengthPrefixed(out, c.stream.ToString());
  PutVarsint64(out, c.started_ns);
  PutVarint64(out, c.unchained_records);
  PutVarsint64(out, c.unchained_until);
  PutVarint64(out, c.head.count);
  PutVarsint64(out, c.head.last_time);
  PutHash(out, c.head.hash);
  PutVarint64(out, c.cuts.size());
  for (const RetentionCut& cut : c.cuts) {
    PutVarint64(out, cut.first);
    PutVarint64(out, cut.last);
    PutHash(out, cut.hash);
    PutVarsint64(out, cut.at_ns);
  }
}

bool ReadAuditChain(Decoder& d, AuditChain& c) {
  auto stream = Labels::Parse(d.LengthPrefixed());
  if (!d.ok() || !stream.ok()) return false;
  c.stream = std::move(*stream);
  c.started_ns = d.Varsint64();
  c.unchained_records = d.Varint64();
  c.unchained_until = d.Varsint64();
  c.head.count = d.Varint64();
  c.head.last_time = d.Varsint64();
  if (!ReadHash(d, c.head.hash)) return false;
  uint64_t cuts = d.Varint64();
  if (!d.ok() || cuts > d.remaining()) return false;
  c.cuts.clear();
  for (uint64_t k = 0; k < cuts; ++k) {
    RetentionCut cut;
    cut.first = d.Varint64();
    cut.last = d.Varint64();
    if (!ReadHash(d, cut.hash)) return false;
    cut.at_ns = d.Varsint64();
    if (!d.ok()) return false;
    c.cuts.push_back(cut);
  }
  return d.ok();
}

bool MatchesAnySelector(const std::vector<std::vector<Matcher>>& selectors, const Labels& stream) {
  for (const std::vector<Matcher>& selector : selectors) {
    bool all = true;
    for (const Matcher& m : selector) {
      if (!m.MatchesLabels(stream)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool HasPushedChainLinks(const std::vector<StreamBatch>& batches) {
  for (const StreamBatch& b : batches) {
    for (const Entry& e : b.entries) {
      if (HasChainLink(e.metadata)) return true;
    }
  }
  return false;
}

std::vector<StreamBatch> LinkRecords(const std::vector<StreamBatch>& batches,
                                     const std::function<AuditChain*(const Labels&)>& chain_of) {
  std::vector<StreamBatch> out;
  out.reserve(batches.size());
  for (const StreamBatch& b : batches) {
    StreamBatch& copy = out.emplace_back();
    copy.labels = b.labels;
    copy.entries.reserve(b.entries.size());
    AuditChain* chain = chain_of(b.labels);
    for (const Entry& e : b.entries) {
      Entry& linked = copy.entries.emplace_back();
      linked.timestamp = e.timestamp;
      linked.line = e.line;
      linked.metadata = HasChainLink(e.metadata) ? WithoutChainLink(e.metadata) : e.metadata;
      if (chain == nullptr) continue;
      ChainLink link;
      link.seq = chain->head.count + 1;
      link.hash = NextChainHash(chain->head.hash, link.seq,
                                RecordDigest(e.timestamp, b.labels, e.line, linked.metadata));
      linked.metadata.Set(std::string(kAuditChainKey), FormatChainLink(link));
      chain->head = ChainHead{link.seq, e.timestamp, link.hash};
    }
  }
  return out;
}

bool FindChainLink(const Labels& metadata, ChainLink& link, bool* malformed) {
  if (malformed != nullptr) *malformed = false;
  if (!metadata.Has(kAuditChainKey)) return false;
  if (ParseChainLink(metadata.Get(kAuditChainKey), link)) return true;
  if (malformed != nullptr) *malformed = true;
  return false;
}

bool HasChainLink(const Labels& metadata) {
  return !metadata.empty() && metadata.Has(kAuditChainKey);
}

Labels WithoutChainLink(const Labels& metadata) {
  std::vector<Label> kept;
  kept.reserve(metadata.size());
  for (const Label& l : metadata) {
    if (l.name != kAuditChainKey) kept.push_back(l);
  }
  return Labels(std::move(kept));
}

}  // namespace lode
