#include "http/retry.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/time.h"

namespace intake::http {

Disposition classify_status(int status) {
  if (status >= 200 && status < 300) return Disposition::Ok;
  if (status == 401) return Disposition::Unauthorized;
  if (status == 408 || status == 429 || status >= 500) return Disposition::Retry;
  return Disposition::Fail;
}

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt, double random01,
                                        std::optional<std::chrono::milliseconds> retry_after) {
  if (retry_after) return std::min(*retry_after, policy.max_retry_after);
  double ceiling = static_cast<double>(policy.base.count()) * std::pow(2.0, std::max(0, attempt - 1));
  ceiling = std::min(ceiling, static_cast<double>(policy.max_delay.count()));
  double delay = ceiling / 2 + (ceiling / 2) * std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(delay));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, DateTime now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  double seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && ptr == value.data() + value.size()) {
    if (seconds < 0 || !std::isfinite(seconds)) return std::nullopt;
    return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  }
  if (auto when = parse_datetime(value)) {
    int64_t ms = (when->ticks - now.ticks) / kTicksPerMillisecond;
    return std::chrono::milliseconds(std::max<int64_t>(0, ms));
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_rate_limit_reset(std::string_view value, DateTime now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < 0) return std::nullopt;
  int64_t now_ms = now.ticks / kTicksPerMillisecond;
  int64_t wait_ms = 0;
  if (n >= 100'000'000'000) {
    wait_ms = n - now_ms;  // epoch milliseconds (from 1973 on)
  } else if (n >= 1'000'000'000) {
    wait_ms = n * 1000 - now_ms;  // epoch seconds (from 2001 on)
  } else {
    wait_ms = n * 1000;  // seconds to wait
  }
  return std::chrono::milliseconds(std::max<int64_t>(0, wait_ms));
}

std::optional<std::chrono::milliseconds> retry_after_of(const Response& response, DateTime now) {
  if (auto v = find_header(response.headers, "Retry-After")) return parse_retry_after(*v, now);
  // Only a 429 says the reset is when to come back; other responses carry it as information.
  if (response.status != 429) return std::nullopt;
  for (const char* name : {"X-Rate-Limit-Reset", "X-RateLimit-Reset"}) {
    if (auto v = find_header(response.headers, name)) return parse_rate_limit_reset(*v, now);
  }
  return std::nullopt;
}

}  // namespace intake::http
