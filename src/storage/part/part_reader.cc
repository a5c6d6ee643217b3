#include "storage/part/part_reader.h"

#include <algorithm>
#include <atomic>
#include <list>

#include "base/coding.h"
#include "base/crc32c.h"
#include "base/log.h"
#include "io/open_files.h"
#include "storage/labels_codec.h"

namespace lode::part {
namespace {

// Parsed template dictionaries of every open part, least recently used
// first out once they hold more than kBudget bytes. A part's dictionary
// is parsed once for all of its blocks, but a store of many days of parts
// must not keep all of them in memory.
class DictionaryCache {
 public:
  static constexpr size_t kBudget = 64u << 20;

  std::shared_ptr<const TemplateDictionary> Find(uint64_t id) {
    MutexLock lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == id) {
        entries_.splice(entries_.begin(), entries_, it);
        return it->second;
      }
    }
    return nullptr;
  }

  void Insert(uint64_t id, std::shared_ptr<const TemplateDictionary> dictionary) {
    MutexLock lock(mu_);
    bytes_ += dictionary->memory_bytes();
    entries_.emplace_front(id, std::move(dictionary));
    // The newest entry stays even when it alone is over the budget.
    while (bytes_ > kBudget && entries_.size() > 1) {
      bytes_ -= entries_.back().second->memory_bytes();
      entries_.pop_back();
    }
  }

  void Erase(uint64_t id) {
    MutexLock lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == id) {
        bytes_ -= it->second->memory_bytes();
        entries_.erase(it);
        return;
      }
    }
  }

 private:
  Mutex mu_;
  std::list<std::pair<uint64_t, std::shared_ptr<const TemplateDictionary>>> entries_
      GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
};

DictionaryCache& Dictionaries() {
  static DictionaryCache* cache = new DictionaryCache();  // never destroyed: used at exit
  return *cache;
}

std::atomic<uint64_t> next_reader_id{1};

}  // namespace

PartReader::PartReader(std::string path, std::unique_ptr<RandomAccessFile> file)
    : path_(std::move(path)), file_(std::move(file)), id_(next_reader_id++) {}

PartReader::~PartReader() { Dictionaries().Erase(id_); }

std::shared_ptr<const TemplateDictionary> PartReader::Dictionary() const {
  if (templates_size_ == 0) return nullptr;
  if (auto found = Dictionaries().Find(id_)) return found;
  MutexLock lock(dictionary_mu_);
  if (dictionary_damaged_) return nullptr;
  if (auto found = Dictionaries().Find(id_)) return found;  // loaded meanwhile
  std::string stored, serialized;
  Status s = file_->Read(templates_offset_, templates_size_, stored);
  if (s.ok() && crc32c::Value(stored) != templates_crc_) {
    s = Status::Corruption("checksum mismatch");
  }
  if (s.ok()) s = DecodeSection(stored, kMaxTemplateDictionaryBytes * 2, serialized);
  std::shared_ptr<const TemplateDictionary> dictionary;
  if (s.ok()) {
    auto parsed = TemplateDictionary::Parse(std::move(serialized));
    if (parsed.ok()) {
      dictionary = *parsed;
    } else {
      s = parsed.status();
    }
  }
  if (!s.ok()) {
    // A failed read may pass; bad bytes will not.
    if (s.code() != StatusCode::kIOError) dictionary_damaged_ = true;
    log::Error(
        "part template dictionary is damaged; its template blocks cannot be read",
        {{"file", path_}, {"offset", std::to_string(templates_offset_)}, {"err", s.message()}});
    return nullptr;
  }
  Dictionaries().Insert(id_, dictionary);
  return dictionary;
}

Result<std::unique_ptr<PartReader>> PartReader::Open(Env* env, const std::string& path) {
  // Through the cache of open part files: a store holds more parts than
  // the process may keep descriptors.
  LODE_ASSIGN_OR_RETURN(auto file, OpenFileCache::Parts().Open(env, path));
  return Open(path, std::move(file));
}

