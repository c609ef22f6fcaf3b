// A connector instance ready to poll, as the daemon keeps it between scheduled runs: the package
// loaded and validated, its connections instantiated with the parameters, output tables planned,
// an HTTP client and authenticator per connection (tokens survive between runs). One run at a
// time; each run polls the windows that have closed since the checkpoint and can be stopped at
// a page boundary.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ccp/placeholders.h"
#include "core/time.h"
#include "engine/actions.h"
#include "engine/daemon_config.h"
#include "engine/package.h"
#include "engine/receiver_setup.h"
#include "engine/redact.h"
#include "engine/workspace_sink.h"
#include "poll/poller.h"
#include "sinks/workspace.h"

namespace intake::engine {

// A workspace shared by the threads of the daemon: every direct use holds the mutex (the
// connection itself is single-threaded); writes go through the writer, which takes the mutex
// while it commits.
struct SharedWorkspace {
  std::unique_ptr<sinks::Workspace> ws;
  std::mutex mutex;
  std::unique_ptr<WorkspaceWriter> writer;  // destroyed first: it drains its queue into ws

  // Opens (or creates) the file and starts its writer (on a thread of its own when `threaded`).
  Status open(const std::string& path, bool threaded = true);
};

// The stream schema and output tables of a connection, from the package's DCR.
struct Outputs {
  RowMapper mapper = RowMapper::inferring();
  std::vector<OutputTable> tables;
  std::vector<Error> errors;
};
Outputs plan_outputs(const Package& pkg, const ccp::Definition& def);
// The same for one declared stream of the package's DCR (receivers).
Outputs plan_stream(const Package& pkg, const dcr::StreamDeclaration& stream,
                    std::vector<std::pair<std::string, std::string>> add_on_attributes = {});

struct RuntimeSpec {
  std::string name;                    // instance name: checkpoint key, label in logs and metrics
  std::string package_path;
  ccp::Params params;
  std::string connection;              // only this connection (default: all active)
  std::string ca_file;
  std::function<bool()> abort;         // aborts in-flight requests (shutdown)
  std::vector<Route> destinations;     // where the rows go (empty: the workspace)
  // Turns the routes into router parts (remote destinations); none: the workspace only.
  std::function<Result<RouteParts>(const std::vector<Route>&, const std::string& stream)> routes;
};

struct RunLimits {
  std::function<bool()> stop;          // checked between pages and while waiting to retry
  int max_windows = 0;                 // per connection; 0 = until caught up
  int64_t max_lookback_ticks = 0;      // 0 = unbounded; older missed windows are skipped
  std::optional<DateTime> initial_start;  // first window start without a checkpoint
  std::optional<DateTime> until;       // stop once windows reach this point (backfill --to)
  std::function<void(const poll::WindowSummary&)> on_window;  // after each committed window
  Clock clock = system_now;
  http::BackoffPolicy backoff;
};

struct RunReport {
  int64_t windows = 0, pages = 0, events = 0, requests = 0, retries = 0;
  int64_t rows = 0, duplicates = 0;
  bool interrupted = false;
  std::optional<DateTime> first_window_start, last_window_end;
  std::optional<DateTime> checkpoint;  // next window start after the run (earliest connection)
  int64_t skipped_ticks = 0;           // time skipped by the lookback bound
  bool age_limited = false;            // ... which was the API's maximum age (maxAgeInMin)
  int last_http_status = 0;            // of the last request (0: none or transport failure)
  std::optional<Error> error;          // secrets removed
  std::chrono::milliseconds elapsed{0};
};

// The package at `path` loaded with `params`, shared while any holder keeps it (instances of one
// package with equal parameters get the same object). Thread-safe.
std::shared_ptr<const Package> shared_package(const std::string& path, const ccp::Params& params);

class ConnectorRuntime {
 public:
  // Errors: the package, a parameter or an output table cannot be used (secrets removed).
  // Instances of one package with equal parameters (and connection) share the loaded package,
  // the instantiated connections and their compiled transforms; each keeps its own HTTP client,
  // authenticator, sink and checkpoint.
  static std::expected<std::unique_ptr<ConnectorRuntime>, std::vector<Error>> open(const RuntimeSpec& spec);
  ~ConnectorRuntime();

  // Polls every connection once through its closed windows. Never throws; a failure is in
  // RunReport::error and leaves the checkpoint after the last committed page. Not reentrant.
  RunReport run(SharedWorkspace& ws, const RunLimits& limits);

  // Checkpoint of each connection (nullopt: never polled); takes the workspace lock.
  std::optional<DateTime> checkpoint(SharedWorkspace& ws) const;

  const Package& package() const { return *package_; }
  const std::shared_ptr<const Package>& shared_package() const { return package_; }
  const Redactor& redactor() const { return redact_; }
  // Secret values of the instance (parameters marked secret, auth secrets).
  const std::vector<std::string>& secrets() const { return secrets_; }
  // Window width and delay of the first connection, for the default schedule.
  int64_t window_ticks() const;
  int64_t window_delay_ticks() const;
  std::vector<std::string> tables() const;
  // The connections to poll, parameters substituted (shared with equal instances, see open()).
  std::vector<const ccp::Definition*> definitions() const;
  // Called with every response status (0: transport failure) of this instance's requests.
  void on_response(std::function<void(int)> observe) { observe_ = std::move(observe); }

 private:
  struct Connection;
  struct Prepared;
  static std::shared_ptr<const Prepared> prepare(const RuntimeSpec& spec);
  ConnectorRuntime() = default;
  std::string name_;
  std::shared_ptr<const Package> package_;
  Redactor redact_;
  std::vector<std::string> secrets_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::unique_ptr<ActionRunner> actions_;  // for the definitions' `ensure` lists
  std::string ca_file_;
  std::function<bool()> abort_;
  std::function<void(int)> observe_;
  std::atomic<int> last_status_{0};
};

}  // namespace intake::engine
