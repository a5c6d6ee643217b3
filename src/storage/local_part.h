// LocalPart: a part file under the tenant's parts/ directory, as PartSet
// holds it: the open PartReader, the sequence number its file is named
// by, and its streams' ids in the tenant's StreamIndex. Reads see it as a
// ReadablePart; PartSet, merges and retention also use its file.
// Immutable; safe to use from several threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/part/part_reader.h"
#include "storage/readable_part.h"

namespace lode {

class LocalPart final : public ReadablePart {
 public:
  LocalPart(uint64_t seq, std::unique_ptr<part::PartReader> reader,
            std::vector<uint32_t> stream_ids)
      : seq_(seq), reader_(std::move(reader)), stream_ids_(std::move(stream_ids)) {}

  uint64_t seq() const override { return seq_; }
  const part::PartMeta& meta() const override { return reader_->meta(); }
  const std::vector<Labels>& streams() const override { return reader_->streams(); }
  const std::vector<uint32_t>& stream_ids() const override { return stream_ids_; }
  const std::vector<part::BlockMeta>& blocks() const override { return reader_->blocks(); }
  std::string_view BlockFilter(size_t index) const override { return reader_->BlockFilter(index); }
  std::string_view BlockStringFilter(size_t index) const override {
    return reader_->BlockStringFilter(index);
  }
  bool TemplatesMayContain(std::string_view fragment) const override;
  Status ReadBlock(size_t index, const std::vector<std::string_view>& fragments, bool with_lines,
                   const std::vector<std::string_view>& held_literals, std::string& scratch,
                   part::DecodedBlock& out) const override;
  std::optional<uint64_t> CountFromSummary(
      size_t index, const std::vector<std::string_view>& literals,
      const std::vector<std::string_view>& fragments) const override;

  const std::string& path() const { return reader_->path(); }
  uint64_t file_size() const { return reader_->file_size(); }
  const part::PartReader& reader() const { return *reader_; }

 private:
  const uint64_t seq_;
  const std::unique_ptr<part::PartReader> reader_;
  const std::vector<uint32_t> stream_ids_;
};

}  // namespace lode
