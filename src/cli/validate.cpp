#include <functional>
#include <iostream>

#include "auth/authenticator.h"
#include "cli/commands.h"
#include "engine/package.h"

namespace intake::cli {

int run_validate(const ValidateArgs& args) {
  int errors = 0;
  for (const auto& path : args.paths) {
    engine::Package pkg = engine::load_package(path);
    int own = 0;
    for (const auto& d : pkg.all_diagnostics()) {
      bool is_error = d.severity == ccp::Diagnostic::Severity::Error;
      if (is_error) ++own;
      if (is_error || !args.quiet_warnings) std::cout << (is_error ? "error: " : "warning: ") << d.error.str() << "\n";
    }
    if (own == 0) {
      std::cout << "ok: " << path << " (";
      if (pkg.push_only()) std::cout << "pushed data only";
      else std::cout << pkg.definitions.definitions.size() << " connection" << (pkg.definitions.definitions.size() == 1 ? "" : "s");
      for (const auto& def : pkg.definitions.definitions) {
        std::cout << "; " << (def.name.empty() ? "<unnamed>" : def.name) << ": "
                  << (def.kind == ccp::ConnectorKind::APIPolling ? "APIPolling" : "RestApiPoller") << ", auth "
                  << auth::scheme_name(def.auth) << ", paging " << ccp::paging_type_name(def.paging.type);
        // Nested steps, one level down and the level below that: "steps fetchContent(parallelism 8)".
        std::function<void(const ccp::Definition&)> steps = [&](const ccp::Definition& d) {
          for (size_t i = 0; i < d.steps.size(); ++i) {
            const auto& st = d.steps[i];
            std::cout << (i ? ", " : " then ") << st.id << " (" << (st.join ? "joined" : "own rows");
            if (st.config) std::cout << ", parallelism " << st.config->max_parallelism;
            std::cout << ")";
            if (st.config) steps(*st.config);
          }
        };
        steps(def);
      }
      if (pkg.rule) std::cout << "; DCR with " << pkg.rule->flows.size() << " flow(s)";
      if (pkg.webhook) std::cout << "; webhook to " << pkg.webhook->stream;
      if (!pkg.actions.empty()) std::cout << "; " << pkg.actions.size() << " action(s)";
      std::cout << ")\n";
      std::cout.flush();
    }
    errors += own;
  }
  return errors ? kExitConfig : kExitOk;
}

}  // namespace intake::cli
