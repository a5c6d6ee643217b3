#include "wire/loki_push_json.h"

#include <gtest/gtest.h>

#include <string>

namespace lode {
namespace {

std::vector<StreamBatch> MustDecode(std::string_view body) {
  auto batches = DecodeLokiPushJson(body);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  return batches.ok() ? std::move(batches).value() : std::vector<StreamBatch>{};
}

// Decoding `body` fails with InvalidArgument whose message contains `where`.
void ExpectError(std::string_view body, std::string_view where) {
  auto batches = DecodeLokiPushJson(body);
  ASSERT_FALSE(batches.ok()) << body;
  EXPECT_EQ(batches.status().code(), StatusCode::kInvalidArgument) << body;
  EXPECT_NE(batches.status().message().find(where), std::string::npos)
      << body << "\nmessage: " << batches.status().message() << "\nexpected to contain: " << where;
}

TEST(DecodeLokiPushJsonTest, TwoStreamsWithMetadata) {
  auto batches = MustDecode(R"({"streams":[
    {"stream":{"app":"api","env":"prod"},
     "values":[["1714521600000000000","first"],
               ["1714521600000000001","second",{"trace_id":"abc","user":"u1"}]]},
    {"stream":{"app":"web"},
     "values":[["5","caf\u00e9 \"quoted\"\n"]]}]})");
  ASSERT_EQ(batches.size(), 2u);

  EXPECT_EQ(batches[0].labels, (Labels{{"app", "api"}, {"env", "prod"}}));
  ASSERT_EQ(batches[0].entries.size(), 2u);
  EXPECT_EQ(batches[0].entries[0].timestamp, 1714521600000000000);
  EXPECT_EQ(batches[0].entries[0].line, "first");
  EXPECT_TRUE(batches[0].entries[0].metadata.empty());
  EXPECT_EQ(batches[0].entries[1].timestamp, 1714521600000000001);
  EXPECT_EQ(batches[0].entries[1].line, "second");
  EXPECT_EQ(batches[0].entries[1].metadata, (Labels{{"trace_id", "abc"}, {"user", "u1"}}));

  EXPECT_EQ(batches[1].labels, (Labels{{"app", "web"}}));
  ASSERT_EQ(batches[1].entries.size(), 1u);
  EXPECT_EQ(batches[1].entries[0].timestamp, 5);
  EXPECT_EQ(batches[1].entries[0].line, "caf\xC3\xA9 \"quoted\"\n");
}

TEST(DecodeLokiPushJsonTest, EntriesKeepTheirOrder) {
  auto batches = MustDecode(R"({"streams":[{"stream":{"a":"b"},
    "values":[["30","c"],["10","a"],["20","b"]]}]})");
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].entries.size(), 3u);
  EXPECT_EQ(batches[0].entries[0].line, "c");
  EXPECT_EQ(batches[0].entries[1].line, "a");
  EXPECT_EQ(batches[0].entries[2].line, "b");
}

TEST(DecodeLokiPushJsonTest, EmptyStreamsArray) {
  EXPECT_TRUE(MustDecode(R"({"streams":[]})").empty());
}

TEST(DecodeLokiPushJsonTest, StreamWithEmptyValues) {
  auto batches = MustDecode(R"({"streams":[{"stream":{"a":"b"},"values":[]}]})");
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches[0].entries.empty());
}

TEST(DecodeLokiPushJsonTest, EmptyLineAndEmptyMetadataAreAllowed) {
  auto batches = MustDecode(R"({"streams":[{"stream":{"a":"b"},"values":[["1","",{}]]}]})");
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].entries.size(), 1u);
  EXPECT_EQ(batches[0].entries[0].line, "");
  EXPECT_TRUE(batches[0].entries[0].metadata.empty());
}

TEST(DecodeLokiPushJsonTest, NotJsonOrWrongTopLevel) {
  ExpectError("", "invalid JSON");
  ExpectError("{", "invalid JSON");
  ExpectError(R"({"streams":[]} x)", "invalid JSON");
  ExpectError("[]", "\"streams\" array");
  ExpectError("{}", "\"streams\" array");
  ExpectError(R"({"streams":{}})", "\"streams\" array");
  ExpectError(R"({"streams":null})", "\"streams\" array");
}

