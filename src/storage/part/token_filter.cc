#include "storage/part/token_filter.h"

// Inlined: keys are hashed by the million while parts are written, and
// most tokens are a few bytes long.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include "base/coding.h"

namespace lode::part {
namespace {

constexpr size_t kAffixBytes = 4;
// A digit-run key (KeyScheme::kDigitRuns) is of a run's first eight
// digits: 10^8 values rule blocks out where four digits could not.
constexpr size_t kDigitRunBytes = 8;
constexpr uint32_t kProbes = 6;
// 8 bits and 6 probes per key: a blocked filter's false positives near 3%
// per key. Filters are a large share of a part whose lines hold random
// ids; most literals need two keys or more, which rule out far better.
constexpr uint64_t kBitsPerKey = 8;

// Keys of different kinds hash with different seeds, so the prefix key
// "abcd" and the token "abcd" are distinct.
enum class KeyKind : uint64_t {
  kToken = 0x746f6b,
  kPrefix = 0x707265,
  kSuffix = 0x737566,
  kDigitRun = 0x647072,
  kDottedPair = 0x647071,
  kTrigram = 0x747269,  // string filters
};

uint64_t Hash(KeyKind kind, std::string_view bytes) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), static_cast<uint64_t>(kind));
}

constexpr std::array<bool, 256> MakeTokenBytes() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
  }
  return t;
}
constexpr std::array<bool, 256> kTokenByte = MakeTokenBytes();

bool IsTokenByte(unsigned char c) { return kTokenByte[c]; }

bool IsDigitByte(char c) { return c >= '0' && c <= '9'; }

