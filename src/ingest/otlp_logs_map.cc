// OTLP log records into lode's streams, the mapping described in
// otlp_logs.h: which resource attributes become labels, what becomes
// structured metadata, and how bodies, severities and times are read.
#include <charconv>
#include <unordered_map>

#include "base/base64.h"
#include "base/json_writer.h"
#include "ingest/otlp_logs_wire.h"
#include "proto/otlp_logs.pb.h"

namespace lode {
namespace {

using wire::otlp::AnyValue;
using wire::otlp::KeyValue;

void AppendDouble(double v, std::string& out) {
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (ec != std::errc()) {
    out += "NaN";
    return;
  }
  out.append(buf, end);
}

void WriteJsonValue(const AnyValue& v, JsonWriter& json);

void WriteJsonValue(const AnyValue& v, JsonWriter& json) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      json.String(v.string_value());
      break;
    case AnyValue::kBoolValue:
      json.Bool(v.bool_value());
      break;
    case AnyValue::kIntValue:
      json.Int(v.int_value());
      break;
    case AnyValue::kDoubleValue:
      json.Double(v.double_value());
      break;
    case AnyValue::kBytesValue: {
      std::string b64;
      AppendBase64(v.bytes_value(), b64);
      json.String(b64);
      break;
    }
    case AnyValue::kArrayValue:
      json.BeginArray();
      for (const AnyValue& item : v.array_value().values()) WriteJsonValue(item, json);
      json.EndArray();
      break;
    case AnyValue::kKvlistValue:
      json.BeginObject();
      for (const KeyValue& kv : v.kvlist_value().values()) {
        json.Key(kv.key());
        WriteJsonValue(kv.value(), json);
      }
      json.EndObject();
      break;
    case AnyValue::VALUE_NOT_SET:
      json.Null();
      break;
  }
}

// An attribute value as text: strings as they are, numbers and booleans
// printed, bytes in base64, arrays and maps as JSON.
std::string ValueText(const AnyValue& v) {
  std::string out;
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return v.string_value();
    case AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case AnyValue::kIntValue:
      return std::to_string(v.int_value());
    case AnyValue::kDoubleValue:
      AppendDouble(v.double_value(), out);
      return out;
    case AnyValue::kBytesValue:
      AppendBase64(v.bytes_value(), out);
      return out;
    case AnyValue::kArrayValue:
    case AnyValue::kKvlistValue: {
      JsonWriter json(out);
      WriteJsonValue(v, json);
      return out;
    }
    case AnyValue::VALUE_NOT_SET:
      return out;
  }
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kDigits[uint8_t(c) >> 4];
    out += kDigits[uint8_t(c) & 15];
  }
  return out;
}

// SeverityNumber ranges of the OTel log data model.
std::string LevelOf(int number, std::string_view text) {
  if (number >= 1 && number <= 4) return "trace";
  if (number >= 5 && number <= 8) return "debug";
  if (number >= 9 && number <= 12) return "info";
  if (number >= 13 && number <= 16) return "warn";
  if (number >= 17 && number <= 20) return "error";
  if (number >= 21 && number <= 24) return "fatal";
  std::string level(text);
  for (char& c : level) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (level == "warning") return "warn";
  if (level == "err") return "error";
  if (level == "critical") return "fatal";
  return level;
}

}  // namespace

Result<std::vector<StreamBatch>> MapOtlpRequest(const wire::otlp::ExportLogsServiceRequest& request,
                                                const OtlpOptions& options, TimestampNs now) {
  std::vector<StreamBatch> batches;
  std::unordered_map<std::string, size_t> stream_index;  // labels text -> batch
  for (const wire::otlp::ResourceLogs& resource_logs : request.resource_logs()) {
    std::vector<Label> labels;
    std::vector<Label> resource_metadata;
    bool has_service_name = false;
    for (const KeyValue& kv : resource_logs.resource().attributes()) {
      bool as_label = false;
      for (const std::string& name : options.resource_attributes_as_labels) {
        if (kv.key() == name) as_label = true;
      }
      std::string value = ValueText(kv.value());
      if (kv.key() == "service.name" && as_label && !value.empty()) has_service_name = true;
      if (as_label) {
        if (!value.empty()) labels.push_back(Label{NormalizeLabelName(kv.key()), std::move(value)});
      } else {
        resource_metadata.push_back(Label{NormalizeLabelName(kv.key()), std::move(value)});
      }
    }
    if (!has_service_name) labels.push_back(Label{"service_name", "unknown_service"});
    Labels stream_labels(std::move(labels));
    std::string key = stream_labels.ToString();
    auto [it, inserted] = stream_index.emplace(key, batches.size());
    if (inserted) batches.push_back(StreamBatch{stream_labels, {}});
    StreamBatch* batch = &batches[it->second];

    for (const wire::otlp::ScopeLogs& scope_logs : resource_logs.scope_logs()) {
      std::vector<Label> scope_metadata = resource_metadata;
      const auto& scope = scope_logs.scope();
      if (!scope.name().empty()) scope_metadata.push_back(Label{"scope_name", scope.name()});
      if (!scope.version().empty()) {
        scope_metadata.push_back(Label{"scope_version", scope.version()});
      }
      for (const KeyValue& kv : scope.attributes()) {
        scope_metadata.push_back(Label{NormalizeLabelName(kv.key()), ValueText(kv.value())});
      }
      for (const wire::otlp::LogRecord& record : scope_logs.log_records()) {
        Entry entry;
        uint64_t time = record.time_unix_nano();
        if (time == 0) time = record.observed_time_unix_nano();
        entry.timestamp =
            time == 0 || time > uint64_t(INT64_MAX) ? now : static_cast<int64_t>(time);
        entry.line = ValueText(record.body());
        std::vector<Label> metadata = scope_metadata;
        for (const KeyValue& kv : record.attributes()) {
          metadata.push_back(Label{NormalizeLabelName(kv.key()), ValueText(kv.value())});
        }
        if (!record.trace_id().empty())
          metadata.push_back(Label{"trace_id", Hex(record.trace_id())});
        if (!record.span_id().empty()) metadata.push_back(Label{"span_id", Hex(record.span_id())});
        if (record.flags() != 0) metadata.push_back(Label{"flags", std::to_string(record.flags())});
        if (!record.severity_text().empty()) {
          metadata.push_back(Label{"severity_text", record.severity_text()});
        }
        if (record.severity_number() != 0) {
          metadata.push_back(Label{"severity_number", std::to_string(record.severity_number())});
        }
        std::string level = LevelOf(record.severity_number(), record.severity_text());
        if (!level.empty()) metadata.push_back(Label{"level", std::move(level)});
        if (!record.event_name().empty()) {
          metadata.push_back(Label{"event_name", record.event_name()});
        }
        std::erase_if(metadata, [](const Label& l) { return l.value.empty(); });
        entry.metadata = Labels(std::move(metadata));
        batch->entries.push_back(std::move(entry));
      }
    }
  }
  std::erase_if(batches, [](const StreamBatch& b) { return b.entries.empty(); });
  return batches;
}

}  // namespace lode
