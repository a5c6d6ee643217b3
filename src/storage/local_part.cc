#include "storage/local_part.h"

namespace lode {

Status LocalPart::ReadBlock(size_t index, const std::vector<std::string_view>& fragments,
                            bool with_lines, const std::vector<std::string_view>& held_literals,
                            std::string& scratch, part::DecodedBlock& out) const {
  LODE_RETURN_IF_ERROR(reader_->ReadBlockBytes(index, scratch));
  return reader_->DecodeBlockBytes(index, scratch, out, fragments, with_lines, held_literals);
}

}  // namespace lode
