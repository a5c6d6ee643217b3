#include "query/pattern_miner.h"

#include <algorithm>
#include <array>
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
constexpr std::array<bool, 256> MakeCuts() {
  std::array<bool, 256> cut{};
  for (unsigned char c : std::string_view("=:,;()[]{}\"'<>|")) cut[c] = true;
  return cut;
}
constexpr std::array<bool, 256> kCut = MakeCuts();
inline bool IsCut(char c) { return kCut[static_cast<unsigned char>(c)]; }

// Month and weekday names, parts of dates, vary as numbers do.
bool IsDateName(std::string_view run) {
  static constexpr std::string_view kNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                                "Aug", "Sep", "Oct", "Nov", "Dec", "Mon", "Tue",
                                                "Wed", "Thu", "Fri", "Sat", "Sun"};
  if (run.size() != 3) return false;
  for (std::string_view n : kNames) {
    if (run == n) return true;
  }
  return false;
}

// Appends the shape of a word: its runs holding a digit (and the other
// variable runs) replaced by <_>.
void AppendShape(std::string_view word, std::string& out) {
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
    variable |= IsDateName(word.substr(i, j - i));
    if (variable) {
      out.append(kVar);
    } else {
      out.append(word.substr(i, j - i));
    }
    i = j;
  }
}

// Appends every word's shape, each followed by a NUL: the key of a line's
// shape, built without allocating per word.
void AppendLineShape(std::string_view line, std::string& out) {
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !IsSpace(line[j])) ++j;
    if (j > i) {
      AppendShape(line.substr(i, j - i), out);
      out.push_back('\0');
    }
    i = j;
  }
}

std::vector<std::string> SplitShapes(std::string_view joined) {
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t k = 0; k < joined.size(); ++k) {
    if (joined[k] == '\0') {
      words.emplace_back(joined.substr(start, k - start));
      start = k + 1;
    }
  }
  return words;
}

}  // namespace

std::vector<std::string> PatternShapes(std::string_view line) {
  std::string joined;
  AppendLineShape(line, joined);
  return SplitShapes(joined);
}

struct PatternMiner::Cluster {
  std::vector<std::string> shapes;      // the pattern's words; kWild where lines differ
  uint64_t count = 0;                   // all its lines
  std::map<int64_t, uint64_t> buckets;  // its lines that have no Shape entry
};

struct PatternMiner::Shape {
  std::vector<std::string> words;
  uint32_t cluster = 0;
  std::map<int64_t, uint64_t> buckets;
  uint64_t count = 0;
};

namespace {
constexpr uint32_t kUntracked = 0x80000000u;  // a class that is a cluster, not a shape
// A varying position with at most this many words, each on several lines,
// holds a choice between kinds of line rather than a variable.
constexpr size_t kMaxSplitValues = 3;
}  // namespace

PatternMiner::PatternMiner(PatternMinerOptions options) : options_(options) {}
PatternMiner::~PatternMiner() = default;

PatternMiner::Cluster* PatternMiner::Best(std::vector<uint32_t>& candidates,
                                          const std::vector<std::string>& words, double* similarity,
                                          size_t* at) {
  Cluster* best = nullptr;
  double best_sim = -1;
  size_t best_wild = 0;
  for (const uint32_t& id : candidates) {
    Cluster* c = clusters_[id].get();
    size_t same = 0, wild = 0;
    for (size_t i = 0; i < words.size(); ++i) {
      if (c->shapes[i] == kWild) {
        ++wild;
      } else if (c->shapes[i] == words[i]) {
        ++same;
      }
    }
    const double sim = words.empty() ? 1.0 : static_cast<double>(same) / words.size();
    if (sim > best_sim || (sim == best_sim && wild > best_wild)) {
      best = c;
      *at = static_cast<size_t>(&id - candidates.data());
      best_sim = sim;
      best_wild = wild;
    }
  }
  *similarity = best_sim;
  return best;
}

uint32_t PatternMiner::Add(std::string_view line, int64_t t_ns) {
  const int64_t bucket =
      options_.step_ns > 0
          ? t_ns - (((t_ns % options_.step_ns) + options_.step_ns) % options_.step_ns)
          : 0;
  // Most lines repeat a shape already seen: one lookup, no allocation.
  std::string& joined = scratch_;
  joined.clear();
  AppendLineShape(line, joined);
  if (auto seen = shape_ids_.find(joined); seen != shape_ids_.end()) {
    Shape& shape = shapes_[seen->second];
    ++shape.count;
    ++shape.buckets[bucket];
    ++clusters_[shape.cluster]->count;
    return seen->second;
  }
  std::vector<std::string> words = SplitShapes(joined);
  std::vector<uint32_t>& candidates = buckets_[words.size()];
  double sim = 0;
  size_t at = 0;
  Cluster* c = Best(candidates, words, &sim, &at);
  uint32_t id;
  if (c != nullptr && (sim >= options_.similarity || clusters_.size() >= options_.max_patterns)) {
    for (size_t i = 0; i < words.size(); ++i) {
      if (c->shapes[i] != words[i]) c->shapes[i] = std::string(kWild);
    }
    id = candidates[at];
  } else {
    auto fresh = std::make_unique<Cluster>();
    fresh->shapes = words;
    id = static_cast<uint32_t>(clusters_.size());
    clusters_.push_back(std::move(fresh));
    parent_.push_back(id);
    candidates.push_back(id);
    c = clusters_.back().get();
  }
  ++c->count;
  if (shapes_.size() >= kMaxShapes) {
    ++c->buckets[bucket];
    return kUntracked | id;
  }
  const uint32_t shape_id = static_cast<uint32_t>(shapes_.size());
  Shape shape;
  shape.words = std::move(words);
  shape.cluster = id;
  shape.count = 1;
  shape.buckets[bucket] = 1;
  shapes_.push_back(std::move(shape));
  shape_ids_.emplace(joined, shape_id);
  return shape_id;
}

