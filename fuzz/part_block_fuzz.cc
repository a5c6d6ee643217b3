// Fuzzes the part block decoder: arbitrary bytes as a stored block, and
// the same bytes behind a valid codec byte and checksum so that the
// column decoder itself is reached.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/coding.h"
#include "base/crc32c.h"
#include "storage/part/block_codec.h"

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
  if (decoded.ok()) {
    if (decoded->size() != expected) abort();
    for (size_t i = 0; i < decoded->size(); ++i) {
      if (decoded->line(i).data() + decoded->line(i).size() >
          decoded->data.data() + decoded->data.size()) {
        abort();
      }
    }
  }
  return 0;
}
