// lode_gen_corpus: expands sample log lines into a large corpus for
// benchmarks. Each output line is a sample line picked at random with its
// variable parts redrawn: digit runs get random digits of the same length
// (except digits glued to a letter, as in v1 or x86_64), hex ids random hex of the same length and
// case, IPv4 addresses random host octets (the first octet is kept). Dates are kept and times of
// day follow a synthetic clock that moves forward, so timestamps stay plausible. Two needles are
// planted at a fixed rate and their exact counts are reported on stderr, so benchmarks know what a
// query must find.
//
//   lode_gen_corpus --bytes 1G --seed 42 [SAMPLE...] > corpus.log
//
// Without sample files a built-in sample of typical server logs is used.
// Output is deterministic for a given seed and samples.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "default_sample.h"
#include "line_template.h"

namespace lode::bench {
namespace {

// wyrand: fast, good enough for test data.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ += 0xa0761d6478bd642fULL;
    __uint128_t m = static_cast<__uint128_t>(state_) * (state_ ^ 0xe7037ed1a0b428dbULL);
    return static_cast<uint64_t>(m >> 64) ^ static_cast<uint64_t>(m);
  }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// Renders templates into a buffer, drawing variable parts from `rng` and
// times of day from a clock that advances a few milliseconds per line.
class Renderer {
 public:
  explicit Renderer(uint64_t seed) : rng_(seed) {}

  char* Render(const Template& t, char* p) {
    clock_ms_ += rng_.Below(kMaxClockStepMs);
    for (const Field& f : t.fields) {
      switch (f.kind) {
        case FieldKind::kLiteral:
          memcpy(p, t.text.data() + f.offset, f.length);
          p += f.length;
          break;
        case FieldKind::kDigits: {
          char* start = p;
          p = Digits(p, f.length);
          if (f.nonzero_first && *start == '0') *start = static_cast<char>('1' + rng_.Below(9));
          break;
        }
        case FieldKind::kHexLower:
          p = Hex(p, f.length, "0123456789abcdef");
          break;
        case FieldKind::kHexUpper:
          p = Hex(p, f.length, "0123456789ABCDEF");
          break;
        case FieldKind::kOctet:
          p = Number(p, static_cast<uint32_t>(rng_.Below(256)), 1);
          break;
        case FieldKind::kHour:
          p = Number(p, static_cast<uint32_t>(clock_ms_ / 3600000 % 24), f.length);
          break;
        case FieldKind::kMinute:
          p = Number(p, static_cast<uint32_t>(clock_ms_ / 60000 % 60), f.length);
          break;
        case FieldKind::kSecond:
          p = Number(p, static_cast<uint32_t>(clock_ms_ / 1000 % 60), f.length);
          break;
        case FieldKind::kFraction: {
          char ms[3];
          Number(ms, static_cast<uint32_t>(clock_ms_ % 1000), 3);
          size_t n = f.length < 3 ? f.length : 3;
          memcpy(p, ms, n);
          p = Digits(p + n, f.length - n);
          break;
        }
      }
    }
    return p;
  }

  Rng& rng() { return rng_; }

 private:
  static constexpr uint64_t kMaxClockStepMs = 20;

  // Each draw yields 19 decimal digits: the draw is read as a binary
  // fraction and multiplied by ten per digit.
  char* Digits(char* p, size_t n) {
    while (n > 0) {
      uint64_t r = rng_.Next();
      for (size_t k = n < 19 ? n : 19; k > 0; --k, --n) {
        __uint128_t m = static_cast<__uint128_t>(r) * 10;
        *p++ = static_cast<char>('0' + static_cast<int>(m >> 64));
        r = static_cast<uint64_t>(m);
      }
    }
    return p;
  }

  char* Hex(char* p, size_t n, const char* alphabet) {
    while (n > 0) {
      uint64_t r = rng_.Next();
      for (size_t k = n < 16 ? n : 16; k > 0; --k, --n, r >>= 4) *p++ = alphabet[r & 0xf];
    }
    return p;
  }

