#include "engine/daemon_config.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "core/time.h"
#include "engine/config_reader.h"

namespace intake::engine {

namespace fs = std::filesystem;

namespace {

using config::KeySpec;
using config::find_key;
using config::key_list;

// Every key, declared once: name and what it expects (the README documents the same list).

const KeySpec kDaemonKeys[] = {
    {"workspace", "a path to the workspace SQLite file (created if missing)"},
    {"listen", "host:port of the status page, API and /metrics (default 127.0.0.1:8642)"},
    {"bearerToken", "a token the HTTP API and page require as 'Authorization: Bearer <token>'"},
    {"workers", "the number of polls that may run at once (1 to 256)"},
    {"maxLookback", "a duration such as 7d: older windows missed while stopped are skipped"},
    {"maxJitter", "a duration: the largest delay added to an instance's schedule (spreads load)"},
    {"healthSummaryInterval", "a duration between 'Data fetch failure summary' health rows"},
    {"shutdownGrace", "a duration a stop signal waits for running polls to commit"},
    {"logLevel", "debug, info, warn or error"},
    {"tls", "a mapping with caFile, cert and key"},
    {"connectors", "a list of connector instances"},
    {"receivers", "a mapping with dataCollector, logsIngestion, webhooks, listen, ..."},
    {"destinations", "a list of remote destinations (azure-monitor, postgres)"},
};

const KeySpec kConnectorKeys[] = {
    {"name", "a unique instance name (its checkpoint key)"},
    {"package", "a package folder or definition file, or the name of a shipped package"},
    {"parameters", "a mapping of the definition's parameters to values (${ENV} allowed)"},
    {"schedule", "a Quartz cron expression with seconds (6 or 7 fields)"},
    {"start", "an ISO 8601 date-time or a duration before now (7d): the first window start"},
    {"enabled", "true or false"},
    {"logLevel", "debug, info, warn or error"},
    {"maxLookback", "a duration overriding the daemon's maxLookback"},
    {"windowsPerRun", "the most windows one scheduled run polls (0: until caught up)"},
    {"connection", "the one connection of a multi-connection definition to run"},
    {"destinations", "a list of destinations: workspace, or the name of one under destinations:"},
};

struct Reader : config::Reader {
  void connector(const YAML::Node& node, const std::string& path, DaemonConfig& cfg) {
    if (!node.IsMap()) {
      error(path, "expected a mapping with name, package, parameters, ...");
      return;
    }
    ConnectorInstanceConfig c;
    bool has_name = false, has_package = false;
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      std::string p = path + "/" + key;
      const YAML::Node& v = kv.second;
      const KeySpec* spec = find_key(kConnectorKeys, key);
      if (!spec) {
        error(p, "unknown key (expected one of " + key_list(kConnectorKeys) + ")");
        continue;
      }
      if (key == "name") {
        if (auto s = string(v, p, *spec)) {
          has_name = true;
          c.name = *s;
          bool ok = !s->empty();
          for (char ch : *s) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.');
          if (!ok) error(p, "expected a name of letters, digits, '-', '_' and '.', got '" + *s + "'");
        }
      } else if (key == "package") {
        if (auto s = string(v, p, *spec)) {
          has_package = true;
          std::string resolved = resolve(*s);
          bool bare = s->find('/') == std::string::npos;
          if (!fs::exists(resolved) && bare && !options.connectors_dir.empty() &&
              fs::exists(fs::path(options.connectors_dir) / *s)) {
            resolved = (fs::path(options.connectors_dir) / *s).string();
          }
          if (!fs::exists(resolved)) error(p, "no package folder or definition file at '" + *s + "'");
          c.package = resolved;
        }
      } else if (key == "parameters") {
        if (!v.IsMap()) {
          error(p, std::string("expected ") + spec->expects);
          continue;
        }
        for (const auto& pv : v) {
          std::string name = pv.first.as<std::string>();
          if (!pv.second.IsScalar()) {
            error(p + "/" + name, "expected a string value");
            continue;
          }
          auto expanded = expand_env(pv.second.Scalar(), options.env);
          if (!expanded) {
            error(p + "/" + name, expanded.error().message);
            continue;
          }
          c.parameters[name] = *expanded;
        }
      } else if (key == "schedule") {
        if (auto s = string(v, p, *spec)) {
          auto cron = CronSchedule::parse(*s);
          if (!cron) error(p, cron.error().str());
          else c.schedule = *cron;
        }
      } else if (key == "start") {
        if (auto s = string(v, p, *spec)) {
          c.start_text = *s;
          if (auto t = parse_datetime(*s)) {
            c.start = *t;
          } else if (auto d = parse_duration(*s)) {
            c.start = DateTime{options.now.ticks - *d};
          } else {
            error(p, std::string("expected ") + spec->expects + ", got '" + *s + "'");
          }
        }
      } else if (key == "enabled") {
        if (auto b = boolean(v, p, *spec)) c.enabled = *b;
      } else if (key == "logLevel") {
        c.log_level = level(v, p, *spec);
      } else if (key == "maxLookback") {
        c.max_lookback_ticks = duration(v, p, *spec);
      } else if (key == "windowsPerRun") {
        if (auto n = integer(v, p, *spec, 0, 1'000'000)) c.windows_per_run = static_cast<int>(*n);
      } else if (key == "connection") {
        if (auto s = string(v, p, *spec)) c.connection = *s;
      } else if (key == "destinations") {
        c.destinations = config::read_routes(*this, v, p);
      }
    }
    if (!has_name) error(path, "missing 'name'");
    if (!has_package) error(path, "missing 'package'");
    cfg.connectors.push_back(std::move(c));
  }

