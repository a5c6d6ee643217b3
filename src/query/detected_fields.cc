#include "query/detected_fields.h"

#include <map>
#include <set>

#include "query/json_labels.h"
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
};

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
      it = fields.emplace(std::string(name), Field{DetectedFieldType(value), {}, {}}).first;
    }
    it->second.values.emplace(value);
    if (parser != nullptr) it->second.parsers.insert(parser);
  };
  LabelsBuilder labels;
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
    result.fields.push_back(std::move(out));
  }
  return result;
}

}  // namespace lode
