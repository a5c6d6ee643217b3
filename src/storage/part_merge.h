// Merging parts: the records of several parts of one day rewritten as one
// part, each stream's records merged in time order. Memory holds one
// decoded block per input part. PartSet picks and publishes merges; this
// file knows only parts and the files it writes, not the set.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "storage/local_part.h"
#include "storage/part/part_writer.h"

namespace lode {

// Writes the union of `inputs` (in sequence order; ties between equal
// timestamps keep that order) to `path`, recording the inputs' sequence
// numbers as replaced and the largest of their WAL checkpoints. A block
// that fails to read is logged and left out.
// `cancel` (may be null) is polled as the merge goes: once true, the merge
// stops, leaves nothing behind, and returns Cancelled.
Status MergeParts(Env* env, const std::vector<std::shared_ptr<const LocalPart>>& inputs,
                  const std::string& path, const part::PartWriterOptions& options,
                  const std::atomic<bool>* cancel);

// Which parts of one day to merge: the smallest first, at least
// `min_parts` of them and at most `max_parts`, adding a part only while
// it is no larger than 1.5 times everything taken so far, so that each
// byte is rewritten a logarithmic number of times. When the smallest parts
// make no such run, the run may start at a larger part. Empty: nothing
// to merge.
std::vector<std::shared_ptr<const LocalPart>> PickMergeInputs(
    std::vector<std::shared_ptr<const LocalPart>> day_parts, size_t min_parts, size_t max_parts);

}  // namespace lode
