// Patterns: what kinds of line a set of lines holds, each written in
// LogQL's pattern syntax (`<_> level=info msg=<_>`), so that
// `|> "<pattern>"` selects its lines.
//
// Lines are cut at whitespace into words. Within a word, every run that
// holds a digit is a variable (numbers, ids, IPs, durations, timestamps,
// hex), and so is a quoted value; what remains is the word's shape
// ("size=<_>", "blk_<_>"). Lines with the same number of words and the
// same first word shape are candidates for one pattern (a prefix tree of
// depth two, as Drain's); a line joins the most similar pattern when at
// 85% of the shapes agree position by position, and the positions
// that differ become `<_>`. A last pass merges patterns that came out
// alike. Memory grows with the number of patterns, not of lines.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lode {

struct MinedPattern {
  std::string pattern;  // LogQL pattern syntax
  uint64_t count = 0;
  // Lines per time bucket (bucket start in ns), in time order.
  std::vector<std::pair<int64_t, uint64_t>> samples;
};

struct PatternMinerOptions {
  // Share of word positions that must agree for a line to join a pattern.
  double similarity = 0.85;
  // Width of the time buckets of MinedPattern::samples (0: one bucket).
  int64_t step_ns = 0;
  // Patterns kept at most; lines that would open more join the most
  // similar one of their length.
  size_t max_patterns = 50000;
};

class PatternMiner {
 public:
  explicit PatternMiner(PatternMinerOptions options = {});
  ~PatternMiner();

  // Adds one line at `t_ns`; returns the id of the cluster it joined
  // (ids of merged clusters resolve through ClusterOf).
  uint32_t Add(std::string_view line, int64_t t_ns = 0);

  // The final cluster of an id Add returned (after Finish's merges).
  uint32_t ClusterOf(uint32_t id) const;

  // The patterns, most lines first. Call once, after the last Add.
  std::vector<MinedPattern> Finish();
  // After Finish: the pattern of a cluster ClusterOf returned.
  const std::string& PatternOf(uint32_t cluster) const { return texts_.at(cluster); }

 private:
  struct Cluster;
  Cluster* Best(std::vector<uint32_t>& candidates, const std::vector<std::string>& shapes,
                double* similarity);
  uint32_t Find(uint32_t id) const;

  PatternMinerOptions options_;
  std::vector<std::unique_ptr<Cluster>> clusters_;
  // (word count, first shape) -> clusters.
  std::unordered_map<std::string, std::vector<uint32_t>> buckets_;
  mutable std::vector<uint32_t> parent_;   // union-find over merged clusters
  std::map<uint32_t, std::string> texts_;  // Finish's patterns by cluster
};

// A line's words and their shapes, as the miner sees them (for tests).
std::vector<std::string> PatternShapes(std::string_view line);

}  // namespace lode
