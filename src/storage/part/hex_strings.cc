#include "storage/part/hex_strings.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "base/coding.h"

namespace lode::part {
namespace {

// Byte classes: 1 decimal digit, 2 lowercase a-f, 4 uppercase A-F.
constexpr uint8_t kDecimal = 1, kLower = 2, kUpper = 4;
constexpr std::array<uint8_t, 256> MakeHexClasses() {
  std::array<uint8_t, 256> c{};
  for (int b = '0'; b <= '9'; ++b) c[b] = kDecimal;
  for (int b = 'a'; b <= 'f'; ++b) c[b] = kLower;
  for (int b = 'A'; b <= 'F'; ++b) c[b] = kUpper;
  return c;
}
constexpr std::array<uint8_t, 256> kHexClass = MakeHexClasses();

// Nibble of a hex digit byte (0 for other bytes).
constexpr std::array<uint8_t, 256> MakeNibbles() {
  std::array<uint8_t, 256> n{};
  for (int b = '0'; b <= '9'; ++b) n[b] = static_cast<uint8_t>(b - '0');
  for (int b = 'a'; b <= 'f'; ++b) n[b] = static_cast<uint8_t>(b - 'a' + 10);
  for (int b = 'A'; b <= 'F'; ++b) n[b] = static_cast<uint8_t>(b - 'A' + 10);
  return n;
}
constexpr std::array<uint8_t, 256> kNibble = MakeNibbles();
uint8_t NibbleOf(char c) { return kNibble[static_cast<uint8_t>(c)]; }

constexpr char kLowerDigits[] = "0123456789abcdef";
constexpr char kUpperDigits[] = "0123456789ABCDEF";

bool IsDigitPlace(char shape_byte) {
  return shape_byte == kLowerHexDigit || shape_byte == kUpperHexDigit;
}

}  // namespace

bool MayStartHexColumn(std::string_view value) {
  if (value.size() < kMinHexDigits || value.size() > kMaxHexShapeBytes) return false;
  // Its digit places would be runs of hex digits in this value too.
  size_t in_runs = 0, run = 0;
  for (char c : value) {
    if (kHexClass[static_cast<uint8_t>(c)] != 0) {
      ++run;
      continue;
    }
    if (run >= kMinHexRun) in_runs += run;
    run = 0;
  }
  if (run >= kMinHexRun) in_runs += run;
  return in_runs >= kMinHexDigits && in_runs * 2 >= value.size();
}

bool HexShapeOf(const std::vector<std::string_view>& values, std::string& shape) {
  if (values.empty() || !MayStartHexColumn(values[0])) return false;
  const size_t length = values[0].size();
  for (std::string_view v : values) {
    if (v.size() != length) return false;
  }
  // Per place: the classes of the bytes there, 0 where some value has a
  // byte that is not a hex digit or the values mix cases; and whether
  // every value has the same byte.
  // Value after value (each read in order), place by place: `all_hex`
  // starts at every class bit and keeps those every value has, so it
  // ends 0 where some value has no hex digit.
  thread_local std::vector<uint8_t> classes, all_hex, same;
  classes.assign(length, 0);
  all_hex.assign(length, kDecimal | kLower | kUpper | 8);
  same.assign(length, 1);
  const char* first = values[0].data();
  for (std::string_view v : values) {
    for (size_t i = 0; i < length; ++i) {
      const uint8_t c = kHexClass[static_cast<uint8_t>(v[i])];
      classes[i] |= c;
      all_hex[i] &= c != 0 ? 0xff : 0;
      same[i] &= v[i] == first[i];
    }
  }
  for (size_t i = 0; i < length; ++i) {
    const bool both_cases = (classes[i] & (kLower | kUpper)) == (kLower | kUpper);
    if (all_hex[i] == 0 || both_cases) classes[i] = 0;
  }
  // Digit places are runs of kMinHexRun or more such places: ids, not the
  // odd a-f letters of words ("console", "DescribeInstances"). Every
  // other place holds one byte in every value, not one a shape reads as
  // a digit.
  shape.assign(values[0]);
  size_t digits = 0;
  uint8_t letters = 0;  // kLower and kUpper seen at digit places
  for (size_t i = 0; i < length;) {
    size_t end = i;
    while (end < length && classes[end] != 0) ++end;
    if (end - i >= kMinHexRun) {
      digits += end - i;
      for (; i < end; ++i) letters |= classes[i] & (kLower | kUpper);
      continue;
    }
    for (end = std::max(end, i + 1); i < end; ++i) {
      if (!same[i] || IsDigitPlace(values[0][i])) return false;
      classes[i] = 0;
    }
  }
  if (digits < kMinHexDigits || digits * 2 < length || letters == 0) return false;
  // Places of decimal digits only take the case of the column's letters
  // (lowercase when it has both), so that ids of one kind share a shape.
  const char decimal_place = letters == kUpper ? kUpperHexDigit : kLowerHexDigit;
  for (size_t i = 0; i < length; ++i) {
    if (classes[i] == 0) continue;
    shape[i] = (classes[i] & kUpper) != 0   ? kUpperHexDigit
               : (classes[i] & kLower) != 0 ? kLowerHexDigit
                                            : decimal_place;
  }
  return true;
}

void PutHexValues(const std::vector<std::string_view>& values, std::string_view shape,
                  std::string& lengths, std::string& bytes, std::string& nibbles) {
  PutVarint64(lengths, shape.size());
  bytes.append(shape);
  thread_local std::vector<uint32_t> places;
  places.clear();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (IsDigitPlace(shape[i])) places.push_back(static_cast<uint32_t>(i));
  }
  const size_t packed = (places.size() + 1) / 2;
  size_t at = nibbles.size();
  nibbles.resize(at + values.size() * packed);
  for (std::string_view v : values) {
    char* out = nibbles.data() + at;
    for (size_t k = 0; k + 1 < places.size(); k += 2) {
      *out++ = static_cast<char>(NibbleOf(v[places[k]]) << 4 | NibbleOf(v[places[k + 1]]));
    }
    if (places.size() % 2 != 0) *out = static_cast<char>(NibbleOf(v[places.back()]) << 4);
    at += packed;
  }
}

