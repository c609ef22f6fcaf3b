#include <iostream>

#include "cli/commands.h"
#include "cli/time_arg.h"
#include "engine/expand_env.h"
#include "engine/instance_config.h"
#include "engine/poll_job.h"

namespace intake::cli {

int run_poll(const PollArgs& args) {
  engine::PollJobOptions opt;
  if (!args.config.empty()) {
    auto cfg = engine::load_instance_config(args.config);
    if (!cfg) {
      for (const auto& e : cfg.error()) std::cerr << "error: " << e.str() << "\n";
      return kExitConfig;
    }
    opt.package_path = cfg->package;
    opt.params = cfg->parameters;
    opt.instance_name = cfg->name;
    opt.workspace_path = cfg->workspace;
    opt.from = cfg->start;
    opt.ca_file = cfg->ca_file;
  }
  if (!args.package.empty()) opt.package_path = args.package;
  if (opt.package_path.empty()) {
    std::cerr << "error: no package: give a package folder or definition file, or 'package' in --config\n";
    return kExitUsage;
  }
  for (const auto& p : args.params) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "error: --param " << p << ": expected NAME=VALUE\n";
      return kExitUsage;
    }
    auto value = engine::expand_env(p.substr(eq + 1));
    if (!value) {
      std::cerr << "error: --param " << p.substr(0, eq) << ": " << value.error().message << "\n";
      return kExitConfig;
    }
    opt.params[p.substr(0, eq)] = *value;
  }
  if (!args.workspace.empty()) opt.workspace_path = args.workspace;
  if (!args.name.empty()) opt.instance_name = args.name;
  opt.connection = args.connection;
  if (!args.ca_file.empty()) opt.ca_file = args.ca_file;
  DateTime now = system_now();
  if (!args.from.empty()) {
    opt.from = parse_time_arg(args.from, now);
    if (!opt.from) {
      std::cerr << "error: --from " << args.from << ": expected an ISO 8601 date-time or a duration such as 7d\n";
      return kExitUsage;
    }
  }
  if (!args.to.empty()) {
    opt.to = parse_time_arg(args.to, now);
    if (!opt.to) {
      std::cerr << "error: --to " << args.to << ": expected an ISO 8601 date-time or a duration such as 1h\n";
      return kExitUsage;
    }
  }
  if (opt.from && opt.to && *opt.to <= *opt.from) {
    std::cerr << "error: --to must be later than --from\n";
    return kExitUsage;
  }
  if (!args.dry_run && opt.workspace_path.empty()) {
    std::cerr << "error: --workspace FILE is required (or --dry-run)\n";
    return kExitUsage;
  }
  opt.once = args.once;
  opt.dry_run = args.dry_run;
  opt.reset = args.reset;
  opt.stop_requested = [] { return g_stop.load(); };
  auto result = engine::run_poll_job(opt);
  if (!result) {
    for (const auto& e : result.error().errors) std::cerr << "error: " << e.str() << "\n";
    return result.error().kind == engine::JobFailure::Config ? kExitConfig : kExitRuntime;
  }
  const auto& r = *result;
  std::ostream& out = args.dry_run ? std::cerr : std::cout;
  out << "done windows=" << r.stats.windows << " pages=" << r.stats.pages << " events=" << r.stats.events
      << " rows=" << r.sink.rows_written << " duplicates=" << r.sink.duplicates_dropped << " requests=" << r.stats.requests
      << " retries=" << r.stats.retries << (r.stats.interrupted ? " interrupted" : "") << std::endl;
  return kExitOk;
}

}  // namespace intake::cli
