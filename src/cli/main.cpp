// intake: argument parsing only; every command lives in its own file.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "cli/commands.h"

namespace intake::cli {
std::atomic<bool> g_stop{false};
}

namespace {
void on_signal(int) { intake::cli::g_stop = true; }
}  // namespace

int main(int argc, char** argv) {
  using namespace intake::cli;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"intake: runs Sentinel Codeless Connector definitions and writes their events to log tables"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "intake 0.1.0");

  ValidateArgs va;
  auto* validate = app.add_subcommand("validate", "Check connector packages or definition files; exit 78 on errors");
  validate->add_option("paths", va.paths, "Package folders or definition files")->required();
  validate->add_flag("--no-warnings", va.quiet_warnings, "Print errors only");

  PollArgs pa;
  auto* poll = app.add_subcommand("poll", "Run one connector: poll its windows into the workspace");
  poll->add_option("package", pa.package, "Package folder or definition file (or 'package' in --config)");
  poll->add_option("--param,-p", pa.params, "Parameter NAME=VALUE (values may use ${ENV_VAR})");
  poll->add_option("--config", pa.config, "Instance YAML file (name, package, workspace, parameters, start, tls)");
  poll->add_option("--workspace,-w", pa.workspace, "Workspace SQLite file");
  poll->add_option("--name", pa.name, "Instance name, the key of its checkpoint (default: the package name)");
  poll->add_option("--connection", pa.connection, "Run only this connection of a multi-connection definition");
  poll->add_option("--from", pa.from, "First window start when there is no checkpoint (ISO 8601, or 7d/12h/30m ago)");
  poll->add_option("--to", pa.to, "Stop at this point (ISO 8601, or a duration ago)");
  poll->add_flag("--once", pa.once, "Stop when caught up with now instead of polling on schedule");
  poll->add_flag("--dry-run", pa.dry_run, "Print events as NDJSON and write nothing");
  poll->add_flag("--reset", pa.reset, "Forget the instance's checkpoint first");
  poll->add_option("--ca-file", pa.ca_file, "Extra CA bundle (PEM) to trust for HTTPS");

  QueryArgs qa;
  auto* query = app.add_subcommand("query", "Run a KQL query over the workspace tables");
  query->add_option("query", qa.query, "The KQL query, e.g. 'AtlassianJiraAudit_CL | summarize count() by category'")->required();
  query->add_option("--workspace,-w", qa.workspace, "Workspace SQLite file")->capture_default_str();
  query->add_option("--format,-f", qa.format, "table, json (NDJSON) or csv; default: table on a terminal, json otherwise")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  query->add_option("--package", qa.packages,
                    "Package folder whose functions/*.kql queries may call (default: every shipped package)");
  query->add_option("--max-rows", qa.max_rows, "Fail instead of returning more rows than this")->capture_default_str();

  DemoArgs da;
  auto* demo = app.add_subcommand("demo", "Start the bundled Jira simulator, poll it into a workspace, print results");
  demo->add_option("--workspace", da.workspace, "Workspace file to create")->capture_default_str();
  demo->add_option("--records", da.records, "Audit records the simulator serves")->capture_default_str()->check(CLI::Range(1, 10'000'000));
  demo->add_option("--hours", da.hours, "Hours of history to backfill")->capture_default_str()->check(CLI::Range(1, 24 * 30));

  RunArgs ra;
  auto* run = app.add_subcommand("run", "Run the daemon: every connector on its schedule, status page, API and /metrics");
  run->add_option("--config,-c", ra.config, "Daemon YAML file (workspace, listen, connectors, ...)")->capture_default_str();
  run->add_option("--log-format", ra.log_format, "Log lines as key=value text or JSON")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  TestArgs ta;
  auto* test = app.add_subcommand("test", "Test a connection: one authenticated request, and the precise failure if any");
  test->add_option("package", ta.package, "Package folder or definition file")->required();
  test->add_option("--param,-p", ta.params, "Parameter NAME=VALUE (values may use ${ENV_VAR})");
  test->add_option("--connection", ta.connection, "Test this connection of a multi-connection definition");
  test->add_option("--ca-file", ta.ca_file, "Extra CA bundle (PEM) to trust for HTTPS");

  BackfillArgs ba;
  auto* backfill = app.add_subcommand("backfill", "Poll a past range for one instance of the daemon's config, with progress");
  backfill->add_option("name", ba.name, "Instance name (connectors[].name in the config)")->required();
  backfill->add_option("--config,-c", ba.config, "Daemon YAML file")->capture_default_str();
  backfill->add_option("--from", ba.from, "Start of the range (ISO 8601, or 7d/12h/30m ago)")->required();
  backfill->add_option("--to", ba.to, "End of the range (ISO 8601, or a duration ago; default: now)");

  ActionArgs aa;
  auto* action = app.add_subcommand("action", "Run one of a package's actions (actions.json), or list them");
  action->add_option("target", aa.target, "Package folder, or an instance or webhook of --config")->required();
  action->add_option("action", aa.action, "The action's name (omit to list the actions)");
  action->add_option("--param,-p", aa.params, "Parameter NAME=VALUE: the action's, or the package's (values may use ${ENV_VAR})");
  action->add_option("--config,-c", aa.config, "Daemon YAML file whose instance or webhook `target` names");
  action->add_option("--ca-file", aa.ca_file, "Extra CA bundle (PEM) to trust for HTTPS");
  action->add_flag("--list", aa.list, "List the package's actions and their parameters");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  try {
    if (*validate) return run_validate(va);
    if (*poll) return run_poll(pa);
    if (*demo) return run_demo(da);
    if (*query) return run_query(qa);
    if (*run) return run_daemon(ra);
    if (*test) return run_test(ta);
    if (*backfill) return run_backfill(ba);
    if (*action) return run_action(aa);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitRuntime;
  }
  return kExitUsage;
}
