#include "text/file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace lode {
namespace {

Status ErrnoError(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

// The raw bytes of a file descriptor.
class Source {
 public:
  Source(int fd, bool owned, uint64_t size) : fd_(fd), owned_(owned), size_(size) {}
  ~Source() {
    if (owned_) close(fd_);
  }
  Result<size_t> Read(char* buf, size_t n) {
    while (true) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) {
        consumed_ += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
      }
      if (errno != EINTR) return ErrnoError("read");
    }
  }
  uint64_t consumed() const { return consumed_; }
  uint64_t size() const { return size_; }

 private:
  int fd_;
  bool owned_;
  uint64_t size_;
  uint64_t consumed_ = 0;
};

class PlainReader final : public FileReader {
 public:
  PlainReader(std::unique_ptr<Source> source, std::string head)
      : source_(std::move(source)), head_(std::move(head)) {}
  Result<size_t> Read(std::string& out, size_t max) override {
    if (!head_.empty()) {
      out += head_;
      size_t n = head_.size();
      head_.clear();
      return n;
    }
    size_t old = out.size();
    out.resize(old + max);
    auto got = source_->Read(out.data() + old, max);
    out.resize(old + (got.ok() ? *got : 0));
    return got;
  }
  uint64_t consumed() const override { return source_->consumed(); }
  uint64_t size() const override { return source_->size(); }

 private:
  std::unique_ptr<Source> source_;
  std::string head_;  // bytes read to sniff the format
};

class GzipReader final : public FileReader {
 public:
  GzipReader(std::unique_ptr<Source> source, std::string head)
      : source_(std::move(source)), input_(std::move(head)) {
    inflateInit2(&zs_, 15 + 32);  // gzip or zlib header, detected
  }
  ~GzipReader() override { inflateEnd(&zs_); }
  Result<size_t> Read(std::string& out, size_t max) override {
    size_t produced = 0;
    while (produced == 0) {
      if (offset_ >= input_.size()) {
        input_.resize(1 << 16);
        auto got = source_->Read(input_.data(), input_.size());
        if (!got.ok()) return got.status();
        input_.resize(*got);
        offset_ = 0;
        if (*got == 0) {
          if (!ended_) return Status::InvalidArgument("gzip stream is truncated");
          return size_t{0};
        }
      }
      if (ended_) {
        // Concatenated gzip members (as `cat a.gz b.gz` makes) go on.
        inflateReset(&zs_);
        ended_ = false;
      }
      size_t old = out.size();
      out.resize(old + max);
      zs_.next_in = reinterpret_cast<Bytef*>(input_.data() + offset_);
      zs_.avail_in = static_cast<uInt>(input_.size() - offset_);
      zs_.next_out = reinterpret_cast<Bytef*>(out.data() + old);
      zs_.avail_out = static_cast<uInt>(max);
      int rc = inflate(&zs_, Z_NO_FLUSH);
      offset_ = input_.size() - zs_.avail_in;
      produced = max - zs_.avail_out;
      out.resize(old + produced);
      if (rc == Z_STREAM_END) {
        ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::InvalidArgument(std::string("corrupt gzip data: ") +
                                       (zs_.msg ? zs_.msg : "inflate failed"));
      }
    }
    return produced;
  }
  uint64_t consumed() const override { return source_->consumed(); }
  uint64_t size() const override { return source_->size(); }

 private:
  std::unique_ptr<Source> source_;
  std::string input_;
  size_t offset_ = 0;
  z_stream zs_{};
  bool ended_ = false;
};

class ZstdReader final : public FileReader {
 public:
  ZstdReader(std::unique_ptr<Source> source, std::string head)
      : source_(std::move(source)), input_(std::move(head)), dctx_(ZSTD_createDCtx()) {}
  ~ZstdReader() override { ZSTD_freeDCtx(dctx_); }
  Result<size_t> Read(std::string& out, size_t max) override {
    size_t produced = 0;
    while (produced == 0) {
      if (offset_ >= input_.size()) {
        input_.resize(1 << 16);
        auto got = source_->Read(input_.data(), input_.size());
        if (!got.ok()) return got.status();
        input_.resize(*got);
        offset_ = 0;
        if (*got == 0) {
          if (!frame_done_) return Status::InvalidArgument("zstd stream is truncated");
          return size_t{0};
        }
      }
      size_t old = out.size();
      out.resize(old + max);
      ZSTD_inBuffer in{input_.data(), input_.size(), offset_};
      ZSTD_outBuffer o{out.data() + old, max, 0};
      size_t rc = ZSTD_decompressStream(dctx_, &o, &in);
      if (ZSTD_isError(rc)) {
        out.resize(old);
        return Status::InvalidArgument(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
      }
      frame_done_ = rc == 0;
      offset_ = in.pos;
      produced = o.pos;
      out.resize(old + produced);
    }
    return produced;
  }
  uint64_t consumed() const override { return source_->consumed(); }
  uint64_t size() const override { return source_->size(); }

 private:
  std::unique_ptr<Source> source_;
  std::string input_;
  size_t offset_ = 0;
  ZSTD_DCtx* dctx_;
  bool frame_done_ = true;
};

}  // namespace

Result<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  int fd = 0;
  bool owned = false;
  uint64_t size = 0;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path);
    owned = true;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
  auto source = std::make_unique<Source>(fd, owned, size);
  // Sniff the first bytes: gzip 1f 8b, zstd 28 b5 2f fd.
  std::string head(4, '\0');
  size_t have = 0;
  while (have < head.size()) {
    auto got = source->Read(head.data() + have, head.size() - have);
    if (!got.ok()) return got.status().WithContext(path);
    if (*got == 0) break;
    have += *got;
  }
  head.resize(have);
  if (have >= 2 && uint8_t(head[0]) == 0x1f && uint8_t(head[1]) == 0x8b) {
    return std::unique_ptr<FileReader>(new GzipReader(std::move(source), std::move(head)));
  }
  if (have >= 4 && head == std::string("\x28\xb5\x2f\xfd", 4)) {
    return std::unique_ptr<FileReader>(new ZstdReader(std::move(source), std::move(head)));
  }
  return std::unique_ptr<FileReader>(new PlainReader(std::move(source), std::move(head)));
}

}  // namespace lode
