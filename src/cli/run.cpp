// intake run: the daemon. Signals are taken synchronously (sigwait) on the main thread: SIGTERM
// and SIGINT stop it, SIGHUP reloads the configuration.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "engine/daemon.h"
#include "web/status_server.h"

namespace intake::cli {

namespace {

engine::DaemonConfigOptions config_options() {
  engine::DaemonConfigOptions o;
  if (auto dir = connectors_dir()) o.connectors_dir = *dir;
  o.now = system_now();
  return o;
}

}  // namespace

int run_daemon(const RunArgs& args) {
  // Blocked before any thread starts, so every thread inherits the mask and only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto cfg = engine::load_daemon_config(args.config, config_options());
  if (!cfg) {
    for (const auto& e : cfg.error()) std::cerr << "error: " << e.str() << "\n";
    return kExitConfig;
  }
  engine::Logger log(stderr, args.log_format == "json" ? engine::LogFormat::Json : engine::LogFormat::Text, cfg->log_level);
  auto daemon = engine::Daemon::create(*cfg, log);
  if (!daemon) {
    for (const auto& e : daemon.error()) std::cerr << "error: " << e.str() << "\n";
    return kExitConfig;
  }
  auto listeners = web::start_listeners(**daemon);
  if (!listeners) {
    log.log(engine::LogLevel::Error, "Cannot listen.", {{"error", listeners.error().str()}});
    return kExitRuntime;
  }
  std::string url = listeners->front().url;
  (*daemon)->start();
  std::vector<engine::LogField> fields{{"url", url}, {"workspace", cfg->workspace}, {"connectors", std::to_string(cfg->connectors.size())},
                                       {"workers", std::to_string(cfg->workers)}};
  for (const auto& l : *listeners) {
    if (l.name == "receivers") fields.emplace_back("receivers_url", l.url);
  }
  log.log_fields(engine::LogLevel::Info, "Daemon started.", fields);
  std::cout << "listening url=" << url << std::endl;
  for (const auto& l : *listeners) {
    if (l.name != "daemon") std::cout << "listening " << l.name << "_url=" << l.url << std::endl;
  }

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      log.log(engine::LogLevel::Info, "Reloading the configuration.", {{"config", args.config}});
      auto next = engine::load_daemon_config(args.config, config_options());
      if (!next) {
        for (const auto& e : next.error()) log.log(engine::LogLevel::Error, "Configuration not reloaded.", {{"error", e.str()}});
        continue;
      }
      auto errors = (*daemon)->reload(*next);
      for (const auto& e : errors) log.log(engine::LogLevel::Error, "Connector not (re)started.", {{"error", e.str()}});
      log.log(engine::LogLevel::Info, "Configuration reloaded.", {{"errors", std::to_string(errors.size())}});
      continue;
    }
    log.log(engine::LogLevel::Info, "Stopping: finishing the pages in flight.", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    break;
  }
  bool clean = (*daemon)->stop();
  for (auto& l : *listeners) l.server->stop();
  if (!clean) {
    // Polls that did not finish in time hold no committed state; leaving them is safe.
    log.log(engine::LogLevel::Warn, "Stopped with polls abandoned; they resume from their checkpoints.");
    std::fflush(nullptr);
    _exit(kExitOk);
  }
  log.log(engine::LogLevel::Info, "Stopped.");
  return kExitOk;
}

}  // namespace intake::cli
