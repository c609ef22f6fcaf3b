// Client-side request rate cap (CCP rateLimitQPS): a token bucket of one-second capacity,
// per connector instance. The clock and the sleep are injected so tests need not wait.
#pragma once

#include <chrono>
#include <functional>

namespace intake::poll {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // qps <= 0 disables the limit. `sleep` returns false when interrupted (shutdown).
  RateLimiter(double qps, std::function<bool(std::chrono::milliseconds)> sleep);
  // Blocks until a request may go out; false when the wait was interrupted.
  bool acquire();

 private:
  double qps_;
  double tokens_;
  Clock::time_point last_;
  std::function<bool(std::chrono::milliseconds)> sleep_;
};

}  // namespace intake::poll
