#include "query/pipeline.h"

#include <gtest/gtest.h>

#include "logql/parser.h"
#include "query/line_filter.h"

namespace lode {
namespace {

// Runs the pipeline of `query` over one record: "dropped", or the line
// and labels after the stages, `line {labels}`.
std::string RunPipeline(std::string_view query, std::string_view line,
                        Labels stream = Labels{{"app", "api"}}, Labels metadata = {},
                        int64_t ts = 1700000000000000000) {
  auto expr = logql::ParseQuery(query);
  EXPECT_TRUE(expr.ok()) << query << ": " << expr.status().ToString();
  if (!expr.ok()) return "<parse error>";
  auto p = Pipeline::Compile(expr->log()->pipeline);
  if (!p.ok()) return "COMPILE: " + p.status().message();
  // The pushed filters run in storage; here, in front.
  auto chain = LineFilterChain::Compile(p->PushedLineFilters());
  EXPECT_TRUE(chain.ok());
  if (!chain->Matches(line)) return "dropped";
  LabelsBuilder labels;
  labels.Reset(stream, metadata);
  PipelineState state;
  std::string_view current = line;
  if (!p->Process(ts, &current, labels, state)) return "dropped";
  return std::string(current) + " " + labels.Build().ToString();
}

TEST(PipelineJson, FlattensNestedObjectsAndSkipsArraysAndNulls) {
  EXPECT_EQ(RunPipeline(
                R"({app="api"} | json)",
                R"({"a":"x","n":{"b":1.50,"c":{"d":true}},"arr":[1,2],"z":null,"e":"q\"\u00e9"})"),
            R"({"a":"x","n":{"b":1.50,"c":{"d":true}},"arr":[1,2],"z":null,"e":"q\"\u00e9"} )"
            R"({a="x", app="api", e="q\"é", n_b="1.50", n_c_d="true"})");
}

TEST(PipelineJson, SanitizesNamesAndSuffixesStreamLabels) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | json)",
                        R"({"app":"web","foo.bar":"1","1st":"x","a-b":{"1c":2}})"),
            R"({"app":"web","foo.bar":"1","1st":"x","a-b":{"1c":2}} )"
            R"({_1st="x", a_b_1c="2", app="api", app_extracted="web", foo_bar="1"})");
}

TEST(PipelineJson, InvalidJsonKeepsTheLineWithAnError) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | json)", "plain text"),
            "plain text {__error__=\"JSONParserErr\", __error_details__=\"Value looks like object, "
            "but can't find closing '}' symbol\", app=\"api\"}");
  // What came before the error stays.
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | json)", R"({"a":"x","b":})"),
      R"({"a":"x","b":} {__error__="JSONParserErr", __error_details__="Unknown value type", a="x", app="api"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | json | __error__="")", "nope"), "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} | json | drop __error__, __error_details__)", "nope"),
            "nope {app=\"api\"}");
}

TEST(PipelineJson, ExtractionPaths) {
  const char* line = R"({"user":{"name":"ann","ids":[7,8]},"obj":{"k": 1},"a.b":"dot","n":null})";
  EXPECT_EQ(
      RunPipeline(
          R"({app="api"} | json name="user.name", second="user.ids[1]", o="obj", d="[\"a.b\"]", n, m="missing")",
          line),
      std::string(line) +
          R"( {app="api", d="dot", m="", n="", name="ann", o="{\"k\": 1}", second="8"})");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | json x="a..b")", "{}"),
      "COMPILE: cannot parse expression [a..b]: syntax error: unexpected DOT, expecting FIELD");
  EXPECT_EQ(RunPipeline(R"({app="api"} | json x="a")", " {}"),
            " {} {__error__=\"JSONParserErr\", app=\"api\"}");
}

TEST(PipelineJson, FirstCreatorWinsAcrossParsers) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | json)", R"(a=1)"),
            "a=1 {__error__=\"JSONParserErr\", __error_details__=\"Value looks like object, but "
            "can't find closing '}' symbol\", a=\"1\", app=\"api\"}");
  EXPECT_EQ(RunPipeline(R"q({app="api"} | regexp "(?P<a>\\w+)" | json)q", R"({"a":"json"})"),
            R"({"a":"json"} {a="a", app="api"})");
  // A field named like metadata keeps the metadata and takes the suffix
  // _extracted, with or without an extraction expression.
  EXPECT_EQ(RunPipeline(R"({app="api"} | json)", R"({"trace":"t2"})", Labels{{"app", "api"}},
                        Labels{{"trace", "t1"}}),
            R"({"trace":"t2"} {app="api", trace="t1", trace_extracted="t2"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | json trace)", R"({"trace":"t2"})", Labels{{"app", "api"}},
                        Labels{{"trace", "t1"}}),
            R"({"trace":"t2"} {app="api", trace="t1", trace_extracted="t2"})");
}

