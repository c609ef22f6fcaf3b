#include "engine/receiver_setup.h"

#include "engine/connector_runtime.h"

namespace intake::engine {

RouteParts workspace_only(const std::vector<Route>& routes) {
  RouteParts p;
  p.to_workspace = routes.empty();
  for (const auto& r : routes) p.to_workspace = p.to_workspace || r.destination == "workspace";
  return p;
}

namespace {

struct Builder {
  const DaemonConfig& config;
  WorkspaceWriter& writer;
  const RouteResolver& routes;
  Clock clock;
  ReceiverSet& set;
  std::vector<Error> errors;

  std::shared_ptr<const Package> package(const std::string& path, const std::string& where, const ccp::Params& params = {}) {
    auto pkg = std::make_shared<const Package>(load_package(path, params));
    bool bad = false;
    for (const auto& d : pkg->all_diagnostics()) {
      if (d.severity == ccp::Diagnostic::Severity::Error) {
        errors.push_back(d.error.within(where));
        bad = true;
      }
    }
    if (bad) return nullptr;
    if (!pkg->rule) {
      errors.emplace_back(where, "package '" + pkg->name + "' has no DCR (dcr.json) for pushed records");
      return nullptr;
    }
    set.packages.push_back(pkg);
    return pkg;
  }

  std::shared_ptr<receive::StreamSink> stream_sink(const std::shared_ptr<const Package>& pkg, const std::string& stream,
                                                   const std::vector<Route>& route, const std::string& where) {
    const dcr::StreamDeclaration* decl = pkg->rule->stream(stream);
    if (!decl) {
      errors.emplace_back(where, "the DCR of package '" + pkg->name + "' declares no stream '" + stream + "'");
      return nullptr;
    }
    Outputs plan = plan_stream(*pkg, *decl);
    if (!plan.errors.empty()) {
      for (auto& e : plan.errors) errors.push_back(e.within(where));
      return nullptr;
    }
    auto parts = routes ? routes(route, stream) : Result<RouteParts>(workspace_only(route));
    if (!parts) {
      errors.push_back(parts.error().within(where));
      return nullptr;
    }
    return std::make_shared<PackageStreamSink>(pkg->name + "/" + stream, writer, std::move(plan.mapper),
                                               StreamRouter(std::move(plan.tables), parts->to_workspace, parts->remotes),
                                               parts->busy, clock);
  }
};

}  // namespace

std::expected<std::unique_ptr<ReceiverSet>, std::vector<Error>> build_receivers(const DaemonConfig& config,
                                                                                WorkspaceWriter& writer,
                                                                                const RouteResolver& routes,
                                                                                const ActionRunnerFactory& actions, Clock clock) {
  auto set = std::make_unique<ReceiverSet>();
  Builder b{config, writer, routes, clock, *set, {}};
  const ReceiversConfig& rc = config.receivers;
  const std::string base = config.path + ":/receivers";

  if (rc.data_collector) {
    const auto& dc = *rc.data_collector;
    receive::DataCollectorOptions o;
    o.workspace_id = dc.workspace_id;
    o.shared_keys = dc.shared_keys;
    o.max_skew_ticks = dc.max_skew_ticks;
    o.clock = clock;
    for (const auto& k : dc.shared_keys) set->secrets.push_back(k);
    for (size_t i = 0; i < dc.log_types.size(); ++i) {
      const auto& m = dc.log_types[i];
      std::string where = base + "/dataCollector/logTypes/" + m.log_type;
      auto pkg = b.package(m.package, where);
      if (!pkg) continue;
      if (auto sink = b.stream_sink(pkg, m.stream, dc.destinations, where)) o.streams[m.log_type] = sink;
    }
    auto parts = routes ? routes(dc.destinations, "") : Result<RouteParts>(workspace_only(dc.destinations));
    if (!parts) {
      b.errors.push_back(parts.error().within(base + "/dataCollector/destinations"));
    } else {
      // Legacy tables have no DCR stream: they reach the workspace (and table-row destinations).
      set->legacy = std::make_unique<WorkspaceTableSink>(writer, parts->to_workspace, parts->remotes, parts->busy);
      set->receivers.data_collector = std::make_unique<receive::DataCollectorReceiver>(std::move(o), *set->legacy);
    }
  }

  if (rc.logs_ingestion) {
    const auto& li = *rc.logs_ingestion;
    receive::LogsIngestionOptions o;
    o.clock = clock;
    for (const auto& t : li.tokens) set->secrets.push_back(t.token);
    if (li.jwt && !li.jwt->hs256_secret.empty()) set->secrets.push_back(li.jwt->hs256_secret);
    for (size_t i = 0; i < li.rules.size(); ++i) {
      const auto& rule = li.rules[i];
      std::string where = base + "/logsIngestion/rules/" + std::to_string(i);
      auto pkg = b.package(rule.package, where);
      if (!pkg) continue;
      receive::IngestionRule r;
      r.immutable_id = rule.immutable_id;
      for (const auto& decl : pkg->rule->streams) {
        if (auto sink = b.stream_sink(pkg, decl.name, rule.destinations, where)) r.streams[decl.name] = sink;
      }
      o.rules.push_back(std::move(r));
    }
    auto verifier = receive::BearerVerifier::create(li.tokens, li.jwt);
    if (!verifier) b.errors.push_back(verifier.error().within(base + "/logsIngestion"));
    else set->receivers.logs_ingestion = std::make_unique<receive::LogsIngestionReceiver>(std::move(o), std::move(*verifier));
  }

  if (!rc.webhooks.empty()) {
    std::vector<receive::WebhookEndpoint> endpoints;
    for (size_t i = 0; i < rc.webhooks.size(); ++i) {
      const auto& w = rc.webhooks[i];
      std::string where = base + "/webhooks/" + std::to_string(i) + " (" + w.name + ")";
      for (const auto& t : w.tokens) set->secrets.push_back(t);
      auto pkg = b.package(w.package, where, w.parameters);
      if (!pkg) continue;
      if (!pkg->webhook) {
        b.errors.emplace_back(where, "package '" + pkg->name + "' has no webhook.json describing its pushed events");
        continue;
      }
      for (const auto& d : pkg->definitions.definitions) {
        for (const auto& p : d.parameters) {
          if (!p.secret) continue;
          for (const auto& [k, v] : w.parameters) {
            if (iequals(k, p.name)) set->secrets.push_back(v);
          }
        }
      }
      receive::WebhookEndpoint ep;
      ep.name = w.name;
      ep.tokens = w.tokens;
      ep.spec = *pkg->webhook;
      ep.sink = b.stream_sink(pkg, ep.spec.stream, w.destinations, where);
      if (!ep.sink) continue;
      if (actions) ep.run_action = actions(*pkg, w.parameters);
      endpoints.push_back(std::move(ep));
    }
    auto hooks = receive::WebhookReceiver::create(std::move(endpoints));
    if (!hooks) b.errors.push_back(hooks.error().within(base + "/webhooks"));
    else set->receivers.webhooks = std::move(*hooks);
  }
  if (!b.errors.empty()) return std::unexpected(std::move(b.errors));
  return set;
}

}  // namespace intake::engine
