#include "storage/stream_index.h"

#include <algorithm>

namespace lode {

uint32_t StreamIndex::Intern(const Labels& labels) {
  std::string key = labels.ToString();
  MutexLock lock(mu_);
  auto [it, inserted] = ids_.try_emplace(std::move(key), static_cast<uint32_t>(streams_.size()));
  if (!inserted) return it->second;
  uint32_t id = it->second;
  streams_.push_back(labels);
  for (const Label& l : labels) postings_[l.name][l.value].push_back(id);
  return id;
}

std::vector<uint32_t> StreamIndex::InternAll(const std::vector<Labels>& streams) {
  std::vector<uint32_t> ids;
  ids.reserve(streams.size());
  for (const Labels& l : streams) ids.push_back(Intern(l));
  return ids;
}

size_t StreamIndex::size() const {
  MutexLock lock(mu_);
  return streams_.size();
}

std::vector<uint32_t> StreamIndex::PostingsMatching(const Matcher& m) const {
  auto name = postings_.find(m.name());
  if (name == postings_.end()) return {};
  if (m.type() == MatchType::kEqual) {
    auto value = name->second.find(m.value());
    return value == name->second.end() ? std::vector<uint32_t>{} : value->second;
  }
  // Each distinct value is tested once, however many streams carry it.
  std::vector<uint32_t> ids;
  for (const auto& [value, value_ids] : name->second) {
    if (m.Matches(value)) ids.insert(ids.end(), value_ids.begin(), value_ids.end());
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<bool> StreamIndex::Match(const std::vector<Matcher>& matchers) const {
  MutexLock lock(mu_);
  std::vector<bool> out(streams_.size(), false);
  // Candidates come from the smallest postings of a matcher that needs its
  // label present (it does not match the empty string); the other
  // matchers are checked on each candidate's labels.
  const std::vector<uint32_t>* best = nullptr;
  std::vector<uint32_t> best_ids;
  for (const Matcher& m : matchers) {
    if (m.Matches("")) continue;
    std::vector<uint32_t> ids = PostingsMatching(m);
    if (best == nullptr || ids.size() < best_ids.size()) {
      best_ids = std::move(ids);
      best = &best_ids;
    }
    if (best_ids.empty()) return out;
  }
  auto check = [&](uint32_t id) {
    mu_.AssertHeld();  // called below, under the lock
    const Labels& labels = streams_[id];
    out[id] = std::all_of(matchers.begin(), matchers.end(),
                          [&](const Matcher& m) { return m.MatchesLabels(labels); });
  };
  if (best != nullptr) {
    for (uint32_t id : *best) check(id);
  } else {
    for (uint32_t id = 0; id < streams_.size(); ++id) check(id);
  }
  return out;
}

}  // namespace lode
