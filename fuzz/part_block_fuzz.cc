// Fuzzes the part block decoder: arbitrary bytes as a stored block, and
// the same bytes behind a valid codec byte and checksum (uncompressed, and
// as template sections) so that the column decoders themselves are
// reached.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/block_codec.h"

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

  // A template block (codec 2) whose sections are the input.
  block.assign(1, '\2');
  lode::PutVarint64(block, 1 << 16);
  block.append(input.substr(1));
  lode::PutFixed32(block, lode::crc32c::Value(block));
  CheckDecoded(lode::part::DecodeBlock(block, expected), expected);
  return 0;
}