namespace {

// Whether the digits `digits` (nibble values) follow one another somewhere
// in `nibbles`, from a high half or from a low half. True when too few to
// tell (under four).
bool NibblesContain(std::string_view nibbles, const std::vector<uint8_t>& digits) {
  const size_t n = digits.size();
  if (n < 4) return true;
  auto high = [&](size_t at) { return static_cast<uint8_t>(nibbles[at]) >> 4; };
  auto low = [&](size_t at) { return static_cast<uint8_t>(nibbles[at]) & 0x0f; };
  thread_local std::string core;
  // From a high half: whole bytes, then maybe one more high half.
  core.clear();
  for (size_t i = 0; i + 1 < n; i += 2)
    core.push_back(static_cast<char>(digits[i] << 4 | digits[i + 1]));
  for (size_t at = nibbles.find(core); at != std::string_view::npos;
       at = nibbles.find(core, at + 1)) {
    if (n % 2 == 0) return true;
    if (at + core.size() < nibbles.size() && high(at + core.size()) == digits[n - 1]) return true;
  }
  // From a low half: the first digit ends a byte, then whole bytes, then
  // maybe one more high half.
  core.clear();
  for (size_t i = 1; i + 1 < n; i += 2)
    core.push_back(static_cast<char>(digits[i] << 4 | digits[i + 1]));
  for (size_t at = nibbles.find(core, 1); at != std::string_view::npos;
       at = nibbles.find(core, at + 1)) {
    if (low(at - 1) != digits[0]) continue;
    if (n % 2 == 1) return true;
    if (at + core.size() < nibbles.size() && high(at + core.size()) == digits[n - 1]) return true;
  }
  return false;
}

}  // namespace

