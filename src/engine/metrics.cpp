#include "engine/metrics.h"

#include <cmath>
#include <charconv>

namespace intake::engine {

void ConnectorMetrics::add_response(int status) {
  std::lock_guard lock(mutex_);
  ++s_.requests_by_status[status];
}

void ConnectorMetrics::add_run(double seconds, bool ok, int64_t events, int64_t rows, int64_t duplicates, int64_t retries,
                               const std::string& table) {
  std::lock_guard lock(mutex_);
  (ok ? s_.runs_ok : s_.runs_failed) += 1;
  s_.received += events;
  s_.duplicates += duplicates;
  s_.retries += retries;
  if (rows > 0 || !s_.rows_by_table.contains(table)) s_.rows_by_table[table] += rows;
  size_t b = 0;
  while (b < kDurationBounds.size() && seconds > kDurationBounds[b]) ++b;
  ++s_.duration_buckets[b];
  s_.duration_sum += seconds;
}

ConnectorMetrics::Snapshot ConnectorMetrics::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot s = s_;
  int64_t lag = lag_ms_;
  s.checkpoint_lag = lag < 0 ? -1 : static_cast<double>(lag) / 1000;
  return s;
}

namespace {

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back the same
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

struct Writer {
  std::string out;
  void head(const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  }
  void sample(const std::string& name, const std::string& labels, double v) {
    out += name;
    if (!labels.empty()) out += "{" + labels + "}";
    out += ' ';
    out += num(v);
    out += '\n';
  }
};

std::string conn(const std::string& name) { return "connector=\"" + escape_label(name) + "\""; }

}  // namespace

