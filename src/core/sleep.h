// An interruptible sleep: waits in short slices so a stop request (shutdown, SIGTERM) is seen
// within one slice, and sleeps the exact remainder at the end rather than spinning on it.
#pragma once

#include <chrono>
#include <functional>

namespace intake {

// Sleeps for d unless stop() turns true first. Returns false when stopped.
bool sleep_unless(std::chrono::milliseconds d, const std::function<bool()>& stop,
                  std::chrono::milliseconds slice = std::chrono::milliseconds(50));

}  // namespace intake