bool HexShapesMayContain(std::string_view bytes, std::string_view nibbles, std::string_view token) {
  if (token.empty() || bytes.find(token) != std::string_view::npos) return true;
  const size_t m = token.size();
  if (m > bytes.size()) return false;
  // A window of the bytes over a digit place: whether a value of that
  // shape could spell the token there, and if so, the digits it needs.
  thread_local std::vector<uint8_t> digits;
  auto spells_at = [&](size_t start) {
    digits.clear();
    for (size_t j = 0; j < m; ++j) {
      const char b = bytes[start + j];
      const uint8_t c = kHexClass[static_cast<uint8_t>(token[j])];
      if ((b == kLowerHexDigit && (c & (kDecimal | kLower)) != 0) ||
          (b == kUpperHexDigit && (c & (kDecimal | kUpper)) != 0)) {
        digits.push_back(NibbleOf(token[j]));
      } else if (b != token[j]) {
        return false;
      }
    }
    return true;
  };
  // The digits already looked for in `nibbles` (windows over the same
  // shape at other columns need the same ones).
  thread_local std::vector<std::vector<uint8_t>> absent;
  absent.clear();
  // The next place of each kind at or after `from` (bytes.size(): none).
  auto next_place = [&](char kind, size_t from) {
    const void* p = std::memchr(bytes.data() + from, kind, bytes.size() - from);
    return p == nullptr ? bytes.size()
                        : static_cast<size_t>(static_cast<const char*>(p) - bytes.data());
  };
  size_t lower = next_place(kLowerHexDigit, 0), upper = next_place(kUpperHexDigit, 0);
  size_t next_start = 0;  // each window is tried once
  while (std::min(lower, upper) < bytes.size()) {
    const size_t p = std::min(lower, upper);
    size_t start = std::max(next_start, p + 1 >= m ? p + 1 - m : 0);
    const size_t last = std::min(p, bytes.size() - m);
    for (; start <= last; ++start) {
      if (!spells_at(start)) continue;
      if (std::find(absent.begin(), absent.end(), digits) != absent.end()) continue;
      if (NibblesContain(nibbles, digits)) return true;
      absent.push_back(digits);
    }
    next_start = std::max(next_start, last + 1);
    if (p == lower) {
      lower = next_place(kLowerHexDigit, p + 1);
    } else {
      upper = next_place(kUpperHexDigit, p + 1);
    }
  }
  return false;
}

