// libFuzzer target for the extraction of the literals a regex requires.
// The input is a pattern and a text, split at the first NUL byte. Any
// pattern must return (never crash or read out of bounds), and when RE2
// accepts the pattern and it matches the text, the text must contain
// every literal claimed for the pattern: storage skips blocks on them.
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/regex_literals.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view pattern = input.substr(0, nul);
  std::string_view text =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  std::vector<std::string> literals = lode::RequiredLiterals(pattern, 1);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re.ok()) return 0;
  if (!RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re)) return 0;
  for (const std::string& literal : literals) {
    if (text.find(literal) == std::string_view::npos) {
      std::fprintf(stderr, "pattern \"%.*s\" matched a text without \"%s\"\n",
                   static_cast<int>(pattern.size()), pattern.data(), literal.c_str());
      std::abort();
    }
  }
  return 0;
}
