#include "storage/head.h"

#include <sys/mman.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <new>

#include "base/mutex.h"

namespace lode {

int64_t DayOf(TimestampNs t) {
  constexpr int64_t kNanosPerDay = 86400LL * 1'000'000'000;
  int64_t day = t / kNanosPerDay;
  if (t % kNanosPerDay < 0) --day;
  return day;
}

namespace {

constexpr size_t kMaxChunk = 4u << 20;

// Full-size chunks of heads that are gone, for the next heads: a head
// flushed is followed by one filling up, and reusing its pages spares
// faulting in and zeroing fresh ones (13% of ingest CPU, measured). At
// most one head's worth (kPoolBytes) is kept; the rest is unmapped.
class ChunkPool {
 public:
  static constexpr size_t kPoolBytes = 32u << 20;

  char* Take() {
    MutexLock lock(mu_);
    if (free_.empty()) return nullptr;
    char* chunk = free_.back();
    free_.pop_back();
    return chunk;
  }
  // False when the pool is full: the caller unmaps the chunk.
  bool Give(char* chunk) {
    MutexLock lock(mu_);
    if ((free_.size() + 1) * kMaxChunk > kPoolBytes) return false;
    free_.push_back(chunk);
    return true;
  }

 private:
  Mutex mu_;
  std::vector<char*> free_ GUARDED_BY(mu_);
};

ChunkPool& Chunks() {
  static ChunkPool* pool = new ChunkPool();  // never destroyed: used at exit
  return *pool;
}

}  // namespace

LineArena::~LineArena() {
  for (auto [chunk, size] : chunks_) {
    if (size == kMaxChunk && Chunks().Give(chunk)) continue;
    munmap(chunk, size);
  }
}

char* LineArena::NewChunk(size_t& size) {
  // A chunk left by an earlier head is taken whatever the size asked: its
  // pages are already faulted in, and it would otherwise sit in the pool.
  char* chunk = size <= kMaxChunk ? Chunks().Take() : nullptr;
  if (chunk != nullptr) {
    size = kMaxChunk;
  } else if (size == kMaxChunk) {
    // Full-size chunks on huge pages where the kernel allows it (THP in
    // "madvise" mode): two page faults fill one instead of a thousand,
    // and on a virtual machine each fault is dear (faults were a fifth of
    // ingest CPU). Mapped with room to start on a huge-page boundary.
    constexpr size_t kHuge = 2u << 20;
    void* p =
        mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t start = reinterpret_cast<uintptr_t>(p);
    const uintptr_t aligned = (start + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
    if (aligned > start) munmap(p, aligned - start);
    if (aligned + size < start + size + kHuge) {
      munmap(reinterpret_cast<void*>(aligned + size), start + kHuge - aligned);
    }
    chunk = reinterpret_cast<char*>(aligned);
    (void)madvise(chunk, size, MADV_HUGEPAGE);
  } else {
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    chunk = static_cast<char*>(p);
  }
  chunks_.emplace_back(chunk, size);
  capacity_ += size;
  return chunk;
}

std::string_view LineArena::Add(std::string_view bytes) {
  if (bytes.empty()) return std::string_view();
  // A long line gets a chunk of its own, so that it does not waste the
  // rest of the current one.
  if (bytes.size() > kMaxChunk / 4) {
    size_t size = bytes.size();
    char* chunk = NewChunk(size);
    memcpy(chunk, bytes.data(), bytes.size());
    return std::string_view(chunk, bytes.size());
  }
  if (bytes.size() > left_) {
    // The growing chunk size may still be below a line of up to a quarter
    // of the largest chunk: the new chunk holds the line in any case.
    size_t size = std::max(next_chunk_, bytes.size());
    at_ = NewChunk(size);
    left_ = size;
    next_chunk_ = std::min(next_chunk_ * 2, kMaxChunk);
  }
  memcpy(at_, bytes.data(), bytes.size());
  std::string_view out(at_, bytes.size());
  at_ += bytes.size();
  left_ -= bytes.size();
  return out;
}

void Head::Add(HeadStream& stream, TimestampNs timestamp, std::string_view line,
               const Labels* metadata) {
  std::string_view stored = lines_.Add(line);
  HeadEntry e{timestamp, stored.data(), static_cast<uint32_t>(stored.size()), 0};
  bytes_ += line.size() + sizeof(HeadEntry);
  if (metadata != nullptr && !metadata->empty()) {
    metadata_.push_back(*metadata);
    e.metadata = static_cast<uint32_t>(metadata_.size());
    bytes_ += sizeof(Labels);
    for (const Label& l : *metadata) bytes_ += sizeof(Label) + l.name.size() + l.value.size();
  }
  stream.entries.push_back(e);
  ++records_;
}

void Head::Insert(const std::vector<StreamBatch>& batches,
                  std::chrono::steady_clock::time_point now) {
  if (records_ == 0) first_insert_ = now;
  for (const StreamBatch& batch : batches) {
    auto [it, inserted] = streams_.try_emplace(batch.labels.ToString());
    if (inserted) it->second.labels = batch.labels;
    // Grow geometrically: reserving exactly the new size on every push
    // would copy a stream's whole entry array once per push. By half
    // again, not double: a head's entries are a fifth of its memory.
    std::vector<HeadEntry>& entries = it->second.entries;
    const size_t needed = entries.size() + batch.entries.size();
    if (needed > entries.capacity()) {
      entries.reserve(std::max(needed, entries.capacity() + entries.capacity() / 2));
    }
    for (const Entry& e : batch.entries) Add(it->second, e.timestamp, e.line, &e.metadata);
  }
}

bool ContainsAll(std::string_view line, const std::vector<std::string>& literals) {
  for (const std::string& literal : literals) {
    if (line.find(literal) == std::string_view::npos) return false;
  }
  return true;
}

bool ContainsWord(std::string_view text, std::string_view word) {
  auto word_byte = [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
  };
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    if ((at == 0 || !word_byte(text[at - 1]) || !word_byte(word.front())) &&
        (end == text.size() || !word_byte(text[end]) || !word_byte(word.back()))) {
      return true;
    }
  }
  return false;
}

bool RecordContains(std::string_view line, const Labels& metadata, std::string_view text) {
  if (text.empty() || ContainsWord(line, text)) return true;
  for (const Label& l : metadata) {
    if (ContainsWord(l.value, text)) return true;
  }
  return false;
}

void Head::MergeFrom(const Head& other) {
  if (records_ == 0 && other.records_ > 0) first_insert_ = other.first_insert_;
  for (const auto& [key, from] : other.streams_) {
    auto [it, inserted] = streams_.try_emplace(key);
    if (inserted) it->second.labels = from.labels;
    it->second.entries.reserve(it->second.entries.size() + from.entries.size());
    for (const HeadEntry& e : from.entries) {
      Add(it->second, e.timestamp, e.line_view(),
          e.metadata != 0 ? &other.metadata_[e.metadata - 1] : nullptr);
    }
  }
}

void Head::Collect(const SelectRequest& request, uint64_t source,
                   std::vector<KeyedRecord>& out) const {
  const bool without_lines = !request.needs_lines();
  for (const auto& item : streams_) {
    const HeadStream& stream = item.second;
    bool match = std::all_of(request.matchers.begin(), request.matchers.end(),
                             [&](const Matcher& m) { return m.MatchesLabels(stream.labels); });
    if (!match) continue;
    for (size_t i = 0; i < stream.entries.size(); ++i) {
      const HeadEntry& e = stream.entries[i];
      if (e.timestamp < request.start || e.timestamp >= request.end) continue;
      std::string_view line = e.line_view();
      if (!ContainsAll(line, request.line_contains)) continue;
      if (request.line_filter && !request.line_filter(line)) continue;
      if (!request.record_contains.empty() &&
          !RecordContains(line, e.metadata != 0 ? metadata_[e.metadata - 1] : Labels(),
                          request.record_contains)) {
        continue;
      }
      out.push_back(KeyedRecord{
          e.timestamp, source, i,
          Record{e.timestamp, stream.labels, without_lines ? std::string() : std::string(line),
                 e.metadata != 0 ? metadata_[e.metadata - 1] : Labels()}});
    }
  }
}

void Head::ScanTimestamps(const SelectRequest& request,
                          const std::function<void(const TimestampRun&)>& fn) const {
  std::vector<TimestampNs> ts;
  std::vector<Labels> metadata;
  for (const auto& item : streams_) {
    const HeadStream& stream = item.second;
    bool match = std::all_of(request.matchers.begin(), request.matchers.end(),
                             [&](const Matcher& m) { return m.MatchesLabels(stream.labels); });
    if (!match) continue;
    ts.clear();
    metadata.clear();
    bool any_metadata = false;
    auto wanted = [&](const HeadEntry& e) {
      return e.timestamp >= request.start && e.timestamp < request.end &&
             ContainsAll(e.line_view(), request.line_contains);
    };
    for (const HeadEntry& e : stream.entries) {
      if (!wanted(e)) continue;
      ts.push_back(e.timestamp);
      if (e.metadata != 0) any_metadata = true;
    }
    if (ts.empty()) continue;
    if (any_metadata) {
      for (const HeadEntry& e : stream.entries) {
        if (!wanted(e)) continue;
        metadata.push_back(e.metadata != 0 ? metadata_[e.metadata - 1] : Labels());
      }
    }
    fn(TimestampRun{&stream.labels, ts.data(), any_metadata ? metadata.data() : nullptr,
                    ts.size()});
  }
}

void Head::CollectSeries(const SeriesRequest& request,
                         std::map<std::string, SeriesInfo>* out) const {
  for (const auto& item : streams_) {
    const HeadStream& stream = item.second;
    bool match = std::all_of(request.matchers.begin(), request.matchers.end(),
                             [&](const Matcher& m) { return m.MatchesLabels(stream.labels); });
    if (!match) continue;
    uint64_t entries = 0, bytes = 0;
    for (const HeadEntry& e : stream.entries) {
      if (e.timestamp < request.start || e.timestamp >= request.end) continue;
      ++entries;
      bytes += e.length;
    }
    if (entries == 0) continue;
    SeriesInfo& info = (*out)[stream.labels.ToString()];
    info.labels = stream.labels;
    info.entries += entries;
    info.bytes += bytes;
    info.chunks += 1;
  }
}

std::map<int64_t, std::vector<part::StreamRecords>> Head::ByDay() const {
  std::map<int64_t, std::vector<part::StreamRecords>> days;
  auto by_time = [](const part::RecordRef& a, const part::RecordRef& b) {
    return a.timestamp < b.timestamp;
  };
  for (const auto& item : streams_) {  // map order: sorted by labels
    const HeadStream& stream = item.second;
    if (stream.entries.empty()) continue;
    std::vector<part::RecordRef> sorted;
    sorted.reserve(stream.entries.size());
    for (const HeadEntry& e : stream.entries) {
      sorted.push_back(part::RecordRef{e.timestamp, e.line_view(),
                                       e.metadata != 0 ? &metadata_[e.metadata - 1] : nullptr});
    }
    // Records mostly arrive in time order: then there is nothing to sort
    // (and no sort buffer the size of the head to allocate).
    if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) {
      std::stable_sort(sorted.begin(), sorted.end(), by_time);
    }
    const int64_t first_day = DayOf(sorted.front().timestamp);
    if (first_day == DayOf(sorted.back().timestamp)) {
      // One day, as a stream's records mostly are: no second copy.
      days[first_day].push_back(part::StreamRecords{stream.labels, std::move(sorted)});
      continue;
    }
    for (const part::RecordRef& r : sorted) {
      auto& streams = days[DayOf(r.timestamp)];
      if (streams.empty() || !(streams.back().labels == stream.labels)) {
        streams.push_back(part::StreamRecords{stream.labels, {}});
      }
      streams.back().entries.push_back(r);
    }
  }
  return days;
}

}  // namespace lode