// Calls fn(begin, end) for each maximal run of at least kDigitRunBytes
// digits in `token`.
template <typename Fn>
void ForEachLongDigitRun(std::string_view token, Fn fn) {
  size_t i = 0;
  while (i + kDigitRunBytes <= token.size()) {
    if (!IsDigitByte(token[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < token.size() && IsDigitByte(token[j])) ++j;
    if (j - i >= kDigitRunBytes) fn(i, j);
    i = j;
  }
}

// The key of a run of at least kDigitRunBytes digits: its first eight.
// (Keys of its last eight too would serve literals that start inside a
// number; on a gigabyte of Loghub logs they made the parts 2.5% larger,
// against 0.6% for the first eight alone.)
uint64_t DigitRunKey(std::string_view run) {
  return Hash(KeyKind::kDigitRun, run.substr(0, kDigitRunBytes));
}

bool AllDigits(std::string_view token) {
  return std::all_of(token.begin(), token.end(), [](char c) { return IsDigitByte(c); });
}

// Calls fn(token, begin, end) for each maximal token of `text`.
template <typename Fn>
void ForEachToken(std::string_view text, Fn fn) {
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsTokenByte(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && IsTokenByte(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fn(text.substr(start, i - start), start, i);
  }
}

// Prefix and suffix keys of all-digit tokens are left out: ten thousand
// possible values make them poor at ruling blocks out, and numbers are
// the bulk of a log's distinct tokens.
bool HasAffixKeys(std::string_view token) {
  if (token.size() < kAffixBytes) return false;
  for (char c : token) {
    if (c < '0' || c > '9') return true;
  }
  return false;
}

}  // namespace

uint64_t DottedPairKey(std::string_view pair) { return Hash(KeyKind::kDottedPair, pair); }

std::string_view DottedPair(std::string_view text, std::string_view a, std::string_view b) {
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  if (a.empty() || a.data() <= begin || a.data()[-1] != '.') return {};
  const char* const a_end = a.data() + a.size();
  const char* const b_end = b.data() + b.size();
  if (b.data() != a_end + 1 || *a_end != '.' || b_end >= end || *b_end != '.') return {};
  return std::string_view(a.data(), static_cast<size_t>(b_end - a.data()));
}

void AddLineKeys(std::string_view line, std::vector<uint64_t>& out, KeyScheme scheme) {
  const bool pairs = scheme >= KeyScheme::kDottedPairs;
  const char* p = line.data();
  const char* const end = p + line.size();
  std::string_view number;  // the last all-digit token
  while (p < end) {
    while (p < end && !IsTokenByte(static_cast<unsigned char>(*p))) ++p;
    const char* const begin = p;
    bool digits_only = true;
    for (; p < end && IsTokenByte(static_cast<unsigned char>(*p)); ++p) {
      digits_only &= *p >= '0' && *p <= '9';
    }
    const size_t n = static_cast<size_t>(p - begin);
    if (n == 0) break;
    const std::string_view token(begin, n);
    AddTokenKeys(token, digits_only, out, scheme);
    if (pairs && digits_only) {
      if (std::string_view pair = DottedPair(line, number, token); !pair.empty()) {
        out.push_back(DottedPairKey(pair));
      }
      number = token;
    }
  }
}

void AddTokenKeys(std::string_view token, bool digits_only, std::vector<uint64_t>& out,
                  KeyScheme scheme) {
  const bool digit_runs = scheme >= KeyScheme::kDigitRuns && token.size() >= kDigitRunBytes;
  if (digit_runs && digits_only) {
    out.push_back(DigitRunKey(token));  // a long number: its run key stands for it
    return;
  }
  const bool affixes = token.size() >= kAffixBytes && !digits_only;
  if (scheme == KeyScheme::kTokenAndAffixes || !affixes || token.size() == kAffixBytes) {
    out.push_back(Hash(KeyKind::kToken, token));
  }
  if (affixes && (scheme == KeyScheme::kTokenAndAffixes || token.size() > kAffixBytes)) {
    out.push_back(Hash(KeyKind::kPrefix, token.substr(0, kAffixBytes)));
    out.push_back(Hash(KeyKind::kSuffix, token.substr(token.size() - kAffixBytes)));
  }
  if (digit_runs) {
    ForEachLongDigitRun(
        token, [&](size_t begin, size_t) { out.push_back(DigitRunKey(token.substr(begin))); });
  }
}

std::vector<KeyGroup> RequiredKeys(std::string_view literal, KeyScheme scheme) {
  const bool v2 = scheme != KeyScheme::kTokenAndAffixes;
  const bool digit_runs = scheme >= KeyScheme::kDigitRuns;
  const bool pairs = scheme >= KeyScheme::kDottedPairs;
  std::vector<KeyGroup> groups;
  auto add = [&](uint64_t key) {
    KeyGroup g;
    g.keys[0] = key;
    g.size = 1;
    groups.push_back(g);
  };
  // A line token ending (kSuffix) or starting (kPrefix) with `token`: its
  // affix key, or under kAffixes the token itself when it is exactly the
  // four bytes (such a token keeps only its own key).
  auto add_affix = [&](KeyKind kind, std::string_view token) {
    std::string_view affix = kind == KeyKind::kSuffix ? token.substr(token.size() - kAffixBytes)
                                                      : token.substr(0, kAffixBytes);
    KeyGroup g;
    g.keys[0] = Hash(kind, affix);
    g.size = 1;
    if (v2 && token.size() == kAffixBytes) g.keys[g.size++] = Hash(KeyKind::kToken, token);
    groups.push_back(g);
  };
  std::string_view number;  // the last all-digit token
  ForEachToken(literal, [&](std::string_view token, size_t begin, size_t end) {
    bool open_left = begin == 0;  // the line's token may extend to the left
    bool open_right = end == literal.size();
    if (pairs && AllDigits(token)) {
      // Dots around both: the same whole tokens and dots in the line.
      if (std::string_view pair = DottedPair(literal, number, token); !pair.empty()) {
        add(DottedPairKey(pair));
      }
      number = token;
    }
    if (digit_runs) {
      // A run of digits with a byte before it inside the literal starts
      // the line's run there (that byte is no digit), so the line holds
      // the run key of the same first eight digits.
      ForEachLongDigitRun(token, [&](size_t run_begin, size_t) {
        if (run_begin > 0 || !open_left) add(DigitRunKey(token.substr(run_begin)));
      });
      // A whole long number has no key of its own: its run key (above)
      // stands for it.
      const bool long_number = token.size() >= kDigitRunBytes && AllDigits(token);
      if (long_number) return;
    }
    if (!open_left && !open_right) {
      if (v2 && HasAffixKeys(token) && token.size() > kAffixBytes) {
        add(Hash(KeyKind::kPrefix, token.substr(0, kAffixBytes)));
        add(Hash(KeyKind::kSuffix, token.substr(token.size() - kAffixBytes)));
      } else {
        add(Hash(KeyKind::kToken, token));
      }
    } else if (open_left && !open_right) {
      if (HasAffixKeys(token)) add_affix(KeyKind::kSuffix, token);
    } else if (!open_left && open_right) {
      if (HasAffixKeys(token)) add_affix(KeyKind::kPrefix, token);
    }
    // Open on both sides: a substring of some token; nothing certain.
  });
  return groups;
}

// Estimates the number of distinct keys by linear counting (Whang et al.):
// hash into m bits and count the bits left zero. Much cheaper than sorting
// the keys, and the Bloom filter only needs its size roughly right.
uint64_t EstimateDistinct(const std::vector<uint64_t>& keys) {
  uint64_t m = 1024;
  while (m < keys.size()) m <<= 1;
  std::vector<uint64_t> bitmap(m / 64);
  int shift = 64 - std::countr_zero(m);
  for (uint64_t key : keys) {
    uint64_t bit = key >> shift;
    bitmap[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  uint64_t zeros = 0;
  for (uint64_t word : bitmap) zeros += static_cast<uint64_t>(std::popcount(~word));
  if (zeros == 0) return keys.size();
  double estimate = -static_cast<double>(m) * std::log(static_cast<double>(zeros) / m);
  return std::min<uint64_t>(keys.size(), static_cast<uint64_t>(estimate) + 1);
}

// A blocked Bloom filter: each key sets its probes inside one 512-bit
// (cache-line) block, chosen from the key's low half by multiply-shift;
// probe i is bits 9i..9i+8 of the key's high half within that block. One
// cache miss per key instead of seven.
constexpr uint64_t kBlockBits = 512;

uint64_t BlockOf(uint64_t key, uint64_t blocks) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(key & 0xffffffffu) * blocks) >> 32);
}

std::string BuildBloom(const std::vector<uint64_t>& keys) {
  // Most keys of a block repeat (a status code, a host name on every
  // line): a small direct-mapped table of keys seen drops most repeats
  // before they are counted and set, which would only set the same bits
  // again.
  constexpr size_t kSeenSlots = 1u << 14;
  thread_local std::vector<uint64_t> seen, unique;
  seen.assign(kSeenSlots, 0);
  unique.clear();
  for (uint64_t key : keys) {
    uint64_t& slot = seen[key >> 50];  // the high bits: BlockOf uses the low ones
    if (slot == key && key != 0) continue;
    slot = key;
    unique.push_back(key);
  }
  uint64_t bits = std::max<uint64_t>(kBlockBits, EstimateDistinct(unique) * kBitsPerKey);
  uint64_t blocks = (bits + kBlockBits - 1) / kBlockBits;
  std::string filter(1 + blocks * kBlockBits / 8, '\0');
  filter[0] = static_cast<char>(kProbes);
  auto* data = reinterpret_cast<unsigned char*>(filter.data() + 1);
  for (uint64_t key : unique) {  // repeats left in set the same bits again
    unsigned char* block = data + BlockOf(key, blocks) * (kBlockBits / 8);
    uint64_t h = key >> 32 | key << 32;
    for (uint32_t i = 0; i < kProbes; ++i) {
      uint64_t bit = (h >> (9 * i)) & (kBlockBits - 1);
      block[bit / 8] |= static_cast<unsigned char>(1u << (bit % 8));
    }
  }
  return filter;
}

bool BloomMayContain(std::string_view filter, uint64_t key) {
  if (filter.size() < 1 + kBlockBits / 8 || (filter.size() - 1) % (kBlockBits / 8) != 0) {
    return true;
  }
  uint32_t probes = std::min<uint32_t>(static_cast<unsigned char>(filter[0]), 7);  // 9i+8 < 64
  uint64_t blocks = (filter.size() - 1) / (kBlockBits / 8);
  const auto* block = reinterpret_cast<const unsigned char*>(filter.data() + 1) +
                      BlockOf(key, blocks) * (kBlockBits / 8);
  uint64_t h = key >> 32 | key << 32;
  for (uint32_t i = 0; i < probes; ++i) {
    uint64_t bit = (h >> (9 * i)) & (kBlockBits - 1);
    if ((block[bit / 8] & (1u << (bit % 8))) == 0) return false;
  }
  return true;
}

bool BloomMayContainAny(std::string_view filter, const KeyGroup& group) {
  for (uint8_t i = 0; i < group.size; ++i) {
    if (BloomMayContain(filter, group.keys[i])) return true;
  }
  return false;
}

namespace {

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Calls fn with each three bytes of `text` that are ASCII letters, in
// order (a run of n >= 3 letters gives n - 2).
template <typename Fn>
void ForEachTrigram(std::string_view text, Fn fn) {
  size_t run = 0;  // letters ending at i
  for (size_t i = 0; i < text.size(); ++i) {
    run = IsAsciiLetter(text[i]) ? run + 1 : 0;
    if (run >= 3) fn(text.substr(i - 2, 3));
  }
}

}  // namespace

// A trigram's key: its three bytes and the kind's seed in one word, mixed
// by MurmurHash3's finalizer (a hash call per trigram would cost a tenth
// of a flush's time).
uint64_t TrigramKey(std::string_view t) {
  uint64_t k = static_cast<uint64_t>(static_cast<uint8_t>(t[0])) |
               static_cast<uint64_t>(static_cast<uint8_t>(t[1])) << 8 |
               static_cast<uint64_t>(static_cast<uint8_t>(t[2])) << 16 |
               static_cast<uint64_t>(KeyKind::kTrigram) << 24;
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

void AddStringKeys(std::string_view value, std::vector<uint64_t>& out) {
  ForEachTrigram(value, [&](std::string_view t) { out.push_back(TrigramKey(t)); });
}

std::vector<uint64_t> StringKeys(std::string_view fragment) {
  std::vector<uint64_t> keys;
  AddStringKeys(fragment, keys);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

bool StringsMayContain(std::string_view filter, const std::vector<uint64_t>& keys) {
  if (keys.empty()) return true;
  if (filter.empty()) return false;
  for (uint64_t key : keys) {
    if (!BloomMayContain(filter, key)) return false;
  }
  return true;
}

}  // namespace lode::part
