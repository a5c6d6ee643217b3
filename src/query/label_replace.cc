// label_replace(): a series' label set from a regex match on another
// label's value, with Prometheus' expansion of $1 and ${name}.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "model/regex_error.h"
#include "query/metric_query_internal.h"

namespace lode {
namespace {

// `$1`, `${1}`, `$name`, `${name}` in a replacement, as Prometheus expands them.
std::string Expand(const std::string& tmpl, const std::vector<re2::StringPiece>& groups,
                   const std::map<std::string, int>& names) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 == tmpl.size()) {
      out.push_back(tmpl[i]);
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    size_t start = i + 1, end;
    bool braced = tmpl[start] == '{';
    if (braced) {
      end = tmpl.find('}', start);
      if (end == std::string::npos) {
        out.push_back('$');
        continue;
      }
      ++start;
    } else {
      end = start;
      while (end < tmpl.size() &&
             (std::isalnum(static_cast<unsigned char>(tmpl[end])) || tmpl[end] == '_')) {
        ++end;
      }
    }
    std::string name = tmpl.substr(start, end - start);
    int index = -1;
    if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
      index = std::stoi(name);
    } else if (auto it = names.find(name); it != names.end()) {
      index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[static_cast<size_t>(index)].data() != nullptr) {
      out.append(groups[static_cast<size_t>(index)].data(),
                 groups[static_cast<size_t>(index)].size());
    }
    i = braced ? end : end - 1;
  }
  return out;
}

}  // namespace

Result<StepValue> ApplyLabelReplace(const logql::LabelReplace& l, StepValue in) {
  if (in.scalar) return Status::InvalidArgument("label_replace needs a vector, not a scalar");
  RE2 re("^(?:" + l.regex + ")$");
  if (!re.ok()) return Status::InvalidArgument(DescribeRegexError(re));
  const auto& names = re.NamedCapturingGroups();
  std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  for (StepSeries& s : in.series) {
    std::string src(s.labels.Get(l.src));
    if (!re.Match(src, 0, src.size(), RE2::UNANCHORED, groups.data(),
                  static_cast<int>(groups.size()))) {
      continue;
    }
    std::string value = Expand(l.replacement, groups, names);
    std::vector<Label> labels;
    for (const Label& x : s.labels) {
      if (x.name != l.dst) labels.push_back(x);
    }
    if (!value.empty()) labels.push_back(Label{l.dst, value});
    s.labels = Labels(std::move(labels));
  }
  return in;
}

}  // namespace lode
