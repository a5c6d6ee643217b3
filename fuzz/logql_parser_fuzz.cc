// libFuzzer target for the LogQL parser. Any input must return (never crash,
// hang or read out of bounds), and an accepted query must survive the
// printer: Parse(Print(x)) == x, and printing is idempotent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "logql/parser.h"
#include "logql/printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  lode::Result<lode::logql::Expr> expr = lode::logql::ParseQuery(input);
  if (!expr.ok()) return 0;
  const std::string printed = lode::logql::Print(*expr);
  lode::Result<lode::logql::Expr> again = lode::logql::ParseQuery(printed);
  if (!again.ok()) {
    std::fprintf(stderr, "printed query does not parse: %s\n%s\n", printed.c_str(),
                 again.status().ToString().c_str());
    std::abort();
  }
  if (!(*again == *expr) || lode::logql::Print(*again) != printed) {
    std::fprintf(stderr, "round trip mismatch: %s\n", printed.c_str());
    std::abort();
  }
  return 0;
}
