#include "storage/head.h"

#include <algorithm>
#include <cstring>

namespace lode {

int64_t DayOf(TimestampNs t) {
  constexpr int64_t kNanosPerDay = 86400LL * 1'000'000'000;
  int64_t day = t / kNanosPerDay;
  if (t % kNanosPerDay < 0) --day;
  return day;
}

std::string_view LineArena::Add(std::string_view bytes) {
  constexpr size_t kMaxChunk = 4u << 20;
  if (bytes.empty()) return std::string_view();
  // A long line gets an allocation of its own, so that it does not waste
  // the rest of the current chunk.
  if (bytes.size() > kMaxChunk / 4) {
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
    capacity_ += bytes.size();
    memcpy(chunks_.back().get(), bytes.data(), bytes.size());
    return std::string_view(chunks_.back().get(), bytes.size());
  }
  if (bytes.size() > left_) {
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(next_chunk_));
    capacity_ += next_chunk_;
    at_ = chunks_.back().get();
    left_ = next_chunk_;
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
  HeadEntry e{timestamp, stored.data(), stored.size(), 0};
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

void Head::Insert(const std::vector<StreamBatch>& batches) {
  if (records_ == 0) first_insert_ = std::chrono::steady_clock::now();
  for (const StreamBatch& batch : batches) {
    auto [it, inserted] = streams_.try_emplace(batch.labels.ToString());
    if (inserted) it->second.labels = batch.labels;
    it->second.entries.reserve(it->second.entries.size() + batch.entries.size());
    for (const Entry& e : batch.entries) Add(it->second, e.timestamp, e.line, &e.metadata);
  }
}

bool ContainsAll(std::string_view line, const std::vector<std::string>& literals) {
  for (const std::string& literal : literals) {
    if (line.find(literal) == std::string_view::npos) return false;
  }
  return true;
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
      out.push_back(KeyedRecord{
          e.timestamp, source, i,
          Record{e.timestamp, stream.labels, without_lines ? std::string() : std::string(line),
                 e.metadata != 0 ? metadata_[e.metadata - 1] : Labels()}});
    }
  }
}

std::map<int64_t, std::vector<part::StreamRecords>> Head::ByDay() const {
  std::map<int64_t, std::vector<part::StreamRecords>> days;
  for (const auto& item : streams_) {  // map order: sorted by labels
    const HeadStream& stream = item.second;
    std::vector<part::RecordRef> sorted;
    sorted.reserve(stream.entries.size());
    for (const HeadEntry& e : stream.entries) {
      sorted.push_back(part::RecordRef{e.timestamp, e.line_view(),
                                       e.metadata != 0 ? &metadata_[e.metadata - 1] : nullptr});
    }
    // Records mostly arrive in time order: then there is nothing to sort
    // (and no sort buffer the size of the head to allocate).
    auto by_time = [](const part::RecordRef& a, const part::RecordRef& b) {
      return a.timestamp < b.timestamp;
    };
    if (!std::is_sorted(sorted.begin(), sorted.end(), by_time)) {
      std::stable_sort(sorted.begin(), sorted.end(), by_time);
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
