// lode import: existing log files (plain, .gz, .zst) or stdin into lode,
// each record at the time it was written.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/log.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/push_transport.h"
#include "forward/forwarder.h"
#include "text/file_reader.h"
#include "text/multiline.h"
#include "text/timestamp_detect.h"
#include "transport/http_client.h"

namespace lode {
namespace {

struct ImportFlags {
  std::vector<std::string> files;
  std::string url = "http://127.0.0.1:3100";
  std::vector<std::string> labels;
  std::string tenant;
  std::string token;
  bool durable = false;
  std::string timestamp_format;
  std::string multiline = "auto";
  std::string multiline_start;
  bool no_filename_label = false;
  size_t batch_bytes = 1u << 20;
  int concurrency = 4;
  bool quiet = false;
  std::string progress = "auto";
};

std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) {
    bytes /= 1000;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

std::string HumanCount(double n) {
  char buf[32];
  if (n >= 1e6) {
    snprintf(buf, sizeof(buf), "%.2fM", n / 1e6);
  } else if (n >= 1e3) {
    snprintf(buf, sizeof(buf), "%.1fk", n / 1e3);
  } else {
    snprintf(buf, sizeof(buf), "%.0f", n);
  }
  return buf;
}

std::string Clock(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

// One line on a terminal's stderr, redrawn in place: bytes read of the
// total, lines per second, and the time left.
class ProgressBar {
 public:
  ProgressBar(bool enabled, uint64_t total_bytes)
      : enabled_(enabled), total_(total_bytes), start_(std::chrono::steady_clock::now()) {}

  void Update(uint64_t bytes, uint64_t lines, bool force = false) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    std::string text = "\r" + HumanBytes(static_cast<double>(bytes));
    if (total_ > 0) {
      double fraction = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
      int filled = static_cast<int>(fraction * 24);
      text += " / " + HumanBytes(static_cast<double>(total_)) + " [" + std::string(filled, '#') +
              std::string(24 - filled, '.') + "] " +
              std::to_string(static_cast<int>(fraction * 100)) + "%";
      if (fraction > 0 && elapsed > 0.5) {
        text += "  ETA " + Clock(elapsed / fraction - elapsed);
      }
    }
    if (elapsed > 0) text += "  " + HumanCount(lines / elapsed) + " lines/s";
    text += "\033[K";
    fputs(text.c_str(), stderr);
  }

  void Done() {
    if (enabled_) fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_{};
};

struct Totals {
  uint64_t bytes = 0, lines = 0, records = 0, without_time = 0;
};

// Reads one file into the forwarder. Records keep the time of their first
// line; one with none gets the time of the record before it, or now.
Status ImportFile(const std::string& path, const ImportFlags& flags, const Labels& base_labels,
                  Transport& transport, uint64_t total_bytes, uint64_t bytes_before,
                  ProgressBar& progress, Totals& totals, ForwarderStats& sent) {
  LODE_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader, FileReader::Open(Env::Default(), path));
  const int64_t now = NowNanos();
  TimestampDetector detector(now);
  if (!flags.timestamp_format.empty()) {
    LODE_ASSIGN_OR_RETURN(detector, TimestampDetector::WithFormat(flags.timestamp_format, now));
  }
  MultilineOptions multiline;
  if (!flags.multiline_start.empty()) {
    multiline.mode = MultilineOptions::Mode::kPattern;
    multiline.start = flags.multiline_start;
  } else if (flags.multiline == "none") {
    multiline.mode = MultilineOptions::Mode::kNone;
  } else if (flags.multiline != "auto") {
    return Status::InvalidArgument("--multiline must be auto or none (or give --multiline-start)");
  }
  LODE_ASSIGN_OR_RETURN(std::unique_ptr<MultilineJoiner> joiner,
                        MultilineJoiner::Create(multiline));

  Labels labels = base_labels;
  if (path != "-" && !flags.no_filename_label) {
    // Absolute, as log shippers label files, so the same file has the same
    // stream whatever directory it was imported from.
    std::error_code ec;
    std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    labels.Set("filename", ec ? path : absolute.lexically_normal().string());
  }
  ForwarderOptions options;
  options.labels = labels;
  options.batch_max_bytes = flags.batch_bytes;
  options.batch_max_lines = 100000;
  options.max_retries = -1;  // an import stores everything or says why not
  options.concurrency = flags.concurrency;
  Forwarder forwarder(transport, options);

  std::vector<JoinedRecord> records;
  int64_t last_time = 0;
  auto emit = [&] {
    for (JoinedRecord& r : records) {
      if (r.timestamp) {
        last_time = *r.timestamp;
      } else {
        ++totals.without_time;
      }
      ++totals.records;
      forwarder.AddEntry(last_time, std::move(r.text));
    }
    records.clear();
  };
  LineSplitter splitter;
  auto on_line = [&](std::string_view line) {
    ++totals.lines;
    joiner->Add(line, detector.Detect(line), records);
  };
  std::string chunk;
  while (true) {
    chunk.clear();
    auto got = reader->Read(chunk, 1 << 20);
    if (!got.ok()) return got.status().WithContext(path);
    if (*got == 0) break;
    splitter.Add(chunk, on_line);
    emit();
    totals.bytes = bytes_before + reader->consumed();
    progress.Update(total_bytes > 0 ? totals.bytes : reader->consumed(), totals.lines);
  }
  splitter.Finish(on_line);
  joiner->Flush(records);
  emit();
  Status done = forwarder.Finish();
  ForwarderStats stats = forwarder.stats();
  sent.lines_sent += stats.lines_sent;
  sent.batches_sent += stats.batches_sent;
  sent.retries += stats.retries;
  sent.lines_dropped += stats.lines_dropped;
  totals.bytes = bytes_before + reader->consumed();
  return done.WithContext(path);
}

int RunImport(const ImportFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  auto labels = ParseLabelFlags(flags.labels, "import");
  if (!labels.ok()) {
    std::cerr << labels.status().message() << "\n";
    return 2;
  }
  Labels base = *labels;
  std::vector<std::string> files =
      flags.files.empty() ? std::vector<std::string>{"-"} : flags.files;
  if (base.empty() && (files.size() == 1 && files[0] == "-")) base.Set("job", "lode-import");
  if (base.empty() && flags.no_filename_label) base.Set("job", "lode-import");
  if (auto url = ParseUrl(PushUrl(flags.url)); !url.ok()) {
    std::cerr << "lode import: " << url.status().message() << "\n";
    return 2;
  }
  if (flags.concurrency < 1) {
    std::cerr << "lode import: invalid --concurrency: must be at least 1\n";
    return 2;
  }
  if (!flags.timestamp_format.empty()) {
    if (auto probe = TimestampDetector::WithFormat(flags.timestamp_format, 0); !probe.ok()) {
      std::cerr << "lode import: " << probe.status().message() << "\n";
      return 2;
    }
  }
  uint64_t total_bytes = 0;
  for (const std::string& f : files) {
    if (f == "-") {
      total_bytes = 0;
      break;
    }
    auto reader = FileReader::Open(Env::Default(), f);
    if (!reader.ok()) {
      std::cerr << "lode import: " << reader.status().message() << "\n";
      return 1;
    }
    total_bytes += (*reader)->size();
  }
  bool show = flags.progress == "always" || (flags.progress == "auto" && isatty(2) && !flags.quiet);
  ProgressBar progress(show, total_bytes);
  HttpPushTransport transport(PushUrl(flags.url), flags.tenant, flags.durable, flags.token);
  Totals totals;
  ForwarderStats sent;
  auto start = std::chrono::steady_clock::now();
  int code = 0;
  for (const std::string& f : files) {
    Status s =
        ImportFile(f, flags, base, transport, total_bytes, totals.bytes, progress, totals, sent);
    if (!s.ok()) {
      progress.Done();
      std::cerr << "lode import: " << s.message() << "\n";
      code = 1;
      break;
    }
  }
  progress.Update(totals.bytes, totals.lines, true);
  progress.Done();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!flags.quiet) {
    log::Info("import finished",
              {{"files", std::to_string(files.size())},
               {"bytes", std::to_string(totals.bytes)},
               {"lines", std::to_string(totals.lines)},
               {"records", std::to_string(totals.records)},
               {"records_without_time", std::to_string(totals.without_time)},
               {"sent", std::to_string(sent.lines_sent)},
               {"retries", std::to_string(sent.retries)},
               {"dropped", std::to_string(sent.lines_dropped)},
               {"seconds", std::to_string(seconds)},
               {"lines_per_second",
                std::to_string(static_cast<uint64_t>(seconds > 0 ? totals.lines / seconds : 0))}});
  }
  if (code == 0 && sent.lines_dropped > 0) code = 1;
  return code;
}

}  // namespace

