#include "wire/snappy_block.h"

#include <snappy.h>

namespace lode {

Result<std::string> DecodeSnappyBlock(std::string_view block, size_t max_size) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(block.data(), block.size(), &length)) {
    return Status::InvalidArgument("body is not snappy-compressed (raw block format)");
  }
  if (length > max_size) {
    return Status::ResourceExhausted("snappy body decompresses to " + std::to_string(length) +
                                     " bytes, over the limit of " + std::to_string(max_size));
  }
  std::string out;
  out.resize(length);
  if (!snappy::RawUncompress(block.data(), block.size(), out.data())) {
    return Status::InvalidArgument("corrupt snappy body");
  }
  return out;
}

}  // namespace lode
