// libFuzzer target for the line_format / label_format template engine:
// the input is a template, then (after the first newline) a line. Any
// input must parse or fail cleanly, and an accepted template must run
// over a record (its labels, the line, a time) without crashing, hanging
// or growing without bound.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/labels_builder.h"
#include "query/template/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view text = input.substr(0, nl);
  std::string_view line = nl == std::string_view::npos ? "" : input.substr(nl + 1);
  auto t = lode::Template::Parse(text);
  if (!t.ok()) return 0;
  static const lode::Labels stream{{"app", "api"}, {"n", "42"}, {"f", "1.5"}, {"s", "a b c"}};
  lode::LabelsBuilder labels;
  labels.Reset(stream, {});
  labels.SetParsed("msg", line, true);
  lode::TemplateInput in{&labels, line, 1700000000123456789};
  std::string out;
  lode::Status s = t->Execute(in, &out);
  (void)s;
  return 0;
}
