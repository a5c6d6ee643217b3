// OTLP's JSON encoding of an export request read into the protobuf
// message, so that both encodings share one mapping (otlp_logs_map.cc).
#include <simdjson.h>

#include <charconv>

#include "base/base64.h"
#include "ingest/otlp_logs_wire.h"
#include "proto/otlp_logs.pb.h"

namespace lode {
namespace {

using wire::otlp::AnyValue;
using wire::otlp::KeyValue;

// ---- OTLP JSON: the protobuf JSON mapping, lowerCamelCase field names
// (snake_case accepted too), 64-bit integers as numbers or strings, trace
// and span ids in hex, bytes values in base64.

using simdjson::dom::element;
using simdjson::dom::object;

Status JsonError(const std::string& where, const std::string& what) {
  return Status::InvalidArgument("invalid OTLP JSON at " + where + ": " + what);
}

// The field `camel` (or `snake`) of `o`, if present and not null.
bool Field(object o, std::string_view camel, std::string_view snake, element& out) {
  if (o[camel].get(out) == simdjson::SUCCESS && !out.is_null()) return true;
  return !snake.empty() && o[snake].get(out) == simdjson::SUCCESS && !out.is_null();
}

Result<int64_t> JsonInt(element e, const std::string& where) {
  int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return i;
  uint64_t u = 0;
  if (e.get_uint64().get(u) == simdjson::SUCCESS) return static_cast<int64_t>(u);
  std::string_view s;
  if (e.get_string().get(s) == simdjson::SUCCESS) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) return i;
    uint64_t big = 0;
    auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), big);
    if (ec2 == std::errc() && p2 == s.data() + s.size() && !s.empty()) {
      return static_cast<int64_t>(big);
    }
  }
  return JsonError(where, "expected an integer (a number or a string of digits)");
}

Result<std::string> FromHex(std::string_view hex, const std::string& where) {
  if (hex.size() % 2 != 0) return JsonError(where, "hex id has an odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return JsonError(where, "id is not hex");
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

Result<std::string> FromBase64(std::string_view text, const std::string& where) {
  std::optional<std::string> bytes = DecodeBase64(text);
  if (!bytes) return JsonError(where, "bytesValue is not base64");
  return *bytes;
}

constexpr int kMaxJsonDepth = 64;

Status ParseAnyValue(element e, AnyValue* out, const std::string& where, int depth);

Status ParseKeyValues(element e, google::protobuf::RepeatedPtrField<KeyValue>* out,
                      const std::string& where, int depth) {
  simdjson::dom::array array;
  if (e.get_array().get(array) != simdjson::SUCCESS) return JsonError(where, "expected an array");
  size_t i = 0;
  for (element item : array) {
    std::string at = where + "[" + std::to_string(i++) + "]";
    object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) return JsonError(at, "expected an object");
    KeyValue* kv = out->Add();
    std::string_view key;
    if (o["key"].get_string().get(key) != simdjson::SUCCESS) {
      return JsonError(at, "missing \"key\" string");
    }
    kv->set_key(std::string(key));
    element value;
    if (o["value"].get(value) == simdjson::SUCCESS && !value.is_null()) {
      LODE_RETURN_IF_ERROR(ParseAnyValue(value, kv->mutable_value(), at + ".value", depth + 1));
    }
  }
  return Status::Ok();
}

Status ParseAnyValue(element e, AnyValue* out, const std::string& where, int depth) {
  if (depth > kMaxJsonDepth) return JsonError(where, "values nested too deep");
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS)
    return JsonError(where, "expected an AnyValue object");
  element v;
  if (Field(o, "stringValue", "string_value", v)) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return JsonError(where, "stringValue");
    out->set_string_value(std::string(s));
  } else if (Field(o, "boolValue", "bool_value", v)) {
    bool b = false;
    if (v.get_bool().get(b) != simdjson::SUCCESS) return JsonError(where, "boolValue");
    out->set_bool_value(b);
  } else if (Field(o, "intValue", "int_value", v)) {
    LODE_ASSIGN_OR_RETURN(int64_t i, JsonInt(v, where + ".intValue"));
    out->set_int_value(i);
  } else if (Field(o, "doubleValue", "double_value", v)) {
    double d = 0;
    std::string_view s;
    if (v.get_double().get(d) == simdjson::SUCCESS) {
      out->set_double_value(d);
    } else if (v.get_string().get(s) == simdjson::SUCCESS &&
               (s == "NaN" || s == "Infinity" || s == "-Infinity")) {
      out->set_double_value(s == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                            : s == "Infinity" ? std::numeric_limits<double>::infinity()
                                              : -std::numeric_limits<double>::infinity());
    } else {
      return JsonError(where, "doubleValue");
    }
  } else if (Field(o, "bytesValue", "bytes_value", v)) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return JsonError(where, "bytesValue");
    LODE_ASSIGN_OR_RETURN(std::string bytes, FromBase64(s, where));
    out->set_bytes_value(std::move(bytes));
  } else if (Field(o, "arrayValue", "array_value", v)) {
    object a;
    if (v.get_object().get(a) != simdjson::SUCCESS) return JsonError(where, "arrayValue");
    auto* array = out->mutable_array_value();
    element values;
    if (Field(a, "values", "", values)) {
      simdjson::dom::array items;
      if (values.get_array().get(items) != simdjson::SUCCESS) {
        return JsonError(where, "arrayValue.values");
      }
      for (element item : items) {
        LODE_RETURN_IF_ERROR(
            ParseAnyValue(item, array->add_values(), where + ".arrayValue", depth + 1));
      }
    }
  } else if (Field(o, "kvlistValue", "kvlist_value", v)) {
    object kv;
    if (v.get_object().get(kv) != simdjson::SUCCESS) return JsonError(where, "kvlistValue");
    element values;
    if (Field(kv, "values", "", values)) {
      LODE_RETURN_IF_ERROR(ParseKeyValues(values, out->mutable_kvlist_value()->mutable_values(),
                                          where + ".kvlistValue.values", depth + 1));
    }
  }
  return Status::Ok();
}

