// Test harness: starts the real `lode` binary as a child process on a free
// loopback port with its own temporary data directory, and talks to it
// over HTTP like any client would.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "transport/http_types.h"

namespace lode::testing {

// A fresh temporary directory, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the lode binary with `args`, feeding `stdin_data`, and waits.
CommandResult RunLode(const std::vector<std::string>& args, const std::string& stdin_data = "");

// Runs any program (argv[0], looked up in PATH), feeding `stdin_data`,
// and waits: for the real client software the tests drive.
CommandResult RunProgram(const std::vector<std::string>& argv, const std::string& stdin_data = "");

// The directory of the npm client libraries (tests/clients), installed by
// `make deps`.
inline std::string ClientsDir() { return std::string(LODE_SOURCE_DIR) + "/tests/clients"; }

// A lode command running in the background (`lode query --follow`),
// its output collected in files; killed on destruction.
class LodeChild {
 public:
  // `stdin_path` is the file the command reads as its standard input.
  explicit LodeChild(const std::vector<std::string>& args,
                     const std::string& stdin_path = "/dev/null");
  ~LodeChild();
  std::string Stdout() const;
  std::string Stderr() const;
  // kill -9; gone when this returns.
  void Kill9();
  // Waits for the command to end, up to `timeout_ms` (then kill -9);
  // returns its exit code (128 + signal when killed).
  int Wait(int timeout_ms);
  // Waits until stdout contains `text`, up to `timeout_ms`.
  bool WaitForStdout(const std::string& text, int timeout_ms) const;

 private:
  TempDir io_;
  pid_t pid_ = -1;
};

// How the server process is started, beyond its arguments.
struct LodeServerOptions {
  // The open-file limit (RLIMIT_NOFILE, soft and hard alike) the server
  // starts under, set in the child before exec; 0 inherits the test's.
  // The hard limit too, so that the server cannot raise its soft limit
  // out of the test's reach.
  rlim_t open_file_limit = 0;
};

class LodeServer {
 public:
  // Starts `lode serve --data <data_dir> --listen 127.0.0.1:0 <extra>` and
  // waits until it has logged that it is ready.
  // `listen` may name a fixed port instead.
  explicit LodeServer(std::string data_dir, std::vector<std::string> extra_args = {},
                      std::string listen = "127.0.0.1:0", LodeServerOptions options = {});
  ~LodeServer();

  const std::string& base_url() const { return base_url_; }
  pid_t pid() const { return pid_; }
  // Everything the server logged so far.
  std::string Log() const;

  // kill -9; the process is gone when this returns.
  void Kill9();
  // SIGTERM and wait; returns the exit status.
  int Terminate();
  // How the server ended if it has ("exited with status 1", "killed by
  // signal 11 (Segmentation fault)"), or "" while it runs.
  std::string HowItEnded();

  HttpResponse Get(const std::string& path_and_query,
                   const std::vector<std::pair<std::string, std::string>>& headers = {}) const;
  HttpResponse Post(const std::string& path, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers) const;
  // POST /loki/api/v1/push with a JSON body.
  HttpResponse PushJson(const std::string& body,
                        std::vector<std::pair<std::string, std::string>> headers = {}) const;
  // GET /loki/api/v1/query_range with the query URL-encoded.
  HttpResponse QueryRange(
      const std::string& query, const std::string& extra_params = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {}) const;

 private:
  std::string data_dir_;
  std::string log_path_;
  std::string base_url_;
  pid_t pid_ = -1;
  std::string ended_;
};

// Writes `yaml` to <dir>/lode.yaml; returns the arguments that make
// `lode serve` read it (`--config <path>`).
std::vector<std::string> ConfigArgs(const std::string& dir, const std::string& yaml);

// zlib's deflate of `data`: window_bits 15 is a zlib stream, 15 + 16 gzip.
std::string Deflate(const std::string& data, int window_bits);
inline std::string Gzip(const std::string& data) { return Deflate(data, 15 + 16); }

// Builds a push body for one stream: `labels` as JSON object text, e.g.
// R"({"app":"a"})", and (ns, line) values.
std::string PushBody(const std::string& labels_json,
                     const std::vector<std::pair<int64_t, std::string>>& values);

// The (timestamp, line) pairs of a streams response, in response order,
// flattened over streams; and the stream label sets.
struct ParsedStreams {
  bool ok = false;
  std::string result_type;
  bool has_stats = false;
  std::vector<std::string> stream_labels;  // canonical {a="b"} per stream
  std::vector<std::pair<int64_t, std::string>> entries;
};
ParsedStreams ParseStreams(const std::string& body);

// A metric response: its type and, per series (labels as {a="b"} text),
// the (seconds, value) samples; ok when it parsed and carried stats.
struct Metric {
  bool ok = false;
  std::string type;
  std::vector<std::string> order;  // series in response order
  std::map<std::string, std::vector<std::pair<double, std::string>>> series;
};
Metric ParseMetric(const std::string& body);

}  // namespace lode::testing
