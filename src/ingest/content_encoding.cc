#include "ingest/content_encoding.h"

#include <zlib.h>

namespace lode {
namespace {

// window_bits: 15+32 detects gzip or zlib headers; -15 is raw deflate.
Result<std::string> Inflate(std::string_view body, int window_bits, size_t max_size,
                            const char* name) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return Status::Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = std::string("invalid ") + name + " body" +
                        (zs.msg != nullptr ? std::string(": ") + zs.msg : std::string());
      if (rc == Z_BUF_ERROR) msg = std::string("truncated ") + name + " body";
      inflateEnd(&zs);
      return Status::InvalidArgument(msg);
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&zs);
      return Status::ResourceExhausted(std::string("decompressed ") + name +
                                       " body exceeds the limit of " + std::to_string(max_size) +
                                       " bytes");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace

Result<std::string> DecodeContentEncoding(std::string_view encoding, std::string_view body,
                                          size_t max_size) {
  if (encoding.empty() || encoding == "identity") return std::string(body);
  if (encoding == "gzip" || encoding == "x-gzip") return Inflate(body, 15 + 32, max_size, "gzip");
  if (encoding == "deflate") {
    // HTTP "deflate" is zlib-wrapped, but some clients send raw deflate.
    auto zlib = Inflate(body, 15, max_size, "deflate");
    if (zlib.ok() || zlib.status().code() == StatusCode::kResourceExhausted) return zlib;
    return Inflate(body, -15, max_size, "deflate");
  }
  return Status::InvalidArgument("unsupported Content-Encoding: " + std::string(encoding));
}

}  // namespace lode
