// A remote destination: something that takes spooled entries and says which of them are stored.
// One implementation per kind (azure_monitor.cpp, postgres.cpp); the engine's DeliveryManager
// reads each destination's spool in order, hands entries over and removes what was stored.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "sinks/workspace.h"

namespace intake::sinks {

struct DeliveryReport {
  int64_t delivered_through = 0;  // every entry up to this sequence number is stored
  int64_t rows = 0;               // rows stored by this call
  int64_t requests = 0, retries = 0;
  // Entries the destination can never take (a record over the request limit, a payload the
  // service refuses as malformed): they are kept aside, with the reason, instead of blocking
  // everything behind them.
  struct Rejected {
    int64_t seq = 0;
    std::string payload;  // the records set aside (in the entry's encoding)
    std::string reason;
  };
  std::vector<Rejected> rejected;
};

struct DeliveryError {
  Error error;
  int status = 0;                // the last HTTP status (0: none or not HTTP)
  bool retryable = true;         // false: configuration errors that no retry fixes by itself
  int64_t delivered_through = 0; // progress made before the failure
  std::chrono::milliseconds retry_after{0};  // the destination asked to wait this long
};

class Destination {
 public:
  virtual ~Destination() = default;
  virtual const std::string& name() const = 0;
  // Prepares the destination (connects, creates tables) and returns the sequence number it has
  // already stored up to from the workspace `workspace_id` (databases that record it with the
  // rows), or 0.
  virtual Result<int64_t> open(const std::string& workspace_id) {
    (void)workspace_id;
    return int64_t{0};
  }
  // How much payload one deliver() call should get: what is handed over in one call is, after a
  // crash, what may be sent twice by destinations that cannot tell.
  virtual size_t batch_bytes() const { return 8 << 20; }
  // Stores the entries (in sequence order). On failure, `delivered_through` tells how far it got.
  virtual std::expected<DeliveryReport, DeliveryError> deliver(std::span<const SpooledEntry> entries) = 0;
};

}  // namespace intake::sinks
