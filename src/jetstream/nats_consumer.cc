#include "jetstream/nats_consumer.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "jetstream/nats_error.h"
#include "jetstream/nats_message.h"

namespace lode {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The server removes a consumer nobody pulled from for this long.
constexpr std::chrono::nanoseconds kInactiveThreshold = std::chrono::seconds(30);
// Between attempts to make a consumer again while the stream has no
// leader (an election takes a few seconds).
constexpr milliseconds kRetryWait{100};
constexpr size_t kMaxBatch = 65536;
// The shortest wait of a pull: the server needs a moment to answer, and
// the library stops listening for the answer when the wait is over.
constexpr milliseconds kMinWait{50};
// The consumer's heartbeats during a pull: a quarter of its wait (libnats
// reports them missed after two), at most kMaxHeartbeat, and only in a
// pull of kMinHeartbeatWait or more (a heartbeat of 100 ms or more).
constexpr milliseconds kMinHeartbeatWait{400};
constexpr milliseconds kMaxHeartbeat{5000};
constexpr std::chrono::seconds kAliveCheck{5};

class NatsOrderedConsumer : public OrderedConsumer {
 public:
  NatsOrderedConsumer(std::shared_ptr<NatsConnection> connection, std::string stream,
                      std::string subject, uint64_t start_sequence)
      : connection_(std::move(connection)),
        api_(connection_->api()),
        stream_(std::move(stream)),
        subject_(std::move(subject)),
        next_sequence_(std::max<uint64_t>(start_sequence, 1)),
        subscription_(nullptr, NatsDeleter<natsSubscription>{api_.natsSubscription_Destroy}) {}

  Status Subscribe();
  Result<std::vector<StreamMessage>> Next(size_t max, milliseconds wait) override;

 private:
  std::string Context() const { return "consume " + subject_ + " of stream " + stream_; }
  // Up to `max` messages, waiting up to `wait` for the first.
  Result<std::vector<StreamMessage>> Fetch(size_t max, milliseconds wait);
  // One pull request: up to `batch` messages, waiting up to `wait` (at
  // least kMinWait) for the first.
  Result<std::vector<StreamMessage>> Pull(size_t batch, milliseconds wait);

