// lode_part_stats: where the bytes of a data directory's part files go.
//
//   lode_part_stats DIR_OR_PART...
//   lode_part_stats --encode [--level N] OUT.part FILE...
//
// The second form writes FILE's lines as one part (each file its own
// stream, timestamps 1 µs apart) with zstd at level N (default 6, the
// merge level) and prints the same sums for it: the quick way to see
// what a change of the encoder does to the size.
//
// Walks the arguments for *.part files and sums, over all of them: block
// bytes by codec, the sections of template blocks (stored and raw), the
// template dictionaries, the token filters and the rest (index, streams,
// meta, footer). Reads the layout of docs/format/part.md.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/coding.h"
#include "io/env.h"
#include "storage/part/part_reader.h"
#include "storage/part/part_writer.h"

namespace {

using lode::Decoder;

struct Sum {
  uint64_t stored = 0;
  uint64_t raw = 0;
  uint64_t count = 0;
};

const char* kSectionNames[] = {"head",        "templates", "ids",        "ints",
                               "str_lengths", "str_bytes", "str_nibbles"};

void Row(const char* name, uint64_t bytes, uint64_t total, uint64_t raw = 0) {
  std::printf("%-22s %14llu  %5.1f%%", name, static_cast<unsigned long long>(bytes),
              total ? 100.0 * static_cast<double>(bytes) / static_cast<double>(total) : 0.0);
  if (raw) {
    std::printf("  raw %14llu  x%.2f", static_cast<unsigned long long>(raw),
                static_cast<double>(raw) / static_cast<double>(bytes ? bytes : 1));
  }
  std::printf("\n");
}

}  // namespace

// Writes the lines of `files` to `out` as one part; false on error.
bool Encode(const std::string& out, const std::vector<std::string>& files, int level,
            size_t block_bytes) {
  std::vector<std::string> texts;
  std::vector<lode::part::StreamRecords> streams;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    texts.push_back(ss.str());
  }
  lode::TimestampNs t = 1'700'000'000'000'000'000;
  for (size_t i = 0; i < files.size(); ++i) {
    lode::part::StreamRecords s;
    s.labels = {{"file", std::to_string(1000 + i)}};
    std::string_view text = texts[i];
    while (!text.empty()) {
      size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      s.entries.push_back({t += 1000, line, nullptr});
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    streams.push_back(std::move(s));
  }
  lode::part::PartWriterOptions options;
  options.zstd_level = level;
  if (block_bytes > 0) {
    options.block_raw_bytes = block_bytes;
    options.stream_block_raw_bytes = 0;
  }
  auto st = lode::part::WritePart(lode::Env::Default(), out, streams, 0, options);
  if (!st.ok()) std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return st.ok();
}

int main(int argc, char** argv) {
  std::vector<std::string> parts;
  if (argc > 2 && std::string(argv[1]) == "--encode") {
    int level = 6, i = 2;
    size_t block_bytes = 0;
    for (;;) {
      if (std::string(argv[i]) == "--level") {
        level = std::atoi(argv[i + 1]);
        i += 2;
      } else if (std::string(argv[i]) == "--block-bytes") {
        block_bytes = std::strtoull(argv[i + 1], nullptr, 10);
        i += 2;
      } else {
        break;
      }
    }
    std::string out = argv[i++];
    if (!Encode(out, std::vector<std::string>(argv + i, argv + argc), level, block_bytes)) return 1;
    parts.push_back(out);
  }
  for (int i = 1; i < argc && parts.empty(); ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
        if (e.is_regular_file() && e.path().extension() == ".part") parts.push_back(e.path());
      }
    } else {
      parts.push_back(p);
    }
  }
  if (parts.empty()) {
    std::fprintf(stderr, "usage: lode_part_stats DIR_OR_PART...\n");
    return 2;
  }
  lode::Env* env = lode::Env::Default();
  uint64_t files = 0, records = 0, raw_lines = 0, dict = 0, filters = 0;
  uint64_t dict_templates = 0, dict_raw = 0;
  uint64_t token_filters = 0, string_filters = 0, summaries = 0;
  Sum codec[10];
  Sum sections[7];
  std::string bytes;
  for (const std::string& path : parts) {
    auto reader = lode::part::PartReader::Open(env, path);
    if (!reader.ok()) {
      std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
      return 1;
    }
    const auto& r = **reader;
    files += r.file_size();
    records += r.meta().records;
    dict += r.templates_size();
    if (auto dictionary = r.Dictionary()) {
      dict_templates += dictionary->size();
      for (const auto& t : dictionary->parsed().templates) dict_raw += t.text.size();
    }
    for (size_t b = 0; b < r.blocks().size(); ++b) {
      const auto& meta = r.blocks()[b];
      filters += meta.filter_size;
      token_filters += r.BlockFilter(b).size();
      if (r.BlockStringFilter(b) != lode::part::kUnknownStringFilter) {
        string_filters += r.BlockStringFilter(b).size();
      }
      summaries += r.BlockSummaryBytes(b).size();
      raw_lines += meta.raw_size;
      if (!r.ReadBlockBytes(b, bytes).ok()) return 1;
      int c = static_cast<uint8_t>(bytes[0]) % 10;
      codec[c].stored += bytes.size();
      codec[c].raw += meta.raw_size;
      codec[c].count++;
      if (c < 2) continue;
      Decoder d(std::string_view(bytes).substr(1, bytes.size() - 5));
      d.Varint64();
      for (Sum& s : sections) {
        if (&s == &sections[6] && c < 8) break;  // layouts before 4: six sections
        d.Fixed8();
        s.raw += d.Varint64();
        s.stored += d.LengthPrefixed().size();
        s.count++;
      }
    }
  }
  std::printf("%zu parts, %llu records, %llu raw payload bytes\n", parts.size(),
              static_cast<unsigned long long>(records), static_cast<unsigned long long>(raw_lines));
  Row("all files", files, files);
  const char* codec_names[] = {"blocks: stored",       "blocks: zstd",
                               "blocks: templates",    "blocks: dict templates",
                               "blocks: templates v2", "blocks: dict templates v2",
                               "blocks: templates v3", "blocks: dict templates v3",
                               "blocks: templates v4", "blocks: dict templates v4"};
  uint64_t blocks = 0;
  for (int c = 0; c < 10; ++c) {
    blocks += codec[c].stored;
    if (codec[c].count) Row(codec_names[c], codec[c].stored, files, codec[c].raw);
  }
  for (int s = 0; s < 7; ++s) {
    std::string name = std::string("  ") + kSectionNames[s];
    Row(name.c_str(), sections[s].stored, files, sections[s].raw);
  }
  Row("template dictionaries", dict, files, dict_raw);
  std::printf("  %llu templates\n", static_cast<unsigned long long>(dict_templates));
  Row("filters", filters, files);
  Row("  token filters", token_filters, files);
  Row("  string filters", string_filters, files);
  Row("  block summaries", summaries, files);
  Row("rest (index, footers)", files - blocks - dict - filters, files);
  return 0;
}
