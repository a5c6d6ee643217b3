#include "ingest/bulk_lines.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <unordered_map>

#include "base/time.h"
#include "text/file_reader.h"
#include "text/timestamp_detect.h"

namespace lode {
namespace {

using simdjson::dom::element;

// A value as text: strings as they are, anything else as JSON.
std::string ValueText(element value) {
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(value);
}

// The value at a dotted path (`a.b.c`), trying the whole name as one key
// first.
bool Lookup(simdjson::dom::object object, std::string_view path, element& out) {
  if (object[path].get(out) == simdjson::SUCCESS) return true;
  size_t dot = path.find('.');
  if (dot == std::string_view::npos) return false;
  simdjson::dom::object inner;
  if (object[path.substr(0, dot)].get_object().get(inner) != simdjson::SUCCESS) return false;
  return Lookup(inner, path.substr(dot + 1), out);
}

// Epoch by magnitude: s, ms, us or ns, as nanoseconds in `out`; false
// when that does not fit in 64 bits (years 1678 to 2262), or is not a
// number: a time past that is no time, not an overflow.
bool EpochToNanos(double v, int64_t& out) {
  const double a = std::fabs(v);
  const double ns = a < 1e11 ? v * 1e9 : a < 1e14 ? v * 1e6 : a < 1e17 ? v * 1e3 : v;
  // -2^63 and 2^63 are exact doubles; NaN fails both tests.
  if (!(ns >= -0x1p63 && ns < 0x1p63)) return false;
  out = static_cast<int64_t>(ns);
  return true;
}

bool EpochToNanos(int64_t v, int64_t& out) {
  const uint64_t a = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  const int64_t scale = a < 100'000'000'000ULL           ? 1'000'000'000
                        : a < 100'000'000'000'000ULL     ? 1'000'000
                        : a < 100'000'000'000'000'000ULL ? 1'000
                                                         : 1;
  int64_t ns = 0;
  if (__builtin_mul_overflow(v, scale, &ns)) return false;
  out = ns;
  return true;
}

bool TimeOf(element value, int64_t& out) {
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  if (value.get_int64().get(i) == simdjson::SUCCESS) return EpochToNanos(i, out);
  if (value.get_double().get(d) == simdjson::SUCCESS) return EpochToNanos(d, out);
  if (value.get_string().get(s) != simdjson::SUCCESS) return false;
  auto rfc = ParseRfc3339(s);
  if (rfc.ok()) {
    out = *rfc;
    return true;
  }
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return EpochToNanos(i, out);
  auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 == std::errc() && p2 == s.data() + s.size() && !s.empty()) return EpochToNanos(d, out);
  return false;
}

void Flatten(std::string_view prefix, simdjson::dom::object object, std::vector<Label>& out,
             int depth) {
  for (auto field : object) {
    std::string name = prefix.empty() ? std::string(field.key)
                                      : std::string(prefix) + "_" + std::string(field.key);
    simdjson::dom::object inner;
    if (depth < 8 && field.value.get_object().get(inner) == simdjson::SUCCESS) {
      Flatten(name, inner, out, depth + 1);
    } else if (!field.value.is_null()) {
      out.push_back(Label{NormalizeLabelName(name), ValueText(field.value)});
    }
  }
}

// Groups records by their stream labels, in the order streams appear.
class StreamGrouper {
 public:
  void Add(Labels labels, Entry entry) {
    std::string key = labels.ToString();
    auto [it, inserted] = index_.emplace(std::move(key), batches_.size());
    if (inserted) batches_.push_back(StreamBatch{std::move(labels), {}});
    batches_[it->second].entries.push_back(std::move(entry));
  }
  std::vector<StreamBatch> Take() { return std::move(batches_); }

