#include "logql/ip_range.h"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace lode::logql {

namespace {

bool IsV4Mapped(const IpAddress& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  IpAddress a{};
  unsigned char v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    a[10] = a[11] = 0xff;
    for (int i = 0; i < 4; ++i) a[12 + i] = v4[i];
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.data()) == 1) return a;
  return std::nullopt;
}

std::optional<IpRange> ParseIpRange(std::string_view text) {
  if (size_t dash = text.find('-'); dash != std::string_view::npos) {
    auto low = ParseIpAddress(text.substr(0, dash));
    auto high = ParseIpAddress(text.substr(dash + 1));
    if (!low || !high || IsV4Mapped(*low) != IsV4Mapped(*high) || *high < *low) {
      return std::nullopt;
    }
    return IpRange{*low, *high};
  }
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    auto base = ParseIpAddress(text.substr(0, slash));
    std::string_view bits_text = text.substr(slash + 1);
    int bits = -1;
    auto [ptr, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
    if (!base || ec != std::errc() || ptr != bits_text.data() + bits_text.size()) {
      return std::nullopt;
    }
    const bool v4 = IsV4Mapped(*base);
    if (bits < 0 || bits > (v4 ? 32 : 128)) return std::nullopt;
    int prefix = v4 ? 96 + bits : bits;  // bits of the 128 that are fixed
    IpRange r{*base, *base};
    for (int bit = prefix; bit < 128; ++bit) {
      unsigned char mask = static_cast<unsigned char>(0x80 >> (bit % 8));
      r.low[bit / 8] &= static_cast<unsigned char>(~mask);
      r.high[bit / 8] |= mask;
    }
    return r;
  }
  auto a = ParseIpAddress(text);
  if (!a) return std::nullopt;
  return IpRange{*a, *a};
}

}  // namespace lode::logql
