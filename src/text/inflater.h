// Streaming inflate of gzip, zlib or raw deflate data: the one place
// lode calls zlib's inflate, for request bodies and for .gz files alike.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "base/status.h"

namespace lode {

class Inflater {
 public:
  enum class Format {
    kGzipOrZlib,  // either header, told apart by its bytes
    kZlib,
    kRawDeflate,
  };

  explicit Inflater(Format format);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  struct Step {
    size_t consumed = 0;      // bytes of the input used
    size_t produced = 0;      // bytes written to the output
    bool stream_end = false;  // the stream (a gzip member) is complete
  };

  // Inflates as much of `in` as fits in out[0, out_size). A step that
  // consumes and produces nothing needs more input. Corrupt data is
  // InvalidArgument with zlib's description (empty when it gives none).
  Result<Step> Inflate(std::string_view in, char* out, size_t out_size);

  // Starts a new stream, as the next member of concatenated gzip files.
  void Reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace lode
