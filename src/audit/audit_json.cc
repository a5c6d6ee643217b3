#include "audit/audit_json.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "base/utf8.h"

namespace lode {
namespace {

void WriteLabels(JsonWriter& w, const Labels& labels) {
  w.BeginObject();
  for (const Label& l : labels) {
    w.Key(l.name);
    w.String(l.value);
  }
  w.EndObject();
}

void WriteCuts(JsonWriter& w, const std::vector<RetentionCut>& cuts) {
  w.BeginArray();
  for (const RetentionCut& cut : cuts) {
    w.BeginObject();
    w.Key("first");
    w.Uint(cut.first);
    w.Key("last");
    w.Uint(cut.last);
    w.Key("hash");
    w.String(HashToHex(cut.hash));
    w.Key("at");
    w.String(std::to_string(cut.at_ns));
    w.EndObject();
  }
  w.EndArray();
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

Result<Labels> ReadStream(simdjson::dom::element e) {
  std::string_view text;
  if (e.get_string().get(text) == simdjson::SUCCESS) {
    // Escapes may make bytes no stored stream can have.
    LODE_ASSIGN_OR_RETURN(Labels labels, Labels::Parse(text));
    for (const Label& l : labels) {
      if (!ValidUtf8(l.value)) {
        return Status::InvalidArgument("label \"" + l.name + "\" of \"stream\" is not UTF-8");
      }
    }
    return labels;
  }
  simdjson::dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("\"stream\" must be an object of labels");
  }
  std::vector<Label> labels;
  for (auto field : obj) {
    std::string_view v;
    if (field.value.get_string().get(v) != simdjson::SUCCESS) {
      return Status::InvalidArgument("label \"" + std::string(field.key) +
                                     "\" of \"stream\" must be a string");
    }
    labels.push_back(Label{std::string(field.key), std::string(v)});
  }
  return Labels(std::move(labels));
}

// A count or a time: a JSON number or a string of digits.
bool ReadInt(simdjson::dom::element e, int64_t& out) {
  if (e.get_int64().get(out) == simdjson::SUCCESS) return true;
  uint64_t u;
  if (e.get_uint64().get(u) == simdjson::SUCCESS && u <= INT64_MAX) {
    out = static_cast<int64_t>(u);
    return true;
  }
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS || s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

Result<ExpectedHead> ReadHead(simdjson::dom::object obj, const std::string& default_tenant) {
  ExpectedHead head;
  head.tenant = default_tenant;
  std::string_view tenant;
  if (obj["tenant"].get_string().get(tenant) == simdjson::SUCCESS) head.tenant = tenant;
  if (head.tenant.empty()) {
    return Status::InvalidArgument(
        "a head has no \"tenant\" (give --tenant for heads without one)");
  }
  simdjson::dom::element stream;
  if (obj["stream"].get(stream) != simdjson::SUCCESS) {
    return Status::InvalidArgument("a head has no \"stream\"");
  }
  LODE_ASSIGN_OR_RETURN(head.stream, ReadStream(stream));
  simdjson::dom::element count;
  int64_t n = 0;
  if (obj["count"].get(count) != simdjson::SUCCESS || !ReadInt(count, n) || n < 0) {
    return Status::InvalidArgument("a head's \"count\" must be a whole number");
  }
  head.count = static_cast<uint64_t>(n);
  std::string_view hash;
  if (obj["hash"].get_string().get(hash) != simdjson::SUCCESS || !HexToHash(hash, head.hash)) {
    return Status::InvalidArgument("a head's \"hash\" must be 64 lower-case hex digits");
  }
  simdjson::dom::element last_time;
  if (obj["last_time"].get(last_time) == simdjson::SUCCESS) {
    int64_t t = 0;
    if (!ReadInt(last_time, t)) {
      return Status::InvalidArgument("a head's \"last_time\" must be nanoseconds since 1970");
    }
    head.last_time = t;
  }
  return head;
}

Status ReadHeads(simdjson::dom::element doc, const std::string& default_tenant,
                 std::vector<ExpectedHead>& out) {
  simdjson::dom::array items;
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) == simdjson::SUCCESS) {
    simdjson::dom::element data;
    if (obj["data"].get(data) == simdjson::SUCCESS) return ReadHeads(data, default_tenant, out);
    LODE_ASSIGN_OR_RETURN(ExpectedHead head, ReadHead(obj, default_tenant));
    out.push_back(std::move(head));
    return Status::Ok();
  }
  if (doc.get_array().get(items) != simdjson::SUCCESS) {
    return Status::InvalidArgument("expected a heads answer, an array of heads or a head");
  }
  for (simdjson::dom::element item : items) {
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      return Status::InvalidArgument("each head must be an object");
    }
    LODE_ASSIGN_OR_RETURN(ExpectedHead head, ReadHead(obj, default_tenant));
    out.push_back(std::move(head));
  }
  return Status::Ok();
}

}  // namespace

