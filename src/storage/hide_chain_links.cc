#include "storage/hide_chain_links.h"

#include <vector>

namespace lode {
namespace {

class ChainLinkHidingIterator final : public RecordIterator {
 public:
  explicit ChainLinkHidingIterator(std::unique_ptr<RecordIterator> inner)
      : inner_(std::move(inner)) {}

  bool Next() override {
    if (!inner_->Next()) return false;
    const Record& r = inner_->record();
    if (HasChainLink(r.metadata)) {
      // A copy only for the records that have a link.
      copy_.timestamp = r.timestamp;
      copy_.stream = r.stream;
      copy_.line = r.line;
      copy_.metadata = WithoutChainLink(r.metadata);
      current_ = &copy_;
    } else {
      current_ = &r;
    }
    return true;
  }
  const Record& record() const override { return *current_; }
  Status status() const override { return inner_->status(); }
  ReadStats read_stats() const override { return inner_->read_stats(); }

 private:
  std::unique_ptr<RecordIterator> inner_;
  Record copy_;
  const Record* current_ = nullptr;
};

}  // namespace

std::unique_ptr<RecordIterator> WithoutChainLinks(std::unique_ptr<RecordIterator> it) {
  return std::make_unique<ChainLinkHidingIterator>(std::move(it));
}

std::function<void(const TimestampRun&)> WithoutChainLinks(
    const std::function<void(const TimestampRun&)>& fn) {
  return [&fn](const TimestampRun& run) {
    bool linked = false;
    if (run.metadata != nullptr) {
      for (size_t i = 0; i < run.count && !linked; ++i) linked = HasChainLink(run.metadata[i]);
    }
    if (!linked) return fn(run);
    std::vector<Labels> metadata(run.count);
    bool any = false;
    for (size_t i = 0; i < run.count; ++i) {
      metadata[i] = WithoutChainLink(run.metadata[i]);
      any = any || !metadata[i].empty();
    }
    TimestampRun hidden = run;
    hidden.metadata = any ? metadata.data() : nullptr;
    fn(hidden);
  };
}

}  // namespace lode