  // `v` in decimal, zero-padded to `width`.
  static char* Number(char* p, uint32_t v, size_t width) {
    char tmp[10];
    size_t n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v > 0);
    while (n < width) tmp[n++] = '0';
    while (n > 0) *p++ = tmp[--n];
    return p;
  }

  Rng rng_;
  uint64_t clock_ms_ = 0;
};

// The information the generator draws per line, in bits: which template
// (the entropy of the choice among distinct templates), the clock's step
// and every random field. No lossless encoding of the corpus can be
// smaller than this per line on average: the floor compressors are
// measured against.
double RandomBitsPerLine(const std::vector<Template>& templates) {
  std::map<std::string, size_t> distinct;
  double field_bits = 0;
  for (const Template& t : templates) {
    std::string key = t.text;
    for (const Field& f : t.fields) {
      key.append(reinterpret_cast<const char*>(&f), sizeof f);
      switch (f.kind) {
        case FieldKind::kDigits:
          field_bits += f.nonzero_first ? std::log2(9.0) + (f.length - 1) * std::log2(10.0)
                                        : f.length * std::log2(10.0);
          break;
        case FieldKind::kHexLower:
        case FieldKind::kHexUpper:
          field_bits += 4.0 * f.length;
          break;
        case FieldKind::kOctet:
          field_bits += 8;
          break;
        case FieldKind::kFraction:
          if (f.length > 3) field_bits += (f.length - 3) * std::log2(10.0);
          break;
        default:
          break;
      }
    }
    distinct[key]++;
  }
  double n = static_cast<double>(templates.size()), choice_bits = 0;
  for (const auto& [key, count] : distinct) {
    double p = static_cast<double>(count) / n;
    choice_bits -= p * std::log2(p);
  }
  return choice_bits + field_bits / n + std::log2(20.0);
}

struct Options {
  uint64_t bytes = 1000000000;
  uint64_t seed = 1;
  uint64_t needle_every = 1000000;
  std::string needle = "needle-7f3a9c2e";
  std::string token_needle = "zq7needle9x";
  std::string out;
  std::vector<std::string> samples;
};

constexpr const char* kUsage =
    "usage: lode_gen_corpus [--bytes SIZE] [--seed N] [--out FILE] [--needle TEXT]\n"
    "                       [--token-needle TEXT] [--needle-every LINES] [SAMPLE...]\n"
    "  SIZE: bytes with an optional K, M, G (powers of 1000) or KiB, MiB, GiB suffix\n"
    "  default 1G, seed 1, needles needle-7f3a9c2e and zq7needle9x, each once per\n"
    "  1000000 lines; without SAMPLE files a built-in sample is expanded.\n";

bool ParseSize(std::string_view s, uint64_t& out) {
  size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || n > 15) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  std::string_view unit = s.substr(n);
  static constexpr struct {
    const char* name;
    uint64_t factor;
  } kUnits[] = {{"", 1},          {"K", 1000},         {"M", 1000000},     {"G", 1000000000},
                {"KiB", 1 << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}};
  for (const auto& u : kUnits) {
    if (unit == u.name) {
      out = v * u.factor;
      return true;
    }
  }
  return false;
}

bool ParseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      exit(0);
    } else if (arg == "--bytes" && (v = value())) {
      if (!ParseSize(v, o.bytes)) return false;
    } else if ((arg == "--seed" || arg == "--needle-every") && (v = value())) {
      uint64_t n = 0;
      if (!ParseSize(v, n)) return false;
      (arg == "--seed" ? o.seed : o.needle_every) = n;
    } else if (arg == "--needle" && (v = value())) {
      o.needle = v;
    } else if (arg == "--token-needle" && (v = value())) {
      o.token_needle = v;
    } else if (arg == "--out" && (v = value())) {
      o.out = v;
    } else if (!arg.empty() && arg[0] != '-') {
      o.samples.emplace_back(arg);
    } else {
      return false;
    }
  }
  return o.needle_every > 0;
}

