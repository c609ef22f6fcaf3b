// Pieces every simulated API shares: the command interface main.cpp drives, the request
// recorder behind /_sim/stats and /_sim/requests, a rate limiter, seeded dice and JSON output.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/error.h"
#include "http/server.h"

namespace CLI {
class App;
}

namespace intake::sim {

// Milliseconds since the Unix epoch; every simulator takes its clock from the options so
// tests can pin it.
using NowMs = std::function<int64_t()>;
int64_t system_now_ms();

// Flags shared by every subcommand.
struct CommonOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string tls_cert;
  std::string tls_key;
  uint64_t seed = 1;
  int threads = 4;
};

// Counts and logs the API requests (not the /_sim/ ones) for tests.
class Recorder {
 public:
  explicit Recorder(NowMs now = system_now_ms) : now_(std::move(now)) {}

  void record(const http::ServerRequest& request, int status, size_t body_bytes = 0);
  void add_records_served(int64_t n);
  // {"requests":n,"by_status":{"200":n,...},"records_served":n,"bytes_served":n}
  std::string stats_json() const;
  // One JSON object per line: {"method":..,"target":..,"status":..,"ts_ms":..}
  std::string requests_jsonl() const;

 private:
  static constexpr size_t kMaxLogLines = 1'000'000;
  NowMs now_;
  mutable std::mutex mutex_;
  int64_t requests_ = 0;
  int64_t records_served_ = 0;
  int64_t bytes_served_ = 0;
  std::map<int, int64_t> by_status_;
  std::deque<std::string> log_;
};

// Wraps an API handler: answers GET /_sim/stats and /_sim/requests, passes other /_sim/ paths to
// the handler unrecorded, and records everything else (status 0 for a dropped connection).
http::Handler with_sim_endpoints(std::shared_ptr<Recorder> recorder, http::Handler api);

// Admits at most `per_second` requests in any sliding one-second window (0 = unlimited).
class RateLimiter {
 public:
  RateLimiter(double per_second, NowMs now) : per_second_(per_second), now_(std::move(now)) {}
  bool admit();

 private:
  double per_second_;
  NowMs now_;
  std::mutex mutex_;
  std::deque<int64_t> admitted_ms_;
};

// One subcommand of intake-sim: registers its own flags, then builds the handler from them.
class Command {
 public:
  virtual ~Command() = default;
  virtual void add_options(CLI::App& command) = 0;
  virtual Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) = 0;
};

// SplitMix64 finaliser: the simulators' deterministic randomness, keyed by (seed, index).
uint64_t mix64(uint64_t x);
inline uint64_t hash2(uint64_t seed, uint64_t index) { return mix64(mix64(seed) ^ (index * 0x9E3779B97F4A7C15ULL)); }
// A uniform double in [0, 1) from a hash.
inline double unit_interval(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

// The --start/--end flags every simulator takes, in Unix milliseconds: end defaults to now
// (rounded down to the minute), start to a day before end. Errors name the flag.
struct TimeRange {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};
Result<TimeRange> parse_time_range(const std::string& start, const std::string& end);

// A handler that keeps the simulator alive for as long as the server holds the handler.
template <class Sim>
http::Handler share_handler(std::unique_ptr<Sim> sim) {
  std::shared_ptr<Sim> shared(std::move(sim));
  return http::Handler([shared](const http::ServerRequest& r) { return shared->handle(r); });
}

// Appends `s` as a JSON string literal (quoted, escaped).
void append_json_string(std::string& out, std::string_view s);

}  // namespace intake::sim