CommandRunner AddImportCommand(CLI::App& app) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Send existing log files (plain, .gz or .zst; - for stdin) to lode, each record at the "
      "time it was written: times are found in RFC 3339, Java, syslog, Apache/nginx and "
      "epoch forms, and stack traces are joined to their line.");
  cmd->add_option("files", flags->files, "Files to import (default: stdin)");
  cmd->add_option("--url", flags->url, "lode or Loki base URL (default http://127.0.0.1:3100)");
  cmd->add_option("--label,-l", flags->labels, "Stream label NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--tenant", flags->tenant, "Tenant ID sent as X-Scope-OrgID");
  cmd->add_option("--token", flags->token, "Bearer token (default: $LODE_TOKEN)")
      ->envname("LODE_TOKEN");
  cmd->add_flag("--durable", flags->durable, "Ask for fsync before each batch is acknowledged");
  cmd->add_option("--timestamp-format", flags->timestamp_format,
                  "rfc3339, java, syslog, apache, ctime, epoch, or a pattern like "
                  "'%Y-%m-%d %H:%M:%S,%f' (default: detected)");
  cmd->add_option("--multiline", flags->multiline,
                  "auto: lines without a time continue the record before them; none: one "
                  "record per line (default auto)");
  cmd->add_option("--multiline-start", flags->multiline_start,
                  "A regex (RE2) matching the first line of each record");
  cmd->add_flag("--no-filename-label", flags->no_filename_label, "Do not add the filename label");
  cmd->add_option("--batch-bytes", flags->batch_bytes, "Send a batch at this size (default 1MiB)");
  cmd->add_option("--concurrency", flags->concurrency,
                  "Batches sent at once, each over its own connection (default 4)");
  cmd->add_option("--progress", flags->progress,
                  "auto (when stderr is a terminal), always or never (default auto)");
  cmd->add_flag("--quiet,-q", flags->quiet, "No progress and no summary");
  return [flags] { return RunImport(*flags); };
}

}  // namespace lode
