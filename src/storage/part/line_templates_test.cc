#include "storage/part/line_templates.h"

#include <gtest/gtest.h>

#include <random>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/block_codec.h"
#include "storage/part/part_format.h"
#include "storage/part/template_dictionary.h"
#include "storage/part/token_filter.h"

namespace lode::part {
namespace {

std::vector<std::string> RoundTrip(const std::vector<std::string>& lines, TemplateColumns* out,
                                   TemplateLayout layout = kCurrentTemplateLayout,
                                   SplitMode mode = SplitMode::kTokens) {
  std::vector<std::string_view> views(lines.begin(), lines.end());
  TemplateColumns columns;
  SplitLineTemplates(views, columns, nullptr, nullptr, layout, kCurrentKeyScheme, nullptr, mode);
  std::string data;
  std::vector<uint64_t> offsets;
  size_t total = 0;
  for (const std::string& line : lines) total += line.size();
  Status s = JoinLineTemplates(ViewOf(columns), lines.size(), total, data, offsets);
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::vector<std::string> back;
  if (!s.ok()) return back;
  EXPECT_EQ(offsets.size(), lines.size() + 1);
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    back.push_back(data.substr(offsets[i], offsets[i + 1] - offsets[i]));
  }
  if (out != nullptr) *out = std::move(columns);
  return back;
}

TEST(LineTemplates, LinesOfOneShapeShareOneTemplate) {
  std::vector<std::string> lines;
  for (int i = 0; i < 100; ++i) {
    lines.push_back("10.0.0." + std::to_string(i) + " GET /users/" + std::to_string(i * 977) +
                    " 200 took=" + std::to_string(i % 7) + "ms id=a" + std::to_string(i));
  }
  TemplateColumns columns;
  EXPECT_EQ(RoundTrip(lines, &columns), lines);
  EXPECT_EQ(columns.template_count, 1u);
  // The text without variables is stored once.
  EXPECT_LT(columns.templates.size(), 60u);
  // Every variable is a number ("7ms" and "a7" too, their words stay in
  // the template).
  EXPECT_EQ(columns.str_bytes.size(), 0u);
}

TEST(LineTemplates, KeepsEveryByteOfAwkwardLines) {
  std::vector<std::string> lines = {
      "",
      "0",
      "00",
      "007 agent",
      "-5 and +6 and 3.14 and 1e10",
      "999999999999999999 fits, 1000000000000000000 does not",
      "18446744073709551616 is past uint64",
      "escapes \x01 \x02 \x03 \x01\x02\x03 end",
      std::string("nul \0 inside 42", 15),
      "tabs\tand\r\nnewlines 1\n2",
      "utf-8 caf\xc3\xa9 12 \xe2\x82\xac"
      "3",
      "invalid utf-8 \xff\xfe 7",
      "trailing delimiter 5.",
      "..//::1",
      "a_b-c 1_2 x-9 9-x x09 09x 9x9 x9x web-79 8601ms 0ms a0",
      "0x1f 0xDEADBEEF deadbeef-12",
      "[2024-05-01T00:00:00.123Z] level=info",
      "web-007 007ms 0x 00 000000000000000000 0000000000000000000 123456789012345678x",
      "\"\" \"a\" \"a b\":\"c 1\" \"unclosed 2",
      "\"esc \\\" aped\" \"trailing backslash \\",
      "{\"k\":\"v\",\"n\":1,\"o\":{\"\":\"\"},\"s\":\"\x01\x02 \\u00e9\"}",
      "\"\"\"\" \":\" \"\x03\":\"x\"",
  };
  EXPECT_EQ(RoundTrip(lines, nullptr), lines);
  EXPECT_EQ(RoundTrip(lines, nullptr, TemplateLayout::k1), lines);
  EXPECT_EQ(RoundTrip(lines, nullptr, kCurrentTemplateLayout, SplitMode::kQuotedStrings), lines);
}

// Access-log lines whose paths and user agents vary share one template
// when each quoted string is one variable; JSON keys stay in the template.
TEST(LineTemplates, QuotedStringsAreOneVariableEachAndJsonKeysStayText) {
  std::vector<std::string> lines;
  const std::vector<std::string> agents = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                                           "curl/8.5.0", "Go-http-client/1.1", "-"};
  for (int i = 0; i < 200; ++i) {
    lines.push_back("10.0.0." + std::to_string(i % 7) + " - - \"GET /docs/page-" +
                    std::string(1, static_cast<char>('a' + i % 26)) +
                    "/intro.html HTTP/1.1\" 200 " + std::to_string(i * 31) + " \"" +
                    agents[i % agents.size()] + "\"");
  }
  TemplateColumns tokens, quoted;
  EXPECT_EQ(RoundTrip(lines, &tokens), lines);
  EXPECT_EQ(RoundTrip(lines, &quoted, kCurrentTemplateLayout, SplitMode::kQuotedStrings), lines);
  EXPECT_GT(tokens.template_count, 20u);
  EXPECT_EQ(quoted.template_count, 1u);
  EXPECT_NE(quoted.str_bytes.find("Firefox/120.0"), std::string::npos);

