// Fuzzes the readers of whole files: arbitrary bytes as a part file
// (footer, index, every block and filter) and as a checkpoint file. Either
// may fail; neither may crash or read out of bounds.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "storage/checkpoint.h"
#include "storage/part/part_reader.h"

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
    for (size_t b = 0; b < r.blocks().size(); ++b) {
      (void)r.BlockFilter(b);
      auto block = r.ReadBlock(b);
      if (block.ok() && block->size() != r.blocks()[b].records) abort();
    }
  }
  (void)lode::ReadCheckpoint(env, path);
  return 0;
}