 private:
  std::vector<StreamBatch> batches_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace

std::vector<StreamBatch> DecodeJsonLines(std::string_view body, const JsonLinesOptions& options,
                                         TimestampNs now, PushReport& report) {
  static const char* kTimeFields[] = {"_time", "timestamp", "time", "ts", "@timestamp"};
  simdjson::dom::parser parser;
  StreamGrouper grouper;
  LineSplitter splitter;
  size_t line_number = 0;
  int64_t stamp = now;
  // Without stream fields every line is of one stream, options.labels:
  // no label set is built and looked up per line.
  const bool one_stream = options.stream_fields.empty();
  StreamBatch only{options.labels, {}};
  auto on_line = [&](std::string_view line) {
    ++line_number;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) return;
    element root;
    simdjson::dom::object object;
    auto error = parser.parse(line.data(), line.size()).get(root);
    if (error == simdjson::SUCCESS && root.get_object().get(object) != simdjson::SUCCESS) {
      error = simdjson::INCORRECT_TYPE;
    }
    if (error != simdjson::SUCCESS) {
      report.Reject("invalid_json", 1,
                    "line " + std::to_string(line_number) + ": not a JSON object (" +
                        simdjson::error_message(error) + ")");
      return;
    }
    Entry entry;
    entry.timestamp = 0;
    std::string_view time_name;
    element value;
    if (!options.time_field.empty()) {
      time_name = options.time_field;
      if (Lookup(object, time_name, value) && !TimeOf(value, entry.timestamp)) {
        report.Reject("invalid_timestamp", 1,
                      "line " + std::to_string(line_number) + ": field \"" + options.time_field +
                          "\" is not a time");
        return;
      }
    } else {
      for (const char* name : kTimeFields) {
        if (object[name].get(value) == simdjson::SUCCESS && TimeOf(value, entry.timestamp)) {
          time_name = name;
          break;
        }
      }
    }
    if (entry.timestamp == 0) entry.timestamp = stamp++;
    std::vector<Label> labels;
    if (!one_stream) labels = options.labels.items();
    for (const std::string& field : options.stream_fields) {
      if (Lookup(object, field, value) && !value.is_null()) {
        labels.push_back(Label{NormalizeLabelName(field), ValueText(value)});
      }
    }
    if (options.msg_field.empty()) {
      entry.line.assign(line);
    } else {
      if (Lookup(object, options.msg_field, value)) entry.line = ValueText(value);
      std::vector<Label> metadata;
      Flatten("", object, metadata, 0);
      std::erase_if(metadata, [&](const Label& m) {
        if (m.name == NormalizeLabelName(options.msg_field) ||
            m.name == NormalizeLabelName(time_name))
          return true;
        for (const std::string& field : options.stream_fields) {
          if (m.name == NormalizeLabelName(field)) return true;
        }
        return false;
      });
      entry.metadata = Labels(std::move(metadata));
    }
    if (one_stream) {
      only.entries.push_back(std::move(entry));
    } else {
      grouper.Add(Labels(std::move(labels)), std::move(entry));
    }
  };
  splitter.Add(body, on_line);
  splitter.Finish(on_line);
  if (!one_stream) return grouper.Take();
  std::vector<StreamBatch> out;
  if (!only.entries.empty()) out.push_back(std::move(only));
  return out;
}

Result<std::vector<StreamBatch>> DecodePlainLines(std::string_view body, const Labels& labels,
                                                  const std::string& time_format, TimestampNs now) {
  std::optional<TimestampDetector> detector;
  if (time_format == "auto") {
    detector.emplace(now);
  } else if (!time_format.empty()) {
    LODE_ASSIGN_OR_RETURN(TimestampDetector fixed, TimestampDetector::WithFormat(time_format, now));
    detector.emplace(std::move(fixed));
  }
  StreamBatch batch;
  batch.labels = labels;
  int64_t stamp = now;
  LineSplitter splitter;
  auto on_line = [&](std::string_view line) {
    if (line.empty()) return;
    std::optional<int64_t> t;
    if (detector) t = detector->Detect(line);
    batch.entries.push_back(Entry{t ? *t : stamp++, std::string(line), {}});
  };
  splitter.Add(body, on_line);
  splitter.Finish(on_line);
  std::vector<StreamBatch> out;
  if (!batch.entries.empty()) out.push_back(std::move(batch));
  return out;
}

}  // namespace lode
