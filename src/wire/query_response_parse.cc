// The client's half of query_response.h: the Loki API's query answers
// read back into lines and samples, as `lode query` prints them.
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>

#include "wire/query_response.h"

namespace lode {
namespace {

Labels ReadLabels(simdjson::dom::element e) {
  std::vector<Label> pairs;
  simdjson::dom::object obj;
  if (e.get_object().get(obj) == simdjson::SUCCESS) {
    for (auto field : obj) {
      std::string_view v;
      if (field.value.get_string().get(v) == simdjson::SUCCESS) {
        pairs.push_back(Label{std::string(field.key), std::string(v)});
      }
    }
  }
  return Labels(std::move(pairs));
}

bool ReadSample(simdjson::dom::element e, std::pair<double, std::string>* out) {
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS || a.size() != 2) return false;
  double t = 0;
  std::string_view v;
  if (a.at(0).get(t) != simdjson::SUCCESS || a.at(1).get_string().get(v) != simdjson::SUCCESS) {
    return false;
  }
  *out = {t, std::string(v)};
  return true;
}

}  // namespace

Result<std::vector<LogLine>> ParseLogLines(const std::string& body, bool tail_message) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) {
    return Status::Internal("server sent a response that is not JSON");
  }
  simdjson::dom::array result;
  if (tail_message) {
    if (root["streams"].get_array().get(result) != simdjson::SUCCESS) {
      return Status::Internal("tail message has no streams array");
    }
  } else {
    std::string_view type;
    if (root["data"]["resultType"].get_string().get(type) != simdjson::SUCCESS) {
      return Status::Internal("server response has no data.resultType");
    }
    if (type != "streams") {
      return Status::Internal("expected streams, the server sent " + std::string(type));
    }
    if (root["data"]["result"].get_array().get(result) != simdjson::SUCCESS) {
      return Status::Internal("server response has no data.result array");
    }
  }
  std::vector<LogLine> lines;
  for (auto stream : result) {
    Labels labels = ReadLabels(stream["stream"]);
    simdjson::dom::array values;
    if (stream["values"].get_array().get(values) != simdjson::SUCCESS) continue;
    for (auto value : values) {
      std::string_view ts, line;
      if (value.at(0).get_string().get(ts) != simdjson::SUCCESS ||
          value.at(1).get_string().get(line) != simdjson::SUCCESS) {
        return Status::Internal("malformed entry in server response");
      }
      LogLine entry{std::strtoll(std::string(ts).c_str(), nullptr, 10), labels, std::string(line),
                    labels};
      // Categorised labels ([ts, line, {"structuredMetadata":{..},
      // "parsed":{..}}]): `labels` holds them all, as without categories.
      simdjson::dom::object extra;
      if (value.at(2).get_object().get(extra) == simdjson::SUCCESS) {
        std::vector<Label> all = labels.items();
        for (const char* kind : {"structuredMetadata", "parsed"}) {
          simdjson::dom::element group;
          if (extra[kind].get(group) != simdjson::SUCCESS) continue;
          for (const Label& l : ReadLabels(group)) all.push_back(l);
        }
        entry.labels = Labels(std::move(all));
      }
      lines.push_back(std::move(entry));
    }
  }
  // Oldest first; stable so equal timestamps keep the server's order.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const LogLine& a, const LogLine& b) { return a.timestamp < b.timestamp; });
  return lines;
}

Result<MetricResult> ParseMetricResult(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) {
    return Status::Internal("server sent a response that is not JSON");
  }
  MetricResult r;
  std::string_view type;
  if (root["data"]["resultType"].get_string().get(type) != simdjson::SUCCESS) {
    return Status::Internal("server response has no data.resultType");
  }
  r.type = std::string(type);
  simdjson::dom::element result = root["data"]["result"];
  r.result_json = simdjson::to_string(result);
  if (r.type == "scalar") {
    SeriesSamples s;
    std::pair<double, std::string> p;
    if (!ReadSample(result, &p)) return Status::Internal("malformed scalar in server response");
    s.samples.push_back(p);
    r.series.push_back(std::move(s));
    return r;
  }
  simdjson::dom::array items;
  if (result.get_array().get(items) != simdjson::SUCCESS) {
    return Status::Internal("server response has no data.result array");
  }
  for (auto item : items) {
    SeriesSamples s;
    s.labels = ReadLabels(item["metric"]);
    std::pair<double, std::string> p;
    if (r.type == "vector") {
      if (!ReadSample(item["value"], &p)) return Status::Internal("malformed sample");
      s.samples.push_back(p);
    } else {
      simdjson::dom::array values;
      if (item["values"].get_array().get(values) != simdjson::SUCCESS) continue;
      for (auto v : values) {
        if (!ReadSample(v, &p)) return Status::Internal("malformed sample");
        s.samples.push_back(p);
      }
    }
    r.series.push_back(std::move(s));
  }
  return r;
}

}  // namespace lode
