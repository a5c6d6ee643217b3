// PartReader: opens a part file by its footer and index (one read of the
// tail of the file), and reads single blocks on demand. Immutable after
// Open; safe to use from several threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "io/env.h"
#include "storage/part/block_codec.h"
#include "storage/part/part_format.h"
#include "storage/part/template_dictionary.h"

namespace lode::part {

class PartReader {
 public:
  // Corruption (naming the file) for a bad footer, checksum or index.
  static Result<std::unique_ptr<PartReader>> Open(Env* env, const std::string& path);
  // The same over a file opened elsewhere (a bucket object behind a
  // cache); `name` names it in errors.
  static Result<std::unique_ptr<PartReader>> Open(std::string name,
                                                  std::unique_ptr<RandomAccessFile> file);
  ~PartReader();

  const std::string& path() const { return path_; }
  const std::vector<Labels>& streams() const { return streams_; }
  const std::vector<BlockMeta>& blocks() const { return blocks_; }
  const PartMeta& meta() const { return meta_; }
  uint64_t file_size() const { return file_->Size(); }
  // Holds the file open from now on (RandomAccessFile::KeepOpen): before
  // its path is removed while readers may still read it.
  Status KeepFileOpen() const { return file_->KeepOpen(); }
  // Where the token filters and the template dictionary are in the file.
  uint64_t filters_offset() const { return filters_offset_; }
  uint64_t templates_offset() const { return templates_offset_; }
  uint64_t templates_size() const { return templates_size_; }

  // Reads and decodes block `index`; Corruption names file and offset.
  Result<DecodedBlock> ReadBlock(size_t index) const;
  // The same into `out`, reusing its memory.
  Status ReadBlockInto(size_t index, DecodedBlock& out) const;
  // The two steps of ReadBlockInto: the block's stored bytes, then their
  // decoding (a Corruption error names the file and offset).
  Status ReadBlockBytes(size_t index, std::string& out) const;
  // `fragments`, `with_lines`, `held_literals`: see DecodeBlockInto (NotFound: no line of
  // the block can hold the fragments).
  Status DecodeBlockBytes(size_t index, std::string_view bytes, DecodedBlock& out,
                          const std::vector<std::string_view>& fragments = {},
                          bool with_lines = true,
                          const std::vector<std::string_view>& held_literals = {}) const;

  // The token filter of block `index` (see token_filter.h). The filters
  // section is read and verified on first use and kept; if it is damaged,
  // every filter is empty, which rules nothing out.
  std::string_view BlockFilter(size_t index) const;
  // Block `index`'s string filter (token_filter.h): kUnknownStringFilter
  // when the part has none (kPartFlagStringFilters), the block has none
  // or the filters are damaged.
  std::string_view BlockStringFilter(size_t index) const;

  // Block `index`'s summary (block_summary.h); empty when it has none or
  // the filters are damaged.
  std::string_view BlockSummaryBytes(size_t index) const;
  // Block `index`'s bytes in the filters section, as stored (its token
  // filter, string filter and summary, as the part's flags say); empty
  // when the filters are damaged.
  std::string_view FilterBlob(size_t index) const;

  // The part's template dictionary: read, verified and parsed on first
  // use, then kept in a process-wide cache of bounded size (shared by
  // every part) while blocks use it. Null when the part has none or it
  // is damaged (its blocks that need it are then reported as corrupt).
  std::shared_ptr<const TemplateDictionary> Dictionary() const;

 private:
  PartReader(std::string path, std::unique_ptr<RandomAccessFile> file);
  // The dictionary when `block` (stored bytes) names templates in it.
  std::shared_ptr<const TemplateDictionary> DictionaryFor(std::string_view block) const;
  Status ParseSections(std::string_view sections, uint64_t streams_offset, uint64_t index_offset,
                       uint64_t meta_offset);

  std::string path_;
  std::unique_ptr<RandomAccessFile> file_;
  const uint64_t id_;  // unique in the process: the dictionary cache's key
  uint64_t templates_offset_ = 0;
  uint64_t templates_size_ = 0;
  uint32_t templates_crc_ = 0;
  mutable Mutex dictionary_mu_;  // one load at a time
  mutable bool dictionary_damaged_ GUARDED_BY(dictionary_mu_) = false;
  uint64_t filters_offset_ = 0;
  uint64_t filters_size_ = 0;
  uint32_t filters_crc_ = 0;
  mutable std::once_flag filters_once_;
  mutable std::string filters_;  // written once, under filters_once_
  std::vector<Labels> streams_;
  std::vector<BlockMeta> blocks_;
  PartMeta meta_;
};

}  // namespace lode::part
