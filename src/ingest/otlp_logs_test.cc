#include "ingest/otlp_logs.h"

#include <gtest/gtest.h>

#include "proto/otlp_logs.pb.h"

namespace lode {
namespace {

using wire::otlp::ExportLogsServiceRequest;

void SetString(wire::otlp::KeyValue* kv, const std::string& key, const std::string& value) {
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

ExportLogsServiceRequest SampleRequest() {
  ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  SetString(rl->mutable_resource()->add_attributes(), "service.name", "checkout");
  SetString(rl->mutable_resource()->add_attributes(), "k8s.namespace.name", "shop");
  SetString(rl->mutable_resource()->add_attributes(), "host.name", "node-1");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("checkout.payments");
  sl->mutable_scope()->set_version("1.2");
  auto* r = sl->add_log_records();
  r->set_time_unix_nano(1714521600000000001);
  r->set_severity_number(17);
  r->set_severity_text("ERROR");
  r->mutable_body()->set_string_value("payment failed");
  SetString(r->add_attributes(), "http.method", "POST");
  auto* code = r->add_attributes();
  code->set_key("http.status_code");
  code->mutable_value()->set_int_value(502);
  r->set_trace_id(
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  r->set_span_id(std::string("\xaa\xbb\xcc\xdd\x00\x11\x22\x33", 8));
  auto* r2 = sl->add_log_records();
  r2->set_observed_time_unix_nano(1714521600000000002);
  auto* kv = r2->mutable_body()->mutable_kvlist_value()->add_values();
  kv->set_key("msg");
  kv->mutable_value()->set_string_value("structured");
  r2->set_severity_text("Warning");
  return request;
}

TEST(OtlpLogsTest, ResourceAttributesBecomeLabelsAndTheRestMetadata) {
  auto batches = DecodeOtlpLogsProto(SampleRequest().SerializeAsString(), OtlpOptions{}, 42);
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  ASSERT_EQ(batches->size(), 1u);
  const StreamBatch& b = (*batches)[0];
  EXPECT_EQ(b.labels.ToString(), R"({k8s_namespace_name="shop", service_name="checkout"})");
  ASSERT_EQ(b.entries.size(), 2u);
  const Entry& e = b.entries[0];
  EXPECT_EQ(e.timestamp, 1714521600000000001);
  EXPECT_EQ(e.line, "payment failed");
  EXPECT_EQ(e.metadata.Get("host_name"), "node-1");
  EXPECT_EQ(e.metadata.Get("scope_name"), "checkout.payments");
  EXPECT_EQ(e.metadata.Get("scope_version"), "1.2");
  EXPECT_EQ(e.metadata.Get("http_method"), "POST");
  EXPECT_EQ(e.metadata.Get("http_status_code"), "502");
  EXPECT_EQ(e.metadata.Get("trace_id"), "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(e.metadata.Get("span_id"), "aabbccdd00112233");
  EXPECT_EQ(e.metadata.Get("severity_text"), "ERROR");
  EXPECT_EQ(e.metadata.Get("severity_number"), "17");
  EXPECT_EQ(e.metadata.Get("level"), "error");
  // No time: the observed time; a map body is JSON; the level from text.
  const Entry& e2 = b.entries[1];
  EXPECT_EQ(e2.timestamp, 1714521600000000002);
  EXPECT_EQ(e2.line, R"({"msg":"structured"})");
  EXPECT_EQ(e2.metadata.Get("level"), "warn");
}

TEST(OtlpLogsTest, MissingServiceNameIsUnknownServiceAndTimeDefaultsToNow) {
  ExportLogsServiceRequest request;
  request.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_int_value(
      7);
  auto batches = DecodeOtlpLogsProto(request.SerializeAsString(), OtlpOptions{}, 42);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 1u);
  EXPECT_EQ((*batches)[0].labels.ToString(), R"({service_name="unknown_service"})");
  EXPECT_EQ((*batches)[0].entries[0].timestamp, 42);
  EXPECT_EQ((*batches)[0].entries[0].line, "7");
}

TEST(OtlpLogsTest, LabelListIsConfigurable) {
  OtlpOptions options;
  options.resource_attributes_as_labels = {"service.name", "host.name"};
  auto batches = DecodeOtlpLogsProto(SampleRequest().SerializeAsString(), options, 42);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ((*batches)[0].labels.ToString(), R"({host_name="node-1", service_name="checkout"})");
  EXPECT_EQ((*batches)[0].entries[0].metadata.Get("k8s_namespace_name"), "shop");
}

TEST(OtlpLogsTest, JsonEncodingGivesTheSameStreams) {
  const std::string json = R"({"resourceLogs":[{
    "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},
                              {"key":"k8s.namespace.name","value":{"stringValue":"shop"}},
                              {"key":"host.name","value":{"stringValue":"node-1"}}]},
    "scopeLogs":[{"scope":{"name":"checkout.payments","version":"1.2"},
      "logRecords":[
        {"timeUnixNano":"1714521600000000001","severityNumber":17,"severityText":"ERROR",
         "body":{"stringValue":"payment failed"},
         "attributes":[{"key":"http.method","value":{"stringValue":"POST"}},
                       {"key":"http.status_code","value":{"intValue":"502"}}],
         "traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"aabbccdd00112233"},
        {"observedTimeUnixNano":1714521600000000002,"severityText":"Warning",
         "body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"structured"}}]}}}
      ]}]}]})";
  auto from_json = DecodeOtlpLogsJson(json, OtlpOptions{}, 42);
  ASSERT_TRUE(from_json.ok()) << from_json.status().ToString();
  auto from_proto = DecodeOtlpLogsProto(SampleRequest().SerializeAsString(), OtlpOptions{}, 42);
  ASSERT_EQ(from_json->size(), 1u);
  EXPECT_EQ((*from_json)[0].labels, (*from_proto)[0].labels);
  ASSERT_EQ((*from_json)[0].entries.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*from_json)[0].entries[i].timestamp, (*from_proto)[0].entries[i].timestamp);
    EXPECT_EQ((*from_json)[0].entries[i].line, (*from_proto)[0].entries[i].line);
    EXPECT_EQ((*from_json)[0].entries[i].metadata, (*from_proto)[0].entries[i].metadata);
  }
}

