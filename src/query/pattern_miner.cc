#include "query/pattern_miner.h"

#include <algorithm>
#include <numeric>

namespace lode {
namespace {

// A word's variable part, as the miner masks it and as a pattern prints it.
constexpr std::string_view kVar = "<_>";
// A position where a pattern's lines differ (printed as <_> too, but it
// does not count as agreement when a line is compared with the pattern).
constexpr std::string_view kWild = "<*>";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Bytes that cut a word into runs: punctuation that keys, lists and
// brackets are written with. Other bytes ('.', '-', '_', '/', ...) stay
// inside a run, so "10.0.0.1", "/var/log/x.log" and "blk_-12" are one run.
bool IsCut(char c) {
  switch (c) {
    case '=':
    case ':':
    case ',':
    case ';':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case '\'':
    case '<':
    case '>':
    case '|':
      return true;
    default:
      return false;
  }
}

// The shape of a word: its runs holding a digit replaced by <_>.
std::string Shape(std::string_view word) {
  std::string out;
  size_t i = 0;
  while (i < word.size()) {
    if (IsCut(word[i])) {
      out.push_back(word[i++]);
      continue;
    }
    size_t j = i;
    bool variable = false;
    size_t digits = 0;
    while (j < word.size() && !IsCut(word[j])) {
      const char c = word[j];
      digits += c >= '0' && c <= '9';
      // A path, or a dotted name (host, file, class): a '/' anywhere, or
      // a '.' between two word bytes.
      variable |= c == '/' && j + 1 - i > 1;
      variable |=
          c == '.' && j > i && j + 1 < word.size() && !IsCut(word[j + 1]) && word[j + 1] != '.';
      ++j;
    }
    // Digits make a variable, unless the run is a name ending in one
    // digit (SOCKS5, ipv4, utf8, md5): letters, then that digit.
    if (digits > 0) {
      const std::string_view run = word.substr(i, j - i);
      const bool name = digits == 1 && run.size() >= 3 && run.back() >= '0' && run.back() <= '9' &&
                        std::all_of(run.begin(), run.end() - 1, [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                        });
      variable |= !name;
    }
    if (variable) {
      out.append(kVar);
    } else {
      out.append(word.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

}  // namespace

std::vector<std::string> PatternShapes(std::string_view line) {
  std::vector<std::string> shapes;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !IsSpace(line[j])) ++j;
    if (j > i) shapes.push_back(Shape(line.substr(i, j - i)));
    i = j;
  }
  return shapes;
}

struct PatternMiner::Cluster {
  std::vector<std::string> shapes;
  uint64_t count = 0;
  std::map<int64_t, uint64_t> buckets;
};

PatternMiner::PatternMiner(PatternMinerOptions options) : options_(options) {}
PatternMiner::~PatternMiner() = default;

PatternMiner::Cluster* PatternMiner::Best(std::vector<uint32_t>& candidates,
                                          const std::vector<std::string>& shapes,
                                          double* similarity) {
  Cluster* best = nullptr;
  double best_sim = -1;
  size_t best_wild = 0;
  for (uint32_t id : candidates) {
    Cluster* c = clusters_[id].get();
    size_t same = 0, wild = 0;
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (c->shapes[i] == kWild) {
        ++wild;
      } else if (c->shapes[i] == shapes[i]) {
        ++same;
      }
    }
    const double sim = shapes.empty() ? 1.0 : static_cast<double>(same) / shapes.size();
    if (sim > best_sim || (sim == best_sim && wild > best_wild)) {
      best = c;
      best_sim = sim;
      best_wild = wild;
    }
  }
  *similarity = best_sim;
  return best;
}

uint32_t PatternMiner::Add(std::string_view line, int64_t t_ns) {
  std::vector<std::string> shapes = PatternShapes(line);
  std::string key = std::to_string(shapes.size());
  key.push_back('\0');
  if (!shapes.empty()) key += shapes[0];
  std::vector<uint32_t>& candidates = buckets_[key];
  double sim = 0;
  Cluster* c = Best(candidates, shapes, &sim);
  uint32_t id;
  if (c != nullptr && (sim >= options_.similarity || clusters_.size() >= options_.max_patterns)) {
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (c->shapes[i] != shapes[i]) c->shapes[i] = std::string(kWild);
    }
    id = static_cast<uint32_t>(std::find_if(candidates.begin(), candidates.end(),
                                            [&](uint32_t x) { return clusters_[x].get() == c; }) -
                               candidates.begin());
    id = candidates[id];
  } else {
    auto fresh = std::make_unique<Cluster>();
    fresh->shapes = std::move(shapes);
    id = static_cast<uint32_t>(clusters_.size());
    clusters_.push_back(std::move(fresh));
    parent_.push_back(id);
    candidates.push_back(id);
    c = clusters_.back().get();
  }
  ++c->count;
  const int64_t bucket =
      options_.step_ns > 0
          ? t_ns - (((t_ns % options_.step_ns) + options_.step_ns) % options_.step_ns)
          : 0;
  ++c->buckets[bucket];
  return id;
}

uint32_t PatternMiner::Find(uint32_t id) const {
  while (parent_[id] != id) {
    parent_[id] = parent_[parent_[id]];
    id = parent_[id];
  }
  return id;
}

uint32_t PatternMiner::ClusterOf(uint32_t id) const { return Find(id); }

std::vector<MinedPattern> PatternMiner::Finish() {
  // Patterns that print alike are one.
  std::map<std::string, uint32_t> by_text;
  std::vector<MinedPattern> out;
  std::map<uint32_t, size_t> index;
  for (uint32_t id = 0; id < clusters_.size(); ++id) {
    Cluster& c = *clusters_[id];
    std::string text;
    for (size_t i = 0; i < c.shapes.size(); ++i) {
      if (i > 0) text.push_back(' ');
      text.append(c.shapes[i] == kWild ? kVar : std::string_view(c.shapes[i]));
    }
    auto [it, fresh] = by_text.emplace(text, id);
    if (!fresh) {
      parent_[id] = it->second;
      Cluster& into = *clusters_[it->second];
      into.count += c.count;
      for (const auto& [t, n] : c.buckets) into.buckets[t] += n;
    }
  }
  for (const auto& [text, id] : by_text) {
    texts_[id] = text;
    const Cluster& c = *clusters_[id];
    MinedPattern p;
    p.pattern = text;
    p.count = c.count;
    p.samples.assign(c.buckets.begin(), c.buckets.end());
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const MinedPattern& a, const MinedPattern& b) {
    return a.count != b.count ? a.count > b.count : a.pattern < b.pattern;
  });
  return out;
}

}  // namespace lode
