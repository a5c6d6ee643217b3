#include "text/inflater.h"

#include <zlib.h>

namespace lode {

struct Inflater::State {
  z_stream zs{};
  bool initialized = false;
};

Inflater::Inflater(Format format) : state_(std::make_unique<State>()) {
  // Window bits: 15 is zlib, -15 raw deflate, +32 detects gzip or zlib.
  int window_bits = format == Format::kGzipOrZlib ? 15 + 32 : format == Format::kZlib ? 15 : -15;
  state_->initialized = inflateInit2(&state_->zs, window_bits) == Z_OK;
}

Inflater::~Inflater() {
  if (state_->initialized) inflateEnd(&state_->zs);
}

void Inflater::Reset() {
  if (state_->initialized) inflateReset(&state_->zs);
}

Result<Inflater::Step> Inflater::Inflate(std::string_view in, char* out, size_t out_size) {
  if (!state_->initialized) return Status::Internal("inflateInit2 failed");
  z_stream& zs = state_->zs;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out);
  zs.avail_out = static_cast<uInt>(out_size);
  int rc = inflate(&zs, Z_NO_FLUSH);
  Step step;
  step.consumed = in.size() - zs.avail_in;
  step.produced = out_size - zs.avail_out;
  step.stream_end = rc == Z_STREAM_END;
  // Z_BUF_ERROR only says no progress was possible: more input is needed.
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
    return Status::InvalidArgument(zs.msg != nullptr ? zs.msg : "");
  }
  return step;
}

}  // namespace lode