  std::vector<std::string> json;
  for (int i = 0; i < 50; ++i) {
    json.push_back("{\"level\":\"info\",\"msg\":\"user " + std::to_string(i) + " logged in from " +
                   agents[i % agents.size()] + "\",\"n\":" + std::to_string(i) + "}");
  }
  EXPECT_EQ(RoundTrip(json, &quoted, kCurrentTemplateLayout, SplitMode::kQuotedStrings), json);
  EXPECT_EQ(quoted.template_count, 1u);
  EXPECT_NE(quoted.templates.find("\"level\":\"\x02\",\"msg\":\"\x02\",\"n\":\x01}"),
            std::string::npos);
}

TEST(LineTemplates, RoundTripsRandomBytes) {
  std::mt19937_64 rng(7);
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i) {
    std::string line(rng() % 40, '\0');
    for (char& c : line) {
      // Mostly digits, letters and delimiters, sometimes anything.
      uint64_t r = rng() % 10;
      c = r < 4   ? static_cast<char>('0' + rng() % 10)
          : r < 7 ? static_cast<char>('a' + rng() % 3)
          : r < 9 ? ". -:\x01\x03"[rng() % 6]
                  : static_cast<char>(rng());
    }
    lines.push_back(std::move(line));
  }
  EXPECT_EQ(RoundTrip(lines, nullptr), lines);
  EXPECT_EQ(RoundTrip(lines, nullptr, TemplateLayout::k1), lines);
  for (std::string& line : lines) {
    for (char& c : line) {
      if (c == 'c') c = '"';
      if (c == 'b' && rng() % 4 == 0) c = '\\';
    }
  }
  EXPECT_EQ(RoundTrip(lines, nullptr, kCurrentTemplateLayout, SplitMode::kQuotedStrings), lines);
}

// The token-filter keys found while cutting lines into templates are
// exactly those of each line on its own: a block's filter must never miss
// a key (that would skip a block holding a match).
TEST(LineTemplates, TokenKeysFromTemplatesEqualThoseOfEachLine) {
  std::mt19937_64 rng(13);
  const std::vector<std::string> words = {"GET",  "req",   "web-", "_id",  "caf\xc3\xa9",
                                          "x",    "a1b2",  "-",    "ms",   "\x01",
                                          "\x03", "user_", "9x",   "na-me"};
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) {
    std::string line;
    int n = static_cast<int>(rng() % 9);
    for (int k = 0; k < n; ++k) {
      uint64_t r = rng() % 5;
      if (r == 0) line += std::to_string(rng() % 100000);
      if (r <= 1) line += words[rng() % words.size()];
      if (r == 2) line += std::to_string(rng() % 100);
      // Long numbers (ids), alone or after a word: their digit runs
      // have keys of their own.
      if (r == 3) line += words[rng() % words.size()] + std::to_string(rng() >> (rng() % 40));
      // Numbers joined by dots (IP addresses, versions): pairs of them
      // have keys of their own.
      for (int part = 0; r == 4 && part < 2 + static_cast<int>(rng() % 4); ++part) {
        line += (part > 0 ? "." : "") + std::to_string(rng() % 300);
      }
      line += std::string(" .:/=-_[\t\"").substr(rng() % 10, 1);
    }
    lines.push_back(line);
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  std::vector<uint64_t> from_lines;
  for (std::string_view line : views) AddLineKeys(line, from_lines);
  std::sort(from_lines.begin(), from_lines.end());
  from_lines.erase(std::unique(from_lines.begin(), from_lines.end()), from_lines.end());
  EXPECT_GT(from_lines.size(), 100u);
  std::vector<uint64_t> without_pairs;
  for (std::string_view line : views) AddLineKeys(line, without_pairs, KeyScheme::kDigitRuns);
  std::sort(without_pairs.begin(), without_pairs.end());
  without_pairs.erase(std::unique(without_pairs.begin(), without_pairs.end()), without_pairs.end());
  EXPECT_GT(from_lines.size(), without_pairs.size() + 100);  // the dotted pairs' keys
  for (SplitMode mode : {SplitMode::kTokens, SplitMode::kQuotedStrings}) {
    TemplateColumns columns;
    std::vector<uint64_t> from_templates;
    SplitLineTemplates(views, columns, nullptr, &from_templates, kCurrentTemplateLayout,
                       kCurrentKeyScheme, nullptr, mode);
    std::sort(from_templates.begin(), from_templates.end());
    from_templates.erase(std::unique(from_templates.begin(), from_templates.end()),
                         from_templates.end());
    EXPECT_EQ(from_templates, from_lines) << static_cast<int>(mode);
  }
}

