#include "lode_process.h"

#include <fcntl.h>
#include <signal.h>
#include <simdjson.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/json_writer.h"
#include "model/labels.h"
#include "transport/http_client.h"

namespace lode::testing {
namespace {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec of `program` (looked up in PATH) with `args` after it and
// stdio redirected to files; `open_file_limit` > 0 sets RLIMIT_NOFILE
// (soft and hard) in the child, so that only the program runs under it.
pid_t SpawnProgram(const std::string& program, const std::vector<std::string>& args,
                   const std::string& stdin_path, const std::string& stdout_path,
                   const std::string& stderr_path, rlim_t open_file_limit = 0) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int in = open(stdin_path.c_str(), O_RDONLY);
  int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(in, 0);
  dup2(out, 1);
  dup2(err, 2);
  // Nothing else of the test's goes with it: not these three, nor the
  // test's sockets and files (which a count of the server's descriptors
  // would include).
  close_range(3, ~0U, 0);
  if (open_file_limit > 0) {
    const rlimit limit{open_file_limit, open_file_limit};
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      // Into the program's stderr file, where the test reports it from.
      const char message[] = "test harness: setrlimit(RLIMIT_NOFILE) failed\n";
      (void)!write(2, message, sizeof(message) - 1);
      _exit(127);
    }
  }
  std::vector<char*> argv;
  std::string binary = program;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(binary.c_str(), argv.data());
  _exit(127);
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& stdin_path,
            const std::string& stdout_path, const std::string& stderr_path,
            rlim_t open_file_limit = 0) {
  return SpawnProgram(LODE_BINARY, args, stdin_path, stdout_path, stderr_path, open_file_limit);
}

CommandResult Wait(pid_t pid, const std::string& out, const std::string& err) {
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadWholeFile(out);
  result.err = ReadWholeFile(err);
  return result;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lode-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult RunLode(const std::vector<std::string>& args, const std::string& stdin_data) {
  TempDir io;
  std::string in = io.path() + "/stdin", out = io.path() + "/stdout", err = io.path() + "/stderr";
  std::ofstream(in, std::ios::binary) << stdin_data;
  return Wait(Spawn(args, in, out, err), out, err);
}

CommandResult RunProgram(const std::vector<std::string>& argv, const std::string& stdin_data) {
  TempDir io;
  std::string in = io.path() + "/stdin", out = io.path() + "/stdout", err = io.path() + "/stderr";
  std::ofstream(in, std::ios::binary) << stdin_data;
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  return Wait(SpawnProgram(argv[0], args, in, out, err), out, err);
}

LodeChild::LodeChild(const std::vector<std::string>& args, const std::string& stdin_path) {
  pid_ = Spawn(args, stdin_path, io_.path() + "/stdout", io_.path() + "/stderr");
}

void LodeChild::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int LodeChild::Wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

LodeChild::~LodeChild() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

std::string LodeChild::Stdout() const { return ReadWholeFile(io_.path() + "/stdout"); }
std::string LodeChild::Stderr() const { return ReadWholeFile(io_.path() + "/stderr"); }

bool LodeChild::WaitForStdout(const std::string& text, int timeout_ms) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Stdout().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Stdout().find(text) != std::string::npos;
}

