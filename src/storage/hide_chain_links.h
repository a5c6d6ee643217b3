// Readers see records without their audit chain links (audit_chain.h):
// wrappers for a store's reads, used unless a request keeps the links.
#pragma once

#include <functional>
#include <memory>

#include "storage/storage.h"

namespace lode {

// Records as `it` gives them, less their chain link entries.
std::unique_ptr<RecordIterator> WithoutChainLinks(std::unique_ptr<RecordIterator> it);
// Calls `fn` with runs whose metadata has no chain link entries (null
// metadata when nothing else is left). `fn` must outlive the result.
std::function<void(const TimestampRun&)> WithoutChainLinks(
    const std::function<void(const TimestampRun&)>& fn);

}  // namespace lode
