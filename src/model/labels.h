// Labels: the set of name/value pairs that names a stream, such as
// {app="api", env="prod"}. Kept sorted by name with unique names, so two
// equal sets compare and print identically.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/quote.h"  // AppendQuoted, used with label values
#include "base/status.h"

namespace lode {

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts by name; a later duplicate name replaces an earlier one.
  explicit Labels(std::vector<Label> labels);
  Labels(std::initializer_list<Label> labels) : Labels(std::vector<Label>(labels)) {}

  // Parses the Loki/Prometheus text form `{a="b", c="d"}` (also `{}`),
  // with Go-style escapes in values.
  static Result<Labels> Parse(std::string_view text);

  // Canonical text form: `{a="b", c="d"}`, values escaped. Equal label sets
  // give equal strings, so this doubles as a stream key.
  std::string ToString() const;

  // Empty string_view if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  void Set(std::string name, std::string value);

  const std::vector<Label>& items() const { return labels_; }
  bool empty() const { return labels_.empty(); }
  size_t size() const { return labels_.size(); }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }

  bool operator==(const Labels&) const = default;
  auto operator<=>(const Labels&) const = default;

 private:
  std::vector<Label> labels_;
};

// Label names follow Prometheus: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// A label name made from a field or attribute name, as Prometheus
// normalizes them: each character outside [a-zA-Z0-9_] becomes `_`, and a
// name starting with a digit gets a `key_` prefix (`service.name` is
// `service_name`, `3d` is `key_3d`); empty is `_`.
std::string NormalizeLabelName(std::string_view name);

}  // namespace lode
