#include "engine/health.h"

#include "core/time.h"

namespace intake::engine {

const Schema& health_schema() {
  static const Schema s{{{"TimeGenerated", ColumnType::DateTime},
                         {"SentinelResourceName", ColumnType::String},
                         {"SentinelResourceType", ColumnType::String},
                         {"SentinelResourceKind", ColumnType::String},
                         {"OperationName", ColumnType::String},
                         {"Status", ColumnType::String},
                         {"Description", ColumnType::String},
                         {"ExtendedProperties", ColumnType::Dynamic}}};
  return s;
}

WriteBatch health_batch(std::span<const HealthEvent> events) {
  TableRows t{kHealthTable, health_schema(), {}};
  for (const auto& e : events) {
    t.rows.push_back(Row{Value(e.time), Value(e.resource_name), Value("Data connector"), Value(e.resource_kind),
                         Value(e.operation), Value(e.status), Value(e.description), e.extended});
  }
  WriteBatch b;
  b.tables.push_back(std::move(t));
  return b;
}

Status write_health(sinks::Workspace& ws, std::span<const HealthEvent> events) {
  if (events.empty()) return {};
  auto txn = ws.begin();
  if (!txn) return std::unexpected(txn.error());
  if (auto ok = apply_batch(ws, *txn, health_batch(events)); !ok) return ok;
  return txn->commit();
}

std::optional<HealthEvent> HealthTracker::on_run(const RunReport& r, DateTime now) {
  bool ok = !r.error.has_value();
  if (!period_start_) period_start_ = now;
  ++period_runs_;
  if (!ok) {
    ++period_failures_;
    period_last_error_ = r.error->str();
    period_last_status_ = r.last_http_status;
  }
  if (last_ok_ && *last_ok_ == ok) return std::nullopt;
  last_ok_ = ok;
  Object ext;
  if (r.first_window_start && r.last_window_end) {
    ext.emplace_back("window", Value(Object{{"start", Value(*r.first_window_start)}, {"end", Value(*r.last_window_end)}}));
  }
  ext.emplace_back("windows", Value(r.windows));
  ext.emplace_back("pages", Value(r.pages));
  ext.emplace_back("events", Value(r.events));
  ext.emplace_back("rows", Value(r.rows));
  ext.emplace_back("requests", Value(r.requests));
  ext.emplace_back("retries", Value(r.retries));
  if (r.last_http_status) ext.emplace_back("httpStatus", Value(int64_t(r.last_http_status)));
  if (r.checkpoint) ext.emplace_back("checkpoint", Value(*r.checkpoint));
  if (r.error) ext.emplace_back("error", Value(r.error->str()));
  HealthEvent e;
  e.time = now;
  e.resource_name = name_;
  e.resource_kind = kind_;
  e.operation = "Data fetch status change";
  e.status = ok ? "Success" : "Failure";
  e.description = ok ? "Data fetched successfully (" + std::to_string(r.events) + " events in " + std::to_string(r.windows) + " windows)"
                     : "Data fetch failed: " + r.error->str();
  e.extended = Value(std::move(ext));
  return e;
}

std::optional<HealthEvent> HealthTracker::summary(DateTime now) {
  std::optional<HealthEvent> out;
  if (period_failures_ > 0) {
    HealthEvent e;
    e.time = now;
    e.resource_name = name_;
    e.resource_kind = kind_;
    e.operation = "Data fetch failure summary";
    e.status = "Failure";
    e.description = std::to_string(period_failures_) + " of " + std::to_string(period_runs_) + " fetches failed since " +
                    format_iso8601(period_start_.value_or(now)) + "; last error: " + period_last_error_;
    Object ext{{"periodStart", Value(period_start_.value_or(now))},
               {"periodEnd", Value(now)},
               {"runs", Value(period_runs_)},
               {"failures", Value(period_failures_)},
               {"error", Value(period_last_error_)}};
    if (period_last_status_) ext.emplace_back("httpStatus", Value(int64_t(period_last_status_)));
    e.extended = Value(std::move(ext));
    out = std::move(e);
  }
  period_runs_ = period_failures_ = 0;
  period_last_error_.clear();
  period_last_status_ = 0;
  period_start_ = now;
  return out;
}

}  // namespace intake::engine