// A block's string-filter keys are those of its lines cut one by one,
// however often a string variable repeats (each repeat is keyed once).
TEST(LineTemplates, StringKeysOfABlockAreThoseOfItsLinesAlone) {
  std::mt19937_64 rng(17);
  const std::vector<std::string> values = {"abc9",   "deadbeef1",
                                           "x9yz",   "user42name",
                                           "0xffee", "longer-token-with-letters-and-7-digits"};
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i) {
    lines.push_back("id=" + values[rng() % values.size()] + " at " + values[rng() % values.size()] +
                    " n=" + std::to_string(rng() % 50));
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  auto sorted_unique = [](std::vector<uint64_t> keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  };
  TemplateColumns columns;
  std::vector<uint64_t> block_tokens, block_strings;
  SplitLineTemplates(views, columns, nullptr, &block_tokens, kCurrentTemplateLayout,
                     kCurrentKeyScheme, &block_strings);
  std::vector<uint64_t> line_tokens, line_strings;
  for (std::string_view line : views) {
    SplitLineTemplates({line}, columns, nullptr, &line_tokens, kCurrentTemplateLayout,
                       kCurrentKeyScheme, &line_strings);
  }
  EXPECT_FALSE(line_strings.empty());
  EXPECT_EQ(sorted_unique(block_strings), sorted_unique(line_strings));
  EXPECT_EQ(sorted_unique(block_tokens), sorted_unique(line_tokens));
  // Repeats of tokens of up to 16 bytes are left out.
  EXPECT_LT(block_tokens.size(), line_tokens.size() / 2);
}

TEST(LineTemplates, IntegerColumnsSurviveLargeJumps) {
  std::vector<std::string> lines = {"n=999999999999999999", "n=0", "n=999999999999999999", "n=1",
                                    "n=000000000000000000", "n=1"};
  EXPECT_EQ(RoundTrip(lines, nullptr), lines);
  EXPECT_EQ(RoundTrip(lines, nullptr, TemplateLayout::k1), lines);
}

// In k2 a zero-padded number is an integer like any other: times of day
// and padded counters share one template and one column per field, and
// random ids of a fixed width take about the bits of their range.
TEST(LineTemplates, ZeroPaddedNumbersAreIntegersPackedToTheirRange) {
  std::mt19937_64 rng(5);
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i) {
    char line[96];
    snprintf(line, sizeof line, "2024-05-01 %02d:%02d:%02d.%03d id=%010llu web-%02d", i / 3600,
             i / 60 % 60, i % 60, i % 1000, static_cast<unsigned long long>(rng() % 10000000000),
             i % 7);
    lines.push_back(line);
  }
  TemplateColumns k1, k2;
  EXPECT_EQ(RoundTrip(lines, &k2), lines);
  EXPECT_EQ(RoundTrip(lines, &k1, TemplateLayout::k1), lines);
  EXPECT_EQ(k2.template_count, 1u);
  EXPECT_GT(k1.template_count, 10u);  // "07" is a string there, "17" an integer
  // No string: the date ('-' joins it into one token) is three integers.
  EXPECT_EQ(k2.str_bytes.size(), 0u);
  // Per line: 34 bits of random id, 6 of seconds, 6 of minutes, 3 of
  // web-N, a bit or two of milliseconds that count up by one.
  EXPECT_LT(k2.ints.size(), 8u * lines.size());
  auto variables = [](const TemplateColumns& c) {
    return c.ints.size() + c.str_lengths.size() + c.str_bytes.size();
  };
  EXPECT_LT(variables(k2) * 10, variables(k1) * 7);
}

