// Builds the daemon's receivers from intake.yaml: each Logs Ingestion rule, mapped Log-Type and
// webhook is bound to its package's DCR stream (declared columns, dataFlows, tables) and to the
// destinations it is routed to. Problems name their YAML path and the package file.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "engine/daemon_config.h"
#include "engine/package.h"
#include "engine/receiver_sinks.h"
#include "engine/stream_router.h"
#include "receive/receivers.h"

namespace intake::engine {

// How a source's routes become a router's remote parts: the spool routes and the busy check.
struct RouteParts {
  bool to_workspace = true;
  std::vector<std::shared_ptr<SpoolRoute>> remotes;
  BusyCheck busy;
};
// `stream`: the DCR stream the rows are of (azure-monitor sends stream rows).
using RouteResolver = std::function<Result<RouteParts>(const std::vector<Route>& routes, const std::string& stream)>;
// The default: the workspace only (a route to a remote destination is an error).
RouteParts workspace_only(const std::vector<Route>& routes);

// Runs a package action with a webhook's parameters (see engine/actions.h).
using ActionRunnerFactory = std::function<receive::ActionRunner(const Package& package, const ccp::Params& parameters)>;

struct ReceiverSet {
  receive::Receivers receivers;
  std::vector<std::shared_ptr<const Package>> packages;
  std::unique_ptr<WorkspaceTableSink> legacy;
  std::vector<std::string> secrets;  // shared keys, tokens, webhook parameters marked secret
};

std::expected<std::unique_ptr<ReceiverSet>, std::vector<Error>> build_receivers(const DaemonConfig& config,
                                                                                WorkspaceWriter& writer,
                                                                                const RouteResolver& routes,
                                                                                const ActionRunnerFactory& actions, Clock clock);

}  // namespace intake::engine
