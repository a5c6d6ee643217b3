#include "jetstream/nats_kv.h"

#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "jetstream/nats_error.h"
#include "jetstream/nats_message.h"

namespace lode {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The header that marks a delete or purge of a key (its data is empty).
constexpr const char* kOperationHeader = "KV-Operation";

// How a write's expected revision is checked.
struct Expect {
  enum Kind { kAny, kNoEntry, kRevision } kind = kAny;
  uint64_t revision = 0;
};

class NatsKvWatcher : public KvWatcher {
 public:
  NatsKvWatcher(std::shared_ptr<NatsConnection> connection, NatsPtr<kvWatcher> watcher,
                std::string context)
      : connection_(std::move(connection)),
        api_(connection_->api()),
        watcher_(std::move(watcher)),
        context_(std::move(context)) {}

  Result<std::optional<KvEntry>> Next(milliseconds wait) override {
    const auto deadline = steady_clock::now() + wait;
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      kvEntry* raw = nullptr;
      // libnats refuses a timeout of 0.
      natsStatus s = api_.kvWatcher_Next(&raw, watcher_.get(), std::max<int64_t>(left.count(), 1));
      if (s == NATS_TIMEOUT) return std::optional<KvEntry>();
      if (s != NATS_OK) return NatsError(api_, s, context_);
      if (raw == nullptr) {
        // The end of the current values; changes follow.
        initial_done_ = true;
        continue;
      }
      NatsPtr<kvEntry> entry = Own(raw, api_.kvEntry_Destroy);
      bool deleted = api_.kvEntry_Operation(entry.get()) != kvOp_Put;
      // A key deleted before the watch began is not a current value.
      if (deleted && !initial_done_) continue;
      KvEntry out;
      out.key = api_.kvEntry_Key(entry.get());
      const void* value = api_.kvEntry_Value(entry.get());
      int size = api_.kvEntry_ValueLen(entry.get());
      if (value != nullptr && size > 0) {
        out.value.assign(static_cast<const char*>(value), static_cast<size_t>(size));
      }
      out.revision = api_.kvEntry_Revision(entry.get());
      out.deleted = deleted;
      return std::optional<KvEntry>(std::move(out));
    }
  }

 private:
  std::shared_ptr<NatsConnection> connection_;
  const NatsApi& api_;
  NatsPtr<kvWatcher> watcher_;
  const std::string context_;
  bool initial_done_ = false;
};

class NatsKvBucket : public KvBucket {
 public:
  NatsKvBucket(std::shared_ptr<NatsConnection> connection, std::string bucket, NatsPtr<kvStore> kv)
      : connection_(std::move(connection)),
        api_(connection_->api()),
        bucket_(std::move(bucket)),
        stream_("KV_" + bucket_),
        kv_(std::move(kv)) {}

  Result<KvEntry> Get(const std::string& key) override {
    LODE_ASSIGN_OR_RETURN(std::optional<LastWrite> last, ReadLast(key));
    if (!last.has_value() || last->marker) {
      return Status::NotFound(Context(key) + ": no such key");
    }
    return KvEntry{key, std::move(last->value), last->revision, false};
  }

  Result<uint64_t> Create(const std::string& key, std::string_view value) override {
    auto written = Write(key, value, Expect{Expect::kNoEntry, 0});
    if (written.ok() || written.status().code() != StatusCode::kConflict) return written;
    // The key has a message: a live value, or the marker of a delete,
    // which counts as no key.
    LODE_ASSIGN_OR_RETURN(std::optional<LastWrite> last, ReadLast(key));
    if (!last.has_value()) return Write(key, value, Expect{Expect::kNoEntry, 0});
    if (!last->marker) {
      return Status::Conflict(Context(key) + ": exists (revision " +
                              std::to_string(last->revision) + ")");
    }
    return Write(key, value, Expect{Expect::kRevision, last->revision});
  }

  Result<uint64_t> Update(const std::string& key, std::string_view value,
                          uint64_t expected_revision) override {
    if (expected_revision == 0) {
      return Status::InvalidArgument(Context(key) + ": update needs a revision (0 is none)");
    }
    return Write(key, value, Expect{Expect::kRevision, expected_revision});
  }

  Result<uint64_t> Put(const std::string& key, std::string_view value) override {
    return Write(key, value, Expect{});
  }

  Status Delete(const std::string& key) override {
    LODE_RETURN_IF_ERROR(Check(key));
    return NatsError(api_, api_.kvStore_Delete(kv_.get(), key.c_str()), Context(key));
  }

  Result<std::vector<std::string>> Keys() override {
    LODE_RETURN_IF_ERROR(connection_->CheckConnected("kv " + bucket_));
    kvKeysList list{};
    natsStatus s = api_.kvStore_Keys(&list, kv_.get(), nullptr);
    std::vector<std::string> keys;
    if (s == NATS_NOT_FOUND) return keys;  // an empty bucket
    if (s != NATS_OK) return NatsError(api_, s, "kv " + bucket_ + " keys");
    for (int i = 0; i < list.Count; ++i) keys.emplace_back(list.Keys[i]);
    api_.kvKeysList_Destroy(&list);
    return keys;
  }

