#include "storage/chain_cuts.h"

#include <algorithm>

#include "base/log.h"
#include "storage/part/block_codec.h"

namespace lode {

std::map<std::string, std::vector<RetentionCut>> RetentionCuts(
    const std::vector<const ReadablePart*>& parts, const std::set<std::string>& chained,
    int64_t now_ns, const std::string& tenant) {
  std::map<std::string, std::vector<ChainLink>> removed;
  std::string scratch;
  part::DecodedBlock block;
  for (const ReadablePart* p : parts) {
    std::vector<std::string> keys;
    keys.reserve(p->streams().size());
    for (const Labels& stream : p->streams()) keys.push_back(stream.ToString());
    for (size_t i = 0; i < p->blocks().size(); ++i) {
      const std::string& key = keys[p->blocks()[i].stream];
      if (chained.count(key) == 0) continue;
      Status s = p->ReadBlock(i, {}, /*with_lines=*/false, {}, scratch, block);
      if (!s.ok()) {
        log::Error("retention cannot read an audit block; its records will show as missing",
                   {{"tenant", tenant}, {"err", s.ToString()}});
        continue;
      }
      for (const Labels& metadata : block.metadata) {
        ChainLink link;
        if (FindChainLink(metadata, link)) removed[key].push_back(link);
      }
    }
  }
  std::map<std::string, std::vector<RetentionCut>> cuts;
  for (auto& [key, links] : removed) {
    std::sort(links.begin(), links.end(),
              [](const ChainLink& a, const ChainLink& b) { return a.seq < b.seq; });
    std::vector<RetentionCut>& c = cuts[key];
    for (const ChainLink& link : links) {
      if (!c.empty() && link.seq <= c.back().last + 1) {
        if (link.seq > c.back().last) c.back().last = link.seq, c.back().hash = link.hash;
      } else {
        c.push_back(RetentionCut{link.seq, link.seq, link.hash, now_ns});
      }
    }
  }
  return cuts;
}

}  // namespace lode
