// The poll loop of one connector instance (Vector's http_client model): it owns the windows,
// the request/retry/backoff cycle, the rate limit, paging and decoding; strategies (auth,
// paging) come from the definition. Every page is handed to a PageSink together with the
// checkpoint that covers it, so the sink can commit both at once.
#pragma once

#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "auth/authenticator.h"
#include "ccp/definition.h"
#include "core/time.h"
#include "http/client.h"
#include "http/retry.h"
#include "poll/checkpoint.h"
#include "poll/rate_limiter.h"

namespace intake::poll {

struct Page {
  Window window;
  int64_t number = 0;                             // 1-based within the window
  std::span<const simdjson::dom::element> events; // valid only during PageSink::write
  Checkpoint checkpoint;                          // the state to commit with these events
  bool window_complete = false;                   // the last page of the window
};

class PageSink {
 public:
  virtual ~PageSink() = default;
  // Writes the page's events and its checkpoint atomically. An error stops the poll; nothing of
  // that page counts as done. A sink may commit asynchronously, returning before the page is
  // durable; an error of that commit then surfaces from the next write() or from flush().
  virtual Status write(const Page& page) = 0;
  // Waits until every page written so far is durable. The poller calls it at the end of each
  // window and of each run.
  virtual Status flush() { return {}; }
};

struct WindowSummary {
  Window window;
  int64_t pages = 0;
  int64_t events = 0;
  int64_t retries = 0;
  std::chrono::milliseconds elapsed{0};
};

// A window's length: queryWindowInMin, no longer than the definition's maxWindowInMin.
int64_t window_ticks(const ccp::Definition& def);
// The oldest window start the API can still answer for (maxAgeInMin, less a margin so the first
// window is still inside the age when its request goes out), or nullopt without maxAgeInMin.
std::optional<DateTime> oldest_readable(const ccp::Definition& def, DateTime now);

struct PollOptions {
  DateTime initial_start;                   // first window start when there is no checkpoint
  std::optional<DateTime> until;            // stop once windows reach this point (--to)
  Clock clock = system_now;
  // Sleeps for a delay; returns false when the poll must stop (shutdown). Tests inject a fake.
  std::function<bool(std::chrono::milliseconds)> sleep;
  std::function<bool()> stop_requested;     // checked between pages
  std::function<void(const WindowSummary&)> on_window;
  http::BackoffPolicy backoff;              // max_retries comes from the definition's retryCount
  uint64_t jitter_seed = 0;
  // A rate limit shared with other pollers (the requests of one connector's nested steps);
  // none: the definition's own rateLimitQPS for this poller.
  std::shared_ptr<RateLimiter> shared_limiter;
  // Runs between decoding a page and writing it (nested steps): returns the events to write
  // instead, valid until its next call. An error fails the window (nothing of it is checkpointed).
  std::function<Result<std::span<const simdjson::dom::element>>(std::span<const simdjson::dom::element> events,
                                                                 const Window& window)>
      expand;
};

struct PollStats {
  int64_t windows = 0;
  int64_t pages = 0;
  int64_t events = 0;
  int64_t requests = 0;
  int64_t retries = 0;
  bool interrupted = false;
};

class Poller {
 public:
  // `def` must be instantiated; `client` and `auth` must outlive the poller.
  static Result<std::unique_ptr<Poller>> create(const ccp::Definition& def, http::Client& client,
                                                auth::Authenticator& auth, PollOptions options);
  ~Poller();

  // Polls window after window from `from` until caught up with now (minus the window delay) or
  // `until`. A failed window stops the run with an error naming the connector, the request and
  // the reason; its rows are not checkpointed past the last committed page.
  Result<PollStats> run(const Checkpoint& from, PageSink& sink);
  // Polls every page of one window from its first page, with no checkpoint (nested steps use it).
  Result<WindowSummary> poll_one(const Window& window, PageSink& sink);
  // Requests sent and retries made so far.
  const PollStats& stats() const;

 private:
  struct Impl;
  explicit Poller(std::unique_ptr<Impl> impl);
  Result<PollStats> run_windows(const Checkpoint& from, PageSink& sink);
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake::poll
