// Delivery to remote destinations (destinations: in intake.yaml). Sources write their rows for a
// destination into the workspace's spool in the same transaction as their own checkpoint
// (SpoolRoute); one thread per destination reads its spool in order, hands entries to the
// destination (azure-monitor, postgres) and removes them once stored — at-least-once, and
// exactly-once where the destination records the sequence number with the rows (postgres).
// Each destination has its own cursor, so a slow one does not hold back the others. Above a
// destination's spool limit the sources routed to it are held back (pollers wait, receivers
// answer 429): nothing is dropped.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/daemon_config.h"
#include "engine/log.h"
#include "engine/receiver_setup.h"
#include "engine/stream_router.h"
#include "sinks/destination.h"
#include "sinks/workspace.h"

namespace intake::engine {

struct DestinationStatus {
  std::string name, type;
  int64_t spooled_entries = 0, spooled_rows = 0, spooled_bytes = 0;
  std::optional<DateTime> oldest;         // creation of the oldest entry waiting
  int64_t delivered_rows = 0, requests = 0, retries = 0, errors = 0, rejected = 0;
  bool busy = false;                      // over its spool limit: sources are held back
  bool connected = false;                 // the last delivery attempt succeeded
  std::string last_error;
  std::optional<DateTime> last_delivery;
};

class DeliveryManager {
 public:
  // Builds the destinations of `config` (none started yet). Errors name the destination.
  static std::expected<std::unique_ptr<DeliveryManager>, std::vector<Error>> create(const DaemonConfig& config, Logger* log,
                                                                                  Clock clock = system_now);
  ~DeliveryManager();

  // Starts one delivery thread per destination, reading the spool of `workspace_path`.
  Status start(const std::string& workspace_path);
  // Stops the threads (an entry in flight is delivered again on the next start).
  void stop();

  // The router parts of a source: whether its rows go to the workspace, the spool routes of its
  // remote destinations (for `stream`: azure-monitor sends stream rows), and the busy check.
  Result<RouteParts> resolve(const std::vector<Route>& routes, const std::string& stream);
  std::vector<DestinationStatus> status() const;
  bool empty() const { return destinations_.empty(); }

  struct Slot;  // one destination: config, implementation, counters, thread

 private:
  DeliveryManager() = default;
  void run(Slot& slot, const std::string& workspace_path);

  std::vector<std::unique_ptr<Slot>> destinations_;
  mutable std::mutex stats_mutex_;
  std::unique_ptr<sinks::Workspace> stats_ws_;  // spool depth for status(), read-only use
  Logger* log_ = nullptr;
  Clock clock_;
  std::atomic<bool> stopping_{false};
};

}  // namespace intake::engine
