// Dataminr Pulse simulator, pull side as the Splunk/Chronicle integrations use it: POST
// /auth/2/token (grant_type api_key | refresh_token, form) -> {"dmaToken","refreshToken","expire"
// (epoch ms)}, `Authorization: Dmauth <token>`, GET /account/2/get_lists (watchlists by type),
// GET /api/3/alerts (alertversion, lists, num, from/to cursors) -> {"data":{"alerts":[..],"from","to"}}
// with 401 code 103, 429 code 105 + x-rate-limit-reset (epoch ms); POST /integration/1/settings
// registers an RTAP delivery (watchlists, ms_sentinel webhook and token) -> {"deliverySettingId"}. Alerts become visible when their
// eventTime has passed on the injectable clock, so forward paging ends on an empty page.
// Push side: `intake-sim dataminr --push-to URL` POSTs RTAP-shaped alerts to a receiver and exits.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/error.h"
#include "http/server.h"
#include "sim/common.h"
#include "sim/gen.h"

namespace intake::sim::dataminr {

struct Options {
  int64_t alerts = 1000;
  int64_t start_ms = 0;  // alert eventTimes spread over [start_ms, end_ms)
  int64_t end_ms = 0;
  std::string client_id = "sim-dataminr-client";
  std::string client_secret = "sim-dataminr-secret";
  int64_t token_ttl_s = 3600;
  int64_t lists_per_type = 2;  // watchlists per type (TOPIC, CUSTOM, COMPANY, CYBER)
  int64_t default_num = 40;    // page size when num is absent [U]
  int64_t max_num = 100;       // larger num is a 400 [U]
  uint64_t seed = 1;
  FaultOptions faults;
  NowMs now = system_now_ms;
};

class Simulator {
 public:
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);

  http::ServerResponse handle(const http::ServerRequest& request);

  int64_t event_ms(int64_t index) const;
  std::string alert_json(int64_t index) const;  // pull API (alertversion 14) shape
  std::vector<int64_t> list_ids() const;
  int64_t list_of(int64_t index) const;  // the watchlist an alert matched
  const Options& options() const { return options_; }

 private:
  Simulator(Options options, std::shared_ptr<Recorder> recorder);
  http::ServerResponse serve(const http::ServerRequest& request);
  http::ServerResponse token(const http::ServerRequest& request);
  std::optional<http::ServerResponse> check_token(const http::ServerRequest& request);
  http::ServerResponse alerts(const http::ServerRequest& request);
  http::ServerResponse settings(const http::ServerRequest& request);

  Options options_;
  std::shared_ptr<Recorder> recorder_;
  FaultPlan faults_;
  Timeline timeline_;
  std::atomic<int64_t> issued_{0};
  std::atomic<bool> expire_pending_{false};  // --expire-token-at reached; applies to the next data request
  std::mutex mutex_;
  std::map<std::string, int64_t> tokens_;  // dmaToken -> expiry (ms)
  std::map<std::string, int> refresh_tokens_;
  std::vector<std::string> settings_;  // RTAP registrations received (GET /_sim/dataminr/settings)
};

// One RTAP push alert (what Dataminr POSTs to a Sentinel webhook): index, headline, alertType,
// _embedded.labels with @type, relatedAlerts, defanged IPs.
std::string rtap_alert_json(uint64_t seed, int64_t index, int64_t event_ms);

// The `dataminr` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::dataminr
