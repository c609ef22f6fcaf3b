// Microsoft Graph security alerts simulator: an Entra token endpoint (sim/entra) plus
// GET /v1.0/security/alerts_v2 (and /beta) with $top (capped), $skip (capped), $filter on
// createdDateTime / lastUpdateDateTime (ge, gt, le, lt joined by `and`), $count, and absolute
// @odata.nextLink URLs carrying a $skiptoken. Alerts are computed from (seed, index).
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "http/server.h"
#include "sim/common.h"
#include "sim/entra.h"
#include "sim/gen.h"

namespace intake::sim::graph {

struct Options {
  int64_t alerts = 1000;
  int64_t start_ms = 0;  // alerts are created in [start_ms, end_ms)
  int64_t end_ms = 0;
  int64_t update_lag_ms = 30 * 60 * 1000;  // lastUpdateDateTime after createdDateTime (shrinks towards end)
  int64_t default_top = 100;               // page size when $top is absent [U]
  int64_t max_top = 1000;                  // larger $top is a 400
  int64_t max_skip = 500;                  // larger $skip is a 400
  std::string scheme = "http";             // of the nextLink URLs
  entra::Options entra;
  uint64_t seed = 1;
  FaultOptions faults;
  NowMs now = system_now_ms;
};

class Simulator {
 public:
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);

  http::ServerResponse handle(const http::ServerRequest& request);

  int64_t created_ticks(int64_t index) const { return timeline_.at(index); }
  int64_t updated_ticks(int64_t index) const;
  std::string alert_json(int64_t index) const;
  std::string alert_id(int64_t index) const;
  entra::TokenService& tokens() { return tokens_; }
  const Options& options() const { return options_; }

 private:
  struct Query;
  Simulator(Options options, std::shared_ptr<Recorder> recorder);
  http::ServerResponse serve(const http::ServerRequest& request);
  Result<Query> parse_query(const http::ServerRequest& request) const;

  Options options_;
  std::shared_ptr<Recorder> recorder_;
  entra::TokenService tokens_;
  FaultPlan faults_;
  Timeline timeline_;
};

// The `graph` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::graph
