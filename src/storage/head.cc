#include "storage/head.h"

#include <algorithm>

namespace lode {

int64_t DayOf(TimestampNs t) {
  constexpr int64_t kNanosPerDay = 86400LL * 1'000'000'000;
  int64_t day = t / kNanosPerDay;
  if (t % kNanosPerDay < 0) --day;
  return day;
}

void Head::Insert(const std::vector<StreamBatch>& batches) {
  if (records_ == 0) first_insert_ = std::chrono::steady_clock::now();
  for (const StreamBatch& batch : batches) {
    auto [it, inserted] = streams_.try_emplace(batch.labels.ToString());
    if (inserted) it->second.labels = batch.labels;
    for (const Entry& e : batch.entries) {
      it->second.entries.push_back(e);
      bytes_ += e.line.size() + sizeof(Entry);
      for (const Label& l : e.metadata) bytes_ += l.name.size() + l.value.size();
      ++records_;
    }
  }
}

bool ContainsAll(std::string_view line, const std::vector<std::string>& literals) {
  for (const std::string& literal : literals) {
    if (line.find(literal) == std::string_view::npos) return false;
  }
  return true;
}

void Head::MergeFrom(const Head& other) {
  for (const auto& item : other.streams_) {
    Insert({StreamBatch{item.second.labels, item.second.entries}});
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
      const Entry& e = stream.entries[i];
      if (e.timestamp < request.start || e.timestamp >= request.end) continue;
      if (!ContainsAll(e.line, request.line_contains)) continue;
      if (request.line_filter && !request.line_filter(e.line)) continue;
      out.push_back(KeyedRecord{
          e.timestamp, source, i,
          Record{e.timestamp, stream.labels, without_lines ? std::string() : e.line, e.metadata}});
    }
  }
}

std::map<int64_t, std::vector<part::StreamRecords>> Head::ByDay() const {
  std::map<int64_t, std::vector<part::StreamRecords>> days;
  for (const auto& item : streams_) {  // map order: sorted by labels
    const HeadStream& stream = item.second;
    std::vector<const Entry*> sorted;
    sorted.reserve(stream.entries.size());
    for (const Entry& e : stream.entries) sorted.push_back(&e);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Entry* a, const Entry* b) { return a->timestamp < b->timestamp; });
    for (const Entry* e : sorted) {
      auto& streams = days[DayOf(e->timestamp)];
      if (streams.empty() || !(streams.back().labels == stream.labels)) {
        streams.push_back(part::StreamRecords{stream.labels, {}});
      }
      streams.back().entries.push_back(e);
    }
  }
  return days;
}

}  // namespace lode
