// Grouping accuracy of lode's patterns on Loghub's labelled samples
// (../shared/data/loghub/<System>/<System>_2k.log_structured.csv): the
// share of lines whose pattern holds exactly the lines of their true
// template, as the log parsing benchmark (Zhu et al., ICSE-SEIP 2019)
// measures it, beside Drain's published figure on the same samples.
// Measured twice: on the message part (Content, what Drain was given)
// and on the raw line as lode stores it (header and all).
//
// usage: lode_patterns_accuracy [LOGHUB_DIR] [--similarity X]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "query/pattern_miner.h"

namespace {

struct Row {
  std::string content;
  std::string event;
};

// One CSV record (RFC 4180 quoting) from `text` at `pos`.
std::vector<std::string> CsvRecord(const std::string& text, size_t& pos) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  while (pos < text.size()) {
    char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          field.push_back('"');
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  fields.push_back(std::move(field));
  return fields;
}

const char* g_debug = nullptr;  // a system whose misgrouped templates to print

double Accuracy(const std::vector<std::string>& lines, const std::vector<std::string>& truth,
                double similarity, const std::vector<std::string>* truth_text = nullptr) {
  lode::PatternMinerOptions options;
  options.similarity = similarity;
  lode::PatternMiner miner(options);
  std::vector<uint32_t> ids;
  for (const auto& l : lines) ids.push_back(miner.Add(l));
  const std::vector<lode::MinedPattern> patterns = miner.Finish();
  std::map<size_t, std::vector<size_t>> predicted;
  for (size_t i = 0; i < ids.size(); ++i) predicted[miner.PatternIndexOf(ids[i])].push_back(i);
  std::map<std::string, size_t> truth_size;
  for (const auto& t : truth) ++truth_size[t];
  size_t correct = 0;
  std::set<std::string> wrong;
  for (const auto& [id, members] : predicted) {
    std::set<std::string> events;
    for (size_t i : members) events.insert(truth[i]);
    if (events.size() == 1 && truth_size[*events.begin()] == members.size()) {
      correct += members.size();
    } else {
      wrong.insert(events.begin(), events.end());
    }
  }
  if (truth_text != nullptr) {
    for (const std::string& e : wrong) {
      std::map<std::string, size_t> got;
      std::string t;
      for (size_t i = 0; i < lines.size(); ++i) {
        if (truth[i] != e) continue;
        t = (*truth_text)[i];
        ++got[patterns[miner.PatternIndexOf(ids[i])].pattern];
      }
      std::printf("TRUE %s (%zu lines)\n", t.c_str(), truth_size[e]);
      for (const auto& [p, n] : got) std::printf("    %4zu  %s\n", n, p.c_str());
    }
  }
  return lines.empty() ? 0 : static_cast<double>(correct) / lines.size();
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "../shared/data/loghub";
  double similarity = 0.85;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--debug" && i + 1 < argc) {
      g_debug = argv[++i];
    } else if (a == "--similarity" && i + 1 < argc) {
      similarity = std::atof(argv[++i]);
    } else {
      dir = a;
    }
  }
  // Drain's grouping accuracy per system, from the benchmark's table.
  const std::vector<std::pair<std::string, double>> systems = {
      {"HDFS", 0.998},      {"Hadoop", 0.948},  {"Spark", 0.920},       {"Zookeeper", 0.967},
      {"BGL", 0.963},       {"HPC", 0.887},     {"Thunderbird", 0.955}, {"Windows", 0.997},
      {"Linux", 0.690},     {"Android", 0.911}, {"HealthApp", 0.780},   {"Apache", 1.000},
      {"Proxifier", 0.765}, {"OpenSSH", 0.788}, {"OpenStack", 0.733},   {"Mac", 0.787}};
  std::printf("| system | lode, message | lode, raw line | Drain |\n|---|---|---|---|\n");
  double sum_content = 0, sum_raw = 0, sum_drain = 0;
  int n = 0;
  for (const auto& [name, drain] : systems) {
    const std::string base = dir + "/" + name + "/" + name + "_2k.log";
    std::ifstream csv(base + "_structured.csv", std::ios::binary);
    std::ifstream raw(base, std::ios::binary);
    if (!csv || !raw) {
      std::fprintf(stderr, "missing %s\n", base.c_str());
      return 1;
    }
    std::stringstream buf;
    buf << csv.rdbuf();
    const std::string text = buf.str();
    size_t pos = 0;
    std::vector<std::string> header = CsvRecord(text, pos);
    size_t content_col = 0, event_col = 0, template_col = 0;
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == "Content") content_col = i;
      if (header[i] == "EventId") event_col = i;
      if (header[i] == "EventTemplate") template_col = i;
    }
    std::vector<std::string> contents, truth, lines, templates;
    while (pos < text.size()) {
      auto rec = CsvRecord(text, pos);
      if (rec.size() <= std::max({content_col, event_col, template_col})) continue;
      contents.push_back(rec[content_col]);
      truth.push_back(rec[event_col]);
      templates.push_back(rec[template_col]);
    }
    if (g_debug != nullptr) {
      if (name != g_debug) continue;
      Accuracy(contents, truth, similarity, &templates);
      return 0;
    }
    std::string line;
    while (std::getline(raw, line) && lines.size() < contents.size()) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
    const double c = Accuracy(contents, truth, similarity);
    const double r = lines.size() == truth.size() ? Accuracy(lines, truth, similarity) : 0;
    std::printf("| %s | %.3f | %.3f | %.3f |\n", name.c_str(), c, r, drain);
    sum_content += c;
    sum_raw += r;
    sum_drain += drain;
    ++n;
  }
  std::printf("| **average** | **%.3f** | **%.3f** | **%.3f** |\n", sum_content / n, sum_raw / n,
              sum_drain / n);
  return 0;
}
