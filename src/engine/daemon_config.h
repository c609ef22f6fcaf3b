// The file of `intake run --config intake.yaml`: the workspace, the HTTP listener, scheduler
// settings and the connector instances. Every option is declared once (kDaemonKeys,
// kConnectorKeys in daemon_config.cpp: name, meaning, default), unknown keys are errors, and all
// errors are reported at once with their YAML path ("intake.yaml:/connectors/2/schedule: ...").
//
//   workspace: ./intake.db
//   listen: 127.0.0.1:8642
//   bearerToken: ${INTAKE_API_TOKEN}
//   connectors:
//     - name: jira-prod
//       package: atlassian-jira-audit
//       parameters: { domain: example.atlassian.net, username: soc@example.com, password: ${JIRA_TOKEN} }
//       schedule: "0 */5 * * * ?"
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ccp/placeholders.h"
#include "core/error.h"
#include "core/value.h"
#include "engine/cron.h"
#include "engine/expand_env.h"

namespace intake::engine {

enum class LogLevel { Debug, Info, Warn, Error };
std::optional<LogLevel> parse_log_level(std::string_view text);
const char* log_level_name(LogLevel l);

struct ConnectorInstanceConfig {
  std::string name;
  std::string package;                 // resolved folder or definition file
  ccp::Params parameters;              // ${ENV} already expanded
  std::optional<CronSchedule> schedule;  // none: every queryWindowInMin
  // Where the first window starts when the instance has no checkpoint: an instant, or a
  // duration before the daemon starts ("7d"). None: one window before now.
  std::optional<DateTime> start;
  std::string start_text;              // as written, to tell a changed start on reload
  bool enabled = true;
  std::optional<LogLevel> log_level;
  std::optional<int64_t> max_lookback_ticks;  // overrides the daemon's
  int windows_per_run = 0;             // 0: poll until caught up on every run
  std::string connection;              // only this connection of a multi-connection definition

  // True when running the instance again after a reload would behave differently.
  bool same_as(const ConnectorInstanceConfig& o) const;
};

struct DaemonConfig {
  std::string path;                    // the file it was read from
  std::string workspace = "intake.db";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8642;
  std::string bearer_token;
  int workers = 4;
  int64_t max_lookback_ticks = 7 * kTicksPerDay;
  int64_t max_jitter_ticks = 10 * kTicksPerSecond;
  int64_t health_summary_ticks = kTicksPerHour;
  int64_t shutdown_grace_ticks = 8 * kTicksPerSecond;
  LogLevel log_level = LogLevel::Info;
  std::string ca_file;
  std::vector<ConnectorInstanceConfig> connectors;
};

struct DaemonConfigOptions {
  EnvLookup env = process_env;
  // Where bare package names ("atlassian-jira-audit") are looked up when they are not a path
  // relative to the config file's folder.
  std::string connectors_dir;
  DateTime now{};                       // anchors relative starts ("7d")
};

// Reads and validates the file without any network or workspace I/O. Relative paths are resolved
// against the config file's folder. Errors are "<file>:<yaml path>", one per problem.
std::expected<DaemonConfig, std::vector<Error>> load_daemon_config(const std::string& path,
                                                                   const DaemonConfigOptions& options = {});

// Same, from text (tests); `path` names the source in errors and anchors relative paths.
std::expected<DaemonConfig, std::vector<Error>> parse_daemon_config(const std::string& text, const std::string& path,
                                                                    const DaemonConfigOptions& options = {});

}  // namespace intake::engine