TEST(PipelineLogfmt, PairsQuotesAndEmptyValues) {
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt)",
                  R"(level=info msg="hello \"you\"" n=5 flag empty= app=x)"),
      R"(level=info msg="hello \"you\"" n=5 flag empty= app=x {app="api", app_extracted="x", level="info", msg="hello \"you\"", n="5"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt --keep-empty)", R"(a=1 flag b=)"),
            R"(a=1 flag b= {a="1", app="api", b="", flag=""})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt)", R"(a=1 b=2 a=3)"),
            R"(a=1 b=2 a=3 {a="1", app="api", b="2"})");
}

TEST(PipelineLogfmt, MalformedPairsAreSkippedOrStrictErrors) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt)", "foobar====wqe=sdad1r x=1"),
            "foobar====wqe=sdad1r x=1 {app=\"api\", x=\"1\"}");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt --strict)", "a=1 foobar====wqe=sdad1r x=1"),
      "a=1 foobar====wqe=sdad1r x=1 {__error__=\"LogfmtParserErr\", __error_details__=\"logfmt "
      "syntax error at pos 12 : unexpected '='\", a=\"1\", app=\"api\"}");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt --strict)", "a=\"unterminated"),
      "a=\"unterminated {__error__=\"LogfmtParserErr\", __error_details__=\"logfmt syntax error "
      "at pos 16 : unterminated quoted value\", app=\"api\"}");
}

TEST(PipelineLogfmt, Extractions) {
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt lvl="level", n, missing)", "level=warn n=7 other=1"),
      R"(level=warn n=7 other=1 {app="api", lvl="warn", missing="", n="7"})");
}

TEST(PipelineRegexpAndPattern, NamedGroupsAndCaptures) {
  EXPECT_EQ(
      RunPipeline(R"q({app="api"} | regexp "(?P<method>\\w+) (?P<path>/\\S*)( (?P<opt>x))?")q",
                  "GET /a/b 200"),
      R"(GET /a/b 200 {app="api", method="GET", opt="", path="/a/b"})");
  EXPECT_EQ(RunPipeline(R"q({app="api"} | regexp "(?P<x>zzz)")q", "nothing"),
            R"(nothing {app="api"})");
  EXPECT_EQ(
      RunPipeline(
          R"({app="api"} | pattern "<ip> - <_> [<ts>] \"<method> <path> <_>\" <status> <size>")",
          R"(10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 512)"),
      R"(10.0.0.1 - - [01/Dec/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 512 {app="api", ip="10.0.0.1", method="GET", path="/x", size="512", status="200", ts="01/Dec/2026:10:00:00 +0000"})");
  // A leading literal anchors; a missing literal ends the match.
  EXPECT_EQ(RunPipeline(R"({app="api"} | pattern "GET <p>")", "POST /x"), R"(POST /x {app="api"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | pattern "<a> <b>;<c>")", "x y z"),
            R"(x y z {a="x", app="api", b="y z"})");
}

TEST(PipelineFilters, PatternAndIpLineFilters) {
  EXPECT_EQ(RunPipeline(R"({app="api"} |> "<_> error <_>")", "a error b"),
            R"(a error b {app="api"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} |> "<_> error <_>")", "error b"), "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} !> "<_> error <_>")", "a error b"), "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} |= ip("10.0.0.0/8"))", "from 10.1.2.3:80 ok"),
            R"(from 10.1.2.3:80 ok {app="api"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} |= ip("10.0.0.0/8"))", "from 11.1.2.3 ok"), "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} != ip("192.168.1.1-192.168.1.9"))", "a 192.168.1.5 b"),
            "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} |= ip("2001:db8::/32"))", "v6 2001:db8::1 here"),
            R"(v6 2001:db8::1 here {app="api"})");
}

TEST(PipelineLabelFilters, NumbersDurationsBytesAndErrors) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | status >= 500)", "status=503"),
            R"(status=503 {app="api", status="503"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | status >= 500)", "status=404"), "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | status != 500)", "other=1"), "dropped")
      << "a number filter drops a record without the label, even for !=";
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt | status > 1)", "status=abc"),
      "status=abc {__error__=\"LabelFilterErr\", __error_details__=\"strconv.ParseFloat: parsing "
      "\\\"abc\\\": invalid syntax\", app=\"api\", status=\"abc\"}");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | took > 1s)", "took=1.5s"),
            R"(took=1.5s {app="api", took="1.5s"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | took > 1s)", "took=900ms"), "dropped");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt | took > 1s)", "took=5"),
      "took=5 {__error__=\"LabelFilterErr\", __error_details__=\"time: missing unit in duration "
      "\\\"5\\\"\", app=\"api\", took=\"5\"}");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | size > 1KiB)", "size=2kb"),
            R"(size=2kb {app="api", size="2kb"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | size > 1KiB)", "size=1000"), "dropped");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | addr = ip("10.0.0.0/8"))", "addr=10.2.3.4"),
            R"(addr=10.2.3.4 {addr="10.2.3.4", app="api"})");
}