  std::shared_ptr<NatsConnection> connection_;
  const NatsApi& api_;
  const std::string stream_;
  const std::string subject_;
  uint64_t next_sequence_;  // of the next message to give
  uint64_t delivered_ = 0;  // the consumer's number of the last delivery
  // When a message or a consumer's heartbeat last came (see Pull).
  steady_clock::time_point alive_at_;
  NatsPtr<natsSubscription> subscription_;  // null: make a consumer again
};

Status NatsOrderedConsumer::Subscribe() {
  LODE_RETURN_IF_ERROR(connection_->CheckConnected(Context()));
  jsSubOptions options;
  api_.jsSubOptions_Init(&options);
  options.Stream = stream_.c_str();
  options.Config.DeliverPolicy = js_DeliverByStartSequence;
  options.Config.OptStartSeq = next_sequence_;
  // Nothing to acknowledge: the position is next_sequence_, kept here.
  options.Config.AckPolicy = js_AckNone;
  // One copy in memory: cheap, and made again from next_sequence_ when lost.
  options.Config.MemoryStorage = true;
  options.Config.Replicas = 1;
  options.Config.InactiveThreshold = kInactiveThreshold.count();
  natsSubscription* raw = nullptr;
  jsErrCode js_code = static_cast<jsErrCode>(0);
  natsStatus s = api_.js_PullSubscribe(&raw, connection_->js(), subject_.c_str(), nullptr, nullptr,
                                       &options, &js_code);
  if (s != NATS_OK) return NatsError(api_, s, Context(), js_code);
  subscription_.reset(raw);
  delivered_ = 0;
  alive_at_ = steady_clock::now();
  return Status::Ok();
}

// A pull request with no_wait and an expiry is, to nats-server 2.9, "wait
// up to the expiry for the first message, then give what there is, up to
// the batch, at once". Without no_wait the server would hold the request
// until the whole batch came or it expired, and without an expiry it
// would not wait at all.
//
// A pull to a consumer that is gone is not refused: libnats 3.4 waits it
// out and says Timeout, as when no message came. The consumer's
// heartbeats tell the two apart (NATS_MISSED_HEARTBEAT when they stop),
// in a pull that waits long enough for a few; when no message and no
// such pull has shown the consumer alive for kAliveCheck, the next pull
// waits that long whatever the caller asked.
Result<std::vector<StreamMessage>> NatsOrderedConsumer::Pull(size_t batch, milliseconds wait) {
  const auto now = steady_clock::now();
  wait = std::max(wait, kMinWait);
  if (now - alive_at_ >= kAliveCheck) wait = std::max(wait, kMinHeartbeatWait);
  jsFetchRequest request;
  api_.jsFetchRequest_Init(&request);
  request.Batch = static_cast<int>(std::min(batch, kMaxBatch));
  request.NoWait = true;
  request.Expires = std::chrono::nanoseconds(wait).count();
  const bool heartbeats = wait >= kMinHeartbeatWait;
  if (heartbeats) {
    request.Heartbeat = std::chrono::nanoseconds(std::min(wait / 4, kMaxHeartbeat)).count();
  }
  natsMsgList list{};
  natsStatus s = api_.natsSubscription_FetchRequest(&list, subscription_.get(), &request);
  std::vector<StreamMessage> messages;
  // None came: the wait ended (408), or there were none (404).
  if (s == NATS_TIMEOUT || s == NATS_NOT_FOUND) {
    if (heartbeats) alive_at_ = steady_clock::now();
    return messages;
  }
  if (s != NATS_OK) return NatsError(api_, s, Context());
  alive_at_ = steady_clock::now();
  NatsPtr<natsMsgList> owned_list = Own(&list, api_.natsMsgList_Destroy);
  messages.reserve(static_cast<size_t>(list.Count));
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* msg = list.Msgs[i];
    jsMsgMetaData* raw_meta = nullptr;
    if (api_.natsMsg_GetMetaData(&raw_meta, msg) != NATS_OK) continue;  // not a stream message
    NatsPtr<jsMsgMetaData> meta = Own(raw_meta, api_.jsMsgMetaData_Destroy);
    // Deliveries are numbered 1, 2, 3... by the consumer. A number
    // skipped is a message sent and lost on the way (the connection
    // dropped): without acks the consumer will not send it again. Make a
    // new consumer that starts at it.
    if (meta->Sequence.Consumer != delivered_ + 1) {
      Status lost =
          Status::Unavailable(Context() + ": deliveries " + std::to_string(delivered_ + 1) +
                              " to " + std::to_string(meta->Sequence.Consumer - 1) +
                              " were lost; consuming again from " + std::to_string(next_sequence_));
      subscription_.reset();
      if (messages.empty()) return lost;
      return messages;
    }
    delivered_ = meta->Sequence.Consumer;
    uint64_t sequence = meta->Sequence.Stream;
    if (sequence < next_sequence_) continue;  // given already (not expected)
    StreamMessage& m = messages.emplace_back();
    m.subject = api_.natsMsg_GetSubject(msg);
    m.sequence = sequence;
    m.timestamp_ns = meta->Timestamp;
    m.data = NatsMsgData(api_, msg);
    m.headers = NatsMsgHeaders(api_, msg);
    next_sequence_ = sequence + 1;
  }
  return messages;
}

Result<std::vector<StreamMessage>> NatsOrderedConsumer::Fetch(size_t max, milliseconds wait) {
  const auto deadline = steady_clock::now() + wait;
  LODE_ASSIGN_OR_RETURN(std::vector<StreamMessage> messages, Pull(max, wait));
  // A pull may end early and empty: libnats 3.4 takes the answer that
  // ended an earlier request (a 408 that came after it gave up waiting)
  // for the end of this one. Wait again for what is left.
  while (messages.empty() && subscription_ != nullptr) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left < kMinWait) break;
    LODE_ASSIGN_OR_RETURN(messages, Pull(max, left));
  }
  return messages;
}

Result<std::vector<StreamMessage>> NatsOrderedConsumer::Next(size_t max, milliseconds wait) {
  if (max == 0) return std::vector<StreamMessage>();
  const auto deadline = steady_clock::now() + wait;
  for (;;) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    Status status;
    if (subscription_ == nullptr) status = Subscribe();
    if (status.ok()) {
      auto messages = Fetch(max, std::max(left, milliseconds(0)));
      if (messages.ok()) return messages;
      status = messages.status();
      // The consumer is gone (its heartbeats stopped), deliveries were
      // lost, or the connection dropped: a new consumer from next_sequence_.
      subscription_.reset();
    }
    if (steady_clock::now() + kRetryWait >= deadline) return status;
    std::this_thread::sleep_for(kRetryWait);
  }
}

}  // namespace

Result<std::unique_ptr<OrderedConsumer>> NewNatsOrderedConsumer(
    std::shared_ptr<NatsConnection> connection, const std::string& stream,
    const std::string& subject, uint64_t start_sequence) {
  auto consumer =
      std::make_unique<NatsOrderedConsumer>(std::move(connection), stream, subject, start_sequence);
  LODE_RETURN_IF_ERROR(consumer->Subscribe());
  return std::unique_ptr<OrderedConsumer>(std::move(consumer));
}

}  // namespace lode
