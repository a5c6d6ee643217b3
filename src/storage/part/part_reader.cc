#include "storage/part/part_reader.h"

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/log.h"
#include "storage/labels_codec.h"

namespace lode::part {
Result<std::unique_ptr<PartReader>> PartReader::Open(Env* env, const std::string& path) {
  LODE_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  std::unique_ptr<PartReader> reader(new PartReader(path, std::move(file)));
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("part " + path + ": " + what);
  };
  uint64_t size = reader->file_->Size();
  if (size < kHeaderSize + kFooterSize) return corrupt("file too short");
  std::string footer;
  LODE_RETURN_IF_ERROR(reader->file_->Read(size - kFooterSize, kFooterSize, footer));
  if (std::string_view(footer).substr(kFooterSize - kFooterMagic.size()) != kFooterMagic) {
    return corrupt("bad footer magic");
  }
  if (crc32c::Extend(0, footer.data(), 40) != DecodeFixed32(footer.data() + 40)) {
    return corrupt("footer checksum mismatch");
  }
  uint64_t filters_offset = DecodeFixed64(footer.data());
  uint64_t streams_offset = DecodeFixed64(footer.data() + 8);
  uint64_t index_offset = DecodeFixed64(footer.data() + 16);
  uint64_t meta_offset = DecodeFixed64(footer.data() + 24);
  uint32_t sections_crc = DecodeFixed32(footer.data() + 32);
  reader->filters_crc_ = DecodeFixed32(footer.data() + 36);
  uint64_t footer_offset = size - kFooterSize;
  if (filters_offset < kHeaderSize || streams_offset < filters_offset ||
      index_offset < streams_offset || meta_offset < index_offset || footer_offset < meta_offset) {
    return corrupt("footer offsets out of order");
  }
  std::string sections;
  LODE_RETURN_IF_ERROR(
      reader->file_->Read(streams_offset, footer_offset - streams_offset, sections));
  if (crc32c::Value(sections) != sections_crc) return corrupt("index checksum mismatch");
  reader->filters_offset_ = filters_offset;
  reader->filters_size_ = streams_offset - filters_offset;
  Status parsed = reader->ParseSections(sections, streams_offset, index_offset, meta_offset);
  if (!parsed.ok()) return corrupt(parsed.message());
  return reader;
}

Status PartReader::ParseSections(std::string_view sections, uint64_t streams_offset,
                                 uint64_t index_offset, uint64_t meta_offset) {
  Decoder s(sections.substr(0, index_offset - streams_offset));
  uint64_t nstreams = s.Varint64();
  if (!s.ok() || nstreams > s.remaining()) return Status::Corruption("bad stream table");
  streams_.resize(nstreams);
  for (Labels& labels : streams_) {
    if (!DecodeLabels(s, labels)) return Status::Corruption("bad stream table");
  }
  Decoder b(sections.substr(index_offset - streams_offset, meta_offset - index_offset));
  uint64_t nblocks = b.Varint64();
  if (!b.ok() || nblocks > b.remaining()) return Status::Corruption("bad block index");
  blocks_.resize(nblocks);
  for (BlockMeta& m : blocks_) {
    m.stream = static_cast<uint32_t>(b.Varint64());
    m.min_time = b.Varsint64();
    m.max_time = m.min_time + static_cast<int64_t>(b.Varint64());
    m.records = static_cast<uint32_t>(b.Varint64());
    m.offset = b.Varint64();
    m.size = b.Varint64();
    m.raw_size = b.Varint64();
    m.filter_offset = b.Varint64();
    m.filter_size = b.Varint64();
    if (!b.ok() || m.stream >= nstreams || m.offset < kHeaderSize ||
        m.offset + m.size > filters_offset_ || m.size < 1 + kBlockTrailerSize ||
        m.filter_offset + m.filter_size > filters_size_) {
      return Status::Corruption("bad block index entry");
    }
  }
  Decoder d(sections.substr(meta_offset - streams_offset));
  meta_.wal_checkpoint = d.Varint64();
  meta_.min_time = d.Varsint64();
  meta_.max_time = d.Varsint64();
  meta_.records = d.Varint64();
  uint64_t replaced = d.Varint64();
  if (!d.ok() || replaced > d.remaining()) return Status::Corruption("bad meta section");
  for (uint64_t i = 0; i < replaced; ++i) meta_.replaces.push_back(d.Varint64());
  if (!d.ok()) return Status::Corruption("bad meta section");
  return Status::Ok();
}

std::string_view PartReader::BlockFilter(size_t index) const {
  std::call_once(filters_once_, [this] {
    std::string data;
    Status s = file_->Read(filters_offset_, filters_size_, data);
    if (s.ok() && crc32c::Value(data) == filters_crc_) {
      filters_ = std::move(data);
    } else {
      log::Error("part token filters are damaged; its blocks cannot be skipped",
                 {{"file", path_}, {"offset", std::to_string(filters_offset_)}});
    }
  });
  const BlockMeta& m = blocks_.at(index);
  if (filters_.empty()) return {};
  return std::string_view(filters_).substr(m.filter_offset, m.filter_size);
}

Result<DecodedBlock> PartReader::ReadBlock(size_t index) const {
  DecodedBlock block;
  LODE_RETURN_IF_ERROR(ReadBlockInto(index, block));
  return block;
}

Status PartReader::ReadBlockInto(size_t index, DecodedBlock& out) const {
  thread_local std::string bytes;  // reused: blocks are read one after another
  LODE_RETURN_IF_ERROR(ReadBlockBytes(index, bytes));
  return DecodeBlockBytes(index, bytes, out);
}

Status PartReader::ReadBlockBytes(size_t index, std::string& out) const {
  const BlockMeta& m = blocks_.at(index);
  return file_->Read(m.offset, m.size, out);
}

Status PartReader::DecodeBlockBytes(size_t index, std::string_view bytes, DecodedBlock& out,
                                    const std::vector<std::string_view>& fragments,
                                    bool with_lines) const {
  const BlockMeta& m = blocks_.at(index);
  Status s = DecodeBlockInto(bytes, m.records, out, fragments, with_lines);
  if (!s.ok()) {
    return Status::Corruption(s.message() + " in part " + path_ + " at offset " +
                              std::to_string(m.offset));
  }
  return Status::Ok();
}

}  // namespace lode::part
