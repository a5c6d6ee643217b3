#include "storage/part/bit_packing.h"

#include <bit>
#include <cstring>

namespace lode::part {

int BitWidth(uint64_t v) { return 64 - std::countl_zero(v); }

void PackBits(const uint64_t* values, size_t count, uint64_t base, int width, std::string& out) {
  if (width == 0) return;
  const size_t start = out.size();
  const size_t bytes = static_cast<size_t>(PackedBytes(count, width));
  out.resize(start + bytes);
  char* w = out.data() + start;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  // Values are gathered in a register and stored a whole word at a time:
  // or-ing each into memory made every value wait for the one before.
  uint64_t word = 0;
  int filled = 0;  // bits of `word` taken, below 64
  for (size_t i = 0; i < count; ++i) {
    const uint64_t v = (values[i] - base) & mask;
    word |= v << filled;
    filled += width;
    if (filled >= 64) {
      memcpy(w, &word, 8);
      w += 8;
      filled -= 64;
      // The bits of v that did not fit (none when it ended the word).
      word = filled == 0 ? 0 : v >> (width - filled);
    }
  }
  for (int k = 0; k < filled; k += 8) *w++ = static_cast<char>(word >> k);
}

void UnpackBits(std::string_view packed, size_t count, int width, uint64_t base, uint64_t* out) {
  if (width == 0) {
    for (size_t i = 0; i < count; ++i) out[i] = base;
    return;
  }
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  const size_t bytes = static_cast<size_t>(PackedBytes(count, width));
  const unsigned char* const data = reinterpret_cast<const unsigned char*>(packed.data());
  uint64_t bit = 0;
  // Each value is read with one 64-bit load from its first byte (and one
  // more byte when it straddles nine); near the end of `packed`, from a
  // zero-padded copy of what is left.
  for (uint64_t i = 0; i < count; ++i, bit += static_cast<uint64_t>(width)) {
    const size_t at = static_cast<size_t>(bit / 8);
    const unsigned char* p = data + at;
    unsigned char tail[9];
    if (at + 9 > bytes) {
      memset(tail, 0, sizeof tail);
      memcpy(tail, p, bytes - at);
      p = tail;
    }
    const unsigned shift = static_cast<unsigned>(bit % 8);
    uint64_t word;
    memcpy(&word, p, 8);
    uint64_t v = word >> shift;
    if (shift != 0 && width + static_cast<int>(shift) > 64) {
      v |= static_cast<uint64_t>(p[8]) << (64 - shift);
    }
    out[i] = base + (v & mask);
  }
}

}  // namespace lode::part
