// The commands of the intake binary. main.cpp parses arguments (CLI11) and calls these; each
// returns the process exit code: 0 ok, 1 runtime failure, 2 usage, 78 invalid configuration.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace intake::cli {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConfig = 78;  // EX_CONFIG

// Set by SIGINT/SIGTERM; long-running commands finish the current page and stop.
extern std::atomic<bool> g_stop;

struct ValidateArgs {
  std::vector<std::string> paths;
  bool quiet_warnings = false;
};
int run_validate(const ValidateArgs& args);

struct PollArgs {
  std::string package;
  std::vector<std::string> params;  // "name=value"
  std::string config;
  std::string workspace;
  std::string name;
  std::string connection;
  std::string from;
  std::string to;
  bool once = false;
  bool dry_run = false;
  bool reset = false;
  std::string ca_file;
};
int run_poll(const PollArgs& args);

struct QueryArgs {
  std::string query;
  std::vector<std::string> packages;  // packages whose stored functions queries may call
  std::string workspace = "intake.db";
  std::string format;  // table | json | csv; default: table on a terminal, json otherwise
  int64_t max_rows = 1'000'000;
};
int run_query(const QueryArgs& args);

struct DemoArgs {
  std::string workspace = "demo-workspace.db";
  int records = 5000;
  int hours = 6;
};
int run_demo(const DemoArgs& args);

struct RunArgs {
  std::string config = "intake.yaml";
  std::string log_format = "text";  // text | json
};
int run_daemon(const RunArgs& args);

struct TestArgs {
  std::string package;
  std::vector<std::string> params;
  std::string connection;
  std::string ca_file;
};
int run_test(const TestArgs& args);

struct ActionArgs {
  std::string target;   // instance or webhook name (with --config), or a package folder
  std::string action;   // empty: list the actions
  std::vector<std::string> params;
  std::string config;
  std::string ca_file;
  bool list = false;
};
int run_action(const ActionArgs& args);

struct BackfillArgs {
  std::string name;
  std::string config = "intake.yaml";
  std::string from;
  std::string to;
};
int run_backfill(const BackfillArgs& args);

// Directory of the running executable (to find intake-sim and the shipped connectors).
std::string executable_dir();
// The shipped connectors folder: $INTAKE_CONNECTORS, ./connectors, or beside the executable.
std::optional<std::string> connectors_dir();

}  // namespace intake::cli
