// JSON encoding of query results in the Loki API's response shapes.
#pragma once

#include <string>

#include "query/log_query.h"

namespace lode {

// {"status":"success","data":{"resultType":"streams","result":[...],"stats":{...}}}
std::string EncodeStreamsResponse(const LogQueryResult& result);

}  // namespace lode
