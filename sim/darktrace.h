// Darktrace alerts pushed the two ways an appliance sends them to Microsoft Sentinel, for the
// receivers' tests: the legacy "REST API connector" (HTTP Data Collector API, SharedKey signature,
// one Log-Type for every kind, told apart by dtProduct) and the current connector (Logs Ingestion
// API, bearer token, each kind to its Custom-Darktrace* stream). Alerts are computed from (seed,
// index); `intake-sim darktrace --push-to URL | --ingestion-to URL` pushes them and exits.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "http/message.h"
#include "sim/common.h"

namespace intake::sim::darktrace {

// The four record kinds of the legacy push.
enum class Kind { ModelBreach, AiAnalyst, SystemStatus, Email };
constexpr Kind kAllKinds[] = {Kind::ModelBreach, Kind::AiAnalyst, Kind::SystemStatus, Kind::Email};

// dtProduct (legacy) and darktraceProduct (streams): "Policy Breach", "AI Analyst", "System Alert",
// "Antigena Email".
std::string_view product_of(Kind kind);
// "Custom-DarktraceModelAlerts", "Custom-DarktraceIncidents", "Custom-DarktraceSystemStatusAlerts",
// "Custom-DarktraceEMAIL".
std::string_view stream_of(Kind kind);
// The --kinds names: "model", "incident", "system", "email".
std::string_view flag_name_of(Kind kind);

// The legacy body field every record carries with the alert's time as YYYY-MM-DDThh:mm:ssZ; the
// Data Collector push names it in time-generated-field.
constexpr std::string_view kTimeField = "timestamp";

// `count` alerts with times spread over [start_ms, end_ms) (whole seconds, non-decreasing in the
// index), of the given kinds (60% model breaches, 15% AI Analyst events, 10% system alerts, 15%
// emails when all are on). Everything is a pure function of (seed, index).
class Alerts {
 public:
  Alerts(uint64_t seed, int64_t count, int64_t start_ms, int64_t end_ms,
         std::vector<Kind> kinds = {std::begin(kAllKinds), std::end(kAllKinds)});

  int64_t count() const { return count_; }
  Kind kind(int64_t index) const;
  // Unique across indices (a GUID with dashes, which the Data Collector API stores as uuid_g).
  std::string uuid(int64_t index) const;
  int64_t time_ms(int64_t index) const;
  // The flat object the appliance's legacy connector sends (dtProduct, uuid, timestamp, then the
  // kind's fields: modelName, score, SourceIP, Message, ...).
  std::string legacy_json(int64_t index) const;
  // The object for the kind's Logs Ingestion stream, with that stream's column names.
  std::string stream_json(int64_t index) const;

 private:
  uint64_t seed_;
  int64_t count_;
  int64_t start_ms_, end_ms_;
  std::vector<Kind> kinds_;
};

enum class Api { DataCollector, LogsIngestion };

struct PushOptions {
  Api api = Api::DataCollector;
  std::string url;  // base URL of the receiver (no path)
  // Data Collector API
  std::string workspace_id;
  std::string key;  // base64 workspace key
  std::string log_type = "darktrace_model_alerts";
  // Logs Ingestion API
  std::string dcr;  // immutable id, dcr-<32 hex>
  std::string token;
  bool gzip = false;
  // Both
  int64_t alerts = 100;
  int64_t batch = 50;  // alerts per request (fewer when a body would pass the API's size limit)
  int concurrency = 1;
  int max_retries = 5;  // retries of one request after its first attempt
  std::chrono::milliseconds backoff{500};
  std::chrono::milliseconds timeout{30'000};
  std::string ca_file;
  uint64_t seed = 1;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::vector<Kind> kinds{std::begin(kAllKinds), std::end(kAllKinds)};
  Clock clock = system_now;  // x-ms-date
  std::function<void(std::chrono::milliseconds)> sleep;  // default: this thread sleeps
};

struct PushSummary {
  int64_t pushed = 0;    // alerts in requests answered 2xx
  int64_t requests = 0;  // every attempt, retries included
  int64_t retries = 0;
  int64_t failed = 0;    // alerts in requests that gave up or were refused
};

// The request of one Data Collector batch: its body, signed over the exact bytes sent, dated `now`.
// Errors name the flag of a missing or malformed receiver URL or credential.
Result<http::Request> data_collector_request(const PushOptions& options, std::string body, DateTime now);
// The request of one Logs Ingestion batch for a stream.
Result<http::Request> logs_ingestion_request(const PushOptions& options, std::string_view stream, std::string body);

// Pushes every alert. Fails only on options or set-up; refused or abandoned requests are logged to
// stderr and counted in `failed`.
Result<PushSummary> push(const PushOptions& options);

// The `darktrace` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::darktrace
