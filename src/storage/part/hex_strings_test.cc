#include "storage/part/hex_strings.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "storage/part/block_codec.h"
#include "storage/part/line_templates.h"
#include "storage/part/part_format.h"
#include "storage/part/template_dictionary.h"

namespace lode::part {
namespace {

std::string Hex(std::mt19937_64& rng, size_t digits, bool upper = false) {
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < digits; ++i) s.push_back(set[rng() % 16]);
  return s;
}

std::string Uuid(std::mt19937_64& rng, bool upper = false) {
  return Hex(rng, 8, upper) + "-" + Hex(rng, 4, upper) + "-4" + Hex(rng, 3, upper) + "-" +
         Hex(rng, 4, upper) + "-" + Hex(rng, 12, upper);
}

TEST(HexStrings, ColumnsOfOneHexShapeAreFoundAndOthersAreNot) {
  std::string shape;
  EXPECT_TRUE(HexShapeOf(
      {"2db6a7b5-876c-4995-8258-e6f09d9ef934", "fd4f1042-c7f6-4107-a6ee-d841d92596e7"}, shape));
  const std::string uuid_shape =
      std::string(8, kLowerHexDigit) + "-" + std::string(4, kLowerHexDigit) + "-" +
      std::string(4, kLowerHexDigit) + "-" + std::string(4, kLowerHexDigit) + "-" +
      std::string(12, kLowerHexDigit);
  EXPECT_EQ(shape, uuid_shape);
  // One value: every hex digit is a digit place all the same.
  EXPECT_TRUE(HexShapeOf({"i-044b1baf4c96e1b62"}, shape));
  EXPECT_EQ(shape, "i-" + std::string(17, kLowerHexDigit));
  // Uppercase GUIDs in braces; a place of decimal digits only takes the
  // column's case.
  EXPECT_TRUE(HexShapeOf(
      {"{54849625-5478-4994-A5BA-3E3B0328C30D}", "{11111111-2222-3333-4444-555555555555}"}, shape));
  EXPECT_EQ(shape[0], '{');
  EXPECT_EQ(shape[1], kUpperHexDigit);
  EXPECT_EQ(shape[37], '}');
  // Lowercase at some places and uppercase at others.
  EXPECT_TRUE(HexShapeOf({"abcdef12ABCDEF34", "0123456789ABCDEF"}, shape));
  EXPECT_EQ(shape, std::string(8, kLowerHexDigit) + std::string(8, kUpperHexDigit));

  EXPECT_FALSE(HexShapeOf({}, shape));
  EXPECT_FALSE(HexShapeOf({"2db6a7b5-876c", "2db6a7b5-876"}, shape));  // lengths differ
  EXPECT_FALSE(HexShapeOf({"20200914", "20200915"}, shape));           // decimal only
  EXPECT_FALSE(HexShapeOf({"ab12-cd3"}, shape));                       // 7 digits
  EXPECT_FALSE(HexShapeOf({"abcdef12", "ABCDEF12"}, shape));           // cases mixed at a place
  EXPECT_FALSE(HexShapeOf({"abcdef12-x", "abcdef12-y"}, shape));       // a varying non-digit
  EXPECT_FALSE(HexShapeOf({std::string("abcdef12\x01", 9)}, shape));   // a shape byte
  EXPECT_FALSE(HexShapeOf({"ghijklmnop"}, shape));
}

// Lines with hex ids in every form a log holds them: all rebuild byte
// for byte from layout-4 columns, in both split modes, with and without a
// part's dictionary, and the ids take fewer bytes than as text.
TEST(HexStrings, LinesWithHexIdsRoundTripThroughLayoutFour) {
  std::mt19937_64 rng(42);
  std::vector<std::string> ids_seen;
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i) {
    std::string line;
    switch (i % 6) {
      case 0:
        line = "request " + Uuid(rng) + " done in " + std::to_string(rng() % 900) + "ms";
        break;
      case 1:
        line = R"({"eventID":")" + Uuid(rng) + R"(","requestID":")" + Uuid(rng) +
               R"(","instance":"i-)" + Hex(rng, 17) + R"(","n":)" + std::to_string(i) + "}";
        break;
      case 2:
        line = "ProcessGuid: {" + Uuid(rng, true) + "} Hash SHA256=" + Hex(rng, 64, true);
        break;
      case 3:
        // A few ids that repeat: their column is dictionary-coded.
        line = "trace_id=" +
               std::string(i % 12 == 3 ? "4bf92f3577b34da6a3ce929d0e0e4736"
                                       : "00f067aa0ba902b7a3ce929d0e0e4736") +
               " span " + Hex(rng, 16);
        break;
      case 4:
        // Mostly hex, one value not: that column stays text.
        line = "commit " + (i % 24 == 4 ? std::string("not-a-hex-commit-id-at-all-40-bytes-long")
                                        : Hex(rng, 40));
        break;
      default:
        line = "odd " + Hex(rng, 9) + " x" + Hex(rng, 3) + " " + std::string("\x01\x02\x03", 3);
        break;
    }
    lines.push_back(line);
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  size_t total = 0;
  for (const std::string& l : lines) total += l.size();
  for (SplitMode mode : {SplitMode::kTokens, SplitMode::kQuotedStrings, SplitMode::kAuto}) {
    for (bool with_dictionary : {false, true}) {
      SCOPED_TRACE(testing::Message()
                   << "mode " << static_cast<int>(mode) << " dictionary " << with_dictionary);
      TemplateDictionaryBuilder builder(1 << 20);
      TemplateColumns columns;
      SplitLineTemplates(views, columns, with_dictionary ? &builder : nullptr, nullptr,
                         TemplateLayout::k4, kCurrentKeyScheme, nullptr, mode);
      ASSERT_EQ(columns.layout, TemplateLayout::k4);
      EXPECT_FALSE(columns.str_nibbles.empty());
      std::shared_ptr<const TemplateDictionary> dictionary;
      if (with_dictionary) {
        ASSERT_TRUE(columns.dictionary_ids);
        auto parsed = TemplateDictionary::Parse(builder.Serialize());
        ASSERT_TRUE(parsed.ok());
        dictionary = *parsed;
      }
      std::string data;
      std::vector<uint64_t> offsets;
      Status s = JoinLineTemplates(ViewOf(columns), lines.size(), total, data, offsets, {}, nullptr,
                                   dictionary.get());
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(offsets.size(), lines.size() + 1);
      for (size_t i = 0; i < lines.size(); ++i) {
        ASSERT_EQ(std::string_view(data).substr(offsets[i], offsets[i + 1] - offsets[i]), lines[i]);
      }
      // No token of a line is ruled out by the cheap check on shapes and
      // packed digits (every token of every 50th line, from each byte).
      const std::string_view nibbles = columns.str_nibbles;
      for (size_t i = 0; i < lines.size() && !with_dictionary; i += 50) {
        const std::string& line = lines[i];
        for (size_t from = 0; from < line.size(); ++from) {
          for (size_t len = 1; from + len <= line.size() && len <= 40; ++len) {
            const std::string_view token = std::string_view(line).substr(from, len);
            if (!IsTemplateToken(token)) break;
            ASSERT_TRUE(TemplatesMayContainToken(columns.templates, columns.str_bytes, token,
                                                 nullptr, &nibbles))
                << token << " of " << line;
          }
        }
      }
      // The same lines in k3 hold their ids as text.
      TemplateColumns text;
      SplitLineTemplates(views, text, nullptr, nullptr, TemplateLayout::k3, kCurrentKeyScheme,
                         nullptr, mode);
      EXPECT_TRUE(text.str_nibbles.empty());
      EXPECT_LT(columns.str_bytes.size() + columns.str_nibbles.size(), text.str_bytes.size());
    }
  }
}

