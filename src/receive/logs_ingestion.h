// The Azure Monitor Logs Ingestion API as Azure serves it:
// POST /dataCollectionRules/{immutableId}/streams/{streamName}?api-version=2023-01-01 with a
// bearer token (BearerVerifier), a JSON array body, plain or gzip (Content-Encoding), at most
// 1,048,576 bytes compressed and uncompressed. 204 on success, Azure's error shape otherwise:
// {"error":{"code","message"}} with the code again in x-ms-error-code. The rows go through the
// DCR's dataFlows of the package the rule is bound to, like polled rows.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/time.h"
#include "http/server.h"
#include "receive/bearer.h"
#include "receive/record_sink.h"

namespace intake::receive {

inline constexpr size_t kLogsIngestionMaxBody = 1'048'576;

struct IngestionRule {
  std::string immutable_id;                                                // dcr-<32 hex>
  std::map<std::string, std::shared_ptr<StreamSink>, std::less<>> streams;  // by stream name
};

struct LogsIngestionOptions {
  std::vector<IngestionRule> rules;
  Clock clock = system_now;
};

class LogsIngestionReceiver {
 public:
  LogsIngestionReceiver(LogsIngestionOptions options, BearerVerifier verifier);

  // Answers POST /dataCollectionRules/... (the caller routes by path prefix).
  http::ServerResponse handle(const http::ServerRequest& request);
  static http::ServerResponse too_large();

  struct Counters {
    int64_t requests = 0, accepted = 0, records = 0, refused = 0;
  };
  Counters counters() const;

 private:
  LogsIngestionOptions options_;
  BearerVerifier verifier_;
  mutable std::mutex mutex_;
  Counters counters_;
};

// Azure.Core.Foundations.ErrorResponse with the x-ms-error-code header.
http::ServerResponse azure_error(int status, std::string_view code, std::string_view message);

}  // namespace intake::receive
