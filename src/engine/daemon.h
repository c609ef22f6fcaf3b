// `intake run`: every configured connector instance on its schedule over one workspace, with
// health rows, telemetry, and the views the HTTP API and status page serve. Configuration is
// applied at start and on reload (SIGHUP) instance by instance: an unchanged instance keeps its
// schedule and its running poll.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/connector_runtime.h"
#include "engine/daemon_config.h"
#include "engine/delivery.h"
#include "engine/health.h"
#include "engine/log.h"
#include "engine/metrics.h"
#include "engine/receiver_setup.h"
#include "engine/scheduler.h"
#include "kql/kql.h"

namespace intake::engine {

// What the API and the page show of one instance; secrets are already masked or removed.
struct InstanceView {
  std::string name;
  std::string package;                 // the package's name
  bool enabled = true;
  std::string status;                  // Connected | Disconnected | Disabled | Error | Starting
  std::string reason;                  // why (for anything but Connected)
  std::string schedule;                // cron text, or "every N minutes"
  std::optional<DateTime> last_run, last_success, last_failure, last_data, next_run, checkpoint;
  std::string last_error;
  int64_t events = 0, rows = 0, runs = 0, failures = 0;
  std::vector<std::pair<std::string, std::string>> parameters;  // secrets shown as "********"
  std::vector<std::string> tables;
  // Shared with the package: its connectorUiConfig, and its actions when the instance opened
  // (none when it is disabled or failed to open).
  std::shared_ptr<const Value> ui;
  std::shared_ptr<const std::vector<ActionSpec>> actions;
};

class Daemon {
 public:
  // Opens the workspace and every enabled instance's package. Errors (exit 78) name the instance
  // and the file/JSON path; all are reported at once. Nothing is scheduled until run().
  static std::expected<std::unique_ptr<Daemon>, std::vector<Error>> create(DaemonConfig config, Logger& log,
                                                                           Clock clock = system_now);
  ~Daemon();

  // Schedules every enabled instance (each catches up at once, then follows its schedule).
  void start();
  // Applies a new configuration. Invalid instances are reported and left out; the others are
  // started, stopped or restarted only where their configuration changed.
  std::vector<Error> reload(DaemonConfig config);
  // Stops scheduling, lets running polls finish their page and commit, and waits up to the
  // configured grace. Returns false when some poll had to be abandoned (its page is not committed,
  // so nothing is lost: it is fetched again on the next start).
  bool stop();

  bool ready() const { return ready_; }
  std::vector<InstanceView> instances() const;
  std::optional<InstanceView> instance(const std::string& name) const;
  // Rows per day over the last `days` days of the instance's graph queries (connectorUiConfig),
  // oldest first, ending today (UTC).
  std::vector<std::pair<DateTime, int64_t>> rows_per_day(const InstanceView& instance, int days = 14) const;
  std::optional<std::expected<ActionOutcome, ActionFailure>> run_action(const std::string& instance, const std::string& action,
                                                                         const ccp::Params& args);
  // Runs KQL over the workspace (read-only connection); errors carry "kql:L:C".
  Result<kql::Table> query(const std::string& text, int64_t max_rows) const;
  std::string metrics() const;
  // Removes every configured secret from a text (API and page output pass through it).
  std::string redact(std::string text) const;
  std::string bearer_token() const;
  const DaemonConfig& config() const { return config_; }
  // The receivers configured under receivers: (empty when none). Their routes do not change on
  // reload; a changed receivers: section is applied at the next start.
  receive::Receivers& receivers() { return receivers_->receivers; }
  // The remote destinations' spools and delivery (empty without destinations:).
  std::vector<DestinationStatus> destinations() const;

 private:
  struct Instance;
  Daemon(DaemonConfig config, Logger& log, Clock clock);
  std::expected<std::shared_ptr<Instance>, std::vector<Error>> make_instance(const ConnectorInstanceConfig& c, size_t index);
  void schedule(const std::shared_ptr<Instance>& inst);
  void run_instance(Instance& inst, const std::atomic<bool>& cancel);
  void write_summaries();
  void refresh_redactor();
  InstanceView view_of(const Instance& inst) const;
  // The instance of that name, or null.
  std::shared_ptr<Instance> find_instance(const std::string& name) const;

  DaemonConfig config_;
  Logger& log_;
  Clock clock_;
  SharedWorkspace ws_;
  mutable SharedWorkspace query_ws_;
  std::unique_ptr<DeliveryManager> delivery_;  // before the receivers and instances that route to it
  std::unique_ptr<ReceiverSet> receivers_;
  std::unique_ptr<Scheduler> scheduler_;
  mutable std::mutex mutex_;  // instances_, redactor_
  std::vector<std::shared_ptr<Instance>> instances_;
  // Replaced whole on reload, so that a long text (/metrics) is redacted outside the lock.
  std::shared_ptr<const Redactor> redactor_ = std::make_shared<const Redactor>();
  std::atomic<bool> stopping_{false};
  std::atomic<bool> abort_requests_{false};
  std::atomic<bool> ready_{false};
  std::atomic<int64_t> health_rows_{0}, reloads_{0}, reload_failures_{0};
  // Graph query results per query text: (computed at, rows per day).
  mutable std::mutex chart_mutex_;
  mutable std::map<std::string, std::pair<DateTime, std::vector<std::pair<DateTime, int64_t>>>> chart_cache_;
};

}  // namespace intake::engine