TEST(DecodeLokiPushJsonTest, InvalidUtf8IsRejected) {
  ExpectError("{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"1\",\"\xff\"]]}]}",
              "invalid JSON");
  ExpectError("{\"streams\":[{\"stream\":{\"a\":\"\xC0\x80\"},\"values\":[]}]}", "invalid JSON");
}

TEST(DecodeLokiPushJsonTest, MalformedStreamNamesItsIndex) {
  const std::string ok_stream = R"({"stream":{"a":"b"},"values":[]})";
  ExpectError(R"({"streams":[)" + ok_stream + R"(,"x"]})", "streams[1]: must be an object");
  ExpectError(R"({"streams":[{"values":[]}]})", "streams[0]: missing \"stream\"");
  ExpectError(R"({"streams":[{"stream":{"a":"b"}}]})", "streams[0]: missing \"values\"");
  ExpectError(R"({"streams":[{"stream":{"a":"b"},"values":{}}]})",
              "streams[0]: missing \"values\"");
  ExpectError(R"({"streams":[{"stream":[],"values":[]}]})", "streams[0].stream: must be an object");
  ExpectError(R"({"streams":[{"stream":{"a":1},"values":[]}]})",
              "streams[0].stream.a: label value must be a string");
}

TEST(DecodeLokiPushJsonTest, MalformedValueNamesItsPlace) {
  auto body = [](const std::string& second_value) {
    return R"({"streams":[{"stream":{"a":"b"},"values":[["1","ok"],)" + second_value + "]}]}";
  };
  ExpectError(body(R"("x")"), "streams[0].values[1]: must be an array");
  ExpectError(body(R"(["1"])"), "streams[0].values[1]: must have 2 or 3 elements, has 1");
  ExpectError(body(R"([])"), "streams[0].values[1]: must have 2 or 3 elements, has 0");
  ExpectError(body(R"(["1","a",{},"x"])"),
              "streams[0].values[1]: must have 2 or 3 elements, has 4");
  ExpectError(body(R"([1,"a"])"), "streams[0].values[1][0]: timestamp must be a string");
  ExpectError(body(R"(["","a"])"), "streams[0].values[1][0]: timestamp \"\" is not an integer");
  ExpectError(body(R"(["12x","a"])"), "streams[0].values[1][0]: timestamp \"12x\"");
  ExpectError(body(R"(["1.5","a"])"), "streams[0].values[1][0]");
  ExpectError(body(R"(["99999999999999999999","a"])"), "streams[0].values[1][0]");
  ExpectError(body(R"(["1",2])"), "streams[0].values[1][1]: log line must be a string");
  ExpectError(body(R"(["1",null])"), "streams[0].values[1][1]: log line must be a string");
  ExpectError(body(R"(["1","a","x"])"), "streams[0].values[1][2]: must be an object");
  ExpectError(body(R"(["1","a",{"k":1}])"),
              "streams[0].values[1][2].k: label value must be a string");
}

TEST(DecodeLokiPushJsonTest, MalformedLegacyEntryNamesItsPlace) {
  const std::string first = R"({"ts":"2024-05-01T00:00:00Z","line":"ok"},)";
  auto body = [&](const std::string& second) {
    return R"({"streams":[{"labels":"{a=\"b\"}","entries":[)" + first + second + "]}]}";
  };
  ExpectError(body(R"({"line":"x"})"), "streams[0].entries[1]: missing \"ts\"");
  ExpectError(body(R"({"ts":"2024-05-01T00:00:00Z"})"), "streams[0].entries[1]: missing \"line\"");
  ExpectError(body(R"({"ts":"yesterday","line":"x"})"), "streams[0].entries[1].ts");
}

TEST(DecodeLokiPushJsonTest, ErrorInLaterStreamNamesThatStream) {
  ExpectError(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x"]]},
                              {"stream":{"a":"c"},"values":[["1","x"],["2","y"],["3"]]}]})",
              "streams[1].values[2]");
}

}  // namespace
}  // namespace lode
