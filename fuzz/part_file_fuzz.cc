// Fuzzes the readers of whole files: arbitrary bytes as a part file
// (footer, index, every block and filter) and as a checkpoint file. Either
// may fail; neither may crash or read out of bounds.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "storage/checkpoint.h"
#include "storage/part/block_summary.h"
#include "storage/part/line_templates.h"
#include "storage/part/part_reader.h"
#include "storage/part/template_dictionary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/lode-part-fuzz-" + std::to_string(getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  lode::Env* env = lode::Env::Default();
  auto reader = lode::part::PartReader::Open(env, path);
  if (reader.ok()) {
    const auto& r = **reader;
    auto dictionary = r.Dictionary();
    for (size_t b = 0; b < r.blocks().size(); ++b) {
      (void)r.BlockFilter(b);
      auto block = r.ReadBlock(b);
      if (block.ok() && block->size() != r.blocks()[b].records) abort();
      // A summary, if it parses, is used to count lines; a count past the
      // block's records would be a wrong answer.
      lode::part::BlockSummary summary;
      const uint64_t records = r.blocks()[b].records;
      if (lode::part::ParseBlockSummary(r.BlockSummaryBytes(b), records,
                                        dictionary ? dictionary->size() : 0, summary)) {
        const std::vector<std::string_view> literals = {"a"}, fragments = {"a"};
        auto n = lode::part::LinesHoldingLiterals(summary, records, dictionary.get(), literals,
                                                  fragments, r.BlockStringFilter(b));
        if (n && *n > records) abort();
      }
    }
  }
  (void)lode::ReadCheckpoint(env, path);
  return 0;
}
