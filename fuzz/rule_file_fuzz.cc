// libFuzzer target for rule files and what the ruler does with them: the
// input as a rule file (YAML, fields, LogQL, templates) and as one API
// group. What parses must print and parse back to the same text; each
// alerting rule's templates must then expand over a sample without
// crashing, and a remote write body decoded from the same bytes must
// re-encode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/query_result.h"
#include "ruler/alerting_rule.h"
#include "ruler/rule_file.h"
#include "wire/remote_write.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto groups = lode::ParseRuleFile(input, "fuzz.yaml");
  if (groups.ok()) {
    const std::string printed = lode::FormatRuleFile(*groups);
    auto again = lode::ParseRuleFile(printed, "printed.yaml");
    Check(again.ok());
    Check(lode::FormatRuleFile(*again) == printed);
    static const lode::AlertContext context{lode::Labels({{"cluster", "c1"}}),
                                            "http://lode.example:3100"};
    lode::MetricSeries series;
    series.labels = lode::Labels({{"app", "api"}, {"level", "error"}});
    series.samples.push_back({1'700'000'000'000'000'000, 42.5});
    for (const auto& g : *groups) {
      for (const auto& r : g.rules) {
        if (r.kind != lode::RuleDefinition::Kind::kAlert) continue;
        lode::AlertingRule rule(r, &context);
        auto samples = rule.Update(1'700'000'000'000'000'000, {series}, g.limit);
        (void)samples;
        (void)rule.TakeAlertsToSend(1'700'000'000'000'000'000, 60'000'000'000, 60'000'000'000);
      }
    }
  }
  auto group = lode::ParseRuleGroup(input);
  if (group.ok()) {
    auto again = lode::ParseRuleGroup(lode::FormatRuleGroup(*group));
    Check(again.ok());
    Check(lode::FormatRuleGroup(*again) == lode::FormatRuleGroup(*group));
  }
  auto written = lode::DecodeRemoteWrite(input);
  if (written.ok()) Check(lode::DecodeRemoteWrite(lode::EncodeRemoteWrite(*written)).ok());
  return 0;
}
