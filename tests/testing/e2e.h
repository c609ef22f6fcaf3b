// End-to-end helpers: start intake-sim, run the intake binary, inspect a workspace file.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "testing/process.h"
#include "testing/support.h"

struct sqlite3;

namespace intake::testing {

// A running simulator; stopped when destroyed.
struct Simulator {
  std::unique_ptr<Process> process;
  std::string url;     // "https://127.0.0.1:PORT"
  std::string domain;  // "127.0.0.1:PORT"
};

// Starts `intake-sim <args...>` and waits for its "listening url=" line (15 s at most).
Simulator start_simulator(const std::vector<std::string>& args, const std::filesystem::path& log_dir);

// Runs `intake <args...>` to completion.
RunResult run_intake(const std::vector<std::string>& args, const std::filesystem::path& log_dir,
                     std::chrono::milliseconds deadline = std::chrono::seconds(180));

// One line of a simulator's /_sim/requests log (API requests, in arrival order).
struct SimRequest {
  std::string method;
  std::string target;  // path and query string as received
  int status = 0;
  int64_t ts_ms = 0;   // arrival on the simulator's clock
};

// GET <sim.url><path> (trusting `ca_file`); throws on a transport error.
std::string sim_get(const Simulator& sim, const std::string& path, const std::string& ca_file);
std::vector<SimRequest> sim_requests(const Simulator& sim, const std::string& ca_file);

// Read-only queries on a workspace file (SQLite), for assertions.
class WorkspaceFile {
 public:
  explicit WorkspaceFile(const std::filesystem::path& path);
  ~WorkspaceFile();
  int64_t scalar(const std::string& sql) const;  // first column of the first row; -1 on error
  std::vector<std::string> column(const std::string& sql) const;
  bool has_table(const std::string& name) const;

 private:
  ::sqlite3* db_ = nullptr;
};

}  // namespace intake::testing
