#include "ingest/push_validation.h"

#include "base/time.h"

namespace lode {
namespace {

// Why a stream's labels are refused, or an empty reason.
struct LabelsVerdict {
  std::string reason;
  std::string message;
};

LabelsVerdict CheckStreamLabels(const Labels& labels, const std::string& stream,
                                const IngestLimits& limits) {
  if (labels.empty()) {
    return {"missing_labels", "error at least one label pair is required per stream"};
  }
  if (limits.max_label_names_per_series > 0 && labels.size() > limits.max_label_names_per_series) {
    return {"max_label_names_per_series",
            "entry for stream '" + stream + "' has " + std::to_string(labels.size()) +
                " label names; limit " + std::to_string(limits.max_label_names_per_series)};
  }
  for (const Label& label : labels) {
    if (!IsValidLabelName(label.name)) {
      return {"invalid_labels",
              "error parsing labels '" + stream + "': invalid label name \"" + label.name + "\""};
    }
    if (limits.max_label_name_length > 0 && label.name.size() > limits.max_label_name_length) {
      return {"label_name_too_long",
              "stream '" + stream + "' has label name too long: '" + label.name + "'"};
    }
    if (limits.max_label_value_length > 0 && label.value.size() > limits.max_label_value_length) {
      return {"label_value_too_long",
              "stream '" + stream + "' has label value too long: '" + label.value + "'"};
    }
  }
  return {};
}

// Cuts `line` to at most `max` bytes without splitting a UTF-8 sequence.
void TruncateLine(LineBytes& line, size_t max) {
  size_t end = max;
  // Step back over continuation bytes to the start of the sequence that
  // would be cut, and drop it whole.
  while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
  line.Truncate(end);
}

}  // namespace

void ValidateStreams(std::vector<StreamBatch>& batches, const IngestLimits& limits, TimestampNs now,
                     PushReport& report) {
  const TimestampNs oldest = limits.reject_old_samples_max_age_ns > 0
                                 ? now - limits.reject_old_samples_max_age_ns
                                 : INT64_MIN;
  const TimestampNs newest =
      limits.creation_grace_period_ns > 0 ? now + limits.creation_grace_period_ns : INT64_MAX;
  for (StreamBatch& batch : batches) {
    if (batch.entries.empty()) continue;
    const std::string stream = batch.labels.ToString();
    LabelsVerdict verdict = CheckStreamLabels(batch.labels, stream, limits);
    if (!verdict.reason.empty()) {
      report.Reject(verdict.reason, batch.entries.size(), std::move(verdict.message));
      batch.entries.clear();
      continue;
    }
    std::erase_if(batch.entries, [&](Entry& e) {
      if (e.timestamp < oldest) {
        report.Reject("greater_than_max_sample_age", 1,
                      "entry for stream '" + stream +
                          "' has timestamp too old: " + FormatRfc3339Nano(e.timestamp) +
                          ", oldest acceptable timestamp is: " + FormatRfc3339Nano(oldest));
        return true;
      }
      if (e.timestamp > newest) {
        report.Reject("too_far_in_future", 1,
                      "entry for stream '" + stream +
                          "' has timestamp too new: " + FormatRfc3339Nano(e.timestamp));
        return true;
      }
      if (limits.max_line_size > 0 && e.line.size() > limits.max_line_size) {
        if (limits.max_line_size_truncate) {
          TruncateLine(e.line, limits.max_line_size);
          ++report.truncated_lines;
        } else {
          report.Reject("line_too_long", 1,
                        "Max entry size '" + std::to_string(limits.max_line_size) +
                            "' bytes exceeded for stream '" + stream +
                            "' while adding an entry with length '" +
                            std::to_string(e.line.size()) + "' bytes");
          return true;
        }
      }
      if (!e.metadata.empty()) {
        uint64_t size = 0;
        for (const Label& m : e.metadata) {
          if (!IsValidLabelName(m.name)) {
            report.Reject("invalid_labels", 1,
                          "entry for stream '" + stream +
                              "' has an invalid structured metadata name \"" + m.name + "\"");
            return true;
          }
          size += m.name.size() + m.value.size();
        }
        if (limits.max_structured_metadata_size > 0 && size > limits.max_structured_metadata_size) {
          report.Reject("structured_metadata_too_large", 1,
                        "stream '" + stream + "' has structured metadata too large: '" +
                            std::to_string(size) + "' bytes, limit: '" +
                            std::to_string(limits.max_structured_metadata_size) + "' bytes");
          return true;
        }
        if (limits.max_structured_metadata_entries_count > 0 &&
            e.metadata.size() > limits.max_structured_metadata_entries_count) {
          report.Reject("structured_metadata_too_many", 1,
                        "stream '" + stream + "' has too many structured metadata labels: '" +
                            std::to_string(e.metadata.size()) + "', limit: '" +
                            std::to_string(limits.max_structured_metadata_entries_count) + "'");
          return true;
        }
      }
      return false;
    });
  }
  std::erase_if(batches, [](const StreamBatch& b) { return b.entries.empty(); });
  for (const StreamBatch& batch : batches) {
    report.accepted_records += batch.entries.size();
    for (const Entry& e : batch.entries) report.accepted_bytes += e.line.size();
  }
}

}  // namespace lode
