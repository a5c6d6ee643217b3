// Building and reading libnats messages (natsMsg): subject, data and
// headers to and from lode's types.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "jetstream/nats_api.h"
#include "jetstream/nats_client.h"

namespace lode {

// A message to publish, with `headers` (a name may repeat).
Result<NatsPtr<natsMsg>> MakeNatsMsg(const NatsApi& api, const std::string& subject,
                                     std::string_view data, const NatsHeaders& headers);

std::string NatsMsgData(const NatsApi& api, natsMsg* msg);

// Every header of `msg`, in no particular order (libnats keeps them in a
// hash); none: empty.
NatsHeaders NatsMsgHeaders(const NatsApi& api, natsMsg* msg);

}  // namespace lode
