#include "jetstream/nats_publisher.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "jetstream/nats_error.h"
#include "jetstream/nats_message.h"

namespace lode {
namespace {

// Set while this thread runs a publish callback (see PublishAll).
thread_local bool in_publish_callback = false;

// The results of one PublishAll, filled in by its callbacks; shared with
// them, since an ack may come after PublishAll gave up waiting.
struct Batch {
  Mutex mu;
  CondVar done{mu};
  size_t remaining GUARDED_BY(mu) = 0;
  std::vector<std::optional<Result<PublishAck>>> results GUARDED_BY(mu);
};

}  // namespace

bool AsyncPublisher::connected() const {
  return api_.natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

Status AsyncPublisher::Submit(const OutgoingMessage& message, Done done, bool enforce_window) {
  const std::string context = "publish to " + message.subject;
  // libnats would buffer the message until it reconnects and then time
  // out; say at once that it cannot be sent.
  if (!connected()) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    return Status::Unavailable(context + ": not connected to NATS (reconnecting)");
  }
  LODE_ASSIGN_OR_RETURN(NatsPtr<natsMsg> msg,
                        MakeNatsMsg(api_, message.subject, message.data, message.headers));
  const natsMsg* key = msg.get();
  {
    MutexLock lock(mu_);
    if (enforce_window && pending_.size() >= options_.max_publishes_in_flight) {
      return Status::RateLimited(context + ": " + std::to_string(pending_.size()) +
                                 " publishes already wait for acks");
    }
    pending_.emplace(key, std::move(done));
  }
  jsPubOptions publish_options;
  api_.jsPubOptions_Init(&publish_options);
  if (!message.msg_id.empty()) publish_options.MsgId = message.msg_id.c_str();
  publish_options.MaxWait = options_.request_timeout.count();
  natsMsg* raw = msg.release();
  natsStatus s = api_.js_PublishMsgAsync(js_, &raw, &publish_options);
  if (s == NATS_OK) return Status::Ok();  // libnats owns the message now (raw is null)
  // It gave the message back: no ack will come for it.
  Status error = NatsError(api_, s, context);
  {
    MutexLock lock(mu_);
    pending_.erase(key);
  }
  api_.natsMsg_Destroy(raw);
  failed_.fetch_add(1, std::memory_order_relaxed);
  return error;
}

void AsyncPublisher::HandleAck(natsMsg* msg, jsPubAck* ack, jsPubAckErr* error) {
  Done done;
  {
    MutexLock lock(mu_);
    auto it = pending_.find(msg);
    if (it != pending_.end()) {
      done = std::move(it->second);
      pending_.erase(it);
    }
  }
  const std::string context = std::string("publish to ") + api_.natsMsg_GetSubject(msg);
  api_.natsMsg_Destroy(msg);
  if (!done) return;  // failed already (FailAll)

  std::optional<Result<PublishAck>> result;
  if (error == nullptr && ack != nullptr) {
    acked_.fetch_add(1, std::memory_order_relaxed);
    result.emplace(PublishAck{ack->Sequence, ack->Duplicate});
  } else {
    failed_.fetch_add(1, std::memory_order_relaxed);
    natsStatus s = error != nullptr ? error->Err : NATS_ERR;
    if (s == NATS_TIMEOUT) {
      result.emplace(Status::DeadlineExceeded(
          context + ": no ack within " + std::to_string(options_.request_timeout.count()) +
          " ms (it may be stored: publishing it again with the same msg id stores it once)"));
    } else if (s == NATS_NO_RESPONDERS) {
      result.emplace(Status::Unavailable(
          context +
          ": no responders (no stream stores the subject, or its stream is electing "
          "a leader, or JetStream is down)"));
    } else {
      int js_code = error != nullptr ? static_cast<int>(error->ErrCode) : 0;
      const char* text = error != nullptr && error->ErrText != nullptr ? error->ErrText : "";
      result.emplace(MakeNatsStatus(s, api_.natsStatus_GetText(s), js_code, text, context));
    }
  }
  in_publish_callback = true;
  done(std::move(*result));
  in_publish_callback = false;
}

std::vector<Result<PublishAck>> AsyncPublisher::PublishAll(
    const std::vector<OutgoingMessage>& messages) {
  std::vector<Result<PublishAck>> results;
  results.reserve(messages.size());
  if (in_publish_callback) {
    for (size_t i = 0; i < messages.size(); ++i) {
      results.emplace_back(Status::Internal(
          "PublishAll from a publish callback would wait for acks its own thread delivers"));
    }
    return results;
  }
  auto batch = std::make_shared<Batch>();
  {
    MutexLock lock(batch->mu);
    batch->remaining = messages.size();
    batch->results.resize(messages.size());
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    Status sent = Submit(
        messages[i],
        [batch, i](Result<PublishAck> result) {
          MutexLock lock(batch->mu);
          batch->results[i].emplace(std::move(result));
          if (--batch->remaining == 0) batch->done.SignalAll();
        },
        /*enforce_window=*/false);
    if (!sent.ok()) {
      MutexLock lock(batch->mu);
      batch->results[i].emplace(std::move(sent));
      --batch->remaining;
    }
  }
  // libnats' timer fails each publish after the request timeout; the
  // margin only guards against a timer that never fires.
  auto deadline =
      std::chrono::steady_clock::now() + options_.request_timeout + std::chrono::seconds(1);
  MutexLock lock(batch->mu);
  while (batch->remaining > 0) {
    if (batch->done.WaitUntil(deadline) && batch->remaining > 0) break;
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    if (batch->results[i].has_value()) {
      results.push_back(*batch->results[i]);
    } else {
      results.emplace_back(Status::DeadlineExceeded("publish to " + messages[i].subject +
                                                    ": no ack and no timeout from libnats"));
    }
  }
  return results;
}

void AsyncPublisher::FailAll(const Status& status) {
  std::unordered_map<const natsMsg*, Done> pending;
  {
    MutexLock lock(mu_);
    pending.swap(pending_);
  }
  for (auto& [msg, done] : pending) {
    failed_.fetch_add(1, std::memory_order_relaxed);
    done(status);
  }
}

size_t AsyncPublisher::in_flight() const {
  MutexLock lock(mu_);
  return pending_.size();
}

}  // namespace lode