  Result<std::unique_ptr<KvWatcher>> Watch(const std::string& pattern) override {
    const std::string context = "kv " + bucket_ + " watch " + pattern;
    LODE_RETURN_IF_ERROR(connection_->CheckConnected(context));
    kvWatcher* raw = nullptr;
    natsStatus s = api_.kvStore_Watch(&raw, kv_.get(), pattern.c_str(), nullptr);
    if (s != NATS_OK) return NatsError(api_, s, context);
    return std::unique_ptr<KvWatcher>(
        std::make_unique<NatsKvWatcher>(connection_, Own(raw, api_.kvWatcher_Destroy), context));
  }

 private:
  // The last message of a key: its value, or a delete marker.
  struct LastWrite {
    std::string value;
    uint64_t revision = 0;
    bool marker = false;
  };

  std::string Context(const std::string& key) const { return "kv " + bucket_ + " key " + key; }
  std::string Subject(const std::string& key) const { return "$KV." + bucket_ + "." + key; }

  Status Check(const std::string& key) const {
    if (!IsValidKvKey(key)) return Status::InvalidArgument(Context(key) + ": not a valid key");
    return connection_->CheckConnected(Context(key));
  }

  // nullopt when the key has no message (never written, or expired).
  Result<std::optional<LastWrite>> ReadLast(const std::string& key) {
    LODE_RETURN_IF_ERROR(Check(key));
    natsMsg* raw = nullptr;
    jsErrCode js_code = static_cast<jsErrCode>(0);
    natsStatus s = api_.js_GetLastMsg(&raw, connection_->js(), stream_.c_str(),
                                      Subject(key).c_str(), nullptr, &js_code);
    if (s == NATS_NOT_FOUND && js_code != JSStreamNotFoundErr) return std::optional<LastWrite>();
    if (s != NATS_OK) return NatsError(api_, s, Context(key), js_code);
    NatsPtr<natsMsg> msg = Own(raw, api_.natsMsg_Destroy);
    LastWrite last;
    last.revision = api_.natsMsg_GetSequence(msg.get());
    const char* operation = nullptr;
    last.marker = api_.natsMsgHeader_Get(msg.get(), kOperationHeader, &operation) == NATS_OK &&
                  operation != nullptr && std::strcmp(operation, "PUT") != 0;
    if (!last.marker) last.value = NatsMsgData(api_, msg.get());
    return std::optional<LastWrite>(std::move(last));
  }

  Result<uint64_t> Write(const std::string& key, std::string_view value, Expect expect) {
    LODE_RETURN_IF_ERROR(Check(key));
    LODE_ASSIGN_OR_RETURN(NatsPtr<natsMsg> msg, MakeNatsMsg(api_, Subject(key), value, {}));
    jsPubOptions options;
    api_.jsPubOptions_Init(&options);
    if (expect.kind == Expect::kNoEntry) options.ExpectNoMessage = true;
    if (expect.kind == Expect::kRevision) options.ExpectLastSubjectSeq = expect.revision;
    jsPubAck* raw_ack = nullptr;
    jsErrCode js_code = static_cast<jsErrCode>(0);
    natsStatus s = api_.js_PublishMsg(&raw_ack, connection_->js(), msg.get(), &options, &js_code);
    if (s != NATS_OK) {
      Status error = NatsError(api_, s, Context(key), js_code);
      if (error.code() != StatusCode::kConflict) return error;
      // "kv b key k: exists (Error: wrong last sequence: 4 (jetstream error 10071))"
      std::string what = expect.kind == Expect::kNoEntry
                             ? ": exists"
                             : ": changed since revision " + std::to_string(expect.revision);
      return Status::Conflict(Context(key) + what + " (" +
                              error.message().substr(Context(key).size() + 2) + ")");
    }
    NatsPtr<jsPubAck> ack = Own(raw_ack, api_.jsPubAck_Destroy);
    return ack->Sequence;
  }

  std::shared_ptr<NatsConnection> connection_;
  const NatsApi& api_;
  const std::string bucket_;
  const std::string stream_;
  NatsPtr<kvStore> kv_;
};

}  // namespace

bool IsValidKvKey(std::string_view key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '/' || c == '_' || c == '=' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<std::unique_ptr<KvBucket>> OpenNatsKv(std::shared_ptr<NatsConnection> connection,
                                             const KvConfig& config) {
  const NatsApi& api = connection->api();
  const std::string context = "kv bucket " + config.bucket;
  LODE_RETURN_IF_ERROR(connection->CheckConnected(context));
  kvStore* raw = nullptr;
  natsStatus s = api.js_KeyValue(&raw, connection->js(), config.bucket.c_str());
  if (s == NATS_NOT_FOUND) {
    kvConfig kv_config;
    api.kvConfig_Init(&kv_config);
    kv_config.Bucket = config.bucket.c_str();
    kv_config.Replicas = config.replicas;
    kv_config.TTL = config.ttl.count();  // the stream's MaxAge
    kv_config.History = 1;
    kv_config.StorageType = js_FileStorage;
    s = api.js_CreateKeyValue(&raw, connection->js(), &kv_config);
    if (s != NATS_OK) {
      Status error = NatsError(api, s, context);
      // Another client may have created it first, with another
      // configuration: use it.
      if (api.js_KeyValue(&raw, connection->js(), config.bucket.c_str()) != NATS_OK) return error;
      s = NATS_OK;
    }
  }
  if (s != NATS_OK) return NatsError(api, s, context);
  return std::unique_ptr<KvBucket>(
      std::make_unique<NatsKvBucket>(connection, config.bucket, Own(raw, api.kvStore_Destroy)));
}

}  // namespace lode
