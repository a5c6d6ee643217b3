#include "storage/local_part.h"

#include <algorithm>
#include <limits>

#include "storage/part/block_summary.h"

namespace lode {

Status LocalPart::ReadBlock(size_t index, const std::vector<std::string_view>& fragments,
                            bool with_lines, const std::vector<std::string_view>& held_literals,
                            std::string& scratch, part::DecodedBlock& out) const {
  Status read = reader_->ReadBlockBytes(index, scratch);
  if (read.code() == StatusCode::kNotFound) {
    // NotFound from here means "no line can match" (ReadablePart): a file
    // that cannot be had is an error, never an empty answer.
    return Status::IOError(read.message());
  }
  LODE_RETURN_IF_ERROR(read);
  return reader_->DecodeBlockBytes(index, scratch, out, fragments, with_lines, held_literals);
}

bool LocalPart::TemplatesMayContain(std::string_view fragment) const {
  auto dictionary = reader_->Dictionary();
  if (dictionary == nullptr) return true;
  auto hits = dictionary->FragmentHits(fragment);
  return std::any_of(hits->begin(), hits->end(), [](uint8_t hit) { return hit != 0; });
}

std::optional<uint64_t> LocalPart::CountFromSummary(
    size_t index, const std::vector<std::string_view>& literals,
    const std::vector<std::string_view>& fragments) const {
  std::string_view bytes = reader_->BlockSummaryBytes(index);
  if (bytes.empty()) return std::nullopt;
  // Counting every record needs no templates.
  std::shared_ptr<const part::TemplateDictionary> dictionary;
  if (!literals.empty()) dictionary = reader_->Dictionary();
  const uint64_t records = reader_->blocks()[index].records;
  part::BlockSummary summary;
  if (!part::ParseBlockSummary(bytes, records,
                               dictionary ? dictionary->size() : std::numeric_limits<size_t>::max(),
                               summary)) {
    return std::nullopt;
  }
  return part::LinesHoldingLiterals(summary, records, dictionary.get(), literals, fragments,
                                    reader_->BlockStringFilter(index));
}

}  // namespace lode
