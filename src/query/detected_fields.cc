#include "query/detected_fields.h"

#include <simdjson.h>

#include <map>
#include <set>

#include "query/json_labels.h"
#include "query/label_text.h"
#include "query/labels_builder.h"
#include "query/log_query.h"
#include "query/logfmt_labels.h"
#include "query/value_parse.h"

namespace lode {
namespace {

struct Field {
  std::string type;
  std::set<std::string> values;
  std::set<std::string> parsers;
  std::vector<std::string> json_path;
};

// The key path of every leaf of a JSON object, under the name `| json`
// gives it (keys sanitized and joined by `_`; arrays are not leaves).
void JsonPaths(simdjson::dom::object object, std::string& name, std::vector<std::string>& path,
               std::map<std::string, std::vector<std::string>>& out) {
  for (auto [key, value] : object) {
    const size_t len = name.size();
    if (!name.empty()) name.push_back('_');
    const size_t before = name.size();
    AppendSanitizedLabelName(&name, key);
    path.emplace_back(key);
    simdjson::dom::object inner;
    if (value.get(inner) == simdjson::SUCCESS) {
      if (name.size() == before && before > 0) name.pop_back();
      JsonPaths(inner, name, path, out);
    } else if (!value.is_array() && !value.is_null()) {
      out.emplace(name, path);
    }
    path.pop_back();
    name.resize(len);
  }
}

bool IsGoBool(std::string_view v) {
  static constexpr std::string_view kBools[] = {"1", "t", "T", "TRUE",  "true",  "True",
                                                "0", "f", "F", "FALSE", "false", "False"};
  for (std::string_view b : kBools) {
    if (v == b) return true;
  }
  return false;
}

bool IsGoInt(std::string_view v) {
  size_t i = v.starts_with('-') || v.starts_with('+') ? 1 : 0;
  if (i == v.size()) return false;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return v.size() <= 19;
}

}  // namespace

std::string DetectedFieldType(std::string_view value) {
  if (IsGoInt(value)) return "int";
  if (ParseGoFloat(value).ok()) return "float";
  if (IsGoBool(value)) return "boolean";
  if (ParseGoDuration(value).ok()) return "duration";
  if (ParseHumanBytes(value).ok()) return "bytes";
  return "string";
}

Result<DetectedFieldsResult> ExecuteDetectedFields(Storage& storage,
                                                   const logql::LogSelectorExpr& expr,
                                                   const DetectedFieldsParams& params) {
  LogQueryParams query;
  query.tenants = params.tenants;
  query.start = params.start;
  query.end = params.end;
  query.limit = params.line_limit;
  query.direction = Direction::kBackward;
  query.categorize_labels = true;
  query.limits = params.limits;
  LODE_ASSIGN_OR_RETURN(LogQueryResult lines, ExecuteLogQuery(storage, expr, query));

  std::map<std::string, Field, std::less<>> fields;
  auto add = [&](std::string_view name, std::string_view value, const char* parser) {
    if (name == kErrorLabel || name == kErrorDetailsLabel || name == "__preserve_error__") return;
    if (!params.values_of.empty() && name != params.values_of) return;
    auto it = fields.find(name);
    if (it == fields.end()) {
      if (fields.size() >= params.field_limit) return;
      it = fields.emplace(std::string(name), Field{DetectedFieldType(value), {}, {}, {}}).first;
    }
    it->second.values.emplace(value);
    if (parser != nullptr) it->second.parsers.insert(parser);
  };
  LabelsBuilder labels;
  simdjson::dom::parser json;
  std::map<std::string, std::vector<std::string>> paths;
  for (const StreamResult& stream : lines.streams) {
    for (const LogEntry& entry : stream.entries) {
      for (const Label& l : entry.metadata) add(l.name, l.value, nullptr);
      // The line as JSON, or else as logfmt; a name that is a stream
      // label or metadata gets `_extracted`, as the parsers name it.
      labels.Reset(stream.labels, entry.metadata);
      std::string error;
      const char* parser = nullptr;
      const size_t first = entry.line.find_first_not_of(" \t");
      if (first != std::string::npos && entry.line[first] == '{' &&
          ExtractJsonLabels(entry.line, labels, &error)) {
        parser = "json";
      } else {
        labels.Reset(stream.labels, entry.metadata);
        error.clear();
        if (ExtractLogfmtLabels(entry.line, LogfmtOptions{}, labels, &error)) parser = "logfmt";
      }
      if (parser == nullptr) continue;
      if (parser == std::string_view("json")) {
        simdjson::dom::object object;
        if (json.parse(entry.line).get(object) == simdjson::SUCCESS) {
          std::string name;
          std::vector<std::string> path;
          paths.clear();
          JsonPaths(object, name, path, paths);
          for (const Label& l : labels.Build(LabelCategory::kParsed)) {
            auto it = fields.find(l.name);
            if (it != fields.end() && !it->second.json_path.empty()) continue;
            std::string_view plain = l.name;
            auto p = paths.find(std::string(plain));
            if (p == paths.end() && plain.ends_with("_extracted")) {
              p = paths.find(std::string(plain.substr(0, plain.size() - 10)));
            }
            add(l.name, l.value, parser);
            it = fields.find(l.name);
            if (p != paths.end() && it != fields.end()) it->second.json_path = p->second;
          }
        }
      }
      for (const Label& l : labels.Build(LabelCategory::kParsed)) add(l.name, l.value, parser);
      // What the query's own parsers found.
      for (const Label& l : entry.parsed) add(l.name, l.value, parser);
    }
  }

  DetectedFieldsResult result;
  if (!params.values_of.empty()) {
    auto it = fields.find(params.values_of);
    if (it != fields.end()) {
      for (const std::string& v : it->second.values) {
        if (result.values.size() >= params.field_limit) break;
        result.values.push_back(v);
      }
    }
    return result;
  }
  for (auto& [name, f] : fields) {
    DetectedField out;
    out.label = name;
    out.type = f.type;
    out.cardinality = f.values.size();
    out.parsers.assign(f.parsers.begin(), f.parsers.end());
    out.json_path = f.json_path;
    result.fields.push_back(std::move(out));
  }
  return result;
}

}  // namespace lode
