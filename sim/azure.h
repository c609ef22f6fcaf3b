// Azure Monitor Logs Ingestion API simulator with its Entra ID token endpoint (sim/entra, audience
// https://monitor.azure.com): POST /dataCollectionRules/{immutableId}/streams/{stream}?api-version=
// takes a JSON array (gzip or plain, 1 MiB on both sizes), keeps the declared columns of the
// stream's declaration in the DCR files it was given, and records the rows in arrival order for
// tests (/_sim/accepted, /_sim/ingestion, an optional NDJSON file). Errors are shaped as
// Azure.Core.Foundations.ErrorResponse with x-ms-error-code; faults (429 with the early-retry rule,
// 503, outages, dropped connections, early token expiry) are deterministic from the seed.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/server.h"
#include "sim/common.h"
#include "sim/entra.h"
#include "sim/gen.h"

namespace intake::sim::azure {

// The service constant for a request body, compressed and uncompressed alike.
inline constexpr size_t kMaxBodyBytes = 1'048'576;

struct StreamDeclaration {
  std::string name;                            // "Custom-AtlassianJiraAudit"
  std::set<std::string, std::less<>> columns;  // declared column names
};

// The stream declarations of one DCR, under the immutable id the simulator serves it as.
struct Dcr {
  std::string immutable_id;  // "dcr-" + 32 hex digits
  std::string source;        // file it came from
  std::vector<StreamDeclaration> streams;
  const StreamDeclaration* stream(std::string_view name) const;  // exact name first, then any case
};

// Reads properties.streamDeclarations of a DCR resource: a bare resource, an array holding one, or
// an ARM template whose resources hold one (the first Microsoft.Insights/dataCollectionRules).
// Errors name `source` and the JSON path.
Result<Dcr> parse_dcr(std::string immutable_id, std::string_view json, std::string source);
// "dcr-<32 hex>=PATH" (the --dcr flag): reads and parses PATH.
Result<Dcr> load_dcr_flag(std::string_view flag_value);

struct Options {
  std::vector<Dcr> dcrs;
  bool accept_any = false;           // with no DCRs: every id and stream, all members kept
  std::set<std::string> deny_dcrs;   // 403 OperationFailed (no Monitoring Metrics Publisher role)
  std::string record_file;           // accepted rows appended as NDJSON ("" = none)
  size_t max_kept_bytes = size_t{1} << 30;  // rows kept in memory for /_sim/accepted; counts stay exact
  double throttle_rate = 0;          // fraction of ingestion requests answered 429
  int64_t outage_after = 0;          // the outage starts with ingestion request outage_after + 1 ...
  int64_t outage_seconds = 0;        // ... and lasts this long (0 = no scheduled outage)
  bool outage_503 = false;           // answer 503 during outages instead of dropping the connection
  entra::Options entra;
  uint64_t seed = 1;
  FaultOptions faults;
  NowMs now = system_now_ms;
};

// Answers the token endpoint, the ingestion endpoint and the test endpoints. Thread-safe: the
// server's worker threads call handle() concurrently.
class Simulator {
 public:
  // Errors name the flag (or the DCR file) that is wrong; the record file is opened here.
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);

  http::ServerResponse handle(const http::ServerRequest& request);

  // The rows accepted for a stream (of one DCR, or of every DCR in the order they were configured
  // or first seen), one JSON object per line, as far as max_kept_bytes kept them.
  std::string accepted_ndjson(std::string_view stream, std::string_view dcr = {}) const;
  // Rows accepted for a stream (every DCR when `dcr` is empty), whether kept in memory or not.
  int64_t accepted_rows(std::string_view stream, std::string_view dcr = {}) const;
  // {"requests":n,"rows":n,"streams":{"S":{"rows","requests","bytes"}},"dcrs":{"ID":{"S":{...}}},
  //  "ignored_bodies":n,"ignored_rows":n,"rejected":{"413":n,...},"dropped_connections":n,
  //  "rows_not_kept":n}
  std::string ingestion_json() const;
  // Every ingestion request is refused for `seconds` from now (dropped, or 503); 0 ends an outage.
  void start_outage(int64_t seconds, bool answer_503);
  entra::TokenService& tokens() { return tokens_; }
  const Options& options() const { return options_; }

 private:
  struct Bucket {
    std::string dcr, stream;
    std::string kept;  // NDJSON
    int64_t rows = 0, requests = 0, bytes = 0;
  };
  struct Stats {
    int64_t requests = 0, ignored_bodies = 0, ignored_rows = 0, dropped = 0, rows_not_kept = 0;
    std::map<int, int64_t> rejected;
  };
  Simulator(Options options, std::shared_ptr<Recorder> recorder);
  http::ServerResponse serve(const http::ServerRequest& request);
  http::ServerResponse ingest(const http::ServerRequest& request, const std::string& dcr_id, const std::string& stream);
  std::optional<http::ServerResponse> fault(const http::ServerRequest& request, const std::string& dcr_id, int64_t now);
  http::ServerResponse test_endpoint(const http::ServerRequest& request);
  http::ServerResponse throttled(const std::string& dcr_id, int retry_after_s) const;
  void count(const http::ServerResponse& response);
  // Appends one request's rows to the --record file and to memory; false when the file write fails.
  bool store(const std::string& dcr, const std::string& stream, std::string ndjson, int64_t rows, size_t bytes,
             int64_t ignored_rows);

  Options options_;
  std::shared_ptr<Recorder> recorder_;
  entra::TokenService tokens_;
  FaultPlan faults_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> record_{nullptr, &std::fclose};
  std::atomic<uint64_t> served_{0};  // ingestion answers, for x-ms-request-id

  mutable std::mutex mutex_;  // guards everything below
  std::vector<Bucket> buckets_;  // in order of first use
  std::map<std::pair<std::string, std::string>, size_t> bucket_index_;
  size_t kept_bytes_ = 0;
  Stats stats_;
  std::map<std::string, int64_t> throttled_until_ms_;  // per DCR: a retry before this gets another 429
  int64_t outage_until_ms_ = 0;
  bool outage_503_ = false;
};

// The `azure` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::azure