  // Every route names the workspace or a configured destination.
  void check_routes(const DaemonConfig& cfg) {
    auto check = [&](const std::vector<Route>& routes, const std::string& path) {
      for (size_t i = 0; i < routes.size(); ++i) {
        const auto& r = routes[i];
        if (r.destination == "workspace") continue;
        const DestinationConfig* d = cfg.destination(r.destination);
        if (!d) {
          error(path + "/" + std::to_string(i), "no destination named '" + r.destination + "' (expected workspace or a name under destinations:)");
        } else if (d->type == "azure-monitor" && r.dcr_immutable_id.empty() && d->dcr_immutable_id.empty()) {
          error(path + "/" + std::to_string(i), "destination '" + r.destination + "' needs a dcrImmutableId (here or on the destination)");
        }
      }
    };
    for (size_t i = 0; i < cfg.connectors.size(); ++i) check(cfg.connectors[i].destinations, "/connectors/" + std::to_string(i) + "/destinations");
    const auto& rc = cfg.receivers;
    if (rc.data_collector) check(rc.data_collector->destinations, "/receivers/dataCollector/destinations");
    if (rc.logs_ingestion) {
      for (size_t i = 0; i < rc.logs_ingestion->rules.size(); ++i) {
        check(rc.logs_ingestion->rules[i].destinations, "/receivers/logsIngestion/rules/" + std::to_string(i) + "/destinations");
      }
    }
    for (size_t i = 0; i < rc.webhooks.size(); ++i) check(rc.webhooks[i].destinations, "/receivers/webhooks/" + std::to_string(i) + "/destinations");
  }