Status ExpandHexStrings(const std::vector<StringColumnsOf>& templates, std::string_view lengths,
                        std::string_view bytes, std::string_view nibbles, uint64_t max_bytes,
                        std::string& lengths_out, std::string& bytes_out) {
  lengths_out.clear();
  bytes_out.clear();
  lengths_out.reserve(lengths.size() + lengths.size() / 2);
  bytes_out.reserve(std::min<uint64_t>(max_bytes, bytes.size() + 2 * nibbles.size()));
  Decoder sl(lengths);
  Decoder sb(bytes);
  Decoder nb(nibbles);
  // Copies `n` plain values (varint lengths, then their bytes), each
  // range at once: most columns are text.
  auto copy_values = [&](uint64_t n) -> Status {
    const size_t from = sl.position();
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t length = sl.Varint64();
      if (!sl.ok() || length > sb.remaining() - total) {
        return Status::Corruption("bad string length");
      }
      total += length;
    }
    if (total > max_bytes - bytes_out.size()) {
      return Status::Corruption("string columns are larger than the block");
    }
    lengths_out.append(lengths.substr(from, sl.position() - from));
    bytes_out.append(sb.Bytes(total));
    return Status::Ok();
  };
  // Copies `n` value indexes, each below `distinct`.
  auto copy_indexes = [&](uint64_t n, uint64_t distinct) -> Status {
    const size_t from = sl.position();
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t v = sl.Varint64();
      if (!sl.ok() || v >= distinct) return Status::Corruption("bad string index");
    }
    lengths_out.append(lengths.substr(from, sl.position() - from));
    return Status::Ok();
  };
  struct Pair {
    uint32_t high_at, low_at;  // places of a packed byte's two digits
    const char *high_digits, *low_digits;
  };
  thread_local std::vector<Pair> pairs;
  for (const StringColumnsOf& t : templates) {
    for (uint32_t k = 0; k < t.strs; ++k) {
      const uint64_t header = sl.Varint64();
      if (!sl.ok()) return Status::Corruption("bad string column");
      if (header <= t.lines) {  // a layout-3 column
        PutVarint64(lengths_out, header);
        LODE_RETURN_IF_ERROR(copy_values(header == 0 ? t.lines : header));
        if (header != 0) LODE_RETURN_IF_ERROR(copy_indexes(t.lines, header));
        continue;
      }
      const uint64_t distinct = header - t.lines - 1;
      if (distinct > t.lines) return Status::Corruption("bad hex string column");
      const uint64_t values = distinct == 0 ? t.lines : distinct;
      const uint64_t length = sl.Varint64();
      if (!sl.ok() || length == 0 || length > sb.remaining()) {
        return Status::Corruption("bad hex string shape");
      }
      const std::string_view shape = sb.Bytes(length);
      // Where the two digits of each packed byte go, and in which case.
      pairs.clear();
      uint64_t digits = 0;
      for (size_t i = 0; i < shape.size(); ++i) {
        if (!IsDigitPlace(shape[i])) continue;
        const char* set = shape[i] == kLowerHexDigit ? kLowerDigits : kUpperDigits;
        if (digits++ % 2 == 0) {
          pairs.push_back({static_cast<uint32_t>(i), 0, set, nullptr});
        } else {
          pairs.back().low_at = static_cast<uint32_t>(i);
          pairs.back().low_digits = set;
        }
      }
      if (digits == 0) return Status::Corruption("hex string shape without digits");
      const uint64_t packed = (digits + 1) / 2;
      if (values > nb.remaining() / packed) return Status::Corruption("hex digits are short");
      if (values * length > max_bytes - bytes_out.size()) {
        return Status::Corruption("string columns are larger than the block");
      }
      PutVarint64(lengths_out, distinct);
      for (uint64_t j = 0; j < values; ++j) PutVarint64(lengths_out, length);
      // Each value: the shape, then its digits written over their places.
      size_t at = bytes_out.size();
      bytes_out.resize(at + values * length);
      const auto* in = reinterpret_cast<const uint8_t*>(nb.Bytes(values * packed).data());
      for (uint64_t j = 0; j < values; ++j, at += length, in += packed) {
        if ((digits & 1) != 0 && (in[packed - 1] & 0x0f) != 0) {
          return Status::Corruption("hex digits padded with a non-zero half");
        }
        char* out = bytes_out.data() + at;
        std::memcpy(out, shape.data(), length);
        for (uint64_t k = 0; k < digits / 2; ++k) {
          const Pair& pair = pairs[k];
          out[pair.high_at] = pair.high_digits[in[k] >> 4];
          out[pair.low_at] = pair.low_digits[in[k] & 0x0f];
        }
        if ((digits & 1) != 0) {
          const Pair& pair = pairs[digits / 2];
          out[pair.high_at] = pair.high_digits[in[digits / 2] >> 4];
        }
      }
      if (distinct != 0) LODE_RETURN_IF_ERROR(copy_indexes(t.lines, distinct));
    }
  }
  if (!sl.ok() || sl.remaining() != 0 || sb.remaining() != 0 || nb.remaining() != 0) {
    return Status::Corruption("string columns do not match");
  }
  return Status::Ok();
}

}  // namespace lode::part
