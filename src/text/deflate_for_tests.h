// Compression with zlib itself, independently of the code under test, for
// the tests of everything that inflates (text/, ingest/).
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <string_view>

namespace lode {

enum class DeflateWrapper { kGzip, kZlib, kRaw };

inline std::string DeflateForTests(std::string_view data, DeflateWrapper wrapper) {
  int window_bits = wrapper == DeflateWrapper::kGzip   ? 15 + 16
                    : wrapper == DeflateWrapper::kZlib ? 15
                                                       : -15;
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace lode
