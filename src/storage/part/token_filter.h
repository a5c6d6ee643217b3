// The per-block skip index: a Bloom filter over the tokens of a block's
// lines, so that a query for a literal (`|= "rare-id-123"`) can skip
// blocks that cannot contain it without decompressing them.
//
// A token is a maximal run of bytes in [A-Za-z0-9_] or >= 0x80. For each
// token T of a line the filter holds three keys: T itself, its first four
// bytes (as a "prefix" key) and its last four bytes (as a "suffix" key),
// the latter two when T has at least four bytes and is not all digits.
//
// A literal can only be matched inside a line in ways that keep some of
// its tokens whole. For the literal's tokens t1..tn:
//   - a token with a non-token byte on both sides inside the literal must
//     be a whole token of the line: key t;
//   - the first token, when the literal starts with a token byte but has a
//     boundary after it, may be the end of a longer line token: the line
//     has a token ending in t1, so the suffix key of t1's last four bytes
//     (if t1 has four bytes and a non-digit: then so has that token);
//   - the last token, symmetrically, the prefix key of its first four;
//   - a literal that is a single token with no boundary (a substring of
//     some token) gives no key, and no block can be skipped for it.
// Every key derived this way is present in the filter of any block that
// contains the literal, so skipping never loses a match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lode::part {

// Appends the key hashes of every token of `line` to `out`.
void AddLineKeys(std::string_view line, std::vector<uint64_t>& out);

// The same for `token`, one token already (bytes in [A-Za-z0-9_] or
// >= 0x80, not empty), with `digits_only` telling whether it is all
// digits: for a caller that has cut the line into tokens itself.
void AddTokenKeys(std::string_view token, bool digits_only, std::vector<uint64_t>& out);

// The key hashes a block must hold to possibly contain `literal` (empty:
// the literal cannot be used for skipping).
std::vector<uint64_t> RequiredKeys(std::string_view literal);

// Builds a filter from key hashes (duplicates allowed): about 10 bits per
// distinct key and 7 probes, for a false-positive rate near 1%.
std::string BuildBloom(const std::vector<uint64_t>& keys);

// False only when `key` was certainly not added. An empty or malformed
// filter answers true (it cannot rule anything out).
bool BloomMayContain(std::string_view filter, uint64_t key);

}  // namespace lode::part
