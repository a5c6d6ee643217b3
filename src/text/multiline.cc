#include "text/multiline.h"

#include <re2/re2.h>

namespace lode {

MultilineJoiner::MultilineJoiner(const MultilineOptions& options) : options_(options) {}
MultilineJoiner::~MultilineJoiner() = default;

Result<std::unique_ptr<MultilineJoiner>> MultilineJoiner::Create(const MultilineOptions& options) {
  std::unique_ptr<MultilineJoiner> joiner(new MultilineJoiner(options));
  if (options.mode == MultilineOptions::Mode::kPattern) {
    joiner->start_ = std::make_unique<re2::RE2>(options.start, RE2::Quiet);
    if (!joiner->start_->ok()) {
      return Status::InvalidArgument("multi-line start pattern \"" + options.start +
                                     "\": " + joiner->start_->error());
    }
  }
  return joiner;
}

bool MultilineJoiner::StartsRecord(std::string_view line, bool has_timestamp) const {
  switch (options_.mode) {
    case MultilineOptions::Mode::kNone:
      return true;
    case MultilineOptions::Mode::kPattern:
      return RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *start_);
    case MultilineOptions::Mode::kAuto:
      if (seen_timestamps_ || has_timestamp) return has_timestamp;
      return !(line.starts_with(" ") || line.starts_with("\t") || line.starts_with("Caused by:"));
  }
  return true;
}

void MultilineJoiner::Add(std::string_view line, std::optional<int64_t> timestamp,
                          std::vector<JoinedRecord>& out) {
  const bool has_timestamp = timestamp.has_value();
  bool starts = lines_ == 0 || StartsRecord(line, has_timestamp) || lines_ >= options_.max_lines ||
                record_.text.size() + 1 + line.size() > options_.max_bytes;
  if (has_timestamp) seen_timestamps_ = true;
  if (starts) {
    Flush(out);
    record_.text.assign(line);
    record_.timestamp = timestamp;
    lines_ = 1;
    return;
  }
  record_.text += '\n';
  record_.text.append(line);
  ++lines_;
}

void MultilineJoiner::Flush(std::vector<JoinedRecord>& out) {
  if (lines_ == 0) return;
  out.push_back(std::move(record_));
  record_ = JoinedRecord{};
  lines_ = 0;
}

}  // namespace lode