LodeServer::LodeServer(std::string data_dir, std::vector<std::string> extra_args,
                       std::string listen, LodeServerOptions options)
    : data_dir_(std::move(data_dir)) {
  static int counter = 0;
  log_path_ =
      data_dir_ + ".server-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".log";
  std::vector<std::string> args = {"serve", "--data", data_dir_, "--listen", listen};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args, "/dev/null", "/dev/null", log_path_, options.open_file_limit);
  // The ready line carries the bound port: ... listen=127.0.0.1:PORT ...
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = Log();
    size_t ready = log.find("msg=\"lode is ready\"");
    if (ready != std::string::npos) {
      size_t at = log.find("listen=", ready);
      size_t end = log.find(' ', at);
      base_url_ = "http://" + log.substr(at + 7, end - at - 7);
      return;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("lode serve exited during startup:\n" + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("lode serve did not become ready:\n" + Log());
}

LodeServer::~LodeServer() {
  if (pid_ > 0) Kill9();
  std::error_code ec;
  std::filesystem::remove(log_path_, ec);
}

std::string LodeServer::Log() const { return ReadWholeFile(log_path_); }

void LodeServer::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int LodeServer::Terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string LodeServer::HowItEnded() {
  int status = 0;
  if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    if (WIFEXITED(status)) {
      ended_ = "exited with status " + std::to_string(WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      ended_ = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
               strsignal(WTERMSIG(status)) + ")";
    }
  }
  return ended_;
}

HttpResponse LodeServer::Get(
    const std::string& path_and_query,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  ClientRequest request;
  request.url = base_url_ + path_and_query;
  request.headers = headers;
  auto response = SendHttpRequest(request);
  if (!response.ok()) throw std::runtime_error("GET failed: " + response.status().ToString());
  return *response;
}

HttpResponse LodeServer::Post(
    const std::string& path, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + path;
  request.headers = headers;
  request.body = body;
  auto response = SendHttpRequest(request);
  if (!response.ok()) throw std::runtime_error("POST failed: " + response.status().ToString());
  return *response;
}

HttpResponse LodeServer::PushJson(const std::string& body,
                                  std::vector<std::pair<std::string, std::string>> headers) const {
  headers.emplace_back("Content-Type", "application/json");
  return Post("/loki/api/v1/push", body, headers);
}

HttpResponse LodeServer::QueryRange(
    const std::string& query, const std::string& extra_params,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  std::string url = "/loki/api/v1/query_range?query=" + UrlEncode(query);
  if (!extra_params.empty()) url += "&" + extra_params;
  return Get(url, headers);
}

std::vector<std::string> ConfigArgs(const std::string& dir, const std::string& yaml) {
  std::string path = dir + "/lode.yaml";
  std::ofstream(path) << yaml;
  return {"--config", path};
}

std::string Deflate(const std::string& data, int window_bits) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string PushBody(const std::string& labels_json,
                     const std::vector<std::pair<int64_t, std::string>>& values) {
  std::string out = R"({"streams":[{"stream":)" + labels_json + R"(,"values":[)";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += "[\"" + std::to_string(values[i].first) + "\",";
    AppendJsonString(out, values[i].second);
    out += "]";
  }
  return out + "]}]}";
}

ParsedStreams ParseStreams(const std::string& body) {
  ParsedStreams parsed;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return parsed;
  std::string_view status, type;
  if (root["status"].get_string().get(status) != simdjson::SUCCESS || status != "success") {
    return parsed;
  }
  if (root["data"]["resultType"].get_string().get(type) != simdjson::SUCCESS) return parsed;
  parsed.result_type = std::string(type);
  simdjson::dom::object stats;
  parsed.has_stats = root["data"]["stats"]["summary"].get_object().get(stats) == simdjson::SUCCESS;
  simdjson::dom::array result;
  if (root["data"]["result"].get_array().get(result) != simdjson::SUCCESS) return parsed;
  for (auto stream : result) {
    std::vector<Label> labels;
    simdjson::dom::object obj;
    if (stream["stream"].get_object().get(obj) != simdjson::SUCCESS) return parsed;
    for (auto field : obj) {
      labels.push_back(
          Label{std::string(field.key), std::string(field.value.get_string().value())});
    }
    parsed.stream_labels.push_back(Labels(labels).ToString());
    simdjson::dom::array values;
    if (stream["values"].get_array().get(values) != simdjson::SUCCESS) return parsed;
    for (auto v : values) {
      std::string ts(v.at(0).get_string().value());
      parsed.entries.emplace_back(std::stoll(ts), std::string(v.at(1).get_string().value()));
    }
  }
  parsed.ok = true;
  return parsed;
}

Metric ParseMetric(const std::string& body) {
  Metric m;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) return m;
  std::string_view type;
  if (root["data"]["resultType"].get(type) != simdjson::SUCCESS) return m;
  m.type = std::string(type);
  simdjson::dom::element result = root["data"]["result"];
  auto sample = [](simdjson::dom::array a) {
    double t = 0;
    std::string_view v;
    auto it = a.begin();
    if ((*it).get(t) != simdjson::SUCCESS) t = -1;
    ++it;
    if ((*it).get(v) != simdjson::SUCCESS) v = "?";
    return std::make_pair(t, std::string(v));
  };
  if (m.type == "scalar") {
    m.series[""].push_back(sample(result.get_array()));
    m.ok = true;
    return m;
  }
  for (simdjson::dom::element s : result.get_array()) {
    std::string labels = "{";
    for (auto [k, v] : s["metric"].get_object()) {
      if (labels.size() > 1) labels += ", ";
      labels += std::string(k) + "=\"" + std::string(v.get_string().value()) + "\"";
    }
    labels += "}";
    m.order.push_back(labels);
    auto& samples = m.series[labels];
    if (m.type == "vector") {
      samples.push_back(sample(s["value"].get_array()));
    } else {
      for (simdjson::dom::element p : s["values"].get_array()) samples.push_back(sample(p));
    }
  }
  m.ok = root["data"]["stats"].error() == simdjson::SUCCESS;
  return m;
}

}  // namespace lode::testing
