// The SentinelHealth table: a row when an instance's fetch status changes (Success <-> Failure,
// and its first run) and a periodic "Data fetch failure summary" for instances that failed in the
// period, never a row per request. Shaped as Microsoft Sentinel's table of the same name.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "core/schema.h"
#include "engine/connector_runtime.h"
#include "engine/write_batch.h"
#include "sinks/workspace.h"

namespace intake::engine {

inline constexpr const char* kHealthTable = "SentinelHealth";

struct HealthEvent {
  DateTime time;
  std::string resource_name;   // the instance name
  std::string resource_kind;   // the connector (package) id
  std::string operation;       // "Data fetch status change" | "Data fetch failure summary"
  std::string status;          // "Success" | "Failure"
  std::string description;
  Value extended;              // dynamic: window, pages, events, httpStatus, error, ...
};

const Schema& health_schema();
// The rows of the events as a batch for the WorkspaceWriter.
WriteBatch health_batch(std::span<const HealthEvent> events);
// Appends the rows in one transaction (creating the table on first use). The caller holds the
// workspace's lock.
Status write_health(sinks::Workspace& ws, std::span<const HealthEvent> events);

// One instance's health state. Not thread-safe; the daemon guards it with the instance's lock.
class HealthTracker {
 public:
  HealthTracker(std::string name, std::string kind) : name_(std::move(name)), kind_(std::move(kind)) {}

  // The status-change row for this run's outcome, if the status changed (or on the first run).
  std::optional<HealthEvent> on_run(const RunReport& report, DateTime now);
  // A failure summary of the period since the last call, if any run failed in it.
  std::optional<HealthEvent> summary(DateTime now);

 private:
  std::string name_, kind_;
  std::optional<bool> last_ok_;
  int64_t period_runs_ = 0, period_failures_ = 0;
  std::string period_last_error_;
  int period_last_status_ = 0;
  std::optional<DateTime> period_start_;
};

}  // namespace intake::engine
