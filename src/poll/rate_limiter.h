// Client-side request rate cap (CCP rateLimitQPS): a token bucket of one-second capacity,
// per connector instance (shared by the parallel requests of its nested steps: thread-safe). The
// sleep is injected so tests need not wait.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

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
  std::mutex mutex_;
};

}  // namespace intake::poll
