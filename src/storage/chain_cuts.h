// The cuts retention makes in audit chains (audit_chain.h): before a
// store deletes parts, it reads the links of their chained records and
// records each run of consecutive positions it removes.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/audit_chain.h"
#include "storage/readable_part.h"

namespace lode {

// The cuts removing `parts` makes in the chains of `chained` streams
// (keyed by canonical label text), by stream, at wall-clock `now_ns`.
// A block that cannot be read is logged and passed over: its records are
// lost either way, and verification will show them missing.
std::map<std::string, std::vector<RetentionCut>> RetentionCuts(
    const std::vector<const ReadablePart*>& parts, const std::set<std::string>& chained,
    int64_t now_ns, const std::string& tenant);

}  // namespace lode
