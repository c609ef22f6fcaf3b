// The PageSink of a polled connector: events become stream rows (RowMapper), events already
// stored by an earlier window are dropped (SeenKeys), the rest go through the StreamRouter, and
// the rows, the page's new keys and the checkpoint are committed together through the
// WorkspaceWriter (exactly-once across kill -9). One page may be in flight while the poller
// fetches and maps the next; flush() waits for it.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/row_mapper.h"
#include "engine/seen_keys.h"
#include "engine/stream_router.h"
#include "engine/workspace_writer.h"
#include "json/jsonpath.h"
#include "poll/poller.h"
#include "sinks/workspace.h"

namespace intake::engine {

struct SinkStats {
  int64_t rows_written = 0;       // rows appended, summed over tables
  int64_t events_accepted = 0;
  int64_t duplicates_dropped = 0; // events already stored by an earlier window
};

class WorkspaceSink final : public poll::PageSink {
 public:
  // `dedup_key` selects the identity of an event (package's dedupKeyJsonPath); without it an
  // event's identity is its whole stream row. `writer` must outlive the sink.
  WorkspaceSink(WorkspaceWriter& writer, std::string instance, RowMapper mapper, StreamRouter router,
                std::optional<json::JsonPath> dedup_key, Clock clock = system_now);
  // A sink committing directly (on the caller's thread) into `workspace`, for one-off uses.
  WorkspaceSink(sinks::Workspace& workspace, std::string instance, RowMapper mapper, std::vector<OutputTable> outputs,
                std::optional<json::JsonPath> dedup_key, Clock clock = system_now);
  ~WorkspaceSink() override;

  Status write(const poll::Page& page) override;
  Status flush() override;
  // Back-pressure: while `busy` says the destinations are full, write() waits (checking `stop`,
  // which makes it give up with an error: the page is fetched again later).
  void hold_while(std::function<bool()> busy, std::function<bool()> stop) {
    busy_ = std::move(busy);
    stop_ = std::move(stop);
  }
  // Keys are remembered this long beyond the window that saw them (default: one window).
  void set_key_retention(int64_t ticks) { retention_ticks_ = ticks; }
  // Time write() spent waiting for the destinations.
  std::chrono::milliseconds held() const { return held_; }
  // Totals of committed pages.
  const SinkStats& stats() const { return stats_; }

 private:
  Status load_keys();

  std::unique_ptr<std::mutex> own_mutex_;
  std::unique_ptr<WorkspaceWriter> own_writer_;
  WorkspaceWriter& writer_;
  std::string instance_;
  RowMapper mapper_;
  StreamRouter router_;
  std::optional<json::JsonPath> dedup_key_;
  Clock clock_;
  SeenKeys seen_;
  SinkStats stats_;
  // The page in flight and what it adds to the totals once committed.
  std::optional<std::future<Status>> pending_;
  SinkStats pending_stats_;
  std::vector<Row> stream_rows_;
  std::vector<uint64_t> keys_;
  std::vector<bool> has_key_;  // the event carries the declared dedup key
  std::function<bool()> busy_, stop_;
  std::chrono::milliseconds held_{0};
  int64_t retention_ticks_ = 0;
};

}  // namespace intake::engine