TEST(OtlpLogsTest, JsonValueKindsAndEnumNames) {
  const std::string json = R"({"resource_logs":[{"scope_logs":[{"log_records":[
    {"severityNumber":"SEVERITY_NUMBER_WARN2","body":{"stringValue":"x"},
     "attributes":[{"key":"b","value":{"boolValue":true}},
                   {"key":"d","value":{"doubleValue":1.5}},
                   {"key":"raw","value":{"bytesValue":"aGk="}},
                   {"key":"list","value":{"arrayValue":{"values":[{"intValue":1},{"stringValue":"s"}]}}}]}]}]}]})";
  auto batches = DecodeOtlpLogsJson(json, OtlpOptions{}, 42);
  ASSERT_TRUE(batches.ok()) << batches.status().ToString();
  const Entry& e = (*batches)[0].entries[0];
  EXPECT_EQ(e.metadata.Get("severity_number"), "14");
  EXPECT_EQ(e.metadata.Get("level"), "warn");
  EXPECT_EQ(e.metadata.Get("b"), "true");
  EXPECT_EQ(e.metadata.Get("d"), "1.5");
  EXPECT_EQ(e.metadata.Get("raw"), "aGk=");
  EXPECT_EQ(e.metadata.Get("list"), R"([1,"s"])");
}

TEST(OtlpLogsTest, MalformedBodiesAreErrors) {
  EXPECT_FALSE(DecodeOtlpLogsProto(std::string("\x0a\xff\xff\xff", 4), OtlpOptions{}, 1).ok());
  EXPECT_FALSE(DecodeOtlpLogsJson("{", OtlpOptions{}, 1).ok());
  EXPECT_FALSE(DecodeOtlpLogsJson(R"({"resourceLogs":{}})", OtlpOptions{}, 1).ok());
  auto bad_id = DecodeOtlpLogsJson(
      R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]})", OtlpOptions{}, 1);
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.status().message().find("resourceLogs[0].scopeLogs[0].logRecords[0].traceId"),
            std::string::npos);
  std::string deep = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":)";
  for (int i = 0; i < 100; ++i) deep += R"({"arrayValue":{"values":[)";
  deep += "{}";
  for (int i = 0; i < 100; ++i) deep += "]}}";
  deep += "}]}]}]}";
  EXPECT_FALSE(DecodeOtlpLogsJson(deep, OtlpOptions{}, 1).ok());
  // An empty export is fine.
  auto empty = DecodeOtlpLogsJson("{}", OtlpOptions{}, 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace lode