// A string column whose values repeat (a user agent per client) stores
// each distinct value once and an index per line (layout k3); a column of
// distinct values stays as it is. Both rebuild exactly.
TEST(LineTemplates, RepeatedStringValuesAreStoredOnce) {
  std::mt19937_64 rng(11);
  const std::vector<std::string> agents = {"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                                           "curl/8.4.0", "Go-http-client/1.1",
                                           "Mozilla/5.0 (Macintosh) Safari/605.1.15"};
  std::vector<std::string> lines;
  for (int i = 0; i < 400; ++i) {
    lines.push_back("GET \"/item/" + std::to_string(rng() % 1000000) + "\" 200 \"" +
                    agents[rng() % agents.size()] + "\"");
  }
  TemplateColumns k2, k3;
  EXPECT_EQ(RoundTrip(lines, &k2, TemplateLayout::k2, SplitMode::kQuotedStrings), lines);
  EXPECT_EQ(RoundTrip(lines, &k3, TemplateLayout::k3, SplitMode::kQuotedStrings), lines);
  // Every agent once, in order of first use, not 400 times.
  for (const std::string& agent : agents) {
    size_t first = k3.str_bytes.find(agent);
    ASSERT_NE(first, std::string::npos) << agent;
    EXPECT_EQ(k3.str_bytes.find(agent, first + 1), std::string::npos) << agent;
  }
  EXPECT_LT(k3.str_bytes.size() * 2, k2.str_bytes.size());
  // The paths are all distinct: they stay one value per line.
  EXPECT_GT(k3.str_bytes.size(), 400u * 8);

  // A line of one value and a line of another, a few times over, with one
  // column only: still exact, and the malformed forms are corruption.
  std::vector<std::string> few;
  for (int i = 0; i < 8; ++i) few.push_back(i % 2 ? "say \"hello\"" : "say \"good bye\"");
  TemplateColumns c;
  ASSERT_EQ(RoundTrip(few, &c, TemplateLayout::k3, SplitMode::kQuotedStrings), few);
  std::string lengths;
  PutVarint64(lengths, 2);  // two distinct values
  PutVarint64(lengths, 8);
  PutVarint64(lengths, 5);
  for (int i = 0; i < 8; ++i) PutVarint64(lengths, i % 2);
  EXPECT_EQ(c.str_lengths, lengths);
  EXPECT_EQ(c.str_bytes, "good byehello");
  auto join = [&](std::string_view str_lengths, std::string_view str_bytes) {
    std::string data;
    std::vector<uint64_t> offsets;
    TemplateColumnsView view = ViewOf(c);
    view.str_lengths = str_lengths;
    view.str_bytes = str_bytes;
    return JoinLineTemplates(view, few.size(), 1000, data, offsets);
  };
  EXPECT_TRUE(join(lengths, c.str_bytes).ok());
  std::string bad = lengths;
  bad[3] = 2;  // an index past the distinct values
  EXPECT_EQ(join(bad, c.str_bytes).code(), StatusCode::kCorruption);
  bad = lengths;
  bad[0] = 9;  // more distinct values than lines
  EXPECT_EQ(join(bad, c.str_bytes).code(), StatusCode::kCorruption);
  EXPECT_EQ(join(lengths.substr(0, lengths.size() - 1), c.str_bytes).code(),
            StatusCode::kCorruption);
  EXPECT_EQ(join(lengths + std::string(1, '\0'), c.str_bytes).code(), StatusCode::kCorruption);
  EXPECT_EQ(join(lengths, "good byehell").code(), StatusCode::kCorruption);
  // Read as layout k2 the same bytes do not add up either.
  std::string data;
  std::vector<uint64_t> offsets;
  EXPECT_EQ(
      JoinLineTemplates(
          {c.templates, c.ids, c.ints, lengths, c.str_bytes, TemplateLayout::k2, false, false, {}},
          few.size(), 1000, data, offsets)
          .code(),
      StatusCode::kCorruption);
}

class TemplateCorruption : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 50; ++i)
      lines_.push_back("user " + std::to_string(i) + " id=k" + std::to_string(i) + "z" +
                       std::to_string(i));
    std::vector<std::string_view> views(lines_.begin(), lines_.end());
    SplitLineTemplates(views, columns_);
  }
  Status Join(const TemplateColumnsView& v, size_t max_bytes = 1 << 20) {
    std::string data;
    std::vector<uint64_t> offsets;
    return JoinLineTemplates(v, lines_.size(), max_bytes, data, offsets);
  }
  TemplateColumnsView View() const { return ViewOf(columns_); }
  std::vector<std::string> lines_;
  TemplateColumns columns_;
};

TEST_F(TemplateCorruption, EachMalformedColumnIsReported) {
  ASSERT_TRUE(Join(View()).ok());
  auto v = View();
  v.ints = v.ints.substr(0, v.ints.size() - 1);
  EXPECT_TRUE(Join(v).code() == StatusCode::kCorruption);
  v = View();
  v.str_bytes = v.str_bytes.substr(1);
  EXPECT_TRUE(Join(v).code() == StatusCode::kCorruption);
  v = View();
  std::string longer = columns_.str_lengths + "\x01";
  v.str_lengths = longer;
  EXPECT_TRUE(Join(v).code() == StatusCode::kCorruption);
  v = View();
  std::string bad_ids = columns_.ids;
  bad_ids[3] = 9;  // no template 9
  v.ids = bad_ids;
  EXPECT_TRUE(Join(v).code() == StatusCode::kCorruption);
  v = View();
  v.ids = v.ids.substr(0, 10);
  EXPECT_TRUE(Join(v).code() == StatusCode::kCorruption);
  v = View();
  std::string escape_at_end;
  PutVarint64(escape_at_end, 1);
  PutLengthPrefixed(escape_at_end, std::string("x\x03", 2));
  v.templates = escape_at_end;
  EXPECT_TRUE(Join(v).code() == StatusCode::kCorruption);
  EXPECT_TRUE(Join(View(), /*max_bytes=*/100).code() == StatusCode::kCorruption);
}

std::vector<Entry> ShapedEntries(size_t n) {
  std::vector<Entry> entries;
  for (size_t i = 0; i < n; ++i) {
    Entry e{static_cast<TimestampNs>(1000 + i * 10),
            "level=info msg=\"request done\" path=/api/" + std::to_string(i % 9) +
                " status=200 bytes=" + std::to_string(i * 37 % 5000),
            {}};
    if (i % 3 == 0) e.metadata = Labels({{"trace_id", "t" + std::to_string(i)}});
    entries.push_back(std::move(e));
  }
  return entries;
}

