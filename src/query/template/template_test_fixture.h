// What the template tests share: one record (labels, line, timestamp) and
// Run / ParseError to try a template on it. The labels cover what the
// tests need: strings, numbers, an empty value.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "model/labels.h"
#include "query/labels_builder.h"
#include "query/template/template.h"

namespace lode {

class TemplateTest : public ::testing::Test {
 protected:
  // `text`'s output for the record, or "ERROR: " and what failed when it
  // ran; "<parse error>" (and a test failure) when it does not parse.
  std::string Run(std::string_view text, std::string_view line = "the line",
                  int64_t timestamp_ns = 1656353124120000000, std::string_view name = "line") {
    auto t = Template::Parse(text, name);
    EXPECT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    if (!t.ok()) return "<parse error>";
    builder_.Reset(labels_, Labels());
    TemplateInput in{&builder_, line, timestamp_ns};
    std::string out;
    Status s = t->Execute(in, &out);
    if (!s.ok()) return "ERROR: " + s.message();
    return out;
  }

  // Why `text` does not parse ("" and a test failure when it does).
  std::string ParseError(std::string_view text) {
    auto t = Template::Parse(text);
    EXPECT_FALSE(t.ok()) << text;
    return t.ok() ? "" : t.status().message();
  }

  Labels labels_{{"app", "api"},  {"status", "503"}, {"msg", "hello world"}, {"dur", "1.5"},
                 {"n", "42"},     {"empty", ""},     {"foo", "1.5"},         {"bar", "5"},
                 {"baz", "10.5"}, {"bazz", "20.2"}};
  LabelsBuilder builder_;
};

}  // namespace lode
