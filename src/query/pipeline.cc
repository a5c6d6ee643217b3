#include "query/pipeline.h"

#include <re2/re2.h>

#include <set>

#include "logql/ip_range.h"
#include "model/regex_error.h"
#include "query/ip_match.h"
#include "query/json_labels.h"
#include "query/label_filter.h"
#include "query/line_filter.h"
#include "query/logfmt_labels.h"
#include "query/pattern_match.h"
#include "query/template/template.h"

namespace lode {

class Pipeline::Stage {
 public:
  virtual ~Stage() = default;
  virtual bool Process(int64_t ts, std::string_view* line, LabelsBuilder& labels,
                       PipelineState& state) const = 0;
};

namespace {

using logql::LineFilter;

// ---- Line filters the storage does not run: after a line change, or
// pattern and ip filters. ----

class TextFilterStage : public Pipeline::Stage {
 public:
  explicit TextFilterStage(LineFilterChain chain) : chain_(std::move(chain)) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder&, PipelineState&) const override {
    return chain_.Matches(*line);
  }

 private:
  LineFilterChain chain_;
};

class PatternFilterStage : public Pipeline::Stage {
 public:
  PatternFilterStage(const LineFilter& f) : negate_(f.op == LineFilter::Op::kNotPattern) {
    for (const std::string& v : f.values) matchers_.emplace_back(v);
  }
  bool Process(int64_t, std::string_view* line, LabelsBuilder&, PipelineState&) const override {
    bool any = false;
    for (const PatternMatcher& m : matchers_) {
      if (m.Test(*line)) {
        any = true;
        break;
      }
    }
    return any != negate_;
  }

 private:
  std::vector<PatternMatcher> matchers_;
  bool negate_;
};

// `|= ip("...")`, possibly in an `or` chain with text operands: the line
// matches when it holds an address in one of the ranges or one of the
// texts; `!=` keeps the lines that match none.
class IpFilterStage : public Pipeline::Stage {
 public:
  IpFilterStage(std::vector<logql::IpRange> ranges, std::vector<std::string> texts, bool negate)
      : ranges_(std::move(ranges)), texts_(std::move(texts)), negate_(negate) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder&, PipelineState&) const override {
    bool matched = false;
    for (const std::string& t : texts_) {
      if (line->find(t) != std::string_view::npos) {
        matched = true;
        break;
      }
    }
    if (!matched) matched = ContainsIpIn(*line, ranges_);
    return matched != negate_;
  }

 private:
  std::vector<logql::IpRange> ranges_;
  std::vector<std::string> texts_;
  bool negate_;
};

// ---- Label parsers. ----

class JsonStage : public Pipeline::Stage {
 public:
  explicit JsonStage(std::vector<JsonExtraction> paths) : paths_(std::move(paths)) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const override {
    const bool ok = paths_.empty() ? ExtractJsonLabels(*line, labels, &state.error)
                                   : ExtractJsonPaths(*line, paths_, labels, &state.error);
    if (!ok) labels.SetError(kJsonParserErr, state.error, true);
    return true;
  }

 private:
  std::vector<JsonExtraction> paths_;
};

class LogfmtStage : public Pipeline::Stage {
 public:
  explicit LogfmtStage(LogfmtOptions options) : options_(std::move(options)) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const override {
    if (!ExtractLogfmtLabels(*line, options_, labels, &state.error)) {
      labels.SetError(kLogfmtParserErr, state.error, true);
    }
    return true;
  }

 private:
  LogfmtOptions options_;
};

class RegexpStage : public Pipeline::Stage {
 public:
  explicit RegexpStage(std::unique_ptr<re2::RE2> re) : re_(std::move(re)) {
    groups_.resize(static_cast<size_t>(re_->NumberOfCapturingGroups()) + 1);
    for (const auto& [name, index] : re_->NamedCapturingGroups()) named_.emplace_back(index, name);
  }
  bool Process(int64_t, std::string_view* line, LabelsBuilder& labels,
               PipelineState&) const override {
    thread_local std::vector<re2::StringPiece> groups;
    groups.resize(groups_.size());
    if (!re_->Match(re2::StringPiece(line->data(), line->size()), 0, line->size(),
                    re2::RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) {
      return true;  // no match: no labels, no error
    }
    for (const auto& [index, name] : named_) {
      const re2::StringPiece& g = groups[static_cast<size_t>(index)];
      labels.SetParsed(name, std::string_view(g.data() == nullptr ? "" : g.data(), g.size()),
                       false);
    }
    return true;
  }

 private:
  std::unique_ptr<re2::RE2> re_;
  std::vector<re2::StringPiece> groups_;  // sized for the regex
  std::vector<std::pair<int, std::string>> named_;
};

class PatternStage : public Pipeline::Stage {
 public:
  explicit PatternStage(std::string_view pattern) : matcher_(pattern) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const override {
    matcher_.Captures(*line, &state.captures);
    for (const auto& [name, value] : state.captures) {
      if (name != "_") labels.SetParsed(name, value, false);
    }
    return true;
  }

