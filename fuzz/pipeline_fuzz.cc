// libFuzzer target for the label parsers and line stages of a log
// pipeline (json with and without paths, logfmt strict and lenient,
// regexp, pattern, unpack, decolorize, label filters, ip filters): the
// input is one log line. Every stage must handle any bytes without
// crashing or reading out of bounds, and record errors in __error__.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "logql/parser.h"
#include "query/labels_builder.h"
#include "query/pipeline.h"

namespace {

const std::vector<lode::Pipeline>& Pipelines() {
  static const auto* pipelines = [] {
    auto* out = new std::vector<lode::Pipeline>();
    for (const char* q : {
             R"q({a="b"} | json)q",
             R"q({a="b"} | json x="a.b[0]", y="[\"k\"]", z="c[2].d")q",
             R"q({a="b"} | logfmt)q",
             R"q({a="b"} | logfmt --strict --keep-empty | n > 1 or d < 1s or s > 1KB)q",
             R"q({a="b"} | logfmt x, y="k")q",
             R"q({a="b"} | regexp "(?P<w>\\w+)\\s+(?P<rest>.*)")q",
             R"q({a="b"} | pattern "<ip> - <_> [<ts>] \"<m> <p> <_>\" <status> <size>")q",
             R"q({a="b"} | unpack | json)q",
             R"q({a="b"} | decolorize | line_format "{{.a}} {{ __line__ | upper }}")q",
             R"q({a="b"} |= ip("10.0.0.0/8") or ip("::1") |> "<_> x <_>")q",
             R"q({a="b"} | json | ip = ip("192.168.0.0/16") | label_format q="{{ .ip }}", r=a)q",
         }) {
      auto expr = lode::logql::ParseQuery(q);
      if (!expr.ok()) __builtin_trap();
      auto p = lode::Pipeline::Compile(expr->log()->pipeline);
      if (!p.ok()) __builtin_trap();
      out->push_back(std::move(p).value());
    }
    return out;
  }();
  return *pipelines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string line(reinterpret_cast<const char*>(data), size);
  static const lode::Labels stream{{"a", "b"}};
  lode::LabelsBuilder labels;
  lode::PipelineState state;
  for (const lode::Pipeline& p : Pipelines()) {
    labels.Reset(stream, {});
    std::string_view view = line;
    (void)p.Process(0, &view, labels, state);
    (void)labels.Build();
  }
  return 0;
}
