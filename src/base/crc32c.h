// CRC-32C (Castagnoli), the checksum on every durable frame. Uses the
// SSE4.2 instruction when the CPU has it, a table otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lode::crc32c {

// Extends `crc` (the value of a previous call, or 0) over `data`.
uint32_t Extend(uint32_t crc, const char* data, size_t n);

inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

}  // namespace lode::crc32c
