#include "model/labels.h"

#include <algorithm>

#include "base/quote.h"

namespace lode {

Labels::Labels(std::vector<Label> labels) : labels_(std::move(labels)) {
  std::stable_sort(labels_.begin(), labels_.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keep the last of each run of equal names.
  std::vector<Label> unique;
  unique.reserve(labels_.size());
  for (auto& l : labels_) {
    if (!unique.empty() && unique.back().name == l.name) {
      unique.back() = std::move(l);
    } else {
      unique.push_back(std::move(l));
    }
  }
  labels_ = std::move(unique);
}

std::string NormalizeLabelName(std::string_view key) {
  std::string name(key);
  for (char& c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) c = '_';
  }
  if (name.empty()) return "_";
  if (name[0] >= '0' && name[0] <= '9') name = "key_" + name;
  return name;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string Labels::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels_[i].name;
    out += '=';
    AppendQuoted(out, labels_[i].value);
  }
  out += '}';
  return out;
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

bool Labels::Has(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  return it != labels_.end() && it->name == name;
}

void Labels::Set(std::string name, std::string value) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, const std::string& n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) {
    it->value = std::move(value);
  } else {
    labels_.insert(it, Label{std::move(name), std::move(value)});
  }
}

namespace {

// A small cursor over the text form; errors carry the byte offset.
class LabelsParser {
 public:
  explicit LabelsParser(std::string_view text) : text_(text) {}

  Result<Labels> Parse() {
    SkipSpace();
    if (!Consume('{')) return Error("expected '{'");
    std::vector<Label> labels;
    SkipSpace();
    if (Consume('}')) return Finish(std::move(labels));
    while (true) {
      SkipSpace();
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      std::string name(text_.substr(start, pos_ - start));
      if (!IsValidLabelName(name)) return Error("invalid label name");
      SkipSpace();
      if (!Consume('=')) return Error("expected '=' after label name");
      SkipSpace();
      std::string value;
      LODE_RETURN_IF_ERROR(ParseQuoted(value));
      labels.push_back(Label{std::move(name), std::move(value)});
      SkipSpace();
      if (Consume('}')) return Finish(std::move(labels));
      if (!Consume(',')) return Error("expected ',' or '}'");
    }
  }

 private:
  Result<Labels> Finish(std::vector<Label> labels) {
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after '}'");
    return Labels(std::move(labels));
  }

  Status ParseQuoted(std::string& out) {
    if (!Consume('"')) return Error("expected '\"' to start a label value");
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return Status::Ok();
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '"':
          out.push_back('"');
          break;
        case 'x': {
          int hi = pos_ + 1 < text_.size() ? HexDigit(text_[pos_]) : -1;
          int lo = hi >= 0 ? HexDigit(text_[pos_ + 1]) : -1;
          if (lo < 0) return Error("invalid \\x escape in label value");
          out.push_back(static_cast<char>(hi * 16 + lo));
          pos_ += 2;
          break;
        }
        default:
          return Error("invalid escape in label value");
      }
    }
    return Error("unterminated label value");
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument("invalid labels " + std::string(text_) + ": " +
                                   std::string(what) + " at offset " + std::to_string(pos_));
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<Labels> Labels::Parse(std::string_view text) { return LabelsParser(text).Parse(); }

}  // namespace lode
