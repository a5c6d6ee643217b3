#include "ingest/content_encoding.h"

#include "text/inflater.h"

namespace lode {
namespace {

Result<std::string> Inflate(std::string_view body, Inflater::Format format, size_t max_size,
                            const char* name) {
  Inflater inflater(format);
  std::string out;
  char buf[1 << 16];
  while (true) {
    auto step = inflater.Inflate(body, buf, sizeof(buf));
    if (!step.ok()) {
      const std::string& why = step.status().message();
      return Status::InvalidArgument(std::string("invalid ") + name + " body" +
                                     (why.empty() ? std::string() : ": " + why));
    }
    body.remove_prefix(step->consumed);
    out.append(buf, step->produced);
    if (out.size() > max_size) {
      return Status::ResourceExhausted(std::string("decompressed ") + name +
                                       " body exceeds the limit of " + std::to_string(max_size) +
                                       " bytes");
    }
    if (step->stream_end) return out;
    if (step->consumed == 0 && step->produced == 0) {
      return Status::InvalidArgument(std::string("truncated ") + name + " body");
    }
  }
}

}  // namespace

Result<std::string> DecodeContentEncoding(std::string_view encoding, std::string_view body,
                                          size_t max_size) {
  if (encoding.empty() || encoding == "identity") return std::string(body);
  if (encoding == "gzip" || encoding == "x-gzip")
    return Inflate(body, Inflater::Format::kGzipOrZlib, max_size, "gzip");
  if (encoding == "deflate") {
    // HTTP "deflate" is zlib-wrapped, but some clients send raw deflate.
    auto zlib = Inflate(body, Inflater::Format::kZlib, max_size, "deflate");
    if (zlib.ok() || zlib.status().code() == StatusCode::kResourceExhausted) return zlib;
    return Inflate(body, Inflater::Format::kRawDeflate, max_size, "deflate");
  }
  return Status::InvalidArgument("unsupported Content-Encoding: " + std::string(encoding));
}

}  // namespace lode
