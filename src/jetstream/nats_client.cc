#include "jetstream/nats_client.h"

#include <algorithm>

#include "jetstream/nats_connection.h"
#include "jetstream/nats_consumer.h"
#include "jetstream/nats_error.h"
#include "jetstream/nats_kv.h"

namespace lode {
namespace {

class NatsClientImpl : public NatsClient {
 public:
  explicit NatsClientImpl(std::shared_ptr<NatsConnection> connection)
      : connection_(std::move(connection)), api_(connection_->api()) {}

  bool connected() const override { return connection_->connected(); }

  Status EnsureStream(const StreamConfig& config) override;
  Result<StreamState> GetStreamState(const std::string& stream) override;

  std::vector<Result<PublishAck>> PublishAll(
      const std::vector<OutgoingMessage>& messages) override {
    return connection_->publisher().PublishAll(messages);
  }
  Status PublishAsync(OutgoingMessage message,
                      std::function<void(Result<PublishAck>)> done) override {
    return connection_->publisher().Submit(message, std::move(done), /*enforce_window=*/true);
  }
  size_t publishes_in_flight() const override { return connection_->publisher().in_flight(); }
  NatsStats stats() const override { return connection_->stats(); }

  Result<uint64_t> LastSequence(const std::string& stream, const std::string& subject) override;
  Result<std::unique_ptr<OrderedConsumer>> ConsumeOrdered(const std::string& stream,
                                                          const std::string& subject,
                                                          uint64_t start_sequence) override {
    return NewNatsOrderedConsumer(connection_, stream, subject, start_sequence);
  }
  Status Purge(const std::string& stream, const std::string& subject, uint64_t keep_from) override;

  Result<std::unique_ptr<KvBucket>> OpenKv(const KvConfig& config) override {
    return OpenNatsKv(connection_, config);
  }

 private:
  std::shared_ptr<NatsConnection> connection_;
  const NatsApi& api_;
};

Status NatsClientImpl::EnsureStream(const StreamConfig& config) {
  const std::string context = "stream " + config.name;
  LODE_RETURN_IF_ERROR(connection_->CheckConnected(context));
  std::vector<const char*> subjects;
  for (const std::string& subject : config.subjects) subjects.push_back(subject.c_str());
  jsStreamConfig stream_config;
  api_.jsStreamConfig_Init(&stream_config);
  stream_config.Name = config.name.c_str();
  stream_config.Subjects = subjects.data();
  stream_config.SubjectsLen = static_cast<int>(subjects.size());
  stream_config.Storage = js_FileStorage;
  stream_config.Replicas = config.replicas;
  stream_config.MaxAge = config.max_age.count();
  // The server refuses a duplicate window longer than the stream keeps
  // messages.
  auto window = config.duplicate_window;
  if (config.max_age.count() > 0) window = std::min(window, config.max_age);
  stream_config.Duplicates = window.count();

  jsStreamInfo* info = nullptr;
  jsErrCode js_code = static_cast<jsErrCode>(0);
  natsStatus s = api_.js_AddStream(&info, connection_->js(), &stream_config, nullptr, &js_code);
  // It exists with another configuration (the same one is a success).
  if (s != NATS_OK && js_code == JSStreamNameExistErr) {
    js_code = static_cast<jsErrCode>(0);
    s = api_.js_UpdateStream(&info, connection_->js(), &stream_config, nullptr, &js_code);
    if (s != NATS_OK) return NatsError(api_, s, "update " + context, js_code);
  }
  if (s != NATS_OK) return NatsError(api_, s, "create " + context, js_code);
  api_.jsStreamInfo_Destroy(info);
  return Status::Ok();
}

Result<StreamState> NatsClientImpl::GetStreamState(const std::string& stream) {
  const std::string context = "stream " + stream;
  LODE_RETURN_IF_ERROR(connection_->CheckConnected(context));
  jsStreamInfo* raw = nullptr;
  jsErrCode js_code = static_cast<jsErrCode>(0);
  natsStatus s = api_.js_GetStreamInfo(&raw, connection_->js(), stream.c_str(), nullptr, &js_code);
  if (s != NATS_OK) return NatsError(api_, s, context, js_code);
  NatsPtr<jsStreamInfo> info = Own(raw, api_.jsStreamInfo_Destroy);
  StreamState state;
  state.messages = info->State.Msgs;
  state.bytes = info->State.Bytes;
  state.first_sequence = info->State.FirstSeq;
  state.last_sequence = info->State.LastSeq;
  if (info->Cluster != nullptr && info->Cluster->Leader != nullptr) {
    state.leader = info->Cluster->Leader;
  }
  return state;
}

Result<uint64_t> NatsClientImpl::LastSequence(const std::string& stream,
                                              const std::string& subject) {
  const std::string context = "last message of " + subject + " in stream " + stream;
  LODE_RETURN_IF_ERROR(connection_->CheckConnected(context));
  natsMsg* raw = nullptr;
  jsErrCode js_code = static_cast<jsErrCode>(0);
  natsStatus s = api_.js_GetLastMsg(&raw, connection_->js(), stream.c_str(), subject.c_str(),
                                    nullptr, &js_code);
  // libnats says NATS_NOT_FOUND both for a subject without messages and
  // for a stream that does not exist; the JetStream code tells them apart.
  if (s == NATS_NOT_FOUND && js_code != JSStreamNotFoundErr) return uint64_t{0};
  if (s != NATS_OK) return NatsError(api_, s, context, js_code);
  NatsPtr<natsMsg> msg = Own(raw, api_.natsMsg_Destroy);
  return api_.natsMsg_GetSequence(msg.get());
}

Status NatsClientImpl::Purge(const std::string& stream, const std::string& subject,
                             uint64_t keep_from) {
  // Sequence 0 would mean "no bound": the whole subject.
  if (keep_from <= 1) return Status::Ok();
  const std::string context = "purge " + subject + " of stream " + stream;
  LODE_RETURN_IF_ERROR(connection_->CheckConnected(context));
  jsOptions options;
  api_.jsOptions_Init(&options);
  options.Stream.Purge.Subject = subject.c_str();
  options.Stream.Purge.Sequence = keep_from;  // removes the messages below it
  jsErrCode js_code = static_cast<jsErrCode>(0);
  natsStatus s = api_.js_PurgeStream(connection_->js(), stream.c_str(), &options, &js_code);
  return NatsError(api_, s, context, js_code);
}

}  // namespace

Result<std::unique_ptr<NatsClient>> NatsClient::Connect(const NatsOptions& options) {
  LODE_ASSIGN_OR_RETURN(std::shared_ptr<NatsConnection> connection, NatsConnection::Open(options));
  return std::unique_ptr<NatsClient>(std::make_unique<NatsClientImpl>(std::move(connection)));
}

}  // namespace lode
