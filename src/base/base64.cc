#include "base/base64.h"

#include <cstdint>

namespace lode {
namespace {

// The value of a digit of the standard alphabet (RFC 4648 §4), or -1.
int StdDigit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The same, also taking the URL-safe alphabet's 62 and 63 (§5).
int AnyDigit(char c) {
  if (c == '-') return 62;
  if (c == '_') return 63;
  return StdDigit(c);
}

// Turns 6-bit digits into bytes; the bits of an incomplete last byte are
// dropped, as decoders that do not check them do.
class DigitsToBytes {
 public:
  explicit DigitsToBytes(std::string& out) : out_(out) {}
  void Add(int digit) {
    acc_ = acc_ << 6 | static_cast<uint32_t>(digit);
    bits_ += 6;
    if (bits_ >= 8) {
      bits_ -= 8;
      out_ += static_cast<char>((acc_ >> bits_) & 0xFF);
    }
  }

 private:
  std::string& out_;
  uint32_t acc_ = 0;
  int bits_ = 0;
};

bool IsLineBreak(char c) { return c == '\r' || c == '\n'; }

}  // namespace

void AppendBase64(std::string_view bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                 uint8_t(bytes[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  DigitsToBytes bytes(out);
  for (char c : text) {
    if (c == '=') break;
    int v = AnyDigit(c);
    if (v < 0) return std::nullopt;
    bytes.Add(v);
  }
  return out;
}

Result<std::string> DecodeStdBase64(std::string_view text) {
  auto corrupt = [](size_t offset) {
    return Status::InvalidArgument("illegal base64 data at input byte " + std::to_string(offset));
  };
  std::string out;
  DigitsToBytes bytes(out);
  size_t digits = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '='; ++i) {
    if (IsLineBreak(text[i])) continue;
    const int v = StdDigit(text[i]);
    if (v < 0) return corrupt(i);
    bytes.Add(v);
    ++digits;
  }
  size_t padding = 0;
  for (size_t k = i; k < text.size(); ++k) {
    if (text[k] == '=') {
      ++padding;
    } else if (!IsLineBreak(text[k])) {
      return corrupt(k);
    }
  }
  // Unpadded input (`Zm9vYmE`) is read as if padded; one digit past a
  // whole group never makes a byte.
  if (padding == 0 && digits % 4 != 1) padding = (4 - digits % 4) % 4;
  if ((digits + padding) % 4 != 0 || digits % 4 == 1) return corrupt(text.size() - 1);
  return out;
}

}  // namespace lode