// Lines without a hex column are written in layout 3, unchanged.
TEST(HexStrings, BlocksWithoutHexColumnsStayInLayoutThree) {
  std::vector<std::string> lines;
  for (int i = 0; i < 100; ++i) lines.push_back("user u" + std::to_string(i) + "x logged in");
  std::vector<std::string_view> views(lines.begin(), lines.end());
  TemplateColumns columns;
  SplitLineTemplates(views, columns);
  EXPECT_EQ(columns.layout, TemplateLayout::k3);
  EXPECT_TRUE(columns.str_nibbles.empty());
}

// A search never loses a line for its literal lying inside a hex id:
// every line holding a literal is rebuilt, whether the literal is a whole
// id, a piece of one, or spans an id and the text around it.
TEST(HexStrings, LiteralsInsideHexIdsFindTheirLines) {
  std::mt19937_64 rng(7);
  std::vector<std::string> lines;
  for (int i = 0; i < 600; ++i) {
    lines.push_back(R"({"level":"info","eventID":")" + Uuid(rng) + R"(","guid":"{)" +
                    Uuid(rng, true) + R"(}","msg":"ok"})");
  }
  std::vector<std::string_view> views(lines.begin(), lines.end());
  size_t total = 0;
  for (const std::string& l : lines) total += l.size();
  const std::string& probe = lines[123];
  const std::string event = probe.substr(probe.find("eventID") + 10, 36);
  const std::string guid = probe.substr(probe.find('{', 2) + 1, 36);
  const std::vector<std::string> literals = {
      event,        event.substr(9, 4),  event.substr(24),   event.substr(3, 20),
      guid,         guid.substr(0, 8),   guid.substr(14, 9), "\"eventID\":\"" + event,
      guid + "}\"", event.substr(30, 6), "ffffffff",         "zzzz",
      "-4",         "0000-0000"};
  for (SplitMode mode : {SplitMode::kQuotedStrings, SplitMode::kTokens}) {
    TemplateColumns columns;
    SplitLineTemplates(views, columns, nullptr, nullptr, TemplateLayout::k4, kCurrentKeyScheme,
                       nullptr, mode);
    ASSERT_EQ(columns.layout, TemplateLayout::k4);
    for (const std::string& literal : literals) {
      SCOPED_TRACE(literal);
      std::vector<std::string_view> fragments = LiteralFragments(literal);
      bool anywhere = false;
      for (const std::string& l : lines) anywhere |= l.find(literal) != std::string::npos;
      for (std::string_view f : fragments) {
        bool held = false;
        for (const std::string& l : lines) held |= l.find(f) != std::string::npos;
        if (held) {
          const std::string_view nibbles = columns.str_nibbles;
          EXPECT_TRUE(
              TemplatesMayContainToken(columns.templates, columns.str_bytes, f, nullptr, &nibbles));
        }
      }
      if (fragments.empty()) continue;
      std::string data;
      std::vector<uint64_t> offsets;
      std::vector<uint8_t> rebuilt;
      ASSERT_TRUE(JoinLineTemplates(ViewOf(columns), lines.size(), total, data, offsets, fragments,
                                    &rebuilt)
                      .ok());
      ASSERT_EQ(rebuilt.size(), lines.size());
      size_t kept = 0;
      for (size_t i = 0; i < lines.size(); ++i) {
        const bool contains = lines[i].find(literal) != std::string::npos;
        if (rebuilt[i]) {
          ++kept;
          EXPECT_EQ(std::string_view(data).substr(offsets[i], offsets[i + 1] - offsets[i]),
                    lines[i]);
        } else {
          EXPECT_FALSE(contains) << "line " << i;
        }
      }
      // A whole id picks out its line, not every line.
      if (literal == event) {
        EXPECT_LT(kept, 10u);
      }
      if (!anywhere && literal == "zzzz") {
        EXPECT_EQ(kept, 0u);
      }
    }
  }
  // Shapes spell only hex digits at their digit places, and only the
  // digits the packed values hold in a row.
  const std::string shape = std::string("id-") + std::string(8, kLowerHexDigit) + ";";
  // Two values: 00ffabcd, ef123456.
  const std::string nibbles("\x00\xff\xab\xcd\xef\x12\x34\x56", 8);
  EXPECT_TRUE(HexShapesMayContain(shape, nibbles, "id-00ff"));
  EXPECT_TRUE(HexShapesMayContain(shape, nibbles, "0ffabcd"));  // from a low half
  EXPECT_TRUE(HexShapesMayContain(shape, nibbles, "cdef1"));    // across two values: allowed
  EXPECT_TRUE(HexShapesMayContain(shape, nibbles, "ef123456"));
  EXPECT_TRUE(HexShapesMayContain(shape, nibbles, "9;"));   // too few digits to tell
  EXPECT_TRUE(HexShapesMayContain(shape, nibbles, "d-0"));  // "id-0..."
  EXPECT_FALSE(HexShapesMayContain(shape, nibbles, "id-0fff"));
  EXPECT_FALSE(HexShapesMayContain(shape, nibbles, "abcdef13"));   // not in a row
  EXPECT_FALSE(HexShapesMayContain(shape, nibbles, "ABCD"));       // uppercase at lowercase places
  EXPECT_FALSE(HexShapesMayContain(shape, nibbles, "abcdef123"));  // longer than the places
  EXPECT_FALSE(HexShapesMayContain(shape, nibbles, "xyz"));
  EXPECT_FALSE(HexShapesMayContain(shape, nibbles, "x-0"));
}