TEST(BlockCodec, ShapedLinesUseTemplatesAndDecodeExactly) {
  std::vector<Entry> entries = ShapedEntries(500);
  std::vector<RecordRef> ptrs;
  for (const Entry& e : entries) ptrs.push_back(RecordRef::Of(e));
  std::string block;
  size_t raw = EncodeBlock(block, ptrs, 3);
  EXPECT_EQ(static_cast<BlockCodec>(block[0]), BlockCodec::kTemplates3);
  size_t line_bytes = 0;
  for (const Entry& e : entries) line_bytes += e.line.size();
  EXPECT_GT(raw, line_bytes);
  auto decoded = DecodeBlock(block, entries.size());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(decoded->timestamps[i], entries[i].timestamp);
    EXPECT_EQ(decoded->line(i), entries[i].line);
    EXPECT_EQ(decoded->metadata[i].ToString(), entries[i].metadata.ToString());
  }
  // Fragments no line can hold rule the block out before its lines and
  // integers are decoded; a fragment some lines hold rebuilds just those.
  DecodedBlock out;
  EXPECT_EQ(DecodeBlockInto(block, entries.size(), out, {"request", "nothere"}).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(DecodeBlockInto(block, entries.size(), out, {"request", "bytes"}).ok());
  EXPECT_TRUE(out.rebuilt.empty() || out.rebuilt[0] == 1);
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(out.line(i), entries[i].line);
}

TEST(BlockCodec, ShapelessLinesStayPlainZstd) {
  // Every line has a text of its own: one template per line.
  std::mt19937_64 rng(3);
  std::vector<Entry> entries;
  for (int i = 0; i < 100; ++i) {
    entries.push_back(
        Entry{i, std::string(static_cast<size_t>(i + 1), 'z') + " " + std::to_string(rng()), {}});
  }
  std::vector<RecordRef> ptrs;
  for (const Entry& e : entries) ptrs.push_back(RecordRef::Of(e));
  std::string block;
  EncodeBlock(block, ptrs, 3);
  EXPECT_EQ(static_cast<BlockCodec>(block[0]), BlockCodec::kZstd);
  auto decoded = DecodeBlock(block, entries.size());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(decoded->line(i), entries[i].line);
}

// Lines whose words vary only inside quoted strings (an access log's
// paths and user agents) get templates once each quoted string is one
// variable; a block without quotes whose lines differ stays plain.
TEST(BlockCodec, VaryingQuotedStringsUseTemplates) {
  std::mt19937_64 rng(4);
  std::vector<Entry> entries;
  for (int i = 0; i < 100; ++i) {
    std::string path = "/";
    for (int k = 0; k < 3; ++k)
      path += std::string(1 + rng() % 6, static_cast<char>('a' + rng() % 26)) + "/";
    entries.push_back(Entry{i,
                            "192.168.1." + std::to_string(rng() % 256) + " \"GET " + path +
                                " HTTP/1.1\" 200 " + std::to_string(rng() % 100000) + " \"agent " +
                                std::string(1 + rng() % 9, 'q') + "\"",
                            {}});
  }
  std::vector<RecordRef> ptrs;
  for (const Entry& e : entries) ptrs.push_back(RecordRef::Of(e));
  std::string block;
  EncodeBlock(block, ptrs, 3);
  EXPECT_EQ(static_cast<BlockCodec>(block[0]), BlockCodec::kTemplates3);
  auto decoded = DecodeBlock(block, entries.size());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(decoded->line(i), entries[i].line);
}

TEST(BlockCodec, BarelyCompressibleBlocksRoundTrip) {
  // A run of one byte then random bytes: as the run grows, zstd's output
  // passes through exactly the raw size, where the codec byte must still
  // say which form was stored.
  std::mt19937_64 rng(11);
  std::string noise;
  for (int i = 0; i < 64; ++i) noise.push_back(static_cast<char>(rng()));
  for (size_t run = 0; run < 200; ++run) {
    std::vector<Entry> entries{Entry{5, std::string(run, 'a') + noise, {}}};
    std::vector<RecordRef> ptrs{RecordRef::Of(entries[0])};
    std::string block;
    EncodeBlock(block, ptrs, 3);
    auto decoded = DecodeBlock(block, 1);
    ASSERT_TRUE(decoded.ok()) << "run " << run << ": " << decoded.status().ToString();
    EXPECT_EQ(decoded->line(0), entries[0].line) << "run " << run;
  }
}