Status ParseLogRecord(object o, wire::otlp::LogRecord* r, const std::string& where) {
  element v;
  if (Field(o, "timeUnixNano", "time_unix_nano", v)) {
    LODE_ASSIGN_OR_RETURN(int64_t t, JsonInt(v, where + ".timeUnixNano"));
    r->set_time_unix_nano(static_cast<uint64_t>(t));
  }
  if (Field(o, "observedTimeUnixNano", "observed_time_unix_nano", v)) {
    LODE_ASSIGN_OR_RETURN(int64_t t, JsonInt(v, where + ".observedTimeUnixNano"));
    r->set_observed_time_unix_nano(static_cast<uint64_t>(t));
  }
  if (Field(o, "severityNumber", "severity_number", v)) {
    std::string_view name;
    if (v.get_string().get(name) == simdjson::SUCCESS && name.starts_with("SEVERITY_NUMBER_")) {
      // Enum names: SEVERITY_NUMBER_INFO, SEVERITY_NUMBER_WARN2, ...
      static const char* kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
      std::string_view rest = name.substr(16);
      for (int i = 0; i < 6; ++i) {
        std::string_view n = kNames[i];
        if (rest.starts_with(n)) {
          int step = rest.size() == n.size() ? 1 : rest[n.size()] - '0';
          if (step >= 1 && step <= 4) r->set_severity_number(i * 4 + step);
        }
      }
    } else {
      LODE_ASSIGN_OR_RETURN(int64_t n, JsonInt(v, where + ".severityNumber"));
      r->set_severity_number(static_cast<int32_t>(n));
    }
  }
  std::string_view s;
  if (Field(o, "severityText", "severity_text", v) && v.get_string().get(s) == simdjson::SUCCESS) {
    r->set_severity_text(std::string(s));
  }
  if (Field(o, "eventName", "event_name", v) && v.get_string().get(s) == simdjson::SUCCESS) {
    r->set_event_name(std::string(s));
  }
  if (Field(o, "body", "", v)) {
    LODE_RETURN_IF_ERROR(ParseAnyValue(v, r->mutable_body(), where + ".body", 0));
  }
  if (Field(o, "attributes", "", v)) {
    LODE_RETURN_IF_ERROR(ParseKeyValues(v, r->mutable_attributes(), where + ".attributes", 0));
  }
  if (Field(o, "flags", "", v)) {
    LODE_ASSIGN_OR_RETURN(int64_t f, JsonInt(v, where + ".flags"));
    r->set_flags(static_cast<uint32_t>(f));
  }
  if (Field(o, "traceId", "trace_id", v) && v.get_string().get(s) == simdjson::SUCCESS) {
    LODE_ASSIGN_OR_RETURN(std::string id, FromHex(s, where + ".traceId"));
    r->set_trace_id(std::move(id));
  }
  if (Field(o, "spanId", "span_id", v) && v.get_string().get(s) == simdjson::SUCCESS) {
    LODE_ASSIGN_OR_RETURN(std::string id, FromHex(s, where + ".spanId"));
    r->set_span_id(std::move(id));
  }
  return Status::Ok();
}

}  // namespace

