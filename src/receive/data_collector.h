// The HTTP Data Collector API as Azure serves it (POST /api/logs?api-version=2016-04-01), for the
// senders that still speak it (Darktrace appliances, the Azure Function connectors with their
// logAnalyticsUri override): SharedKey signatures checked against the workspace's primary and
// secondary keys in constant time, x-ms-date within a clock skew (replays of old requests are
// refused), Log-Type validated, time-generated-field honoured, and Azure's status codes and error
// bodies ({"Error":"<code>","Message":"<text>"}), so a sender's own error handling works.
// Records land in <Log-Type>_CL with the legacy column naming (LegacyTable), unless a Log-Type is
// mapped to a package's DCR stream.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/time.h"
#include "http/server.h"
#include "receive/legacy_table.h"
#include "receive/record_sink.h"

namespace intake::receive {

inline constexpr size_t kDataCollectorMaxBody = 30 * 1024 * 1024;

struct DataCollectorOptions {
  std::string workspace_id;              // GUID text as senders put it in the Authorization header
  std::vector<std::string> shared_keys;  // base64 (primary, secondary)
  int64_t max_skew_ticks = 15 * kTicksPerMinute;
  // Log-Types routed to a DCR stream instead of the legacy table (matched case-insensitively).
  std::map<std::string, std::shared_ptr<StreamSink>, std::less<>> streams;
  Clock clock = system_now;
};

class DataCollectorReceiver {
 public:
  // `tables` receives the legacy rows; it must outlive the receiver.
  DataCollectorReceiver(DataCollectorOptions options, TableSink& tables);

  // Answers POST /api/logs (the caller routes by path).
  http::ServerResponse handle(const http::ServerRequest& request);
  // What an oversize body gets: 404, as Azure answers it.
  static http::ServerResponse too_large();

  struct Counters {
    int64_t requests = 0, accepted = 0, records = 0, refused = 0;
  };
  Counters counters() const;

 private:
  std::optional<http::ServerResponse> check_signature(const http::ServerRequest& request);
  LegacyTable& table_for(const std::string& log_type);

  DataCollectorOptions options_;
  TableSink& tables_;
  std::vector<std::string> keys_;  // decoded
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<LegacyTable>> legacy_;
  Counters counters_;
};

// Azure's error body for this API.
http::ServerResponse data_collector_error(int status, std::string_view code, std::string_view message);

}  // namespace intake::receive
