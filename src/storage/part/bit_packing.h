// Integers packed at a fixed bit width, as template blocks store their
// integer columns: a column of ports, counters or random ids takes the
// bits its range needs, with no byte wasted on varint continuation bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lode::part {

// Bits needed to hold `v` (0 for 0, 64 for values >= 2^63).
int BitWidth(uint64_t v);

// Bytes that `count` values of `width` bits take.
inline uint64_t PackedBytes(uint64_t count, int width) {
  return (count * static_cast<uint64_t>(width) + 7) / 8;
}

// Appends `values[i] - base` for each i, `width` bits each, least
// significant bit first, to `out` (PackedBytes(count, width) bytes). Every
// difference must fit in `width` bits.
void PackBits(const uint64_t* values, size_t count, uint64_t base, int width, std::string& out);

// Reads `count` values of `width` bits (0..64) from the start of `packed`,
// which holds at least PackedBytes(count, width) bytes, adding `base` to
// each (wrapping), into `out`.
void UnpackBits(std::string_view packed, size_t count, int width, uint64_t base, uint64_t* out);

}  // namespace lode::part
