// The JSON of lode's audit endpoints, shared by the server and `lode
// verify`:
//   GET /api/v1/audit/heads       each audit stream's chain head
//   GET|POST /api/v1/audit/verify the chains checked against the records
//                                 (POST: with heads published earlier)
// A head is {"tenant", "stream": {labels}, "count", "last_time" (ns as a
// string), "hash" (64 hex digits), "started", "retention_cuts"}; a file of
// expected heads holds what the heads endpoint answered (one answer, or
// one per line as an operator appends them), or a bare array of heads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/verify.h"
#include "base/json_writer.h"
#include "base/status.h"

namespace lode {

// The heads of `chains` (of `tenant`), one object each, into an open array.
void WriteAuditHeads(JsonWriter& w, const std::string& tenant,
                     const std::vector<AuditChain>& chains);

// {"intact": bool, "streams": [verdict...]}.
void WriteVerifyReport(JsonWriter& w, const std::vector<ChainVerdict>& verdicts);

// The heads in `text` (see above); a head without "tenant" is of
// `default_tenant`.
Result<std::vector<ExpectedHead>> ParseExpectedHeads(std::string_view text,
                                                     const std::string& default_tenant);

// The verdicts of a verify answer (its "data").
Result<std::vector<ChainVerdict>> ParseVerifyReport(std::string_view json);

}  // namespace lode