 private:
  PatternMatcher matcher_;
};

class UnpackStage : public Pipeline::Stage {
 public:
  UnpackStage() = default;
  bool Process(int64_t, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const override {
    std::string* out = state.LineBuffer();
    bool replaced = false;
    if (!Unpack(*line, labels, out, &replaced, &state.error)) {
      labels.SetError(kJsonParserErr, state.error, true);
    } else if (replaced) {
      *line = *out;
    }
    return true;
  }

 private:
};

// ---- Label filters, formatting, selection. ----

class LabelFilterStage : public Pipeline::Stage {
 public:
  explicit LabelFilterStage(LabelFilter filter) : filter_(std::move(filter)) {}
  bool Process(int64_t, std::string_view*, LabelsBuilder& labels, PipelineState&) const override {
    return filter_.Matches(labels);
  }

 private:
  LabelFilter filter_;
};

class LineFormatStage : public Pipeline::Stage {
 public:
  explicit LineFormatStage(Template t) : template_(std::move(t)) {}
  bool Process(int64_t ts, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const override {
    std::string* out = state.LineBuffer();
    out->clear();
    TemplateInput in{&labels, *line, ts};
    Status s = template_.Execute(in, out);
    if (!s.ok()) {
      // The line stays as it was.
      labels.SetError(kTemplateFormatErr, s.message(), true);
      return true;
    }
    *line = *out;
    return true;
  }

 private:
  Template template_;
};

class LabelFormatStage : public Pipeline::Stage {
 public:
  struct Item {
    std::string dst;
    std::string src;               // a rename
    std::optional<Template> tmpl;  // or a template
  };
  explicit LabelFormatStage(std::vector<Item> items) : items_(std::move(items)) {}

  bool Process(int64_t ts, std::string_view* line, LabelsBuilder& labels,
               PipelineState& state) const override {
    bool snapshot_taken = false;
    std::string value;
    for (const Item& item : items_) {
      if (!item.tmpl) {
        auto v = labels.Get(item.src);
        if (!v) continue;
        value.assign(*v);
        labels.Set(LabelCategory::kParsed, item.dst, value);
        labels.Delete(item.src);
        continue;
      }
      // Templates read the labels as they were at the first template of
      // this stage.
      if (!snapshot_taken) {
        state.snapshot = labels;
        snapshot_taken = true;
      }
      value.clear();
      TemplateInput in{&state.snapshot, *line, ts};
      Status s = item.tmpl->Execute(in, &value);
      if (!s.ok()) {
        labels.SetError(kTemplateFormatErr, s.message(), true);
        continue;
      }
      labels.Set(LabelCategory::kParsed, item.dst, value);
    }
    return true;
  }

 private:
  std::vector<Item> items_;
};

class SelectionStage : public Pipeline::Stage {
 public:
  explicit SelectionStage(logql::LabelSelection s) : s_(std::move(s)) {}
  bool Process(int64_t, std::string_view*, LabelsBuilder& labels,
               PipelineState& state) const override {
    if (s_.items.empty()) return true;
    if (!s_.keep) {
      for (const auto& item : s_.items) {
        auto v = labels.Get(item.name);
        if (!v) continue;
        if (!item.matcher || item.matcher->Matches(*v)) labels.Delete(item.name);
      }
      return true;
    }
    // keep: every label not listed goes, except the error labels.
    std::vector<std::string>& doomed = doomed_buffer();
    doomed.clear();
    labels.ForEach([&](std::string_view name, std::string_view value, LabelCategory) {
      if (name == kErrorLabel || name == kErrorDetailsLabel || name == "__preserve_error__") return;
      for (const auto& item : s_.items) {
        if (item.name == name && (!item.matcher || item.matcher->Matches(value))) return;
      }
      doomed.emplace_back(name);
    });
    (void)state;
    for (const std::string& name : doomed) labels.Delete(name);
    return true;
  }

