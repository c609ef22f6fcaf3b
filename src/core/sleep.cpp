#include "core/sleep.h"

#include <algorithm>
#include <thread>

namespace intake {

bool sleep_unless(std::chrono::milliseconds d, const std::function<bool()>& stop, std::chrono::milliseconds slice) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + d;
  while (true) {
    if (stop && stop()) return false;
    const auto now = Clock::now();
    if (now >= end) return true;
    // The remainder in the clock's own resolution: truncated to milliseconds, the last fraction
    // of a millisecond would be a zero-length sleep repeated until the deadline (a busy loop).
    std::this_thread::sleep_for(std::min<Clock::duration>(end - now, slice));
  }
}

}  // namespace intake
