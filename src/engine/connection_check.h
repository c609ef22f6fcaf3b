// `intake test`: the "Test Connection" of a package with parameters. One authenticated request for
// the most recent window's first page, and a verdict that names the precise failure: DNS, connect,
// TLS, the token endpoint, an HTTP status with the server's message, or a body the definition's
// JSON paths cannot read.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ccp/placeholders.h"
#include "core/error.h"
#include "core/time.h"

namespace intake::engine {

struct CheckOptions {
  std::string package_path;
  ccp::Params params;
  std::string connection;  // default: the first active connection
  std::string ca_file;
  Clock clock = system_now;
};

struct CheckResult {
  bool ok = false;
  std::string connection;
  std::string request;       // "GET https://host/path" (query string removed)
  int status = 0;            // HTTP status, 0 when no answer came
  int64_t events = 0;        // events in the page
  std::chrono::milliseconds elapsed{0};
  std::string stage;         // on failure: config | auth | transport | http | response
  std::string message;       // on failure: what went wrong (secrets removed)
};

// Config problems (package, parameters) are returned as errors; everything that happens on the
// network is a CheckResult.
std::expected<CheckResult, std::vector<Error>> check_connection(const CheckOptions& options);

}  // namespace intake::engine
