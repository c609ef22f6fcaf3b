#include "poll/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace intake::poll {

RateLimiter::RateLimiter(double qps, std::function<bool(std::chrono::milliseconds)> sleep)
    : qps_(qps), tokens_(1.0), last_(Clock::now()), sleep_(std::move(sleep)) {}

bool RateLimiter::acquire() {
  if (qps_ <= 0) return true;
  // Capacity of one token: requests are spread evenly rather than sent in bursts, so a server
  // measuring any one-second span never sees more than qps requests.
  for (int guard = 0; guard < 100'000; ++guard) {
    std::unique_lock lock(mutex_);
    auto now = Clock::now();
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(1.0, tokens_ + elapsed * qps_);
    last_ = now;
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    auto wait = std::chrono::milliseconds(static_cast<int64_t>(std::ceil((1.0 - tokens_) / qps_ * 1000.0)));
    lock.unlock();
    if (!sleep_(std::max(wait, std::chrono::milliseconds(1)))) return false;
  }
  return false;
}

}  // namespace intake::poll