// A block in layout 4 through the block codec: codec 8 (9 with a
// dictionary), decoded whole, and a needle query decoding it for a piece
// of an id gets that line.
TEST(HexStrings, BlocksInLayoutFourDecodeAndAnswerNeedles) {
  std::mt19937_64 rng(11);
  std::vector<std::string> lines;
  for (int i = 0; i < 300; ++i) lines.push_back("req " + Uuid(rng) + " status 200");
  std::vector<RecordRef> entries;
  for (size_t i = 0; i < lines.size(); ++i) {
    entries.push_back(RecordRef{static_cast<TimestampNs>(1000 + i), lines[i], nullptr});
  }
  for (bool with_dictionary : {false, true}) {
    TemplateDictionaryBuilder builder(1 << 20);
    std::string block;
    EncodeBlock(block, entries, 3, with_dictionary ? &builder : nullptr);
    EXPECT_EQ(static_cast<BlockCodec>(block[0]),
              with_dictionary ? BlockCodec::kDictionaryTemplates4 : BlockCodec::kTemplates4);
    std::shared_ptr<const TemplateDictionary> dictionary;
    if (with_dictionary) dictionary = *TemplateDictionary::Parse(builder.Serialize());
    DecodedBlock whole;
    ASSERT_TRUE(DecodeBlockInto(block, lines.size(), whole, {}, true, dictionary.get()).ok());
    for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(whole.line(i), lines[i]);

    const std::string needle = lines[77].substr(4 + 9, 9);  // "876c-4995" of an id
    DecodedBlock some;
    Status s = DecodeBlockInto(block, lines.size(), some, LiteralFragments(needle), true,
                               dictionary.get());
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(some.line_rebuilt(77));
    EXPECT_EQ(some.line(77), lines[77]);
    DecodedBlock none;
    EXPECT_EQ(
        DecodeBlockInto(block, lines.size(), none, LiteralFragments("reqz"), true, dictionary.get())
            .code(),
        StatusCode::kNotFound);
  }
}

