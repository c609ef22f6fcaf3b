// The one table that decides retry or fail, and exponential backoff with jitter that honours
// Retry-After. Used by every component that talks to a remote server.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/value.h"
#include "http/message.h"

namespace intake::http {

enum class Disposition { Ok, Retry, Unauthorized, Fail };

// 2xx ok; 401 unauthorized (refresh credentials once); 408, 429 and 5xx retry; other statuses fail.
Disposition classify_status(int status);

struct BackoffPolicy {
  int max_retries = 3;                            // retries after the first attempt
  std::chrono::milliseconds base{1000};           // first delay
  std::chrono::milliseconds max_delay{60'000};    // cap for computed delays
  std::chrono::milliseconds max_retry_after{300'000};  // cap for server-requested delays
};

// Delay before retry number `attempt` (1-based): full jitter in [base*2^(attempt-1)/2, base*2^(attempt-1)],
// capped; a Retry-After from the server wins when present (capped by max_retry_after).
// `random01` is a value in [0, 1) supplied by the caller (deterministic in tests).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, int attempt, double random01,
                                        std::optional<std::chrono::milliseconds> retry_after);

// Parses Retry-After (delta seconds, possibly fractional, or an HTTP-date relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, DateTime now);
// Parses a rate-limit reset header (X-Rate-Limit-Reset, X-RateLimit-Reset): an instant in epoch
// milliseconds (Dataminr) or epoch seconds (Okta, GitHub), or a number of seconds to wait, told
// apart by magnitude. An instant already past is a zero wait.
std::optional<std::chrono::milliseconds> parse_rate_limit_reset(std::string_view value, DateTime now);
// The wait a response asks for: Retry-After; for a 429 without one, its rate-limit reset header.
std::optional<std::chrono::milliseconds> retry_after_of(const Response& response, DateTime now);

}  // namespace intake::http
