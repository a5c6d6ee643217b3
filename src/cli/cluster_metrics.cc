#include "cli/cluster_metrics.h"

namespace lode {

void RegisterClusterMetrics(MetricsRegistry& metrics, ClusterNode& node) {
  ClusterNode* n = &node;
  auto gauge = [&](const char* name, const char* help, auto field) {
    metrics.AddGauge(name, help, [n, field] { return static_cast<double>(field(n->Stats())); });
  };
  auto counter = [&](const char* name, const char* help, auto field) {
    metrics.AddCounterFunc(name, help,
                           [n, field] { return static_cast<double>(field(n->Stats())); });
  };
  using S = const ClusterStats&;
  gauge("lode_cluster_partitions_owned", "Partitions this member owns.",
        [](S s) { return s.leases.owned; });
  gauge("lode_cluster_members", "Live members this member sees.",
        [](S s) { return s.leases.members; });
  counter("lode_cluster_leases_acquired_total", "Partition leases this member took.",
          [](S s) { return s.leases.acquired; });
  counter("lode_cluster_leases_lost_total", "Partition leases this member lost.",
          [](S s) { return s.leases.lost; });
  counter("lode_cluster_leases_released_total", "Partition leases this member handed over.",
          [](S s) { return s.leases.released; });
  counter("lode_cluster_published_messages_total",
          "Ingest messages the stream acknowledged (one per partition of a push).",
          [](S s) { return s.sink.messages; });
  counter("lode_cluster_publish_duplicates_total",
          "Acknowledged messages the stream had already stored (retried pushes).",
          [](S s) { return s.sink.duplicates; });
  counter("lode_cluster_publish_failures_total", "Ingest messages that failed to publish.",
          [](S s) { return s.sink.failures; });
  counter("lode_cluster_publish_refused_total",
          "Best-effort pushes refused (429) because the in-flight window was full.",
          [](S s) { return s.sink.refused; });
  gauge("lode_cluster_publish_in_flight", "Best-effort publishes waiting for acknowledgement.",
        [](S s) { return s.sink.in_flight; });
  counter("lode_cluster_durable_push_ack_seconds_sum",
          "Time durable pushes waited for every acknowledgement, summed.",
          [](S s) { return static_cast<double>(s.sink.ack_latency_us_sum) / 1e6; });
  counter("lode_cluster_durable_push_ack_seconds_count", "Durable pushes published.",
          [](S s) { return s.sink.durable_pushes; });
  metrics.AddGauge("lode_cluster_consumer_lag_sequences",
                   "Stream sequences between the newest message of each owned partition and the "
                   "last one applied, summed.",
                   [n] { return static_cast<double>(n->ConsumerLag()); });
  gauge("lode_cluster_head_records", "Records owned partitions hold in memory.",
        [](S s) { return s.owners.head_records; });
  gauge("lode_cluster_head_bytes", "Bytes owned partitions hold in memory.",
        [](S s) { return s.owners.head_bytes; });
  counter("lode_cluster_parts_uploaded_total", "Parts this member uploaded by its flushes.",
          [](S s) { return s.owners.parts_uploaded; });
  counter("lode_cluster_part_upload_bytes_total", "Bytes of parts this member uploaded.",
          [](S s) { return s.owners.bytes_uploaded; });
  counter("lode_cluster_flush_failures_total",
          "Partition flushes that failed (upload or catalog) and will be retried.",
          [](S s) { return s.owners.upload_failures; });
  counter("lode_cluster_duplicate_records_total",
          "Records not stored again because their record id was held.",
          [](S s) { return s.owners.duplicate_records; });
  counter("lode_cluster_merges_total", "Part merges this member's partitions completed.",
          [](S s) { return s.owners.merges; });
  counter("lode_cluster_retention_removed_parts_total",
          "Parts this member's partitions dropped by retention.",
          [](S s) { return s.owners.retention_removed_parts; });
  counter("lode_cluster_objects_deleted_total",
          "Bucket objects of replaced or expired parts deleted after their grace period.",
          [](S s) { return s.owners.objects_deleted; });
  counter("lode_cluster_cache_hits_total", "Block cache reads served from local disk.",
          [](S s) { return s.cache.hits; });
  counter("lode_cluster_cache_misses_total", "Block cache reads fetched from the bucket.",
          [](S s) { return s.cache.misses; });
  counter("lode_cluster_cache_fetched_bytes_total", "Bytes the block cache fetched.",
          [](S s) { return s.cache.fetched_bytes; });
  gauge("lode_cluster_cache_bytes", "Bytes in the block cache.", [](S s) { return s.cache.bytes; });
  counter("lode_cluster_s3_requests_total", "Requests to the bucket.",
          [](S s) { return s.s3.requests; });
  counter("lode_cluster_s3_retries_total", "Requests to the bucket that were retried.",
          [](S s) { return s.s3.retries; });
  counter("lode_cluster_s3_failures_total", "Requests to the bucket that failed every attempt.",
          [](S s) { return s.s3.failures; });
  counter("lode_cluster_partial_answers_total",
          "Reads that could not reach every partition owner (answered with a warning).",
          [](S s) { return s.partial_answers; });
}

}  // namespace lode