void WriteAuditHeads(JsonWriter& w, const std::string& tenant,
                     const std::vector<AuditChain>& chains) {
  for (const AuditChain& c : chains) {
    w.BeginObject();
    w.Key("tenant");
    w.String(tenant);
    w.Key("stream");
    WriteLabels(w, c.stream);
    w.Key("count");
    w.Uint(c.head.count);
    w.Key("last_time");
    w.String(std::to_string(c.head.last_time));
    w.Key("hash");
    w.String(HashToHex(c.head.hash));
    w.Key("started");
    w.String(std::to_string(c.started_ns));
    w.Key("retention_cuts");
    WriteCuts(w, c.cuts);
    w.EndObject();
  }
}

void WriteVerifyReport(JsonWriter& w, const std::vector<ChainVerdict>& verdicts) {
  w.BeginObject();
  w.Key("intact");
  w.Bool(std::all_of(verdicts.begin(), verdicts.end(),
                     [](const ChainVerdict& v) { return v.intact(); }));
  w.Key("streams");
  w.BeginArray();
  for (const ChainVerdict& v : verdicts) {
    w.BeginObject();
    w.Key("tenant");
    w.String(v.tenant);
    w.Key("stream");
    WriteLabels(w, v.stream);
    w.Key("intact");
    w.Bool(v.intact());
    w.Key("count");
    w.Uint(v.head.count);
    w.Key("last_time");
    w.String(std::to_string(v.head.last_time));
    w.Key("hash");
    w.String(HashToHex(v.head.hash));
    w.Key("records_checked");
    w.Uint(v.records_checked);
    w.Key("before_chain");
    w.Uint(v.before_chain);
    w.Key("heads_checked");
    w.Uint(v.heads_checked);
    w.Key("problems");
    w.Uint(v.problems);
    if (v.first) {
      w.Key("first_problem");
      w.BeginObject();
      w.Key("problem");
      w.String(ChainProblemName(v.first->problem));
      w.Key("position");
      w.Uint(v.first->position);
      if (v.first->has_time) {
        w.Key("time");
        w.String(std::to_string(v.first->time));
      }
      w.Key("detail");
      w.String(v.first->detail);
      w.EndObject();
    }
    w.Key("retention_cuts");
    WriteCuts(w, v.cuts);
    w.Key("notes");
    w.BeginArray();
    for (const std::string& note : v.notes) w.String(note);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

Result<std::vector<ExpectedHead>> ParseExpectedHeads(std::string_view text,
                                                     const std::string& default_tenant) {
  std::vector<ExpectedHead> heads;
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::document_stream docs;
  // One batch holds the whole text (a document may not span batches);
  // the parser's buffers are sized by it, so no bigger.
  const size_t batch = std::max<size_t>(text.size() + 64, 1024);
  if (parser.parse_many(padded, batch).get(docs) != simdjson::SUCCESS) {
    return Status::InvalidArgument("expected heads are not JSON");
  }
  size_t n = 0;
  for (auto doc : docs) {
    ++n;
    simdjson::dom::element e;
    if (doc.get(e) != simdjson::SUCCESS) {
      return Status::InvalidArgument("expected heads: document " + std::to_string(n) +
                                     " is not valid JSON");
    }
    Status s = ReadHeads(e, default_tenant, heads);
    if (!s.ok()) {
      return Status::InvalidArgument("expected heads, document " + std::to_string(n) + ": " +
                                     s.message());
    }
  }
  if (n == 0) return Status::InvalidArgument("no expected heads given");
  return heads;
}

Result<std::vector<ChainVerdict>> ParseVerifyReport(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return Status::Internal("the verify answer is not JSON");
  }
  simdjson::dom::array streams;
  if (root["data"]["streams"].get_array().get(streams) != simdjson::SUCCESS) {
    return Status::Internal("the verify answer has no data.streams");
  }
  auto uint_of = [](simdjson::dom::object o, const char* key) {
    uint64_t v = 0;
    if (o[key].get_uint64().get(v) != simdjson::SUCCESS) v = 0;
    return v;
  };
  auto time_of = [](simdjson::dom::object o, const char* key) {
    int64_t v = 0;
    simdjson::dom::element e;
    if (o[key].get(e) == simdjson::SUCCESS && !ReadInt(e, v)) v = 0;
    return v;
  };
  std::vector<ChainVerdict> verdicts;
  for (simdjson::dom::element item : streams) {
    simdjson::dom::object o;
    if (item.get_object().get(o) != simdjson::SUCCESS) continue;
    ChainVerdict& v = verdicts.emplace_back();
    std::string_view s;
    if (o["tenant"].get_string().get(s) == simdjson::SUCCESS) v.tenant = s;
    simdjson::dom::element stream;
    if (o["stream"].get(stream) == simdjson::SUCCESS) {
      if (auto labels = ReadStream(stream); labels.ok()) v.stream = std::move(*labels);
    }
    v.head.count = uint_of(o, "count");
    v.head.last_time = time_of(o, "last_time");
    if (o["hash"].get_string().get(s) == simdjson::SUCCESS && !HexToHash(s, v.head.hash)) {
      v.head.hash = {};
    }
    v.records_checked = uint_of(o, "records_checked");
    v.before_chain = uint_of(o, "before_chain");
    v.heads_checked = uint_of(o, "heads_checked");
    v.problems = uint_of(o, "problems");
    simdjson::dom::object first;
    if (o["first_problem"].get_object().get(first) == simdjson::SUCCESS) {
      ChainFinding f;
      if (first["problem"].get_string().get(s) == simdjson::SUCCESS) {
        for (ChainProblem p : {ChainProblem::kAltered, ChainProblem::kMissing,
                               ChainProblem::kReordered, ChainProblem::kInserted}) {
          if (s == ChainProblemName(p)) f.problem = p;
        }
      }
      f.position = uint_of(first, "position");
      simdjson::dom::element t;
      f.has_time = first["time"].get(t) == simdjson::SUCCESS;
      f.time = time_of(first, "time");
      if (first["detail"].get_string().get(s) == simdjson::SUCCESS) f.detail = s;
      v.first = std::move(f);
    }
    simdjson::dom::array cuts;
    if (o["retention_cuts"].get_array().get(cuts) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : cuts) {
        simdjson::dom::object co;
        if (c.get_object().get(co) != simdjson::SUCCESS) continue;
        RetentionCut cut;
        cut.first = uint_of(co, "first");
        cut.last = uint_of(co, "last");
        if (co["hash"].get_string().get(s) == simdjson::SUCCESS && !HexToHash(s, cut.hash)) {
          cut.hash = {};
        }
        cut.at_ns = time_of(co, "at");
        v.cuts.push_back(cut);
      }
    }
    simdjson::dom::array notes;
    if (o["notes"].get_array().get(notes) == simdjson::SUCCESS) {
      for (simdjson::dom::element n : notes) {
        if (n.get_string().get(s) == simdjson::SUCCESS) v.notes.emplace_back(s);
      }
    }
  }
  return verdicts;
}

}  // namespace lode
