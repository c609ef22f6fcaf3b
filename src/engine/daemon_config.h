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
#include "receive/bearer.h"

namespace intake::engine {

enum class LogLevel { Debug, Info, Warn, Error };
std::optional<LogLevel> parse_log_level(std::string_view text);
const char* log_level_name(LogLevel l);

// Where a source's rows go: "workspace" (the embedded tables) or a configured destination.
struct Route {
  std::string destination;
  std::string dcr_immutable_id;  // azure-monitor: the rule to send to (default: the destination's)
  bool operator==(const Route&) const = default;
};

// A remote destination (destinations: in intake.yaml). Rows reach it through the spool.
struct DestinationConfig {
  std::string name;
  std::string type;                   // "azure-monitor" | "postgres"
  // azure-monitor: the Logs Ingestion API of a DCE (or a DCR's own endpoint).
  std::string endpoint;
  std::string dcr_immutable_id;       // default rule of the connectors routed here
  std::string tenant_id, client_id, client_secret;
  std::string authority_host = "https://login.microsoftonline.com";
  std::string scope = "https://monitor.azure.com//.default";
  std::string token;                  // a static bearer token instead of client credentials
  int concurrency = 2;                // requests in flight
  int64_t max_request_bytes = 1'000'000;  // uncompressed JSON per request (the service's limit is 1 MiB)
  // postgres
  std::string connection;             // libpq connection string
  std::string schema = "public";
  // both
  int64_t spool_max_bytes = int64_t{1} << 30;  // above this the sources routed here are held back
  int64_t max_backoff_ticks = 60 * kTicksPerSecond;
};

struct DataCollectorConfig {
  std::string workspace_id;
  std::vector<std::string> shared_keys;
  int64_t max_skew_ticks = 15 * kTicksPerMinute;
  struct Mapping {
    std::string log_type, package, stream;
  };
  std::vector<Mapping> log_types;
  std::vector<Route> destinations;
};

struct IngestionRuleConfig {
  std::string immutable_id;
  std::string package;
  std::vector<Route> destinations;
};

struct LogsIngestionConfig {
  std::vector<receive::StaticToken> tokens;
  std::optional<receive::JwtOptions> jwt;
  std::vector<IngestionRuleConfig> rules;
};

struct WebhookConfig {
  std::string name;
  std::string package;
  std::vector<std::string> tokens;
  ccp::Params parameters;             // for the package's actions (vendor credentials)
  std::vector<Route> destinations;
};

struct ReceiversConfig {
  std::optional<std::pair<std::string, uint16_t>> listen;  // default: the daemon's listener
  int max_connections = 512;
  int threads = 4;
  int64_t read_timeout_ticks = 30 * kTicksPerSecond;
  std::optional<DataCollectorConfig> data_collector;
  std::optional<LogsIngestionConfig> logs_ingestion;
  std::vector<WebhookConfig> webhooks;
  bool any() const { return data_collector || logs_ingestion || !webhooks.empty(); }
};

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
  std::vector<Route> destinations;     // empty: the workspace

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
  std::string tls_cert, tls_key;       // serve HTTPS on the listeners
  std::vector<ConnectorInstanceConfig> connectors;
  ReceiversConfig receivers;
  std::vector<DestinationConfig> destinations;
  const DestinationConfig* destination(std::string_view name) const;
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