Status ParseOtlpJsonRequest(simdjson::dom::element root,
                            wire::otlp::ExportLogsServiceRequest* request) {
  object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    return JsonError("top level", "expected an object with \"resourceLogs\"");
  }
  element resource_logs;
  if (!Field(top, "resourceLogs", "resource_logs", resource_logs)) return Status::Ok();
  simdjson::dom::array rl_array;
  if (resource_logs.get_array().get(rl_array) != simdjson::SUCCESS) {
    return JsonError("resourceLogs", "expected an array");
  }
  size_t i = 0;
  for (element rl_el : rl_array) {
    std::string where = "resourceLogs[" + std::to_string(i++) + "]";
    object rl;
    if (rl_el.get_object().get(rl) != simdjson::SUCCESS)
      return JsonError(where, "expected an object");
    auto* out_rl = request->add_resource_logs();
    element v;
    if (Field(rl, "resource", "", v)) {
      object resource;
      if (v.get_object().get(resource) != simdjson::SUCCESS) {
        return JsonError(where + ".resource", "expected an object");
      }
      element attributes;
      if (Field(resource, "attributes", "", attributes)) {
        LODE_RETURN_IF_ERROR(ParseKeyValues(attributes,
                                            out_rl->mutable_resource()->mutable_attributes(),
                                            where + ".resource.attributes", 0));
      }
    }
    if (!Field(rl, "scopeLogs", "scope_logs", v)) continue;
    simdjson::dom::array sl_array;
    if (v.get_array().get(sl_array) != simdjson::SUCCESS) {
      return JsonError(where + ".scopeLogs", "expected an array");
    }
    size_t j = 0;
    for (element sl_el : sl_array) {
      std::string at = where + ".scopeLogs[" + std::to_string(j++) + "]";
      object sl;
      if (sl_el.get_object().get(sl) != simdjson::SUCCESS)
        return JsonError(at, "expected an object");
      auto* out_sl = out_rl->add_scope_logs();
      element scope_el;
      if (Field(sl, "scope", "", scope_el)) {
        object scope;
        if (scope_el.get_object().get(scope) != simdjson::SUCCESS) {
          return JsonError(at + ".scope", "expected an object");
        }
        std::string_view s;
        element f;
        if (Field(scope, "name", "", f) && f.get_string().get(s) == simdjson::SUCCESS) {
          out_sl->mutable_scope()->set_name(std::string(s));
        }
        if (Field(scope, "version", "", f) && f.get_string().get(s) == simdjson::SUCCESS) {
          out_sl->mutable_scope()->set_version(std::string(s));
        }
        if (Field(scope, "attributes", "", f)) {
          LODE_RETURN_IF_ERROR(ParseKeyValues(f, out_sl->mutable_scope()->mutable_attributes(),
                                              at + ".scope.attributes", 0));
        }
      }
      element records;
      if (!Field(sl, "logRecords", "log_records", records)) continue;
      simdjson::dom::array lr_array;
      if (records.get_array().get(lr_array) != simdjson::SUCCESS) {
        return JsonError(at + ".logRecords", "expected an array");
      }
      size_t k = 0;
      for (element lr_el : lr_array) {
        std::string rec_at = at + ".logRecords[" + std::to_string(k++) + "]";
        object lr;
        if (lr_el.get_object().get(lr) != simdjson::SUCCESS) {
          return JsonError(rec_at, "expected an object");
        }
        LODE_RETURN_IF_ERROR(ParseLogRecord(lr, out_sl->add_log_records(), rec_at));
      }
    }
  }
  return Status::Ok();
}

}  // namespace lode
