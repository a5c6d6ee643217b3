#include "cli/query_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "base/json_writer.h"
#include "base/time.h"
#include "wire/query_response.h"

namespace lode {
namespace {

const char* const kDim = "\x1b[2m";
const char* const kLabels = "\x1b[36m";
const char* const kBold = "\x1b[1m";
const char* const kReset = "\x1b[0m";

// "2024-05-01T10:00:00Z" or with milliseconds when there are some.
std::string SampleTime(double seconds) {
  const int64_t ms = static_cast<int64_t>(std::llround(seconds * 1000));
  std::string s = FormatRfc3339Nano(ms * 1000000);
  return s;
}

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

void Pad(std::string* out, const std::string& s, size_t width) {
  out->append(s);
  for (size_t w = DisplayWidth(s); w < width; ++w) out->push_back(' ');
}

}  // namespace

void FormatLogLines(const std::vector<LogLine>& lines, const OutputStyle& style, bool first,
                    std::string* out) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const LogLine& l = lines[i];
    if (style.format == "raw") {
      out->append(l.line);
    } else if (style.format == "json" || style.format == "jsonl") {
      if (style.format == "json" && !(first && i == 0)) out->append(",\n");
      JsonWriter w(*out);
      w.BeginObject();
      w.Key("timestamp");
      w.String(FormatRfc3339Nano(l.timestamp));
      w.Key("labels");
      WriteLabels(w, l.labels);
      w.Key("line");
      w.String(l.line);
      w.EndObject();
    } else {
      if (style.color) out->append(kDim);
      out->append(FormatRfc3339Nano(l.timestamp));
      if (style.color) out->append(kReset);
      out->push_back(' ');
      if (style.color) out->append(kLabels);
      out->append(l.labels.ToString());
      if (style.color) out->append(kReset);
      out->push_back(' ');
      out->append(l.line);
    }
    if (style.format != "json") out->push_back('\n');
  }
}

void FormatMetricResult(const MetricResult& r, const OutputStyle& style, std::string* out) {
  if (style.format == "json") {
    out->append(r.result_json);
    out->push_back('\n');
    return;
  }
  if (style.format == "jsonl") {
    for (const SeriesSamples& s : r.series) {
      for (const auto& [t, v] : s.samples) {
        JsonWriter w(*out);
        w.BeginObject();
        w.Key("metric");
        WriteLabels(w, s.labels);
        w.Key("timestamp");
        w.String(SampleTime(t));
        w.Key("value");
        w.String(v);
        w.EndObject();
        out->push_back('\n');
      }
    }
    return;
  }
  if (style.format == "raw") {
    for (const SeriesSamples& s : r.series) {
      for (const auto& [t, v] : s.samples) {
        out->append(r.type == "scalar" ? "" : s.labels.ToString() + "\t");
        out->append(SampleTime(t) + "\t" + v + "\n");
      }
    }
    return;
  }
  // A table. Few series of a matrix read best side by side, a column
  // each; otherwise a row per sample.
  auto header = [&](const std::string& h, size_t width) {
    if (style.color) out->append(kBold);
    Pad(out, h, width);
    if (style.color) out->append(kReset);
  };
  if (r.series.empty()) {
    out->append("(no results)\n");
    return;
  }
  if (r.type == "scalar") {
    out->append(r.series[0].samples[0].second + "\n");
    return;
  }
  if (r.type == "matrix" && r.series.size() <= 6) {
    std::set<double> times;
    std::vector<std::map<double, std::string>> by_time(r.series.size());
    for (size_t i = 0; i < r.series.size(); ++i) {
      for (const auto& [t, v] : r.series[i].samples) {
        times.insert(t);
        by_time[i][t] = v;
      }
    }
    std::vector<std::string> names;
    std::vector<size_t> widths;
    for (const SeriesSamples& s : r.series) {
      names.push_back(s.labels.ToString());
      size_t w = DisplayWidth(names.back());
      for (const auto& [t, v] : s.samples) w = std::max(w, DisplayWidth(v));
      widths.push_back(w);
    }
    const size_t tw = SampleTime(*times.begin()).size();
    header("TIME", tw);
    for (size_t i = 0; i < names.size(); ++i) {
      out->append("  ");
      header(names[i], i + 1 < names.size() ? widths[i] : 0);
    }
    out->push_back('\n');
    for (double t : times) {
      if (style.color) out->append(kDim);
      Pad(out, SampleTime(t), tw);
      if (style.color) out->append(kReset);
      for (size_t i = 0; i < names.size(); ++i) {
        out->append("  ");
        auto it = by_time[i].find(t);
        Pad(out, it == by_time[i].end() ? "-" : it->second, i + 1 < names.size() ? widths[i] : 0);
      }
      out->push_back('\n');
    }
    return;
  }
  size_t lw = 6;
  for (const SeriesSamples& s : r.series) lw = std::max(lw, DisplayWidth(s.labels.ToString()));
  const bool matrix = r.type == "matrix";
  header("SERIES", lw);
  if (matrix) {
    out->append("  ");
    header("TIME", 24);
  }
  out->append("  ");
  header("VALUE", 0);
  out->push_back('\n');
  for (const SeriesSamples& s : r.series) {
    for (const auto& [t, v] : s.samples) {
      if (style.color) out->append(kLabels);
      Pad(out, s.labels.ToString(), lw);
      if (style.color) out->append(kReset);
      if (matrix) {
        out->append("  ");
        Pad(out, SampleTime(t), 24);
      }
      out->append("  " + v + "\n");
    }
  }
}

}  // namespace lode
