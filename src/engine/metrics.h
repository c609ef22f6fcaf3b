// The daemon's telemetry, one contract for every connector instance (events received, written and
// discarded, requests by status, poll duration, checkpoint lag, retries), rendered as Prometheus
// text for /metrics. The status page and the tests read the same counters.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/scheduler.h"

namespace intake::engine {

class ConnectorMetrics {
 public:
  static constexpr std::array<double, 10> kDurationBounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  void add_response(int status);  // 0 = transport failure
  void add_run(double seconds, bool ok, int64_t events, int64_t rows, int64_t duplicates, int64_t retries,
               const std::string& table);
  void set_checkpoint_lag(double seconds) { lag_ms_ = static_cast<int64_t>(seconds * 1000); }

  struct Snapshot {
    int64_t received = 0, duplicates = 0, retries = 0, runs_ok = 0, runs_failed = 0;
    std::map<std::string, int64_t> rows_by_table;
    std::map<int, int64_t> requests_by_status;
    std::array<int64_t, kDurationBounds.size() + 1> duration_buckets{};
    double duration_sum = 0;
    double checkpoint_lag = -1;  // seconds; -1 = never polled
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  Snapshot s_;
  std::atomic<int64_t> lag_ms_{-1000};
};

// One receiver's counters (the same contract: received, written, refused).
struct ReceiverTelemetry {
  std::string receiver;  // data_collector | logs_ingestion | webhook
  int64_t requests = 0, accepted = 0, records = 0, refused = 0;
};

struct DestinationTelemetry {
  std::string name, type;
  int64_t spooled_entries = 0, spooled_rows = 0, spooled_bytes = 0;
  double oldest_age_seconds = 0;
  int64_t delivered_rows = 0, requests = 0, retries = 0, errors = 0, rejected = 0;
  bool busy = false;
};

struct DaemonTelemetry {
  std::vector<std::pair<std::string, ConnectorMetrics::Snapshot>> connectors;  // by instance name
  size_t queue_depth = 0;
  size_t running = 0;
  int workers = 0;
  DriftStats drift;
  int64_t health_rows = 0;
  int64_t reloads = 0, reload_failures = 0;
  std::vector<ReceiverTelemetry> receivers;
  std::vector<DestinationTelemetry> destinations;
  int64_t writer_transactions = 0, writer_batches = 0;
};

// Prometheus text exposition format 0.0.4.
std::string render_prometheus(const DaemonTelemetry& t);

}  // namespace intake::engine
