// intake-sim: runs one simulated API on loopback for tests and demos. Prints one line,
// "listening url=http(s)://127.0.0.1:PORT", then serves until SIGTERM or SIGINT. Push modes
// (dataminr --push-to, darktrace) post to a receiver and exit instead.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "http/server.h"
#include "sim/azure.h"
#include "sim/common.h"
#include "sim/dataminr.h"
#include "sim/darktrace.h"
#include "sim/graph.h"
#include "sim/jira.h"
#include "sim/o365.h"
#include "sim/script.h"
#include "sim/sentinelone.h"

namespace {

using namespace intake;

struct SimulatorEntry {
  const char* name;
  const char* description;
  std::unique_ptr<sim::Command> (*make)();
};

// Every simulated API, one line each.
const SimulatorEntry kSimulators[] = {
    {"azure", "Azure Monitor Logs Ingestion API (DCR streams) with an Entra ID token endpoint", &sim::azure::make_command},
    {"dataminr", "Dataminr Pulse (auth, watchlists, alerts pull) or --push-to an RTAP receiver", &sim::dataminr::make_command},
    {"darktrace", "Darktrace alerts pushed to a Data Collector (--push-to) or Logs Ingestion (--ingestion-to) receiver", &sim::darktrace::make_command},
    {"jira", "Atlassian Jira Cloud audit records (/rest/api/3/auditing/record)", &sim::jira::make_command},
    {"graph", "Microsoft Graph security alerts_v2 with an Entra ID token endpoint", &sim::graph::make_command},
    {"o365", "Office 365 Management Activity API (subscriptions, content blobs, audit records) with Entra ID", &sim::o365::make_command},
    {"sentinelone", "SentinelOne Management API v2.1 (/web/api/v2.1/threats, ...)", &sim::sentinelone::make_command},
    {"script", "Scriptable API from a JSON file (auth, routes, paging, faults; see sim/script.h)", &sim::script::make_command},
};

constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

void add_common_options(CLI::App& app, sim::CommonOptions& o) {
  app.add_option("--port", o.port, "TCP port to listen on; 0 picks a free port")->capture_default_str();
  app.add_option("--host", o.host, "Address to listen on")->capture_default_str();
  auto* cert = app.add_option("--tls-cert", o.tls_cert, "PEM certificate file; serves HTTPS with --tls-key")
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--tls-key", o.tls_key, "PEM private key file for --tls-cert")->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--seed", o.seed, "Seed of the generated data and of injected faults")->capture_default_str();
  app.add_option("--threads", o.threads, "Server worker threads")->check(CLI::Range(1, 64))->capture_default_str();
}

std::string display_host(const std::string& host) {
  if (host == "0.0.0.0" || host == "::" || host.empty()) return "127.0.0.1";
  if (host.find(':') != std::string::npos) return "[" + host + "]";
  return host;
}

// Blocks SIGINT/SIGTERM in every thread (server threads inherit the mask) and waits for one.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int serve(sim::Command& command, const sim::CommonOptions& common) {
  auto recorder = std::make_shared<sim::Recorder>();
  auto handler = command.make_handler(common, recorder);
  if (!handler) {
    std::cerr << "intake-sim: " << handler.error().str() << "\n";
    return kExitUsage;
  }
  sigset_t signals = block_stop_signals();
  http::ServerOptions options;
  options.host = common.host;
  options.port = common.port;
  options.tls_cert_file = common.tls_cert;
  options.tls_key_file = common.tls_key;
  options.threads = common.threads;
  auto server = http::HttpServer::start(options, sim::with_sim_endpoints(recorder, std::move(*handler)));
  if (!server) {
    std::cerr << "intake-sim: " << server.error().str() << "\n";
    return kExitRuntime;
  }
  std::printf("listening url=%s://%s:%u\n", (*server)->tls() ? "https" : "http", display_host(common.host).c_str(),
              static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  (*server)->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"intake-sim: simulated vendor and Azure APIs for intake's tests and demos"};
  app.require_subcommand(1);
  sim::CommonOptions common;
  std::vector<std::pair<CLI::App*, std::unique_ptr<sim::Command>>> commands;
  for (const auto& entry : kSimulators) {
    CLI::App* sub = app.add_subcommand(entry.name, entry.description);
    add_common_options(*sub, common);
    auto command = entry.make();
    command->add_options(*sub);
    commands.emplace_back(sub, std::move(command));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  for (auto& [sub, command] : commands) {
    if (sub->parsed()) return serve(*command, common);
  }
  return kExitUsage;
}
