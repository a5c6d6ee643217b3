// Fuzzes the part block decoder: arbitrary bytes as a stored block, and
// the same bytes behind a valid codec byte and checksum (uncompressed, and
// as template sections, with the block's own templates and with a part's
// template dictionary) so that the column decoders themselves are
// reached; and those decoded for a search too, whose fragments (with
// digits alone, looked for in the integers) rule lines out.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/block_codec.h"
#include "storage/part/template_dictionary.h"

namespace {

void CheckDecoded(const lode::Result<lode::part::DecodedBlock>& decoded, size_t expected) {
  if (!decoded.ok()) return;
  if (decoded->size() != expected) abort();
  for (size_t i = 0; i < decoded->size(); ++i) {
    if (decoded->line(i).data() + decoded->line(i).size() >
        decoded->data.data() + decoded->data.size()) {
      abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t expected = static_cast<uint8_t>(input[0]);
  (void)lode::part::DecodeBlock(input.substr(1), expected);

  // An uncompressed block around the input, checksummed.
  std::string block(1, '\0');
  lode::PutVarint64(block, input.size() - 1);
  block.append(input.substr(1));
  lode::PutFixed32(block, lode::crc32c::Value(block));
  auto decoded = lode::part::DecodeBlock(block, expected);
  CheckDecoded(decoded, expected);

  // A template block (codecs 2, 4, 6 and 8: each layout) whose sections
  // are the input.
  for (char codec : {'\x08', '\6', '\4', '\2'}) {
    block.assign(1, codec);
    lode::PutVarint64(block, 1 << 16);
    block.append(input.substr(1));
    lode::PutFixed32(block, lode::crc32c::Value(block));
    CheckDecoded(lode::part::DecodeBlock(block, expected), expected);
    lode::part::DecodedBlock searched;
    (void)lode::part::DecodeBlockInto(block, expected, searched, {"a", "12"}, true);
  }

  // The same sections naming templates of a part's dictionary (codecs 3,
  // 7 and 9).
  static const auto dictionary = [] {
    std::string texts;
    lode::PutVarint64(texts, 4);
    for (std::string_view t : {std::string_view("GET /\x01 \x01"), std::string_view("\x02"),
                               std::string_view(""), std::string_view("id=\x01 \x03\x02 \x02")}) {
      lode::PutLengthPrefixed(texts, t);
    }
    auto parsed = lode::part::TemplateDictionary::Parse(texts);
    if (!parsed.ok()) abort();
    return *parsed;
  }();
  for (char codec : {'\3', '\7', '\x09'}) {
    block[0] = codec;
    block.resize(block.size() - 4);
    lode::PutFixed32(block, lode::crc32c::Value(block));
    lode::part::DecodedBlock out;
    if (lode::part::DecodeBlockInto(block, expected, out, {}, true, dictionary.get()).ok() &&
        out.size() != expected) {
      abort();
    }
    (void)lode::part::DecodeBlockInto(block, expected, out, {"GET", "id"}, true, dictionary.get());
    (void)lode::part::DecodeBlockInto(block, expected, out, {"id", "7"}, true, dictionary.get(),
                                      {"id=7"});
  }
  return 0;
}
