// SentinelOne Management API v2.1 simulator, serving what the Sentinel CCP definition
// (SentinelOne_ccp/PollerConfig.json) requests: GET /web/api/v2.1/{threats, activities, agents,
// groups, cloud-detection/alerts} with `Authorization: ApiToken <token>`, createdAt/updatedAt
// filters (__gt, __gte, __lt, __lte), limit 1..1000, cursor paging ({"data":[...],
// "pagination":{"nextCursor":..,"totalItems":n}}) and the errors[] envelope. Objects are computed
// from (seed, kind, index) on demand, so a million threats cost no memory.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/server.h"
#include "sim/common.h"
#include "sim/gen.h"

namespace intake::sim::sentinelone {

enum class Kind { Threats, Activities, Agents, Groups, Alerts };
constexpr size_t kKinds = 5;

// "threats", "activities", "agents", "groups", "cloud-detection/alerts": the path under /web/api/v2.1/.
std::string_view kind_path(Kind kind);

struct Options {
  std::array<int64_t, kKinds> records{1000, 1000, 1000, 1000, 1000};  // per Kind
  int64_t start_ms = 0;  // objects are created in [start_ms, end_ms)
  int64_t end_ms = 0;
  // updatedAt = createdAt + lag scaled down towards end_ms (monotonic, never after end_ms), so
  // "updated" windows return the same objects later: the duplicates the real connector sees.
  int64_t update_lag_ms = 10 * 60 * 1000;
  std::string token = "sim-s1-token";
  int64_t revoke_after = 0;      // after this many authenticated requests the token is revoked (401); 0 = never
  bool empty_last_page = false;  // every non-empty page carries a cursor; the page after the last is empty
  // Threats with only their main members (identity, verdict, file, times: about 1.5 KB) instead of
  // every member a console fills in (about 3.7 KB): consoles differ in how much they report.
  bool compact_threats = false;
  uint64_t seed = 1;
  FaultOptions faults;
  NowMs now = system_now_ms;
};

class Simulator {
 public:
  // Errors name the offending option.
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);

  http::ServerResponse handle(const http::ServerRequest& request);

  // Generated objects, oldest first (0 <= index < records[kind]); times in 100 ns ticks.
  int64_t created_ticks(Kind kind, int64_t index) const;
  int64_t updated_ticks(Kind kind, int64_t index) const;
  std::string id(Kind kind, int64_t index) const;
  std::string object_json(Kind kind, int64_t index) const;
  const Options& options() const { return options_; }

 private:
  struct Query;
  Simulator(Options options, std::shared_ptr<Recorder> recorder);
  http::ServerResponse serve(const http::ServerRequest& request);
  Result<Query> parse_query(Kind kind, const http::ServerRequest& request) const;
  std::string page_json(Kind kind, const Query& q, int64_t& served) const;

  Options options_;
  std::shared_ptr<Recorder> recorder_;
  FaultPlan faults_;
  std::array<Timeline, kKinds> timelines_;
  std::atomic<int64_t> authenticated_{0};
};

// The `sentinelone` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::sentinelone
