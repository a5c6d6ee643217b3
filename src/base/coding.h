// Little-endian fixed-width and varint encoding, and a bounds-checked
// decoder with a sticky error: once a read runs past the buffer every later
// read returns zero values and ok() stays false, so callers check once at
// the end instead of after every field.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lode {

inline void PutFixed32(std::string& out, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 4);
}

inline void PutFixed64(std::string& out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 8);
}

inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

inline void PutVarint64(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Zig-zag so small negative numbers stay short.
inline void PutVarsint64(std::string& out, int64_t v) {
  PutVarint64(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline void PutLengthPrefixed(std::string& out, std::string_view s) {
  PutVarint64(out, s.size());
  out.append(s.data(), s.size());
}

class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }

  uint8_t Fixed8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(data_[pos_++]);
  }

  uint32_t Fixed32() {
    if (!Need(4)) return 0;
    uint32_t v = DecodeFixed32(data_.data() + pos_);
    pos_ += 4;
    return v;
  }

  uint64_t Fixed64() {
    if (!Need(8)) return 0;
    uint64_t v = DecodeFixed64(data_.data() + pos_);
    pos_ += 8;
    return v;
  }

  uint64_t Varint64() {
    if (ok_ && remaining() >= 10) {  // fast path: no bounds check per byte
      const auto* p = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
      uint64_t v = 0;
      for (int i = 0; i < 10; ++i) {
        uint8_t b = p[i];
        if (i == 9 && b > 1) break;
        v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) {
          pos_ += static_cast<size_t>(i) + 1;
          return v;
        }
      }
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return 0;
      uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && b > 1) break;  // bits beyond 64: not a uint64 varint
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok_ = false;  // more than 10 bytes, or past 64 bits: not a varint
    return 0;
  }

  int64_t Varsint64() {
    uint64_t u = Varint64();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  // The next n bytes; the view points into the decoded buffer.
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  // The returned view points into the decoded buffer.
  std::string_view LengthPrefixed() {
    uint64_t n = Varint64();
    if (!ok_ || n > remaining()) {
      ok_ = false;
      return {};
    }
    std::string_view s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      return false;
    }
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace lode
