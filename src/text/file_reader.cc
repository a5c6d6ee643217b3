#include "text/file_reader.h"

#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "text/inflater.h"

namespace lode {
namespace {

// The raw bytes of a file, or of standard input, counted for progress.
class Source {
 public:
  // Standard input.
  Source() = default;
  explicit Source(std::unique_ptr<SequentialFile> file)
      : file_(std::move(file)), size_(file_->Size()) {}

  Result<size_t> Read(char* buf, size_t n) {
    Result<size_t> got = file_ ? file_->Read(buf, n) : ReadStdin(buf, n);
    if (got.ok()) consumed_ += *got;
    return got;
  }
  uint64_t consumed() const { return consumed_; }
  uint64_t size() const { return size_; }

 private:
  static Result<size_t> ReadStdin(char* buf, size_t n) {
    while (true) {
      ssize_t got = ::read(STDIN_FILENO, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR)
        return Status::IOError(std::string("read stdin: ") + std::strerror(errno));
    }
  }

  std::unique_ptr<SequentialFile> file_;  // null: standard input
  uint64_t size_ = 0;
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
      : source_(std::move(source)), input_(std::move(head)) {}
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
        inflater_.Reset();
        ended_ = false;
      }
      size_t old = out.size();
      out.resize(old + max);
      auto step =
          inflater_.Inflate(std::string_view(input_).substr(offset_), out.data() + old, max);
      if (!step.ok()) {
        out.resize(old);
        const std::string& why = step.status().message();
        return Status::InvalidArgument("corrupt gzip data: " +
                                       (why.empty() ? std::string("inflate failed") : why));
      }
      offset_ += step->consumed;
      produced = step->produced;
      out.resize(old + produced);
      ended_ = step->stream_end;
    }
    return produced;
  }
  uint64_t consumed() const override { return source_->consumed(); }
  uint64_t size() const override { return source_->size(); }

 private:
  std::unique_ptr<Source> source_;
  std::string input_;
  size_t offset_ = 0;
  Inflater inflater_{Inflater::Format::kGzipOrZlib};
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

Result<std::unique_ptr<FileReader>> FileReader::Open(Env* env, const std::string& path) {
  std::unique_ptr<Source> source;
  if (path == "-") {
    source = std::make_unique<Source>();
  } else {
    LODE_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> file, env->NewSequentialFile(path));
    source = std::make_unique<Source>(std::move(file));
  }
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