TEST(BlockCodec, EveryFlippedByteOfATemplateBlockIsCaughtOrHarmless) {
  std::vector<Entry> entries = ShapedEntries(64);
  std::vector<RecordRef> ptrs;
  for (const Entry& e : entries) ptrs.push_back(RecordRef::Of(e));
  std::string block;
  EncodeBlock(block, ptrs, 3);
  for (size_t i = 0; i < block.size(); ++i) {
    std::string bad = block;
    bad[i] ^= 0x20;
    EXPECT_FALSE(DecodeBlock(bad, entries.size()).ok()) << "byte " << i;
  }
  // With the checksum recomputed, the column decoder itself must reject or
  // decode without reading out of bounds (ASan checks the latter).
  for (size_t i = 0; i + 4 < block.size(); ++i) {
    std::string bad = block.substr(0, block.size() - 4);
    bad[i] ^= 0x01;
    PutFixed32(bad, crc32c::Value(bad));
    auto decoded = DecodeBlock(bad, entries.size());
    if (decoded.ok()) {
      EXPECT_EQ(decoded->size(), entries.size());
    }
  }
}

// Lines of several blocks split against one part dictionary: the
// dictionary holds each distinct template once, the blocks only ids, and
// every block rebuilds exactly, also when it rebuilds only candidates.
TEST(TemplateDictionary, BlocksShareTemplatesAndRebuildExactly) {
  std::mt19937_64 rng(9);
  const std::vector<std::string> shapes = {"GET /api/N took Nms", "user N logged in from N.N.N.N",
                                           "cache miss key=kN", "job N done: N rows"};
  TemplateDictionaryBuilder builder(1 << 20);
  std::vector<std::vector<std::string>> blocks(4);
  std::vector<TemplateColumns> columns(blocks.size());
  size_t own_template_bytes = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    for (int i = 0; i < 300; ++i) {
      std::string line;
      for (char c : shapes[(b + rng() % 3) % shapes.size()]) {
        line += c == 'N' ? std::to_string(rng() % 100000) : std::string(1, c);
      }
      blocks[b].push_back(line + (i % 50 == 0 ? " needle-" + std::to_string(i) : ""));
    }
    std::vector<std::string_view> views(blocks[b].begin(), blocks[b].end());
    TemplateColumns own;
    SplitLineTemplates(views, own);
    own_template_bytes += own.templates.size();
    SplitLineTemplates(views, columns[b], &builder);
    EXPECT_TRUE(columns[b].dictionary_ids);
    EXPECT_EQ(columns[b].template_count, own.template_count);
  }
  auto dictionary = TemplateDictionary::Parse(builder.Serialize());
  ASSERT_TRUE(dictionary.ok()) << dictionary.status().ToString();
  EXPECT_EQ((*dictionary)->size(), builder.size());
  EXPECT_LE(builder.size(), 2 * shapes.size());  // a shape with or without the needle
  size_t id_bytes = 0;
  for (const TemplateColumns& c : columns) id_bytes += c.templates.size();
  EXPECT_LT(id_bytes, own_template_bytes / 10);
  const std::vector<std::string_view> fragments = LiteralFragments("needle-");
  for (size_t b = 0; b < blocks.size(); ++b) {
    const TemplateColumns& c = columns[b];
    TemplateColumnsView view = ViewOf(c);
    size_t total = 0;
    for (const std::string& line : blocks[b]) total += line.size();
    std::string data;
    std::vector<uint64_t> offsets;
    ASSERT_TRUE(JoinLineTemplates(view, blocks[b].size(), total, data, offsets, {}, nullptr,
                                  dictionary->get())
                    .ok());
    for (size_t i = 0; i < blocks[b].size(); ++i) {
      EXPECT_EQ(data.substr(offsets[i], offsets[i + 1] - offsets[i]), blocks[b][i]);
    }
    std::vector<uint8_t> rebuilt;
    offsets.clear();
    ASSERT_TRUE(JoinLineTemplates(view, blocks[b].size(), total, data, offsets, fragments, &rebuilt,
                                  dictionary->get())
                    .ok());
    for (size_t i = 0; i < blocks[b].size(); ++i) {
      bool needle = blocks[b][i].find("needle-") != std::string::npos;
      EXPECT_EQ(rebuilt[i] != 0, needle) << blocks[b][i];
      if (needle) {
        EXPECT_EQ(data.substr(offsets[i], offsets[i + 1] - offsets[i]), blocks[b][i]);
      }
    }
    EXPECT_TRUE(TemplatesMayContainToken(c.templates, c.str_bytes, "needle", dictionary->get()));
    EXPECT_FALSE(TemplatesMayContainToken(c.templates, c.str_bytes, "nope", dictionary->get()));
  }
}