void PatternMiner::MergeOneWordVariants() {
  // Patterns of one length that are alike but for one word, in at least
  // four variants, have a variable there ("removing chargen", "removing
  // echo", ...): two or three variants are more often different kinds of
  // line ("spawn" and "destroy", GET and POST).
  for (auto& [length, ids] : buckets_) {
    if (length < 2 || ids.size() < 4) continue;
    for (size_t k = 0; k < length; ++k) {
      std::map<std::string, std::vector<uint32_t>> by_rest;
      for (uint32_t id : ids) {
        if (Find(id) != id) continue;
        const Cluster& c = *clusters_[id];
        if (c.shapes[k] == kWild) continue;
        std::string rest;
        for (size_t i = 0; i < length; ++i) {
          if (i != k) rest += c.shapes[i];
          rest.push_back('\0');
        }
        by_rest[rest].push_back(id);
      }
      for (auto& [rest, group] : by_rest) {
        if (group.size() < 4) continue;
        // A variable has many values, each seen a few times; a choice
        // between kinds of line has few, each seen often.
        uint64_t lines = 0;
        for (uint32_t id : group) lines += clusters_[id]->count;
        if (lines > 3 * group.size()) continue;
        Cluster& into = *clusters_[group[0]];
        into.shapes[k] = std::string(kWild);
        for (size_t g = 1; g < group.size(); ++g) {
          Cluster& from = *clusters_[group[g]];
          parent_[group[g]] = group[0];
          into.count += from.count;
          for (const auto& [t, n] : from.buckets) into.buckets[t] += n;
          from.count = 0;
          from.buckets.clear();
        }
      }
    }
  }
}

uint32_t PatternMiner::Find(uint32_t id) const {
  while (parent_[id] != id) {
    parent_[id] = parent_[parent_[id]];
    id = parent_[id];
  }
  return id;
}

std::vector<MinedPattern> PatternMiner::Finish() {
  MergeOneWordVariants();
  std::vector<std::vector<uint32_t>> members(clusters_.size());
  for (uint32_t s = 0; s < shapes_.size(); ++s) members[Find(shapes_[s].cluster)].push_back(s);

  // Pattern text -> its index in `out`.
  std::map<std::string, size_t> index;
  std::vector<MinedPattern> out;
  std::vector<std::map<int64_t, uint64_t>> buckets;
  auto add = [&](const std::vector<std::string>& words, uint64_t count,
                 const std::map<int64_t, uint64_t>& b) {
    std::string text;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) text.push_back(' ');
      text.append(words[i] == kWild ? kVar : std::string_view(words[i]));
    }
    auto [it, fresh] = index.emplace(text, out.size());
    if (fresh) {
      MinedPattern fresh_pattern;
      fresh_pattern.pattern = text;
      out.push_back(std::move(fresh_pattern));
      buckets.emplace_back();
    }
    out[it->second].count += count;
    for (const auto& [t, n] : b) buckets[it->second][t] += n;
    return it->second;
  };

  shape_pattern_.assign(shapes_.size(), 0);
  cluster_pattern_.assign(clusters_.size(), 0);
  for (uint32_t id = 0; id < clusters_.size(); ++id) {
    if (Find(id) != id) continue;
    const Cluster& c = *clusters_[id];
    // Positions where the lines took two or three words, each on at least
    // two lines, and never a variable: those words are the pattern's.
    std::vector<size_t> split;
    for (size_t k = 0; k < c.shapes.size(); ++k) {
      if (c.shapes[k] != kWild) continue;
      std::map<std::string_view, uint64_t> values;
      bool variable = false;
      for (uint32_t s : members[id]) {
        const std::string& w = shapes_[s].words[k];
        variable |= w.find(kVar) != std::string::npos;
        values[w] += shapes_[s].count;
        if (values.size() > kMaxSplitValues) break;
      }
      if (variable || values.size() < 2 || values.size() > kMaxSplitValues) continue;
      bool frequent = true;
      for (const auto& [w, n] : values) frequent &= n >= 2;
      if (frequent) split.push_back(k);
    }
    cluster_pattern_[id] = add(
        c.shapes,
        c.count -
            [&] {
              uint64_t tracked = 0;
              for (uint32_t s : members[id]) tracked += shapes_[s].count;
              return tracked;
            }(),
        c.buckets);
    for (uint32_t s : members[id]) {
      std::vector<std::string> words = c.shapes;
      for (size_t k : split) words[k] = shapes_[s].words[k];
      shape_pattern_[s] = add(words, shapes_[s].count, shapes_[s].buckets);
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].samples.assign(buckets[i].begin(), buckets[i].end());
  }
  // Most lines first; the order of the indexes handed out follows.
  std::vector<size_t> order(out.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return out[a].count != out[b].count ? out[a].count > out[b].count
                                        : out[a].pattern < out[b].pattern;
  });
  std::vector<size_t> rank(out.size());
  std::vector<MinedPattern> sorted;
  for (size_t r = 0; r < order.size(); ++r) {
    rank[order[r]] = r;
    sorted.push_back(std::move(out[order[r]]));
  }
  for (size_t& p : shape_pattern_) p = rank[p];
  for (size_t& p : cluster_pattern_) p = rank[p];
  // Patterns without lines (every line of a cluster was in a split).
  while (!sorted.empty() && sorted.back().count == 0) sorted.pop_back();
  return sorted;
}

size_t PatternMiner::PatternIndexOf(uint32_t line_class) const {
  if (line_class & kUntracked) return cluster_pattern_[Find(line_class & ~kUntracked)];
  return shape_pattern_[line_class];
}

}  // namespace lode
