#include "query/ip_match.h"

namespace lode {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// The byte at i, or NUL past the end: the look-ahead below may run off a
// line that ends in an address (`... from ::1`).
char At(std::string_view s, size_t i) { return i < s.size() ? s[i] : '\0'; }

// An IPv4 address may start at i: a digit, and a dot within the next three.
bool V4Hint(std::string_view s, size_t i) {
  if (!IsDigit(At(s, i))) return false;
  return At(s, i + 1) == '.' || At(s, i + 2) == '.' || At(s, i + 3) == '.';
}

// An IPv6 address may start at i: `::h`, or one to four hex digits and `:`.
bool V6Hint(std::string_view s, size_t i) {
  if (At(s, i) == ':' && At(s, i + 1) == ':' && IsHex(At(s, i + 2))) return true;
  for (size_t k = 0; k < 4; ++k) {
    if (!IsHex(At(s, i + k))) return k > 0 && At(s, i + k) == ':';
  }
  return At(s, i + 4) == ':';
}

// Whether an address (as ParseIpAddress stores it) is IPv4.
bool IsV4(const logql::IpAddress& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

bool InAny(std::string_view run, const std::vector<logql::IpRange>& ranges) {
  auto addr = logql::ParseIpAddress(run);
  if (!addr) return false;
  // An address written as IPv6 (::ffff:10.0.0.1 included) is not in an
  // IPv4 range, nor the other way round.
  const bool v6_text = run.find(':') != std::string_view::npos;
  for (const logql::IpRange& r : ranges) {
    if (IsV4(r.low) == v6_text) continue;
    if (r.Contains(*addr)) return true;
  }
  return false;
}

}  // namespace

bool ContainsIpIn(std::string_view text, const std::vector<logql::IpRange>& ranges) {
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    if (V4Hint(text, i)) {
      while (j < text.size() && (IsDigit(text[j]) || text[j] == '.')) ++j;
    } else if (V6Hint(text, i)) {
      while (j < text.size() && (IsHex(text[j]) || text[j] == ':' || text[j] == '.')) ++j;
    } else {
      ++i;
      continue;
    }
    if (InAny(text.substr(i, j - i), ranges)) return true;
    i = j + 1;
  }
  return false;
}

}  // namespace lode
