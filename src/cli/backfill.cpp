// intake backfill: polls a past range for one instance of the daemon's config, with progress (a
// bar on a terminal, plain lines otherwise). Its checkpoint is separate from the live instance's
// ("<name>/backfill/<from>"), so an interrupted backfill resumes when run again with the same range.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/time_arg.h"
#include "engine/connector_runtime.h"
#include "engine/daemon_config.h"

namespace intake::cli {

namespace {

std::string duration_text(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", s / 3600, s / 60 % 60);
  else std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  return buf;
}

}  // namespace

int run_backfill(const BackfillArgs& args) {
  engine::DaemonConfigOptions o;
  if (auto dir = connectors_dir()) o.connectors_dir = *dir;
  DateTime now = system_now();
  o.now = now;
  auto cfg = engine::load_daemon_config(args.config, o);
  if (!cfg) {
    for (const auto& e : cfg.error()) std::cerr << "error: " << e.str() << "\n";
    return kExitConfig;
  }
  const engine::ConnectorInstanceConfig* inst = nullptr;
  for (const auto& c : cfg->connectors) {
    if (c.name == args.name) inst = &c;
  }
  if (!inst) {
    std::cerr << "error: " << args.config << ": no connector instance named '" << args.name << "'\n";
    return kExitConfig;
  }
  auto from = parse_time_arg(args.from, now);
  if (!from) {
    std::cerr << "error: --from " << args.from << ": expected an ISO 8601 date-time or a duration such as 7d\n";
    return kExitUsage;
  }
  std::optional<DateTime> to = now;
  if (!args.to.empty()) {
    to = parse_time_arg(args.to, now);
    if (!to) {
      std::cerr << "error: --to " << args.to << ": expected an ISO 8601 date-time or a duration such as 1d\n";
      return kExitUsage;
    }
  }
  if (*to <= *from) {
    std::cerr << "error: --to must be later than --from\n";
    return kExitUsage;
  }
  engine::SharedWorkspace shared;
  if (auto ok = shared.open(cfg->workspace); !ok) {
    std::cerr << "error: " << ok.error().str() << "\n";
    return kExitConfig;
  }
  engine::RuntimeSpec spec;
  spec.name = inst->name + "/backfill/" + format_iso8601(*from);
  spec.package_path = inst->package;
  spec.params = inst->parameters;
  spec.connection = inst->connection;
  spec.ca_file = cfg->ca_file;
  auto rt = engine::ConnectorRuntime::open(spec);
  if (!rt) {
    for (const auto& e : rt.error()) std::cerr << "error: " << e.str() << "\n";
    return kExitConfig;
  }
  int64_t width = (*rt)->window_ticks();
  int64_t total = (to->ticks - from->ticks + width - 1) / width;
  bool tty = isatty(STDERR_FILENO);
  int64_t done = 0, events = 0;
  auto started = std::chrono::steady_clock::now();
  auto last_line = started - std::chrono::seconds(10);
  auto progress = [&](bool final) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    double rate = secs > 0 ? static_cast<double>(events) / secs : 0;
    double eta = done > 0 ? secs / static_cast<double>(done) * static_cast<double>(total - done) : -1;
    char line[256];
    if (tty) {
      int width_chars = 30;
      int filled = total > 0 ? static_cast<int>(width_chars * done / total) : width_chars;
      std::string bar(static_cast<size_t>(filled), '#');
      bar.resize(static_cast<size_t>(width_chars), '.');
      std::snprintf(line, sizeof line, "\r[%s] %lld/%lld windows  %lld events  %.0f events/s  ETA %s ", bar.c_str(),
                    static_cast<long long>(done), static_cast<long long>(total), static_cast<long long>(events), rate,
                    duration_text(eta).c_str());
      std::cerr << line << (final ? "\n" : "") << std::flush;
    } else {
      std::snprintf(line, sizeof line, "progress windows=%lld/%lld events=%lld events_per_s=%.0f eta=%s\n",
                    static_cast<long long>(done), static_cast<long long>(total), static_cast<long long>(events), rate,
                    duration_text(eta).c_str());
      std::cerr << line << std::flush;
    }
  };
  engine::RunLimits limits;
  limits.initial_start = *from;
  limits.until = *to;
  limits.stop = [] { return g_stop.load(); };
  limits.on_window = [&](const poll::WindowSummary& s) {
    done = (s.window.end.ticks - from->ticks + width - 1) / width;
    events += s.events;
    auto now_steady = std::chrono::steady_clock::now();
    if (tty || now_steady - last_line >= std::chrono::seconds(2) || done == total) {
      last_line = now_steady;
      progress(false);
    }
  };
  auto report = (*rt)->run(shared, limits);
  if (tty) progress(true);
  if (report.error) {
    std::cerr << "error: " << report.error->str() << "\n";
    return kExitRuntime;
  }
  std::cout << "done windows=" << report.windows << " events=" << report.events << " rows=" << report.rows
            << " duplicates=" << report.duplicates << " requests=" << report.requests << " retries=" << report.retries
            << (report.interrupted ? " interrupted" : "") << std::endl;
  return kExitOk;
}

}  // namespace intake::cli