  void root(const YAML::Node& root, DaemonConfig& cfg) {
    if (!root.IsMap()) {
      error("/", "expected a mapping with workspace, listen, connectors, ...");
      return;
    }
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      std::string p = "/" + key;
      const YAML::Node& v = kv.second;
      const KeySpec* spec = find_key(kDaemonKeys, key);
      if (!spec) {
        error(p, "unknown key (expected one of " + key_list(kDaemonKeys) + ")");
        continue;
      }
      if (key == "workspace") {
        if (auto s = string(v, p, *spec)) cfg.workspace = resolve(*s);
      } else if (key == "listen") {
        if (auto s = string(v, p, *spec)) {
          auto colon = s->rfind(':');
          int port = -1;
          if (colon != std::string::npos) {
            auto [q, ec] = std::from_chars(s->data() + colon + 1, s->data() + s->size(), port);
            if (ec != std::errc() || q != s->data() + s->size()) port = -1;
          }
          std::string host = colon == std::string::npos ? "" : s->substr(0, colon);
          if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
          if (host.empty() || port < 0 || port > 65535) {
            error(p, std::string("expected host:port such as 127.0.0.1:8642, got '") + *s + "'");
          } else {
            cfg.listen_host = host;
            cfg.listen_port = static_cast<uint16_t>(port);
          }
        }
      } else if (key == "bearerToken") {
        if (auto s = string(v, p, *spec)) {
          if (s->size() < 8) error(p, "expected a token of at least 8 characters");
          else cfg.bearer_token = *s;
        }
      } else if (key == "workers") {
        if (auto n = integer(v, p, *spec, 1, 256)) cfg.workers = static_cast<int>(*n);
      } else if (key == "maxLookback") {
        if (auto d = duration(v, p, *spec)) cfg.max_lookback_ticks = *d;
      } else if (key == "maxJitter") {
        auto s = string(v, p, *spec);
        if (s && *s == "0") cfg.max_jitter_ticks = 0;
        else if (s) {
          auto d = parse_duration(*s);
          if (!d) error(p, std::string("expected ") + spec->expects + ", got '" + *s + "'");
          else cfg.max_jitter_ticks = *d;
        }
      } else if (key == "healthSummaryInterval") {
        if (auto d = duration(v, p, *spec)) cfg.health_summary_ticks = *d;
      } else if (key == "shutdownGrace") {
        if (auto d = duration(v, p, *spec)) cfg.shutdown_grace_ticks = *d;
      } else if (key == "logLevel") {
        if (auto l = level(v, p, *spec)) cfg.log_level = *l;
      } else if (key == "tls") {
        if (!v.IsMap()) {
          error(p, std::string("expected ") + spec->expects);
          continue;
        }
        static const KeySpec kTlsKeys[] = {{"caFile", "a path to a PEM bundle of extra CAs to trust (outgoing requests)"},
                                           {"cert", "a path to the PEM certificate (chain) the listeners serve HTTPS with"},
                                           {"key", "a path to the PEM private key of cert"}};
        each_key(v, p, kTlsKeys, [&](const std::string& k, const std::string& kp, const YAML::Node& tv, const KeySpec& ks) {
          auto s = string(tv, kp, ks);
          if (!s) return;
          std::string file = resolve(*s);
          if (!fs::exists(file)) error(kp, "no such file '" + *s + "'");
          if (k == "caFile") cfg.ca_file = file;
          else if (k == "cert") cfg.tls_cert = file;
          else cfg.tls_key = file;
        });
        if (cfg.tls_cert.empty() != cfg.tls_key.empty()) error(p, "cert and key go together");
      } else if (key == "connectors") {
        if (v.IsNull()) continue;
        if (!v.IsSequence()) {
          error(p, std::string("expected ") + spec->expects);
          continue;
        }
        for (size_t i = 0; i < v.size(); ++i) connector(v[i], p + "/" + std::to_string(i), cfg);
      } else if (key == "receivers") {
        config::read_receivers(*this, v, p, cfg.receivers);
      } else if (key == "destinations") {
        config::read_destinations(*this, v, p, cfg.destinations);
      }
    }
    check_routes(cfg);
    std::set<std::string> names;
    for (size_t i = 0; i < cfg.connectors.size(); ++i) {
      const auto& c = cfg.connectors[i];
      if (!c.name.empty() && !names.insert(c.name).second) {
        error("/connectors/" + std::to_string(i) + "/name", "duplicate instance name '" + c.name + "'");
      }
    }
  }
};

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::Debug;
  if (text == "info") return LogLevel::Info;
  if (text == "warn" || text == "warning") return LogLevel::Warn;
  if (text == "error") return LogLevel::Error;
  return std::nullopt;
}

const char* log_level_name(LogLevel l) {
  switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

const DestinationConfig* DaemonConfig::destination(std::string_view name) const {
  for (const auto& d : destinations) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

bool ConnectorInstanceConfig::same_as(const ConnectorInstanceConfig& o) const {
  auto sched = [](const std::optional<CronSchedule>& s) { return s ? s->text() : std::string(); };
  return name == o.name && package == o.package && parameters == o.parameters && sched(schedule) == sched(o.schedule) &&
         start_text == o.start_text && enabled == o.enabled && log_level == o.log_level &&
         max_lookback_ticks == o.max_lookback_ticks && windows_per_run == o.windows_per_run && connection == o.connection &&
         destinations == o.destinations;
}

std::expected<DaemonConfig, std::vector<Error>> parse_daemon_config(const std::string& text, const std::string& path,
                                                                    const DaemonConfigOptions& options) {
  YAML::Node root;
  // yaml-cpp reports problems by exception; this is its boundary.
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return std::unexpected(std::vector<Error>{
        Error(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1), "invalid YAML: " + e.msg)});
  }
  DaemonConfig cfg;
  cfg.path = path;
  cfg.workspace = (fs::path(path).parent_path() / "intake.db").lexically_normal().string();
  Reader r{{path, options, {}}};
  try {
    r.root(root, cfg);
  } catch (const YAML::Exception& e) {
    r.errors.emplace_back(path + ":" + std::to_string(e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  if (!r.errors.empty()) return std::unexpected(std::move(r.errors));
  return cfg;
}

std::expected<DaemonConfig, std::vector<Error>> load_daemon_config(const std::string& path,
                                                                   const DaemonConfigOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::unexpected(std::vector<Error>{Error(path, "cannot read the file")});
  std::string text;
  {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return std::unexpected(std::vector<Error>{Error(path, "cannot read the file")});
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return parse_daemon_config(text, path, options);
}

}  // namespace intake::engine
