// S3ObjectStore's multipart upload of a large file: create the upload,
// send the parts one after another, complete it (the object appears
// whole, at once), or abort it so the parts sent do not linger (and
// cost) in the bucket.
#include "base/log.h"
#include "objstore/curl_client.h"
#include "objstore/s3_object_store.h"
#include "objstore/s3_protocol.h"
#include "objstore/s3_xml.h"

namespace lode {
namespace {

constexpr uint64_t kMaxParts = 10000;  // S3's limit for one upload
using Method = CurlRequest::Method;

}  // namespace

Status S3ObjectStore::PutMultipart(const std::string& key, const RandomAccessFile& file) {
  const std::string what = "POST " + Target(key) + " (start a multipart upload)";
  // Content-Type here is the object's, as a single PUT would leave it.
  S3Exchange create = Send({Method::kPost,
                            ObjectUrl(key, CanonicalQuery({{"uploads", ""}})),
                            {"Content-Type: binary/octet-stream"}},
                           what);
  if (!create.status.ok()) return create.status;
  auto upload_id = ParseUploadId(create.response.body);
  if (!upload_id.ok()) return upload_id.status().WithContext(what);

  std::vector<std::string> etags;
  Status status = UploadParts(key, *upload_id, file, etags);
  if (status.ok()) status = CompleteMultipart(key, *upload_id, etags, file.Size());
  if (!status.ok()) AbortMultipart(key, *upload_id);
  return status;
}

Status S3ObjectStore::UploadParts(const std::string& key, const std::string& upload_id,
                                  const RandomAccessFile& file, std::vector<std::string>& etags) {
  const uint64_t size = file.Size();
  // Larger parts when part_size would need more than S3 allows.
  const uint64_t part_size = std::max(options_.part_size, (size + kMaxParts - 1) / kMaxParts);
  std::string part;
  for (uint64_t offset = 0; offset < size; offset += part_size) {
    const std::string number = std::to_string(etags.size() + 1);
    const std::string what = "PUT " + Target(key) + " part " + number;
    LODE_RETURN_IF_ERROR(file.Read(offset, std::min(part_size, size - offset), part));
    const std::string query = CanonicalQuery({{"partNumber", number}, {"uploadId", upload_id}});
    S3Exchange put = Send({Method::kPut, ObjectUrl(key, query), {}, part}, what);
    if (!put.status.ok()) return put.status;
    if (put.response.etag.empty()) return Status::IOError(what + ": the answer has no ETag");
    etags.push_back(std::move(put.response.etag));
  }
  return Status::Ok();
}

Status S3ObjectStore::CompleteMultipart(const std::string& key, const std::string& upload_id,
                                        const std::vector<std::string>& etags, uint64_t size) {
  const std::string what = "POST " + Target(key) + " (complete a multipart upload)";
  const std::string body = CompleteMultipartBody(etags);
  S3Exchange complete = Send({Method::kPost,
                              ObjectUrl(key, CanonicalQuery({{"uploadId", upload_id}})),
                              {"Content-Type: application/xml"},
                              body},
                             what, /*error_in_ok_answer=*/true);
  if (complete.status.ok()) return Status::Ok();
  // An attempt that completed the upload but whose answer was lost makes
  // the next one find no such upload: the object is then there, whole.
  if (complete.attempts > 1 && ParseS3Error(complete.response.body).code == "NoSuchUpload") {
    auto stored = Size(key);
    if (stored.ok() && *stored == size) return Status::Ok();
  }
  return complete.status;
}

void S3ObjectStore::AbortMultipart(const std::string& key, const std::string& upload_id) {
  const std::string what = "DELETE " + Target(key) + " (abort a multipart upload)";
  Status status =
      Send({Method::kDelete, ObjectUrl(key, CanonicalQuery({{"uploadId", upload_id}}))}, what)
          .status;
  // The upload failed already; its parts stay until a bucket lifecycle
  // rule removes them.
  if (!status.ok() && status.code() != StatusCode::kNotFound) {
    log::Warn("S3 multipart upload not aborted", {{"key", key}, {"error", status.ToString()}});
  }
}

}  // namespace lode
