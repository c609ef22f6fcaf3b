// One connector instance polled from the command line (`intake poll`, `intake demo`): loads the
// package, binds parameters, opens the workspace, and runs the poller until caught up (--once,
// --to) or until stopped, printing a summary line per window.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "ccp/placeholders.h"
#include "core/time.h"
#include "engine/workspace_sink.h"
#include "poll/poller.h"

namespace intake::engine {

struct PollJobOptions {
  std::string package_path;
  ccp::Params params;
  std::string instance_name;             // checkpoint key; default: the package name
  std::string connection;                // run only the connection with this name (default: all)
  std::string workspace_path;
  std::optional<DateTime> from;          // first window start when there is no checkpoint
  std::optional<DateTime> to;            // stop at this point
  bool once = false;                     // stop when caught up with now
  bool dry_run = false;                  // print events as NDJSON, write nothing
  bool reset = false;                    // forget the checkpoint first
  std::string ca_file;
  std::ostream* out = nullptr;           // summaries (or NDJSON events with dry_run)
  std::ostream* log = nullptr;           // warnings and progress
  std::function<bool()> stop_requested;
  Clock clock = system_now;
  http::BackoffPolicy backoff;           // retry delays (max_retries comes from the definition)
};

struct PollJobResult {
  poll::PollStats stats;
  SinkStats sink;
};

enum class JobFailure { Config, Runtime };

struct JobError {
  JobFailure kind;
  std::vector<Error> errors;  // secrets already removed
};

// Config failures: the package, the parameters or the workspace cannot be used (exit 78).
// Runtime failures: a request or a write failed (exit 1).
std::expected<PollJobResult, JobError> run_poll_job(const PollJobOptions& options);

}  // namespace intake::engine