std::string render_prometheus(const DaemonTelemetry& t) {
  Writer w;
  w.head("intake_events_received_total", "counter", "Events decoded from vendor responses.");
  for (const auto& [n, s] : t.connectors) w.sample("intake_events_received_total", conn(n), double(s.received));
  w.head("intake_events_written_total", "counter", "Rows committed to the workspace, by table.");
  for (const auto& [n, s] : t.connectors) {
    for (const auto& [table, rows] : s.rows_by_table) {
      w.sample("intake_events_written_total", conn(n) + ",table=\"" + escape_label(table) + "\"", double(rows));
    }
  }
  w.head("intake_events_discarded_total", "counter", "Events dropped, by reason (duplicate: already stored by an earlier window).");
  for (const auto& [n, s] : t.connectors) w.sample("intake_events_discarded_total", conn(n) + ",reason=\"duplicate\"", double(s.duplicates));
  w.head("intake_requests_total", "counter", "HTTP requests to vendor APIs, by status code (0: transport failure).");
  for (const auto& [n, s] : t.connectors) {
    for (const auto& [code, count] : s.requests_by_status) {
      w.sample("intake_requests_total", conn(n) + ",code=\"" + std::to_string(code) + "\"", double(count));
    }
  }
  w.head("intake_retries_total", "counter", "Requests retried after 408, 429, 5xx or a transport failure.");
  for (const auto& [n, s] : t.connectors) w.sample("intake_retries_total", conn(n), double(s.retries));
  w.head("intake_polls_total", "counter", "Scheduled poll runs, by result.");
  for (const auto& [n, s] : t.connectors) {
    w.sample("intake_polls_total", conn(n) + ",result=\"success\"", double(s.runs_ok));
    w.sample("intake_polls_total", conn(n) + ",result=\"failure\"", double(s.runs_failed));
  }
  w.head("intake_poll_duration_seconds", "histogram", "Duration of scheduled poll runs.");
  for (const auto& [n, s] : t.connectors) {
    int64_t cum = 0;
    for (size_t i = 0; i < ConnectorMetrics::kDurationBounds.size(); ++i) {
      cum += s.duration_buckets[i];
      w.sample("intake_poll_duration_seconds_bucket", conn(n) + ",le=\"" + num(ConnectorMetrics::kDurationBounds[i]) + "\"", double(cum));
    }
    cum += s.duration_buckets.back();
    w.sample("intake_poll_duration_seconds_bucket", conn(n) + ",le=\"+Inf\"", double(cum));
    w.sample("intake_poll_duration_seconds_sum", conn(n), s.duration_sum);
    w.sample("intake_poll_duration_seconds_count", conn(n), double(cum));
  }
  w.head("intake_checkpoint_lag_seconds", "gauge", "Now minus the instance's checkpoint (start of the next window).");
  for (const auto& [n, s] : t.connectors) {
    if (s.checkpoint_lag >= 0) w.sample("intake_checkpoint_lag_seconds", conn(n), s.checkpoint_lag);
  }
  w.head("intake_scheduler_queue_depth", "gauge", "Due polls waiting for a free worker.");
  w.sample("intake_scheduler_queue_depth", "", double(t.queue_depth));
  w.head("intake_scheduler_running", "gauge", "Polls running now.");
  w.sample("intake_scheduler_running", "", double(t.running));
  w.head("intake_scheduler_workers", "gauge", "Size of the worker pool.");
  w.sample("intake_scheduler_workers", "", double(t.workers));
  w.head("intake_scheduler_drift_seconds", "histogram", "Delay between a poll's scheduled time (with jitter) and its start.");
  int64_t cum = 0;
  for (int i = 0; i < DriftStats::kBuckets - 1; ++i) {
    cum += t.drift.counts[i];
    w.sample("intake_scheduler_drift_seconds_bucket", "le=\"" + num(DriftStats::kBoundsSeconds[i]) + "\"", double(cum));
  }
  cum += t.drift.counts[DriftStats::kBuckets - 1];
  w.sample("intake_scheduler_drift_seconds_bucket", "le=\"+Inf\"", double(cum));
  w.sample("intake_scheduler_drift_seconds_sum", "", t.drift.sum_seconds);
  w.sample("intake_scheduler_drift_seconds_count", "", double(cum));
  w.head("intake_receiver_requests_total", "counter", "Requests to the receivers, by receiver and result.");
  for (const auto& r : t.receivers) {
    w.sample("intake_receiver_requests_total", "receiver=\"" + r.receiver + "\",result=\"accepted\"", double(r.accepted));
    w.sample("intake_receiver_requests_total", "receiver=\"" + r.receiver + "\",result=\"refused\"", double(r.refused));
  }
  w.head("intake_receiver_events_total", "counter", "Records accepted by the receivers.");
  for (const auto& r : t.receivers) w.sample("intake_receiver_events_total", "receiver=\"" + r.receiver + "\"", double(r.records));
  auto dest = [](const DestinationTelemetry& d) { return "destination=\"" + escape_label(d.name) + "\",type=\"" + d.type + "\""; };
  w.head("intake_spool_entries", "gauge", "Entries waiting in a destination's spool.");
  for (const auto& d : t.destinations) w.sample("intake_spool_entries", dest(d), double(d.spooled_entries));
  w.head("intake_spool_rows", "gauge", "Rows waiting in a destination's spool.");
  for (const auto& d : t.destinations) w.sample("intake_spool_rows", dest(d), double(d.spooled_rows));
  w.head("intake_spool_bytes", "gauge", "Bytes waiting in a destination's spool.");
  for (const auto& d : t.destinations) w.sample("intake_spool_bytes", dest(d), double(d.spooled_bytes));
  w.head("intake_spool_oldest_age_seconds", "gauge", "Age of the oldest entry in a destination's spool (0 when empty).");
  for (const auto& d : t.destinations) w.sample("intake_spool_oldest_age_seconds", dest(d), d.oldest_age_seconds);
  w.head("intake_spool_full", "gauge", "1 while a destination's spool is over its limit and its sources are held back.");
  for (const auto& d : t.destinations) w.sample("intake_spool_full", dest(d), d.busy ? 1 : 0);
  w.head("intake_delivered_rows_total", "counter", "Rows a destination acknowledged.");
  for (const auto& d : t.destinations) w.sample("intake_delivered_rows_total", dest(d), double(d.delivered_rows));
  w.head("intake_delivery_requests_total", "counter", "Requests (or transactions) sent to a destination, retries included.");
  for (const auto& d : t.destinations) w.sample("intake_delivery_requests_total", dest(d), double(d.requests));
  w.head("intake_delivery_errors_total", "counter", "Failed delivery attempts (retried later; nothing is dropped).");
  for (const auto& d : t.destinations) w.sample("intake_delivery_errors_total", dest(d), double(d.errors));
  w.head("intake_delivery_rejected_total", "counter", "Spool entries a destination refused for good, kept in _intake_dead_letters.");
  for (const auto& d : t.destinations) w.sample("intake_delivery_rejected_total", dest(d), double(d.rejected));
  w.head("intake_workspace_transactions_total", "counter", "Workspace commits (each holds one or more batches: group commit).");
  w.sample("intake_workspace_transactions_total", "", double(t.writer_transactions));
  w.head("intake_workspace_batches_total", "counter", "Batches committed to the workspace (pages, pushed requests, health rows).");
  w.sample("intake_workspace_batches_total", "", double(t.writer_batches));
  w.head("intake_health_rows_total", "counter", "Rows written to the SentinelHealth table.");
  w.sample("intake_health_rows_total", "", double(t.health_rows));
  w.head("intake_config_reloads_total", "counter", "Configuration reloads (SIGHUP), by result.");
  w.sample("intake_config_reloads_total", "result=\"success\"", double(t.reloads));
  w.sample("intake_config_reloads_total", "result=\"failure\"", double(t.reload_failures));
  return w.out;
}

}  // namespace intake::engine
