#include "storage/local_part.h"

#include <algorithm>

namespace lode {

Status LocalPart::ReadBlock(size_t index, const std::vector<std::string_view>& fragments,
                            bool with_lines, const std::vector<std::string_view>& held_literals,
                            std::string& scratch, part::DecodedBlock& out) const {
  LODE_RETURN_IF_ERROR(reader_->ReadBlockBytes(index, scratch));
  return reader_->DecodeBlockBytes(index, scratch, out, fragments, with_lines, held_literals);
}

bool LocalPart::TemplatesMayContain(std::string_view fragment) const {
  auto dictionary = reader_->Dictionary();
  if (dictionary == nullptr) return true;
  auto hits = dictionary->FragmentHits(fragment);
  return std::any_of(hits->begin(), hits->end(), [](uint8_t hit) { return hit != 0; });
}

}  // namespace lode