TEST(TemplateDictionary, AFullDictionaryLeavesBlocksTheirOwnTemplates) {
  TemplateDictionaryBuilder builder(64);  // room for about two short templates
  auto encode = [&](const std::string& word) {
    std::vector<Entry> entries;
    for (int i = 0; i < 40; ++i) {
      entries.push_back(Entry{i, word + " " + std::to_string(i * 31), {}});
    }
    std::vector<RecordRef> ptrs;
    for (const Entry& e : entries) ptrs.push_back(RecordRef::Of(e));
    std::string block;
    EncodeBlock(block, ptrs, 3, &builder);
    return std::make_pair(block, entries);
  };
  auto [first, first_entries] = encode("alpha");
  auto [second, second_entries] = encode(std::string(80, 'b'));  // does not fit
  auto [third, third_entries] = encode("alpha");                 // already there
  EXPECT_EQ(static_cast<BlockCodec>(first[0]), BlockCodec::kDictionaryTemplates3);
  EXPECT_EQ(static_cast<BlockCodec>(second[0]), BlockCodec::kTemplates3);
  EXPECT_EQ(static_cast<BlockCodec>(third[0]), BlockCodec::kDictionaryTemplates3);
  EXPECT_EQ(builder.size(), 1u);
  auto dictionary = TemplateDictionary::Parse(builder.Serialize());
  ASSERT_TRUE(dictionary.ok());
  auto no_dictionary = DecodeBlock(first, first_entries.size());
  EXPECT_EQ(no_dictionary.status().code(), StatusCode::kCorruption);
  for (const auto& [block, entries] :
       {std::tie(first, first_entries), std::tie(second, second_entries),
        std::tie(third, third_entries)}) {
    DecodedBlock out;
    ASSERT_TRUE(DecodeBlockInto(block, entries.size(), out, {}, true, dictionary->get()).ok());
    for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(out.line(i), entries[i].line);
  }
}

TEST(TemplateDictionary, MalformedIdsAndTextsAreCorruption) {
  std::string texts;
  PutVarint64(texts, 2);
  PutLengthPrefixed(texts, "a \x01");
  PutLengthPrefixed(texts, "b \x02");
  auto dictionary = TemplateDictionary::Parse(texts);
  ASSERT_TRUE(dictionary.ok());
  std::string ids(1, '\0');  // one line, the block's template 0
  // The line's integer 1: a k1 zigzag delta, or a k2 column of width 0
  // whose base is the digit run "1" read with a 1 before it.
  std::string ints = "\x02";
  TemplateLayout layout = TemplateLayout::k1;
  auto join = [&](std::string_view templates) {
    std::string data;
    std::vector<uint64_t> offsets;
    Status s = JoinLineTemplates({templates, ids, ints, "", "", layout, false, false, {}}, 1, 100,
                                 data, offsets, {}, nullptr, dictionary->get());
    if (s.ok()) {
      EXPECT_EQ(data.substr(0, offsets.back()), "a 1");
    }
    return s;
  };
  EXPECT_TRUE(join(std::string("\x01\x00", 2)).ok());
  layout = TemplateLayout::k2;
  ints = "\x0b";
  EXPECT_TRUE(join(std::string("\x01\x00", 2)).ok());
  ints = "\x05";  // 5 is no digit run with a 1 before it
  EXPECT_EQ(join(std::string("\x01\x00", 2)).code(), StatusCode::kCorruption);
  ints = "\x02";
  layout = TemplateLayout::k1;
  EXPECT_TRUE(join(std::string("\x01\x00", 2)).ok());
  EXPECT_EQ(join("\x01\x01").code(), StatusCode::kCorruption);  // id 1 wants a string variable
  EXPECT_EQ(join("\x01\x02").code(), StatusCode::kCorruption);  // id 2: past the end
  EXPECT_TRUE(join(std::string("\x02\x00\x00", 3)).ok());       // ids 0 and 1, 1 unused
  EXPECT_EQ(join("\x02").code(), StatusCode::kCorruption);      // truncated
  EXPECT_EQ(join(std::string("\x03\x00\x00\x00", 4)).code(),
            StatusCode::kCorruption);  // more ids than the dictionary has
  EXPECT_EQ(join(std::string("\x01\x00\x00", 3)).code(), StatusCode::kCorruption);  // extra byte
  std::string truncated;
  PutVarint64(truncated, 3);
  PutLengthPrefixed(truncated, "x");
  EXPECT_FALSE(TemplateDictionary::Parse(truncated).ok());
  std::string escape_at_end;
  PutVarint64(escape_at_end, 1);
  PutLengthPrefixed(escape_at_end, "x\x03");
  EXPECT_FALSE(TemplateDictionary::Parse(escape_at_end).ok());
}

