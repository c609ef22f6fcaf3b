// Building blocks of generated vendor data shared by the simulators: deterministic dice, a
// timeline that spreads N records over a time range (monotonic in the index, so windows are found
// by binary search and nothing is stored), a streaming JSON writer, and small renderers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"
#include "sim/common.h"

namespace intake::sim {

// Deterministic draws for one generated object, keyed by (seed, key).
class Dice {
 public:
  Dice(uint64_t seed, uint64_t key) : base_(hash2(seed, key)) {}
  uint64_t next() { return hash2(base_, n_++); }
  size_t pick(size_t count) { return static_cast<size_t>(next() % count); }
  template <class T, size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[pick(N)];
  }
  bool chance(double p) { return unit_interval(next()) < p; }

 private:
  uint64_t base_;
  uint64_t n_ = 0;
};

// N record times over [start, end) in 100 ns ticks, rounded down to `resolution` ticks.
// Record i lives in the i-th equal slice; every 50th record sits on a whole minute when its
// slice holds one (window boundaries meet records exactly), and the `ties` records after it share
// that instant (equal timestamps straddling page boundaries).
class Timeline {
 public:
  Timeline(int64_t count, int64_t start_ticks, int64_t end_ticks, uint64_t seed, int64_t resolution_ticks = 1,
           int ties = 2);
  int64_t count() const { return count_; }
  int64_t at(int64_t index) const;
  // First index whose time is >= t (inclusive) or > t (exclusive).
  int64_t lower(int64_t t, bool inclusive) const;

 private:
  int64_t slice_start(int64_t index) const;
  int64_t slot(int64_t index) const;
  int64_t count_, start_, end_;
  uint64_t seed_;
  int64_t resolution_;
  int ties_;
};

// First index in [0, count) for which `below(index)` is false, `below` being monotonic.
template <class F>
int64_t partition_point(int64_t count, F below) {
  int64_t lo = 0, hi = count;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (below(mid)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// a * b / c without overflow.
inline int64_t scale(int64_t a, int64_t b, int64_t c) { return static_cast<int64_t>(static_cast<__int128>(a) * b / c); }
int64_t floor_div(int64_t a, int64_t b);

// 2024-05-01T10:00:00.123456Z with exactly `digits` fraction digits (0 = none).
std::string iso_time(int64_t ticks, int digits);
// Lower-case hex of the low `digits` nibbles (at most 16).
std::string hex(uint64_t v, int digits);
// `data` gzip-compressed (RFC 1952), or nullopt if zlib fails.
std::optional<std::string> gzip(std::string_view data);
// A UUID-shaped string from two hashes.
std::string uuid(uint64_t a, uint64_t b);
std::optional<int64_t> parse_int(std::string_view s);
int64_t ticks_from_ms(int64_t ms);

// Compact JSON writer; keys are omitted for array elements (pass no key).
class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}
  JsonOut& begin_object(std::string_view key = {});
  JsonOut& end_object();
  JsonOut& begin_array(std::string_view key = {});
  JsonOut& end_array();
  JsonOut& str(std::string_view key, std::string_view value);
  JsonOut& str(std::string_view value) { return str({}, value); }
  JsonOut& num(std::string_view key, int64_t value);
  JsonOut& real(std::string_view key, double value);
  JsonOut& boolean(std::string_view key, bool value);
  JsonOut& null(std::string_view key);
  JsonOut& raw(std::string_view key, std::string_view json);
  // A string array.
  JsonOut& strings(std::string_view key, const std::vector<std::string>& values);

 private:
  void separate(std::string_view key);
  std::string& out_;
  std::vector<bool> first_;
};

// Fault switches every simulator in this family shares: a rate limit answered 429, a fraction of
// 5xx answers, one forced 429 at a given request number, dropped connections, a delay; and, for
// the simulators that issue tokens, one token expiring early at a given request number.
struct FaultOptions {
  double rate_limit = 0;     // requests per second before 429; 0 = unlimited
  int retry_after_s = 1;     // Retry-After on rate-limit answers
  double fail_rate = 0;      // fraction of requests answered 500/503
  int64_t throttle_at = 0;   // this request number (1-based) is answered 429 with Retry-After: 2, once
  int64_t drop_at = 0;       // this request number (1-based) gets its connection closed, once
  int slow_ms = 0;           // delay before each API answer
  // The access token presented with this request number (1-based; the next data request when it
  // falls on a token request) has expired: answered with the API's 401, and that token stays
  // dead, as when a token lapses between pages before the client expected (clock skew, revocation).
  int64_t expire_token_at = 0;
};

// Registers --rate-limit, --retry-after, --fail-rate, --throttle-at, --drop-at and --slow-ms.
void add_fault_options(CLI::App& app, FaultOptions& faults);
// Registers --expire-token-at (simulators that issue access tokens).
void add_token_fault_options(CLI::App& app, FaultOptions& faults);
Status check_fault_options(const FaultOptions& faults);

// Decides, per API request, which fault (if any) applies. Thread-safe.
class FaultPlan {
 public:
  enum class Fault { None, RateLimited, Throttled, ServerError, Unavailable, Drop };
  FaultPlan(FaultOptions options, uint64_t seed, NowMs now)
      : options_(options), seed_(seed), limiter_(options.rate_limit, std::move(now)) {}
  // Counts the request and returns its fault; `number` receives its 1-based request number.
  Fault next(int64_t* number = nullptr);
  const FaultOptions& options() const { return options_; }

 private:
  FaultOptions options_;
  uint64_t seed_;
  RateLimiter limiter_;
  std::atomic<int64_t> counter_{0};
};

}  // namespace intake::sim
