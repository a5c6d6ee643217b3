// How libnats' outcomes become lode Statuses. A natsStatus says what kind
// of failure it was (timeout, no connection, not found); a server's
// JetStream error adds its code (jsErrCode: 10071 is "wrong last
// sequence", a lost compare-and-set) and description, which decide the
// StatusCode when present and always go into the message.
#pragma once

#include <nats/nats.h>

#include <string_view>

#include "base/status.h"
#include "jetstream/nats_api.h"

namespace lode {

// The StatusCode of a JetStream error code from the server.
StatusCode StatusCodeForJsError(int js_code);
// The StatusCode of a libnats status without a JetStream error code.
StatusCode StatusCodeForNatsStatus(natsStatus status);

// The Status of a failed call: "<context>: <status_text>[: <detail>]
// [(jetstream error <js_code>)]". `detail` is libnats' text of the error
// ("wrong last sequence: 5"); its "(file.c:123): " prefix is dropped.
// js_code 0: none. Pure, for tests.
Status MakeNatsStatus(natsStatus status, std::string_view status_text, int js_code,
                      std::string_view detail, std::string_view context);

// The Status of `status` returned by the calling thread's last libnats
// call (its detail is that thread's last error text); ok for NATS_OK.
Status NatsError(const NatsApi& api, natsStatus status, std::string_view context, int js_code = 0);

}  // namespace lode