// Literal pieces of a parsed dictionary point into its texts: bytes that
// are stored escaped (0x01..0x03 in a line) and literals next to them
// must still come out exactly, and the parsed form stays a small multiple
// of the texts.
// A k2 integer column of two values or more: header, base, packed bits.
TEST(LineTemplates, MalformedPackedIntegerColumnsAreCorruption) {
  std::string templates;
  PutVarint64(templates, 1);
  PutLengthPrefixed(templates, "a \x01");
  const std::string ids(2, '\0');  // two lines of template 0
  auto join = [&](const std::string& ints, std::string* out) {
    std::string data;
    std::vector<uint64_t> offsets;
    Status s =
        JoinLineTemplates({templates, ids, ints, "", "", TemplateLayout::k2, false, false, {}}, 2,
                          100, data, offsets);
    if (s.ok() && out != nullptr) *out = data.substr(0, offsets.back());
    return s;
  };
  std::string lines;
  // Width 1, base 11 ("1"), bits 0 then 1: "a 1" and "a 2".
  ASSERT_TRUE(join(std::string("\x01\x0b\x02", 3), &lines).ok());
  EXPECT_EQ(lines, "a 1a 2");
  // Deltas of width 0: first 12 ("2"), each next +1 (zigzag 2): "a 2", "a 3".
  ASSERT_TRUE(join(std::string("\x80\x0c\x02", 3), &lines).ok());
  EXPECT_EQ(lines, "a 2a 3");
  EXPECT_EQ(join(std::string("\x41\x0b", 2), nullptr).code(), StatusCode::kCorruption);  // 65
  EXPECT_EQ(join(std::string("\x08\x0b\x01", 3), nullptr).code(),
            StatusCode::kCorruption);  // 16 bits wanted, 8 there
  EXPECT_EQ(join(std::string("\x01\x0b\x02\x00", 4), nullptr).code(),
            StatusCode::kCorruption);  // a byte left over
  EXPECT_EQ(join(std::string("\x01", 1), nullptr).code(), StatusCode::kCorruption);  // no base
}

TEST(TemplateDictionary, EscapedBytesRebuildExactlyAndTheParsedFormStaysSmall) {
  std::mt19937 rng(11);
  std::vector<std::string> lines;
  const std::string odd = std::string("\x01") + "\x02" + "\x03";
  for (int i = 0; i < 400; ++i) {
    std::string line = "user=" + std::to_string(rng() % 1000) + " said " + odd[i % 3] + "quoted" +
                       odd[(i + 1) % 3] + " took " + std::to_string(rng() % 90) + "ms " +
                       std::string(i % 7 == 0 ? 40 : 1, 'x') + odd.substr(0, i % 4);
    if (i % 5 == 0) line += " t" + std::to_string(i % 6) + "-end";
    lines.push_back(line);
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  TemplateDictionaryBuilder builder(kMaxTemplateDictionaryBytes);
  TemplateColumns columns;
  SplitLineTemplates(views, columns, &builder);
  ASSERT_TRUE(columns.dictionary_ids);
  std::string serialized = builder.Serialize();
  auto dictionary = TemplateDictionary::Parse(serialized);
  ASSERT_TRUE(dictionary.ok()) << dictionary.status().ToString();
  EXPECT_LT((*dictionary)->memory_bytes(), 4 * serialized.size() + 1024);
  TemplateColumnsView view = ViewOf(columns);
  size_t total = 0;
  for (const std::string& line : lines) total += line.size();
  std::string data;
  std::vector<uint64_t> offsets;
  ASSERT_TRUE(
      JoinLineTemplates(view, lines.size(), total, data, offsets, {}, nullptr, dictionary->get())
          .ok());
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_EQ(data.substr(offsets[i], offsets[i + 1] - offsets[i]), lines[i]) << i;
  }
}

}  // namespace
}  // namespace lode::part

namespace lode::part {
namespace {

// A block's dictionary ids come back in its order, in either form: the
// ascending gaps a block is encoded with, or the ids as they are that a
// merge writes for a block copied from another part. Malformed columns
// of the second form are corruption.
TEST(TemplateDictionary, IdsInAnyOrderReadBackAndMalformedOnesAreCorruption) {
  for (const std::vector<uint32_t>& ids :
       {std::vector<uint32_t>{0, 3, 9}, std::vector<uint32_t>{9, 0, 3}, std::vector<uint32_t>{5}}) {
    std::string column;
    PutDictionaryIds(ids, column);
    EXPECT_EQ(column[0] == 0, !std::is_sorted(ids.begin(), ids.end()));
    std::vector<uint32_t> back;
    ASSERT_TRUE(DecodeDictionaryIds(column, 10, back).ok());
    EXPECT_EQ(back, ids);
    EXPECT_FALSE(DecodeDictionaryIds(column, *std::max_element(ids.begin(), ids.end()), back).ok())
        << "an id past the dictionary";
  }
  auto column = [](std::initializer_list<uint64_t> varints) {
    std::string out;
    for (uint64_t v : varints) PutVarint64(out, v);
    return out;
  };
  std::vector<uint32_t> ids;
  EXPECT_FALSE(DecodeDictionaryIds(column({0, 2, 4, 4}), 10, ids).ok()) << "an id twice";
  EXPECT_FALSE(DecodeDictionaryIds(column({0, 3, 4, 1}), 10, ids).ok()) << "short";
  EXPECT_FALSE(DecodeDictionaryIds(column({0, 2, 4, 1, 7}), 10, ids).ok()) << "bytes after";
  EXPECT_FALSE(DecodeDictionaryIds(column({0, 11}), 10, ids).ok()) << "more ids than entries";
  EXPECT_TRUE(DecodeDictionaryIds(column({0, 2, 4, 1}), 10, ids).ok());
  EXPECT_EQ(ids, (std::vector<uint32_t>{4, 1}));
}

}  // namespace
}  // namespace lode::part
