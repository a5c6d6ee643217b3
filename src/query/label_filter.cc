#include "query/label_filter.h"

#include <cmath>

#include "query/ip_match.h"
#include "query/labels_builder.h"
#include "query/value_parse.h"

namespace lode {

using Kind = logql::LabelFilterExpr::Kind;
using logql::CompareOp;

struct LabelFilter::Node {
  Kind kind = Kind::kString;
  std::shared_ptr<const Node> left, right;
  std::string name;
  std::optional<Matcher> matcher;
  CompareOp op = CompareOp::kEq;
  double number = 0;
  int64_t integer = 0;
  std::vector<logql::IpRange> ranges;
};

namespace {

template <typename T>
bool Compare(T a, CompareOp op, T b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNeq:
      return a != b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGte:
      return a >= b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLte:
      return a <= b;
  }
  return false;
}

Result<std::shared_ptr<const LabelFilter::Node>> Build(const logql::LabelFilterExpr& e) {
  auto n = std::make_shared<LabelFilter::Node>();
  n->kind = e.kind;
  n->name = e.name;
  n->op = e.op;
  n->number = e.number;
  n->integer = e.integer;
  switch (e.kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      LODE_ASSIGN_OR_RETURN(n->left, Build(e.children.at(0)));
      LODE_ASSIGN_OR_RETURN(n->right, Build(e.children.at(1)));
      break;
    }
    case Kind::kString:
      n->matcher = e.matcher;
      break;
    case Kind::kIp: {
      auto r = logql::ParseIpRange(e.text);
      if (!r) return Status::InvalidArgument("ip: invalid pattern: \"" + e.text + "\"");
      n->ranges.push_back(*r);
      break;
    }
    default:
      break;
  }
  return std::shared_ptr<const LabelFilter::Node>(std::move(n));
}

bool Eval(const LabelFilter::Node& n, LabelsBuilder& labels) {
  switch (n.kind) {
    case Kind::kAnd: {
      const bool l = Eval(*n.left, labels);
      const bool r = Eval(*n.right, labels);
      return l && r;
    }
    case Kind::kOr:
      return Eval(*n.left, labels) || Eval(*n.right, labels);
    case Kind::kString: {
      auto v = labels.Get(n.name);
      return n.matcher->Matches(v ? *v : std::string_view());
    }
    case Kind::kIp: {
      if (labels.HasError()) return true;
      auto v = labels.Get(n.name);
      if (!v) return false;
      const bool in = ContainsIpIn(*v, n.ranges);
      return n.op == CompareOp::kNeq ? !in : in;
    }
    case Kind::kNumber:
    case Kind::kDuration:
    case Kind::kBytes: {
      // The error is no label to a numeric filter (Loki keeps it apart
      // from the labels): `| __error__ > 0` keeps no line.
      if (n.name == kErrorLabel || n.name == kErrorDetailsLabel) return false;
      auto v = labels.Get(n.name);
      if (!v) return false;
      const std::string value(*v);  // the builder may change below
      if (n.kind == Kind::kNumber) {
        auto f = ParseGoFloat(value);
        if (!f.ok()) {
          labels.SetError(kLabelFilterErr, f.status().message(), false);
          return true;
        }
        return Compare(*f, n.op, n.number);
      }
      if (n.kind == Kind::kDuration) {
        auto d = ParseGoDuration(value);
        if (!d.ok()) {
          labels.SetError(kLabelFilterErr, d.status().message(), false);
          return true;
        }
        return Compare(*d, n.op, n.integer);
      }
      auto b = ParseHumanBytes(value);
      if (!b.ok()) {
        labels.SetError(kLabelFilterErr, b.status().message(), false);
        return true;
      }
      return Compare(*b, n.op, static_cast<uint64_t>(n.integer));
    }
  }
  return false;
}

}  // namespace

Result<LabelFilter> LabelFilter::Compile(const logql::LabelFilterExpr& expr) {
  LabelFilter f;
  LODE_ASSIGN_OR_RETURN(f.root_, Build(expr));
  return f;
}

bool LabelFilter::Matches(LabelsBuilder& labels) const { return Eval(*root_, labels); }

}  // namespace lode
