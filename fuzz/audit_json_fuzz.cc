// Fuzzes what `lode verify` and /api/v1/audit/verify read from outside:
// files of published chain heads, verify answers, and chain links. None
// may crash; what parses must survive being written and read again.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/audit_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  lode::ChainLink link;
  if (lode::ParseChainLink(input, link) && lode::FormatChainLink(link) != input) abort();

  auto heads = lode::ParseExpectedHeads(input, "fuzz");
  if (heads.ok()) {
    // Each head written as the heads endpoint writes one reads back equal.
    std::string body;
    lode::JsonWriter w(body);
    w.BeginArray();
    for (const lode::ExpectedHead& h : *heads) {
      lode::AuditChain chain;
      chain.stream = h.stream;
      chain.head.count = h.count;
      chain.head.hash = h.hash;
      lode::WriteAuditHeads(w, h.tenant, {chain});
    }
    w.EndArray();
    auto again = lode::ParseExpectedHeads(body, "other");
    if (!again.ok() || again->size() != heads->size()) abort();
    for (size_t i = 0; i < heads->size(); ++i) {
      const lode::ExpectedHead &a = (*heads)[i], &b = (*again)[i];
      if (a.tenant != b.tenant || a.stream != b.stream || a.count != b.count || a.hash != b.hash) {
        abort();
      }
    }
  }

  auto verdicts = lode::ParseVerifyReport(input);
  if (verdicts.ok()) {
    std::string body = "{\"status\":\"success\",\"data\":";
    lode::JsonWriter w(body);
    lode::WriteVerifyReport(w, *verdicts);
    body += "}";
    auto again = lode::ParseVerifyReport(body);
    if (!again.ok() || again->size() != verdicts->size()) abort();
  }
  return 0;
}