// Lines of `text`; CR before LF is dropped, empty lines are skipped.
void SplitLines(std::string_view text, std::vector<std::string>& lines) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

int Run(const Options& o) {
  std::vector<std::string> lines;
  if (o.samples.empty()) SplitLines(kDefaultSample, lines);
  for (const std::string& path : o.samples) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "lode_gen_corpus: cannot read " << path << "\n";
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    SplitLines(text.str(), lines);
  }
  if (lines.empty()) {
    std::cerr << "lode_gen_corpus: the samples have no lines\n";
    return 1;
  }
  std::vector<Template> templates;
  size_t max_line = 0;
  for (const std::string& line : lines) {
    templates.push_back(CompileLineTemplate(line));
    max_line = std::max(max_line, templates.back().max_length);
  }
  max_line += 2 + o.needle.size() + o.token_needle.size();
  double floor_bits_per_line = RandomBitsPerLine(templates);

  int fd = 1;
  if (!o.out.empty()) {
    fd = open(o.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      std::cerr << "lode_gen_corpus: cannot create " << o.out << "\n";
      return 1;
    }
  }
  constexpr size_t kChunk = 1 << 20;
  std::vector<char> buffer(kChunk + max_line);
  auto start = std::chrono::steady_clock::now();
  Renderer renderer(o.seed);
  uint64_t written = 0, line_count = 0, needles = 0, token_needles = 0;
  // Needles go to lines every/100 and every/50 of each `every` lines, so
  // even a corpus of a few MB holds one of each.
  const uint64_t needle_at = o.needle_every / 100, token_needle_at = o.needle_every / 50;
  char* p = buffer.data();
  for (;;) {
    const Template& t = templates[renderer.rng().Below(templates.size())];
    char* line = p;
    p = renderer.Render(t, p);
    uint64_t phase = line_count % o.needle_every;
    bool needle = phase == needle_at, token_needle = phase == token_needle_at;
    if (needle || token_needle) {
      const std::string& text = needle ? o.needle : o.token_needle;
      *p++ = ' ';
      memcpy(p, text.data(), text.size());
      p += text.size();
    }
    *p++ = '\n';
    if (written + static_cast<uint64_t>(p - buffer.data()) > o.bytes) {
      p = line;
      break;
    }
    ++line_count;
    needles += needle;
    token_needles += token_needle;
    if (static_cast<size_t>(p - buffer.data()) >= kChunk) {
      if (!WriteAll(fd, buffer.data(), p - buffer.data())) {
        std::cerr << "lode_gen_corpus: write: " << strerror(errno) << "\n";
        return 1;
      }
      written += static_cast<uint64_t>(p - buffer.data());
      p = buffer.data();
    }
  }
  if (!WriteAll(fd, buffer.data(), p - buffer.data()) || (fd != 1 && close(fd) != 0)) {
    std::cerr << "lode_gen_corpus: write: " << strerror(errno) << "\n";
    return 1;
  }
  written += static_cast<uint64_t>(p - buffer.data());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char mbps[32];
  snprintf(mbps, sizeof mbps, "%.0f", static_cast<double>(written) / 1e6 / seconds);
  std::cerr << "lines=" << line_count << " bytes=" << written << " sample_lines=" << lines.size()
            << " needle=" << o.needle << " needle_lines=" << needles
            << " token_needle=" << o.token_needle << " token_needle_lines=" << token_needles
            << " mb_per_s=" << mbps << " floor_bytes="
            << static_cast<uint64_t>(floor_bits_per_line * static_cast<double>(line_count) / 8)
            << "\n";
  return 0;
}

}  // namespace
}  // namespace lode::bench

int main(int argc, char** argv) {
  lode::bench::Options options;
  if (!lode::bench::ParseArgs(argc, argv, options)) {
    std::cerr << lode::bench::kUsage;
    return 2;
  }
  return lode::bench::Run(options);
}