Result<std::unique_ptr<PartReader>> PartReader::Open(std::string path,
                                                     std::unique_ptr<RandomAccessFile> file) {
  std::unique_ptr<PartReader> reader(new PartReader(path, std::move(file)));
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("part " + path + ": " + what);
  };
  uint64_t size = reader->file_->Size();
  if (size < kHeaderSize + kFooterSizeV1) return corrupt("file too short");
  // Both footers end in their magic; version 2's is the longer one.
  std::string footer;
  uint64_t tail = std::min<uint64_t>(size - kHeaderSize, kFooterSize);
  LODE_RETURN_IF_ERROR(reader->file_->Read(size - tail, tail, footer));
  std::string_view magic = std::string_view(footer).substr(tail - kFooterMagic.size());
  size_t footer_size = 0;
  if (magic == kFooterMagic && tail == kFooterSize) {
    footer_size = kFooterSize;
  } else if (magic == kFooterMagicV1) {
    footer_size = kFooterSizeV1;
    footer.erase(0, tail - kFooterSizeV1);
  } else {
    return corrupt("bad footer magic");
  }
  const size_t fields = footer_size - 12;  // offsets and checksums, before the footer's crc
  if (crc32c::Extend(0, footer.data(), fields) != DecodeFixed32(footer.data() + fields)) {
    return corrupt("footer checksum mismatch");
  }
  const uint64_t footer_offset = size - footer_size;
  const char* f = footer.data();
  if (footer_size == kFooterSize) {
    reader->templates_offset_ = DecodeFixed64(f);
    f += 8;
  }
  uint64_t filters_offset = DecodeFixed64(f);
  uint64_t streams_offset = DecodeFixed64(f + 8);
  uint64_t index_offset = DecodeFixed64(f + 16);
  uint64_t meta_offset = DecodeFixed64(f + 24);
  uint32_t sections_crc = DecodeFixed32(f + 32);
  reader->filters_crc_ = DecodeFixed32(f + 36);
  if (footer_size == kFooterSize) {
    reader->templates_crc_ = DecodeFixed32(f + 40);
  } else {
    reader->templates_offset_ = filters_offset;  // version 1: no dictionary
  }
  if (reader->templates_offset_ < kHeaderSize || filters_offset < reader->templates_offset_ ||
      streams_offset < filters_offset || index_offset < streams_offset ||
      meta_offset < index_offset || footer_offset < meta_offset) {
    return corrupt("footer offsets out of order");
  }
  std::string sections;
  LODE_RETURN_IF_ERROR(
      reader->file_->Read(streams_offset, footer_offset - streams_offset, sections));
  if (crc32c::Value(sections) != sections_crc) return corrupt("index checksum mismatch");
  reader->templates_size_ = filters_offset - reader->templates_offset_;
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
    if (!b.ok() || m.stream >= nstreams || m.offset < kHeaderSize || m.size > templates_offset_ ||
        m.offset > templates_offset_ - m.size || m.size < 1 + kBlockTrailerSize ||
        m.filter_size > filters_size_ || m.filter_offset > filters_size_ - m.filter_size) {
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
  // The flags came later: older parts end before them.
  if (d.ok() && d.remaining() > 0) meta_.flags = d.Varint64();
  if (!d.ok()) return Status::Corruption("bad meta section");
  return Status::Ok();
}

std::string_view PartReader::BlockFilter(size_t index) const {
  std::string_view blob = FilterBlob(index);
  if ((meta_.flags & kPartFlagStringFilters) == 0) return blob;
  Decoder d(blob);
  const uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return {};
  return blob.substr(d.position(), n);
}

std::string_view PartReader::BlockStringFilter(size_t index) const {
  if ((meta_.flags & kPartFlagStringFilters) == 0) return kUnknownStringFilter;
  std::string_view blob = FilterBlob(index);
  Decoder d(blob);
  const uint64_t n = d.Varint64();
  if (!d.ok() || n > d.remaining()) return kUnknownStringFilter;
  if ((meta_.flags & kPartFlagBlockSummaries) == 0) return blob.substr(d.position() + n);
  Decoder rest(blob.substr(d.position() + n));
  std::string_view strings = rest.LengthPrefixed();
  return rest.ok() ? strings : kUnknownStringFilter;
}

std::string_view PartReader::BlockSummaryBytes(size_t index) const {
  if ((meta_.flags & kPartFlagBlockSummaries) == 0) return {};
  std::string_view blob = FilterBlob(index);
  Decoder d(blob);
  d.LengthPrefixed();  // the token filter
  d.LengthPrefixed();  // the string filter
  if (!d.ok()) return {};
  return blob.substr(d.position());
}

std::string_view PartReader::FilterBlob(size_t index) const {
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

std::shared_ptr<const TemplateDictionary> PartReader::DictionaryFor(std::string_view block) const {
  if (block.empty() || !NamesDictionaryTemplates(static_cast<BlockCodec>(block[0]))) {
    return nullptr;
  }
  return Dictionary();
}

Status PartReader::DecodeBlockBytes(size_t index, std::string_view bytes, DecodedBlock& out,
                                    const std::vector<std::string_view>& fragments, bool with_lines,
                                    const std::vector<std::string_view>& held_literals) const {
  const BlockMeta& m = blocks_.at(index);
  // A read without lines decodes only the head: no dictionary needed.
  std::shared_ptr<const TemplateDictionary> dictionary;
  if (with_lines) dictionary = DictionaryFor(bytes);
  Status s =
      DecodeBlockInto(bytes, m.records, out, fragments, with_lines, dictionary.get(), held_literals,
                      fragments.empty() ? kUnknownStringFilter : BlockStringFilter(index));
  if (!s.ok() && s.code() != StatusCode::kNotFound) {
    return Status::Corruption(s.message() + " in part " + path_ + " at offset " +
                              std::to_string(m.offset));
  }
  return s;
}

}  // namespace lode::part
