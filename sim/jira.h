// Atlassian Jira Cloud audit records simulator: GET /rest/api/{2,3}/auditing/record with Basic
// auth, offset/limit paging, inclusive from/to, filter, and injectable faults (5xx, 429, delay,
// records inserted while a client pages). Records are computed from (seed, index), never stored,
// so a million of them cost no memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "http/server.h"
#include "sim/common.h"

namespace intake::sim::jira {

enum class Order { NewestFirst, OldestFirst };

struct Options {
  int64_t records = 1000;
  int64_t start_ms = 0;  // records are created in [start_ms, end_ms), Unix milliseconds
  int64_t end_ms = 0;
  std::string user = "admin@example.com";
  std::string password = "sim-token";
  uint64_t seed = 1;
  Order order = Order::NewestFirst;
  double fail_rate = 0;              // fraction of requests answered 500/503
  int slow_ms = 0;                   // delay before each API response
  double rate_limit = 0;             // requests per second before 429; 0 = unlimited
  int64_t insert_during_paging = 0;  // records created "now" after each first page (offset 0)
  NowMs now = system_now_ms;
};

// Jira's rendering of a record time: 2024-01-01T12:00:00.000+0000.
std::string format_jira_time(int64_t unix_ms);

class Simulator {
 public:
  // Errors name the offending option.
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);

  http::ServerResponse handle(const http::ServerRequest& request);

  // The generated records, oldest first: id = index + 1 (0 <= index < records).
  int64_t created_ms(int64_t index) const;
  std::string record_json(int64_t index) const;
  const Options& options() const { return options_; }

 private:
  struct Query;
  struct Ref;
  Simulator(Options options, std::shared_ptr<Recorder> recorder);

  http::ServerResponse serve_records(const http::ServerRequest& request);
  Result<Query> parse_query(const http::ServerRequest& request) const;
  std::string page_json(const Query& q, int64_t& served);
  void insert_records_now();
  int64_t boundary_ms(int64_t position) const;
  int64_t lower_index(int64_t ms, bool inclusive) const;

  Options options_;
  std::shared_ptr<Recorder> recorder_;
  RateLimiter limiter_;
  std::string expected_credentials_;
  std::atomic<uint64_t> request_counter_{0};
  std::mutex extras_mutex_;
  std::vector<std::pair<int64_t, int64_t>> extras_;  // (created ms, id), sorted
};

// The `jira` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::jira
