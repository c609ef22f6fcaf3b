// intake test: one authenticated request with a package and parameters, and a precise verdict.
#include <iostream>

#include "cli/commands.h"
#include "engine/connection_check.h"
#include "engine/expand_env.h"

namespace intake::cli {

int run_test(const TestArgs& args) {
  engine::CheckOptions opt;
  opt.package_path = args.package;
  opt.connection = args.connection;
  opt.ca_file = args.ca_file;
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
  auto r = engine::check_connection(opt);
  if (!r) {
    for (const auto& e : r.error()) std::cerr << "error: " << e.str() << "\n";
    return kExitConfig;
  }
  std::cout << "connection " << r->connection << ": " << (r->request.empty() ? "(no request built)" : r->request) << "\n";
  if (r->ok) {
    std::cout << "ok: HTTP " << r->status << ", " << r->events << " events in the first page of the latest window, "
              << r->elapsed.count() << " ms\n";
    return kExitOk;
  }
  std::cout << "failed (" << r->stage << "): " << r->message << "\n";
  return kExitRuntime;
}

}  // namespace intake::cli
