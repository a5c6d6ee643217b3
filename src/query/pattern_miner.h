// Patterns: what kinds of line a set of lines holds, each written in
// LogQL's pattern syntax (`<_> level=info msg=<_>`), so that
// `|> "<pattern>"` selects its lines.
//
// Lines are cut at whitespace into words. Within a word, every run that
// holds a digit is a variable (numbers, ids, IPs, durations, timestamps,
// hex), and so is a quoted value; what remains is the word's shape
// ("size=<_>", "blk_<_>"). Lines with the same number of words are
// candidates for one pattern; a line joins the most similar one when at
// 85% of the shapes agree position by position, and the positions
// that differ become `<_>` (Drain's similarity). A last pass merges
// patterns that differ in one word only, when there are four or more of
// them (when each has few lines: a variable's values); then it splits a
// pattern again where a varying position took only two or three words,
// each on several lines (GET and POST, begin and end: kinds of line, not
// variables), and merges patterns that came out alike. Memory grows with
// the number of patterns and distinct line shapes, not of lines.
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
  std::string level;  // the level most of its lines have (pattern queries set it)
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

  // Adds one line at `t_ns`. Returns its class (lines of one class end in
  // one pattern; PatternIndexOf says which, after Finish).
  uint32_t Add(std::string_view line, int64_t t_ns = 0);

  // The patterns, most lines first. Call once, after the last Add.
  std::vector<MinedPattern> Finish();
  // After Finish: the index in its result of the pattern of a class Add
  // returned.
  size_t PatternIndexOf(uint32_t line_class) const;

 private:
  struct Cluster;
  struct Shape;
  // The most similar cluster of `candidates` (its index there in *at).
  Cluster* Best(std::vector<uint32_t>& candidates, const std::vector<std::string>& words,
                double* similarity, size_t* at);
  void MergeOneWordVariants();
  uint32_t Find(uint32_t id) const;

  PatternMinerOptions options_;
  std::vector<std::unique_ptr<Cluster>> clusters_;
  // Word count -> clusters of that length.
  std::map<size_t, std::vector<uint32_t>> buckets_;
  // Each distinct line shape (up to kMaxShapes): its words, its cluster,
  // its lines over time. Finish splits a cluster by them where a varying
  // position takes only two or three words.
  static constexpr size_t kMaxShapes = 1 << 20;
  std::vector<Shape> shapes_;
  std::unordered_map<std::string, uint32_t> shape_ids_;
  std::string scratch_;                   // the current line's shape key
  mutable std::vector<uint32_t> parent_;  // union-find over merged clusters
  std::vector<size_t> shape_pattern_;     // Finish's: shape -> pattern index
  std::vector<size_t> cluster_pattern_;   // Finish's: cluster -> pattern index
};

// A line's words and their shapes, as the miner sees them (for tests).
std::vector<std::string> PatternShapes(std::string_view line);

}  // namespace lode