TEST(PipelineLabelFilters, StringsAndBooleanTrees) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | level=~"warn|error")", "level=warning"),
            "dropped")
      << "regex label filters are anchored";
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | level="" )", "x=1"), R"(x=1 {app="api", x="1"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | level="error" or status >= 500)",
                        "level=info status=502"),
            R"(level=info status=502 {app="api", level="info", status="502"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | level="error", status >= 500)",
                        "level=error status=200"),
            "dropped");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt | (level="a" or level="b") and n > 1)", "level=b n=2"),
      R"(level=b n=2 {app="api", level="b", n="2"})");
}

TEST(PipelineFormat, LineFormatAndErrors) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | line_format "{{.level | ToUpper}}: {{.msg}}")",
                        "level=info msg=hi"),
            R"(INFO: hi {app="api", level="info", msg="hi"})");
  // Later filters see the new line.
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | logfmt | line_format "{{.msg}}" |= "hi")", "msg=hi other=x"),
      R"(hi {app="api", msg="hi", other="x"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | line_format "{{.msg}}" |= "other")", "msg=hi other=x"),
            "dropped");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | line_format "{{ div 1 0 }}")", "keep me"),
      "keep me {__error__=\"TemplateFormatErr\", __error_details__=\"template: line:1:3: executing "
      "\\\"line\\\" at <div 1 0>: error calling div: runtime error: integer divide by zero\", "
      "app=\"api\"}");
  EXPECT_EQ(RunPipeline(R"({app="api"} | line_format "{{ nope }}")", "x"),
            "COMPILE: invalid line template: template: line:1: function \"nope\" not defined");
}

TEST(PipelineFormat, LabelFormatRenamesAndTemplates) {
  Labels stream{{"foo", "blip"}, {"bar", "blop"}};
  EXPECT_EQ(RunPipeline(R"({foo="blip"} | label_format blip="{{.foo}} and {{.bar}}", bar=foo)", "l",
                        stream),
            R"(l {bar="blip", blip="blip and blop"})");
  EXPECT_EQ(RunPipeline(R"({foo="blip"} | label_format x="1", y="{{.x}}")", "l", stream),
            R"(l {bar="blop", foo="blip", x="1", y=""})");
  EXPECT_EQ(RunPipeline(R"({foo="blip"} | label_format a=missing)", "l", stream),
            R"(l {bar="blop", foo="blip"})");
  EXPECT_EQ(
      RunPipeline(
          R"({foo="blip"} | label_format ts="{{ __timestamp__ | unixEpoch }}", l="{{ __line__ }}")",
          "the line", stream),
      R"(the line {bar="blop", foo="blip", l="the line", ts="1700000000"})");
}

TEST(PipelineSelection, DropAndKeep) {
  Labels stream{{"app", "api"}, {"env", "prod"}};
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | drop level, env="dev")", "level=x n=1", stream),
            R"(level=x n=1 {app="api", env="prod", n="1"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | logfmt | keep n, env=~"p.*")", "level=x n=1", stream),
            R"(level=x n=1 {env="prod", n="1"})");
  // keep never removes the error labels.
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | json | keep app)", "x", stream),
      "x {__error__=\"JSONParserErr\", __error_details__=\"Value looks like object, but can't "
      "find closing '}' symbol\", app=\"api\"}");
}

TEST(PipelineMisc, DecolorizeAndUnpack) {
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | decolorize)", "\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[0m"),
      R"(red and green {app="api"})");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | unpack)", R"({"_entry":"original line","pod":"p1","n":5})"),
      R"(original line {app="api", pod="p1"})");
  EXPECT_EQ(RunPipeline(R"({app="api"} | unpack)", R"({"pod":"p1"})"),
            R"({"pod":"p1"} {app="api"})");
  EXPECT_EQ(
      RunPipeline(R"({app="api"} | unpack)", "text"),
      "text {__error__=\"JSONParserErr\", __error_details__=\"expecting json object(6), but it is "
      "not\", app=\"api\"}");
}

TEST(PipelineMisc, MetadataIsALabelAndClashesAreSuffixed) {
  EXPECT_EQ(RunPipeline(R"({app="api"} | trace_id="t1")", "l", Labels{{"app", "api"}},
                        Labels{{"trace_id", "t1"}}),
            R"(l {app="api", trace_id="t1"})");
  EXPECT_EQ(RunPipeline(R"({app="api"})", "l", Labels{{"app", "api"}}, Labels{{"app", "meta"}}),
            R"(l {app="api", app_extracted="meta"})");
}

TEST(PipelineSplit, LeadingTextFiltersArePushedToStorage) {
  auto expr = logql::ParseQuery(R"({a="b"} |= "x" | json |~ "y" | line_format "z" |= "w")");
  ASSERT_TRUE(expr.ok());
  auto p = Pipeline::Compile(expr->log()->pipeline);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->PushedLineFilters().size(), 2u);
  EXPECT_EQ(p->PushedLineFilters()[0].values[0], "x");
  EXPECT_EQ(p->PushedLineFilters()[1].values[0], "y");
  EXPECT_TRUE(p->ChangesLine());
}

}  // namespace
}  // namespace lode
