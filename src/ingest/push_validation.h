// The checks of IngestLimits over decoded streams, before they are
// stored: what fails is removed from the batches and reported, the rest
// stays to be stored.
#pragma once

#include <vector>

#include "ingest/ingest_limits.h"
#include "model/push_report.h"
#include "model/record.h"

namespace lode {

// Checks the streams' labels (at least one, valid names, count and
// lengths) and each entry (line size, structured metadata, timestamp
// against `now`). A stream that fails loses all its entries; an entry
// that fails loses itself; an over-long line is cut instead when the
// limits say so. Streams left with no entries are removed. Messages are
// worded as Loki words them.
void ValidateStreams(std::vector<StreamBatch>& batches, const IngestLimits& limits, TimestampNs now,
                     PushReport& report);

}  // namespace lode
