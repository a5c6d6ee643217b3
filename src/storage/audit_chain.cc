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