 private:
  static std::vector<std::string>& doomed_buffer() {
    thread_local std::vector<std::string> b;
    return b;
  }
  logql::LabelSelection s_;
};

class DecolorizeStage : public Pipeline::Stage {
 public:
  DecolorizeStage()
      : re_(R"([\x1B\x{9B}][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[a-zA-Z\d]*)*)?\x07)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PRZcf-ntqry=><~])))") {
  }
  bool Process(int64_t, std::string_view* line, LabelsBuilder&,
               PipelineState& state) const override {
    if (line->find('\x1b') == std::string_view::npos &&
        line->find("\xC2\x9B") == std::string_view::npos) {
      return true;
    }
    std::string* out = state.LineBuffer();
    out->assign(*line);
    re2::RE2::GlobalReplace(out, re_, "");
    *line = *out;
    return true;
  }

 private:
  re2::RE2 re_;
};

bool IsLabelName(std::string_view s) { return IsValidLabelName(s); }

Result<std::shared_ptr<const Pipeline::Stage>> CompileParser(const logql::LabelParser& p) {
  using Kind = logql::LabelParser::Kind;
  switch (p.kind) {
    case Kind::kJson: {
      std::vector<JsonExtraction> paths;
      for (const logql::LabelExtraction& x : p.extractions) {
        if (!IsLabelName(x.label)) {
          return Status::InvalidArgument("invalid extracted label name '" + x.label + "'");
        }
        LODE_ASSIGN_OR_RETURN(JsonPath path, ParseJsonPath(x.bare ? x.label : x.expression));
        paths.push_back(JsonExtraction{x.label, std::move(path)});
      }
      return std::shared_ptr<const Pipeline::Stage>(std::make_shared<JsonStage>(std::move(paths)));
    }
    case Kind::kLogfmt: {
      LogfmtOptions options;
      options.strict = p.strict;
      options.keep_empty = p.keep_empty;
      for (const logql::LabelExtraction& x : p.extractions) {
        if (!IsLabelName(x.label)) {
          return Status::InvalidArgument("invalid extracted label name '" + x.label + "'");
        }
        if (!x.bare) LODE_RETURN_IF_ERROR(CheckLogfmtExpression(x.expression));
        options.extractions.push_back({x.label, x.bare ? x.label : x.expression});
      }
      return std::shared_ptr<const Pipeline::Stage>(
          std::make_shared<LogfmtStage>(std::move(options)));
    }
    case Kind::kRegexp: {
      re2::RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_unique<re2::RE2>(p.param, options);
      if (!re->ok()) return Status::InvalidArgument(DescribeRegexError(*re));
      // RE2 keeps one of two groups of the same name; LogQL refuses them.
      std::set<std::string> seen;
      for (size_t at = p.param.find("(?P<"); at != std::string::npos;
           at = p.param.find("(?P<", at + 4)) {
        size_t close = p.param.find('>', at + 4);
        if (close == std::string::npos) break;
        std::string name = p.param.substr(at + 4, close - at - 4);
        if (!seen.insert(name).second) {
          return Status::InvalidArgument("invalid regexp parser: duplicate extracted label name '" +
                                         name + "'");
        }
      }
      for (const auto& [name, index] : re->NamedCapturingGroups()) {
        if (!IsLabelName(name)) {
          return Status::InvalidArgument("invalid regexp parser: invalid extracted label name '" +
                                         name + "'");
        }
      }
      if (re->NamedCapturingGroups().empty()) {
        return Status::InvalidArgument(
            "invalid regexp parser: at least one named capture must be supplied");
      }
      return std::shared_ptr<const Pipeline::Stage>(std::make_shared<RegexpStage>(std::move(re)));
    }
    case Kind::kPattern:
      LODE_RETURN_IF_ERROR(logql::CheckPattern(p.param, logql::PatternUse::kParser));
      return std::shared_ptr<const Pipeline::Stage>(std::make_shared<PatternStage>(p.param));
    case Kind::kUnpack:
      return std::shared_ptr<const Pipeline::Stage>(std::make_shared<UnpackStage>());
  }
  return Status::Internal("unknown label parser");
}

Result<std::shared_ptr<const Pipeline::Stage>> CompileLabelFormat(const logql::LabelFormat& f) {
  std::vector<LabelFormatStage::Item> items;
  std::set<std::string> targets;
  for (const logql::LabelFormat::Item& item : f.items) {
    if (item.dst == kErrorLabel) return Status::InvalidArgument("__error__ cannot be formatted");
    if (!targets.insert(item.dst).second) {
      return Status::InvalidArgument("multiple label name '" + item.dst +
                                     "' not allowed in a single format operation");
    }
    LabelFormatStage::Item out;
    out.dst = item.dst;
    if (item.is_template) {
      auto t = Template::Parse(item.value, "label");
      if (!t.ok()) {
        return Status::InvalidArgument("invalid template for label '" + item.dst +
                                       "': " + t.status().message());
      }
      out.tmpl = std::move(t).value();
    } else {
      out.src = item.value;
    }
    items.push_back(std::move(out));
  }
  return std::shared_ptr<const Pipeline::Stage>(
      std::make_shared<LabelFormatStage>(std::move(items)));
}

}  // namespace

Result<Pipeline> Pipeline::Compile(const std::vector<logql::Stage>& stages) {
  Pipeline p;
  bool line_changed = false;
  for (size_t i = 0; i < stages.size(); ++i) {
    const logql::Stage& stage = stages[i];
    if (const auto* f = std::get_if<LineFilter>(&stage)) {
      if (logql::IsTextLineFilter(*f)) {
        if (!line_changed) {
          // Filters are pure: one before any line change can run first.
          p.pushed_.push_back(*f);
          continue;
        }
        LODE_ASSIGN_OR_RETURN(LineFilterChain chain, LineFilterChain::Compile({*f}));
        p.stages_.push_back(std::make_shared<TextFilterStage>(std::move(chain)));
      } else if (f->HasIp()) {
        std::vector<logql::IpRange> ranges;
        std::vector<std::string> texts;
        for (size_t k = 0; k < f->values.size(); ++k) {
          const std::string& v = f->values[k];
          if (!f->IsIp(k)) {
            texts.push_back(v);
            continue;
          }
          auto r = logql::ParseIpRange(v);
          if (!r) return Status::InvalidArgument("ip: invalid pattern: \"" + v + "\"");
          ranges.push_back(*r);
        }
        p.stages_.push_back(std::make_shared<IpFilterStage>(std::move(ranges), std::move(texts),
                                                            f->op == LineFilter::Op::kNotContains));
      } else {
        for (const std::string& v : f->values) {
          LODE_RETURN_IF_ERROR(logql::CheckPattern(v, logql::PatternUse::kLineFilter));
        }
        p.stages_.push_back(std::make_shared<PatternFilterStage>(*f));
      }
      p.only_parsers_ = false;
      continue;
    }
    if (const auto* parser = std::get_if<logql::LabelParser>(&stage)) {
      LODE_ASSIGN_OR_RETURN(auto s, CompileParser(*parser));
      p.stages_.push_back(std::move(s));
      p.changes_labels_ = true;
      if (parser->kind == logql::LabelParser::Kind::kUnpack) {
        line_changed = true;
        p.changes_line_ = true;
      }
      continue;
    }
    p.only_parsers_ = false;
    if (const auto* lf = std::get_if<logql::LabelFilterExpr>(&stage)) {
      LODE_ASSIGN_OR_RETURN(LabelFilter filter, LabelFilter::Compile(*lf));
      p.stages_.push_back(std::make_shared<LabelFilterStage>(std::move(filter)));
      p.reads_labels_ = true;
      p.changes_labels_ = true;  // LabelFilterErr
    } else if (const auto* fmt = std::get_if<logql::LineFormat>(&stage)) {
      auto t = Template::Parse(fmt->tmpl, "line");
      if (!t.ok()) return Status::InvalidArgument("invalid line template: " + t.status().message());
      p.stages_.push_back(std::make_shared<LineFormatStage>(std::move(t).value()));
      line_changed = true;
      p.changes_line_ = true;
      p.reads_labels_ = true;
      p.changes_labels_ = true;  // TemplateFormatErr
    } else if (const auto* lfmt = std::get_if<logql::LabelFormat>(&stage)) {
      LODE_ASSIGN_OR_RETURN(auto s, CompileLabelFormat(*lfmt));
      p.stages_.push_back(std::move(s));
      p.reads_labels_ = true;
      p.changes_labels_ = true;
    } else if (const auto* sel = std::get_if<logql::LabelSelection>(&stage)) {
      p.stages_.push_back(std::make_shared<SelectionStage>(*sel));
      p.changes_labels_ = true;
      for (const auto& item : sel->items) {
        if (item.matcher) p.reads_labels_ = true;
      }
    } else if (std::holds_alternative<logql::Decolorize>(stage)) {
      p.stages_.push_back(std::make_shared<DecolorizeStage>());
      line_changed = true;
      p.changes_line_ = true;
    }
  }
  return p;
}

bool Pipeline::Process(int64_t timestamp_ns, std::string_view* line, LabelsBuilder& labels,
                       PipelineState& state) const {
  for (const auto& stage : stages_) {
    if (!stage->Process(timestamp_ns, line, labels, state)) return false;
  }
  return true;
}

}  // namespace lode
