// intake action: runs one of a package's actions (actions.json) — for a configured instance of
// intake.yaml (its package and parameters) or for a package given with --param.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "engine/actions.h"
#include "engine/daemon_config.h"
#include "engine/expand_env.h"
#include "engine/package.h"
#include "engine/redact.h"

namespace intake::cli {

int run_action(const ActionArgs& args) {
  ccp::Params package_params, action_params;
  std::string package_path = args.target, ca_file = args.ca_file;
  // An instance of the config file, when one has that name.
  if (!args.config.empty()) {
    engine::DaemonConfigOptions o;
    if (auto dir = connectors_dir()) o.connectors_dir = *dir;
    o.now = system_now();
    auto cfg = engine::load_daemon_config(args.config, o);
    if (!cfg) {
      for (const auto& e : cfg.error()) std::cerr << "error: " << e.str() << "\n";
      return kExitConfig;
    }
    bool found = false;
    for (const auto& c : cfg->connectors) {
      if (c.name != args.target) continue;
      package_path = c.package;
      package_params = c.parameters;
      found = true;
    }
    for (const auto& w : cfg->receivers.webhooks) {
      if (found || w.name != args.target) continue;
      package_path = w.package;
      package_params = w.parameters;
      found = true;
    }
    if (!found) {
      std::cerr << "error: " << args.config << ": no connector or webhook named '" << args.target << "'\n";
      return kExitConfig;
    }
    if (ca_file.empty()) ca_file = cfg->ca_file;
  } else if (auto dir = connectors_dir(); dir && !std::filesystem::exists(package_path) &&
                                          std::filesystem::exists(std::filesystem::path(*dir) / package_path)) {
    package_path = (std::filesystem::path(*dir) / package_path).string();
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
    package_params[p.substr(0, eq)] = *value;
  }
  engine::Package pkg = engine::load_package(package_path, package_params);
  int problems = 0;
  for (const auto& d : pkg.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) {
      std::cerr << "error: " << d.error.str() << "\n";
      ++problems;
    }
  }
  if (problems) return kExitConfig;
  if (args.action.empty() || args.list) {
    if (pkg.actions.empty()) std::cout << pkg.name << " declares no actions\n";
    for (const auto& a : pkg.actions) {
      std::cout << a.name;
      for (const auto& p : a.parameters) std::cout << " " << (p.required ? "" : "[") << "--param " << p.name << "=..." << (p.required ? "" : "]");
      std::cout << "\n    " << a.description << "\n";
    }
    return kExitOk;
  }
  // Action parameters are the ones the action declares; the rest are the package's.
  const engine::ActionSpec* spec = nullptr;
  for (const auto& a : pkg.actions) {
    if (a.name == args.action) spec = &a;
  }
  if (spec) {
    for (const auto& p : spec->parameters) {
      if (auto it = package_params.find(p.name); it != package_params.end()) {
        action_params[p.name] = it->second;
        package_params.erase(it);
      }
    }
  }
  auto runner = engine::ActionRunner::create(pkg, package_params, ca_file);
  if (!runner) {
    std::cerr << "error: " << runner.error().str() << "\n";
    return kExitConfig;
  }
  auto out = (*runner)->run(args.action, action_params);
  engine::Redactor redact;
  for (const auto& s : (*runner)->secrets()) redact.add(s);
  if (!out) {
    std::cout << "failed: " << redact(out.error().str()) << "\n";
    return kExitRuntime;
  }
  std::cout << redact(out->result) << "\n";
  std::cout << "ok: " << args.action << " HTTP " << out->status;
  if (!out->error_code.empty()) std::cout << " (" << out->error_code << " counts as success: " << redact(out->result) << ")";
  std::cout << "\n";
  return kExitOk;
}

}  // namespace intake::cli
