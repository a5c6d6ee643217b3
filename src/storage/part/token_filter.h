// The per-block skip index: a Bloom filter over the tokens of a block's
// lines, so that a query for a literal (`|= "rare-id-123"`) can skip
// blocks that cannot contain it without decompressing them.
//
// A token is a maximal run of bytes in [A-Za-z0-9_] or >= 0x80. Which
// keys a token gives depends on the part's key scheme:
//   - kTokenAndAffixes (parts written before the part flag
//     kPartFlagAffixKeys): T itself, and when T has at least four bytes
//     and is not all digits also its first four bytes (a "prefix" key)
//     and its last four (a "suffix" key);
//   - kAffixes: a token of more than four bytes that is not all digits
//     gives its prefix and suffix keys only; any other token gives T
//     itself. A whole long token is then looked for as its prefix and
//     suffix together, which rules out about as well as one key of its
//     own, and the filter holds two keys per token instead of three;
//   - kDigitRuns (parts with kPartFlagDigitRunKeys): as kAffixes, and
//     every maximal run of eight digits or more inside a token (the
//     19 digits of "blk_-1028633407939568217", a 10-digit order number)
//     also gives a "run" key of its first eight digits. An all-digit
//     token of eight or more gives only that: no key of its own;
//   - kDottedPairs (parts with kPartFlagDottedPairKeys): as kDigitRuns,
//     and every two all-digit tokens with a '.' before, between and after
//     them (".196.181." inside "10.196.181.231") give a "pair" key of
//     their bytes with the dot between ("196.181"). An IPv4 address gives
//     one, its middle two numbers: each number alone is in nearly every
//     block, the pair in few.
//
// A literal can only be matched inside a line in ways that keep some of
// its tokens whole. For the literal's tokens t1..tn:
//   - a token with a non-token byte on both sides inside the literal must
//     be a whole token of the line;
//   - the first token, when the literal starts with a token byte but has a
//     boundary after it, may be the end of a longer line token: the line
//     has a token ending in t1, so it holds the suffix key of t1's last
//     four bytes (if t1 has four bytes and a non-digit: then so has that
//     token), or, under kAffixes, t1 itself when t1 is that token and has
//     exactly four bytes;
//   - the last token, symmetrically, with prefix keys;
//   - under kDigitRuns, a run of eight digits or more with a byte of the
//     literal before it starts a run of the line (that byte is not a
//     digit): the line holds the run key of its first eight digits,
//     whatever else its token holds, so "blk_90020076740132" (one token,
//     open on both sides) rules blocks out by its digits;
//   - under kDottedPairs, two all-digit tokens with a '.' before, between
//     and after them inside the literal are whole tokens of the line with
//     the same dots around them: the line holds their pair key, so an IP
//     address rules blocks out by its middle two numbers;
//   - a literal that is a single token with no boundary (a substring of
//     some token) gives no key, and no block can be skipped for it.
// Every key group derived this way has a key in the filter of any block
// that contains the literal, so skipping never loses a match.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lode::part {

// In the order they came; each later one holds the keys of the one before.
enum class KeyScheme : uint8_t { kTokenAndAffixes, kAffixes, kDigitRuns, kDottedPairs };
inline constexpr int kKeySchemes = 4;
// What parts are written with.
inline constexpr KeyScheme kCurrentKeyScheme = KeyScheme::kDottedPairs;

// Appends the key hashes of every token of `line` to `out`.
void AddLineKeys(std::string_view line, std::vector<uint64_t>& out,
                 KeyScheme scheme = kCurrentKeyScheme);

// The same for `token`, one token already (bytes in [A-Za-z0-9_] or
// >= 0x80, not empty), with `digits_only` telling whether it is all
// digits: for a caller that has cut the line into tokens itself.
void AddTokenKeys(std::string_view token, bool digits_only, std::vector<uint64_t>& out,
                  KeyScheme scheme = kCurrentKeyScheme);

// For a caller that has cut a line into tokens itself (AddLineKeys finds
// pairs itself): given two all-digit tokens `a` then `b` of `text` (views
// into it; `a` empty for none), their dotted pair, the bytes from a's
// start to b's end ("196.181"), when a '.' is before a, between them and
// after b (".196.181."); otherwise empty.
std::string_view DottedPair(std::string_view text, std::string_view a, std::string_view b);
// The pair key of a dotted pair.
uint64_t DottedPairKey(std::string_view pair);

// One or two keys, one of which a block holding the literal must hold.
struct KeyGroup {
  uint64_t keys[2] = {0, 0};
  uint8_t size = 0;
};

// The key groups a block must match (each, with one of its keys) to
// possibly contain `literal` (empty: the literal cannot be used for
// skipping).
std::vector<KeyGroup> RequiredKeys(std::string_view literal, KeyScheme scheme = kCurrentKeyScheme);

// Builds a filter from key hashes (duplicates allowed): about 8 bits per
// distinct key and 6 probes, for a false-positive rate near 3% per key
// (a literal usually needs two or more keys).
std::string BuildBloom(const std::vector<uint64_t>& keys);

// False only when `key` was certainly not added. An empty or malformed
// filter answers true (it cannot rule anything out).
bool BloomMayContain(std::string_view filter, uint64_t key);

// False only when no key of `group` was added.
bool BloomMayContainAny(std::string_view filter, const KeyGroup& group);

// The string filter of a template block (docs/format/part.md): a Bloom
// filter over every run of three ASCII letters inside the block's string
// variables. A string variable holding a fragment holds each three-letter
// run of the fragment's letters, so the filter tells, without the block's
// string columns, that no variable can hold a word such as "INFO" or the
// "needle" of "zq7needle9x".

// Appends the keys of one string variable's value.
void AddStringKeys(std::string_view value, std::vector<uint64_t>& out);
// The keys every string variable holding `fragment` has (empty when the
// fragment has no run of three letters: nothing can be ruled out).
std::vector<uint64_t> StringKeys(std::string_view fragment);
// A string filter that rules nothing out: what a block without one (of an
// older part, of own templates, or damaged) is given.
inline constexpr std::string_view kUnknownStringFilter{"\x00", 1};
// False only when no string variable of the block can hold a fragment
// with these StringKeys. An empty filter: the block's string variables
// hold no three-letter run. A malformed one rules nothing out.
bool StringsMayContain(std::string_view filter, const std::vector<uint64_t>& keys);

}  // namespace lode::part
