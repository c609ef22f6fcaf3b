#include "sim/gen.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/time.h"
#include "http/gzip.h"

namespace intake::sim {

namespace {
constexpr int64_t kGroup = 50;
}  // namespace

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t ticks_from_ms(int64_t ms) { return ms * kTicksPerMillisecond; }

Timeline::Timeline(int64_t count, int64_t start_ticks, int64_t end_ticks, uint64_t seed, int64_t resolution_ticks,
                   int ties)
    : count_(count),
      start_(start_ticks),
      end_(std::max(end_ticks, start_ticks + 1)),
      seed_(seed),
      resolution_(std::max<int64_t>(resolution_ticks, 1)),
      ties_(std::max(ties, 0)) {}

int64_t Timeline::slice_start(int64_t index) const {
  return start_ + scale(index, end_ - start_, std::max<int64_t>(count_, 1));
}

// The record's own position inside its slice (before ties are applied).
int64_t Timeline::slot(int64_t index) const {
  int64_t lo = slice_start(index);
  int64_t hi = slice_start(index + 1);
  if (index % kGroup == 0) {
    int64_t minute = (floor_div(lo - 1, kTicksPerMinute) + 1) * kTicksPerMinute;
    if (minute < hi) return minute;
  }
  int64_t t = lo;
  if (hi > lo) t += static_cast<int64_t>(hash2(seed_ ^ 0x71AEULL, static_cast<uint64_t>(index)) % static_cast<uint64_t>(hi - lo));
  // Rounding down never crosses below the slice start of a rounded earlier record: earlier slots
  // are <= lo and rounding is monotonic.
  return floor_div(t, resolution_) * resolution_;
}

int64_t Timeline::at(int64_t index) const {
  int64_t pos = index % kGroup;
  if (pos > 0 && pos <= ties_) return slot(index - pos);
  return slot(index);
}

int64_t Timeline::lower(int64_t t, bool inclusive) const {
  return partition_point(count_, [&](int64_t i) { return inclusive ? at(i) < t : at(i) <= t; });
}

std::string iso_time(int64_t ticks, int digits) {
  CivilTime c = to_civil(DateTime{ticks});
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.minute,
                        c.second);
  std::string out(buf, static_cast<size_t>(n));
  if (digits > 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, "%07lld", static_cast<long long>(c.fraction_ticks));
    out += '.';
    for (int i = 0; i < digits; ++i) out += i < 7 ? frac[i] : '0';
  }
  out += 'Z';
  return out;
}

std::string hex(uint64_t v, int digits) {
  digits = std::clamp(digits, 0, 16);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return std::string(buf + 16 - digits, static_cast<size_t>(digits));
}

std::string uuid(uint64_t a, uint64_t b) {
  std::string h = hex(a, 16) + hex(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-" + "89ab"[b >> 62] + h.substr(17, 3) +
         "-" + h.substr(20, 12);
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

void JsonOut::separate(std::string_view key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
  if (!key.empty()) {
    append_json_string(out_, key);
    out_ += ':';
  }
}

JsonOut& JsonOut::begin_object(std::string_view key) {
  separate(key);
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonOut& JsonOut::end_object() {
  out_ += '}';
  first_.pop_back();
  return *this;
}

JsonOut& JsonOut::begin_array(std::string_view key) {
  separate(key);
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonOut& JsonOut::end_array() {
  out_ += ']';
  first_.pop_back();
  return *this;
}

JsonOut& JsonOut::str(std::string_view key, std::string_view value) {
  separate(key);
  append_json_string(out_, value);
  return *this;
}

JsonOut& JsonOut::num(std::string_view key, int64_t value) {
  separate(key);
  out_ += std::to_string(value);
  return *this;
}

JsonOut& JsonOut::real(std::string_view key, double value) {
  separate(key);
  if (!std::isfinite(value)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  out_ += buf;
  return *this;
}

JsonOut& JsonOut::boolean(std::string_view key, bool value) {
  separate(key);
  out_ += value ? "true" : "false";
  return *this;
}

JsonOut& JsonOut::null(std::string_view key) {
  separate(key);
  out_ += "null";
  return *this;
}

JsonOut& JsonOut::raw(std::string_view key, std::string_view json) {
  separate(key);
  out_ += json;
  return *this;
}

JsonOut& JsonOut::strings(std::string_view key, const std::vector<std::string>& values) {
  begin_array(key);
  for (const auto& v : values) str(v);
  return end_array();
}

void add_fault_options(CLI::App& app, FaultOptions& f) {
  app.add_option("--rate-limit", f.rate_limit, "Requests per second (sliding window) before answering 429; 0 = off")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--retry-after", f.retry_after_s, "Retry-After seconds sent with rate-limit answers")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--fail-rate", f.fail_rate, "Fraction of requests answered 500/503 (deterministic by seed)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--throttle-at", f.throttle_at, "Answer API request number K (1-based) with 429, Retry-After: 2, once")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--drop-at", f.drop_at, "Close the connection of API request number K (1-based) without answering")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--slow-ms", f.slow_ms, "Delay every API response by this many milliseconds")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void add_token_fault_options(CLI::App& app, FaultOptions& f) {
  app.add_option("--expire-token-at", f.expire_token_at,
                 "The access token sent with API request number K (1-based) expires early: 401, then a new token is needed")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

Status check_fault_options(const FaultOptions& f) {
  if (f.rate_limit < 0) return fail("--rate-limit", "must not be negative");
  if (f.retry_after_s < 0) return fail("--retry-after", "must not be negative");
  if (f.fail_rate < 0 || f.fail_rate > 1) return fail("--fail-rate", "must be within 0..1");
  if (f.throttle_at < 0) return fail("--throttle-at", "must not be negative");
  if (f.drop_at < 0) return fail("--drop-at", "must not be negative");
  if (f.slow_ms < 0) return fail("--slow-ms", "must not be negative");
  if (f.expire_token_at < 0) return fail("--expire-token-at", "must not be negative");
  return {};
}

FaultPlan::Fault FaultPlan::next(int64_t* number) {
  int64_t n = counter_.fetch_add(1) + 1;
  if (number) *number = n;
  if (n == options_.drop_at) return Fault::Drop;
  if (n == options_.throttle_at) return Fault::Throttled;
  if (!limiter_.admit()) return Fault::RateLimited;
  uint64_t roll = hash2(seed_ ^ 0xFA11ULL, static_cast<uint64_t>(n));
  if (unit_interval(roll) < options_.fail_rate) return (roll & 1) == 0 ? Fault::ServerError : Fault::Unavailable;
  return Fault::None;
}

std::optional<std::string> gzip(std::string_view data) {
  auto packed = http::gzip(data);
  if (!packed) return std::nullopt;
  return std::move(*packed);
}

}  // namespace intake::sim