// Damaged layout-4 string columns are reported, never read past.
TEST(HexStrings, MalformedHexColumnsAreCorruption) {
  const std::vector<StringColumnsOf> one_column = {{2, 1}};  // 2 lines, 1 string variable
  const std::string shape = std::string(8, kLowerHexDigit);
  auto expand = [&](std::string_view lengths, std::string_view bytes, std::string_view nibbles) {
    std::string l, b;
    return ExpandHexStrings(one_column, lengths, bytes, nibbles, 1000, l, b);
  };
  auto header = [](std::initializer_list<uint64_t> values) {
    std::string s;
    for (uint64_t v : values) PutVarint64(s, v);
    return s;
  };
  const std::string nibbles = "\x12\x34\x56\x78\x9a\xbc\xde\xf0";
  std::string l, b;
  // Two values of 8 digits: header 2 + 1 + 0, length 8.
  ASSERT_TRUE(ExpandHexStrings(one_column, header({3, 8}), shape, nibbles, 1000, l, b).ok());
  EXPECT_EQ(b,
            "12345678"
            "9abcdef0");
  EXPECT_EQ(l, header({0, 8, 8}));
  // Dictionary-coded: one distinct value, two indexes.
  ASSERT_TRUE(
      ExpandHexStrings(one_column, header({4, 8, 0, 0}), shape, nibbles.substr(0, 4), 1000, l, b)
          .ok());
  EXPECT_EQ(b, "12345678");
  EXPECT_EQ(l, header({1, 8, 0, 0}));

  EXPECT_EQ(expand(header({3, 8}), shape, nibbles.substr(0, 7)).code(), StatusCode::kCorruption);
  EXPECT_EQ(expand(header({3, 8}), shape, nibbles + "x").code(), StatusCode::kCorruption);
  EXPECT_EQ(expand(header({3, 9}), shape, nibbles).code(), StatusCode::kCorruption);  // shape short
  EXPECT_EQ(expand(header({3, 0}), "", nibbles).code(), StatusCode::kCorruption);
  EXPECT_EQ(expand(header({3, 8}), "abcdefgh", nibbles).code(), StatusCode::kCorruption);
  EXPECT_EQ(expand(header({6, 8}), shape, nibbles).code(), StatusCode::kCorruption);  // d > n
  EXPECT_EQ(expand(header({4, 8, 0, 1}), shape, nibbles.substr(0, 4)).code(),
            StatusCode::kCorruption);  // index past the distinct values
  EXPECT_EQ(expand(header({3, 8, 7}), shape, nibbles).code(), StatusCode::kCorruption);  // extra
  // Seven digits: the last byte's low half must be zero.
  const std::string seven = std::string(7, kLowerHexDigit);
  EXPECT_TRUE(expand(header({3, 7}), seven, "\x12\x34\x56\x70\x12\x34\x56\x70").ok());
  EXPECT_EQ(expand(header({3, 7}), seven, "\x12\x34\x56\x71\x12\x34\x56\x70").code(),
            StatusCode::kCorruption);
  // Values spelled past the block's size.
  std::string small_l, small_b;
  EXPECT_EQ(
      ExpandHexStrings(one_column, header({3, 8}), shape, nibbles, 15, small_l, small_b).code(),
      StatusCode::kCorruption);
  // A layout-3 column is copied as it is.
  ASSERT_TRUE(ExpandHexStrings(one_column, header({0, 2, 3}), "abxyz", "", 1000, l, b).ok());
  EXPECT_EQ(b, "abxyz");
  EXPECT_EQ(l, header({0, 2, 3}));
}

}  // namespace
}  // namespace lode::part
