#include "jetstream/nats_error.h"

#include <string>

namespace lode {

StatusCode StatusCodeForJsError(int js_code) {
  switch (js_code) {
    case JSStreamWrongLastSequenceErr:
    case JSStreamWrongLastMsgIDErr:
    case JSStreamSequenceNotMatchErr:
    case JSStreamNameExistErr:
    case JSConsumerNameExistErr:
      return StatusCode::kConflict;
    case JSNoMessageFoundErr:
    case JSSequenceNotFoundErr:
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
      return StatusCode::kNotFound;
    // A leader is being elected, a peer is down or behind: retry.
    case JSClusterNotAvailErr:
    case JSClusterNotLeaderErr:
    case JSClusterIncompleteErr:
    case JSClusterNoPeersErr:
    case JSRaftGeneralErr:
    case JSStreamStoreFailedErr:
    case JSStreamOfflineErr:
    case JSConsumerOfflineErr:
    case JSStreamAssignmentErr:
    case JSConsumerCreateErr:
      return StatusCode::kUnavailable;
    case JSAccountResourcesExceededErr:
    case JSInsufficientResourcesErr:
    case JSMemoryResourcesExceededErr:
    case JSStorageResourcesExceededErr:
    case JSMaximumConsumersLimitErr:
    case JSMaximumStreamsLimitErr:
    case JSStreamLimitsErr:
      return StatusCode::kResourceExhausted;
    case JSBadRequestErr:
    case JSInvalidJSONErr:
    case JSStreamInvalidConfig:
    case JSStreamMessageExceedsMaximumErr:
    case JSStreamSubjectOverlapErr:
    case JSStreamReplicasNotSupportedErr:
    case JSStreamReplicasNotUpdatableErr:
    case JSStreamNotMatchErr:
      return StatusCode::kInvalidArgument;
    default:
      return StatusCode::kInternal;
  }
}

StatusCode StatusCodeForNatsStatus(natsStatus status) {
  switch (status) {
    case NATS_OK:
      return StatusCode::kOk;
    case NATS_TIMEOUT:
      return StatusCode::kDeadlineExceeded;
    case NATS_NO_RESPONDERS:
    case NATS_IO_ERROR:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_DRAINING:
    case NATS_SLOW_CONSUMER:
    case NATS_MISSED_HEARTBEAT:
    case NATS_MISMATCH:
      return StatusCode::kUnavailable;
    case NATS_NOT_FOUND:
      return StatusCode::kNotFound;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_TIMEOUT:
    case NATS_MAX_PAYLOAD:
    case NATS_ADDRESS_MISSING:
      return StatusCode::kInvalidArgument;
    case NATS_NO_MEMORY:
    case NATS_INSUFFICIENT_BUFFER:
      return StatusCode::kResourceExhausted;
    default:
      return StatusCode::kInternal;
  }
}

Status MakeNatsStatus(natsStatus status, std::string_view status_text, int js_code,
                      std::string_view detail, std::string_view context) {
  StatusCode code = js_code != 0 ? StatusCodeForJsError(js_code) : StatusCodeForNatsStatus(status);
  if (code == StatusCode::kOk) return Status::Ok();
  // libnats prefixes where it set the error: "(js.c:535): wrong last ...".
  if (detail.starts_with('(')) {
    size_t end = detail.find("): ");
    if (end != std::string_view::npos) detail.remove_prefix(end + 3);
  }
  std::string message(context);
  message += ": ";
  message += status_text;
  if (!detail.empty() && detail != status_text) {
    message += ": ";
    message += detail;
  }
  if (js_code != 0) message += " (jetstream error " + std::to_string(js_code) + ")";
  switch (code) {
    case StatusCode::kConflict:
      return Status::Conflict(std::move(message));
    case StatusCode::kNotFound:
      return Status::NotFound(std::move(message));
    case StatusCode::kUnavailable:
      return Status::Unavailable(std::move(message));
    case StatusCode::kDeadlineExceeded:
      return Status::DeadlineExceeded(std::move(message));
    case StatusCode::kResourceExhausted:
      return Status::ResourceExhausted(std::move(message));
    case StatusCode::kInvalidArgument:
      return Status::InvalidArgument(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

Status NatsError(const NatsApi& api, natsStatus status, std::string_view context, int js_code) {
  if (status == NATS_OK) return Status::Ok();
  natsStatus last = NATS_OK;
  const char* detail = api.nats_GetLastError(&last);
  // The thread's last error may be an older one when this call did not
  // set its own.
  if (detail == nullptr || last != status) detail = "";
  return MakeNatsStatus(status, api.natsStatus_GetText(status), js_code, detail, context);
}

}  // namespace lode
