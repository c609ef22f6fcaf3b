#include "engine/connector_runtime.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <thread>

#include "core/sleep.h"
#include "core/hash.h"
#include "auth/locked.h"
#include "dcr/dcr.h"
#include "engine/nested_steps.h"

namespace intake::engine {

Status SharedWorkspace::open(const std::string& path, bool threaded) {
  auto opened = sinks::Workspace::open(path);
  if (!opened) return std::unexpected(opened.error());
  writer.reset();
  ws = std::move(*opened);
  writer = std::make_unique<WorkspaceWriter>(*ws, mutex, threaded);
  return {};
}

Outputs plan_stream(const Package& pkg, const dcr::StreamDeclaration& stream,
                    std::vector<std::pair<std::string, std::string>> add_on_attributes) {
  Outputs o;
  o.mapper = RowMapper(stream.schema, std::move(add_on_attributes));
  const auto flows = pkg.rule->flows_for(stream.name);
  for (const dcr::DataFlow* flow : flows) {
    std::optional<kql::Transform> transform;
    if (!flow->transform_kql.empty()) {
      auto compiled = kql::Transform::compile(flow->transform_kql, stream.schema);
      if (!compiled) {
        o.errors.push_back(compiled.error().within(pkg.rule->source + ": transformKql of the flow to " + flow->output_table));
        continue;
      }
      transform = std::move(*compiled);
    }
    const dcr::Table* table = pkg.table(flow->output_table);
    o.tables.push_back({flow->output_table, table ? std::optional<Schema>(table->schema) : std::nullopt, std::move(transform)});
  }
  if (o.tables.empty()) o.tables.push_back({dcr::table_of_stream(stream.name), std::nullopt, std::nullopt});
  return o;
}

Outputs plan_outputs(const Package& pkg, const ccp::Definition& def) {
  Outputs o;
  const dcr::StreamDeclaration* stream = pkg.rule && !def.dcr.stream_name.empty() ? pkg.rule->stream(def.dcr.stream_name) : nullptr;
  if (stream) return plan_stream(pkg, *stream, def.add_on_attributes);
  o.mapper = RowMapper::inferring(def.add_on_attributes);
  std::string table = !def.table_hint.empty()          ? def.table_hint
                      : !def.dcr.stream_name.empty()   ? dcr::table_of_stream(def.dcr.stream_name)
                      : !def.data_type.empty()         ? def.data_type
                                                       : def.name + "_CL";
  const dcr::Table* t = pkg.table(table);
  o.tables.push_back({table, t ? std::optional<Schema>(t->schema) : std::nullopt, std::nullopt});
  return o;
}

// What every instance of one package with equal parameters and connection filter has in common:
// the package, its connections with the parameters substituted, and their planned outputs (the
// compiled transforms). Immutable once built, so instances share it across threads.
struct ConnectorRuntime::Prepared {
  struct Connection {
    ccp::Definition def;
    Outputs outputs;
  };
  std::shared_ptr<const Package> package;
  std::vector<Connection> connections;  // active ones (only the one asked for, if any)
  std::vector<Error> problems;          // of instantiation (secrets not yet removed)
};

struct ConnectorRuntime::Connection {
  std::string key;  // checkpoint key
  std::shared_ptr<const ccp::Definition> def;      // within the shared Prepared
  std::unique_ptr<http::Client> client;
  std::unique_ptr<auth::Authenticator> auth;
  std::shared_ptr<const Outputs> outputs;          // copied into the sink on the first run
  RouteParts route;
  std::optional<json::JsonPath> dedup;
  std::unique_ptr<WorkspaceSink> sink;
  // Nested steps share the connection's authenticator across threads, through the lock.
  std::unique_ptr<auth::LockedAuthenticator> locked_auth;
  std::unique_ptr<StepRunner> steps;
  bool ensured = false;  // the definition's `ensure` actions ran (again after a failed run)
};

namespace {

// One value per key while someone holds it (a daemon may run thousands of instances of one
// package); the value is freed with its last holder and built again when next asked for.
template <class Key, class T>
class WeakCache {
 public:
  template <class Make>
  std::shared_ptr<const T> get(const Key& key, Make&& make) {
    std::lock_guard lock(mutex_);
    if (auto it = map_.find(key); it != map_.end()) {
      if (auto p = it->second.lock()) return p;
    }
    std::erase_if(map_, [](const auto& kv) { return kv.second.expired(); });
    std::shared_ptr<const T> p = make();
    map_[key] = p;
    return p;
  }

 private:
  std::mutex mutex_;
  std::map<Key, std::weak_ptr<const T>> map_;
};

}  // namespace

std::shared_ptr<const Package> shared_package(const std::string& path, const ccp::Params& params) {
  static WeakCache<std::pair<std::string, ccp::Params>, Package> cache;
  return cache.get(std::make_pair(path, params), [&] { return std::make_shared<const Package>(load_package(path, params)); });
}

std::shared_ptr<const ConnectorRuntime::Prepared> ConnectorRuntime::prepare(const RuntimeSpec& spec) {
  static WeakCache<std::tuple<std::string, ccp::Params, std::string>, Prepared> cache;
  return cache.get(std::make_tuple(spec.package_path, spec.params, spec.connection), [&] {
    auto prepared = std::make_shared<Prepared>();
    prepared->package = engine::shared_package(spec.package_path, spec.params);
    const Package& pkg = *prepared->package;
    for (const auto& d : pkg.definitions.definitions) {
      if (!d.active || (!spec.connection.empty() && d.name != spec.connection)) continue;
      auto inst = ccp::instantiate(d, spec.params);
      if (!inst) {
        prepared->problems.push_back(inst.error());
        continue;
      }
      Outputs plan = plan_outputs(pkg, *inst);
      prepared->connections.push_back({std::move(*inst), std::move(plan)});
    }
    return std::shared_ptr<const Prepared>(std::move(prepared));
  });
}

ConnectorRuntime::~ConnectorRuntime() = default;

std::expected<std::unique_ptr<ConnectorRuntime>, std::vector<Error>> ConnectorRuntime::open(const RuntimeSpec& spec) {
  std::unique_ptr<ConnectorRuntime> rt(new ConnectorRuntime());
  rt->name_ = spec.name;
  rt->ca_file_ = spec.ca_file;
  rt->abort_ = spec.abort;
  auto prepared = prepare(spec);
  rt->package_ = prepared->package;
  const Package& pkg = *rt->package_;
  std::vector<Error> problems;
  for (const auto& d : pkg.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) problems.push_back(d.error);
  }
  if (!problems.empty()) return std::unexpected(std::move(problems));
  if (pkg.definitions.definitions.empty()) return std::unexpected(std::vector<Error>{Error(spec.package_path, "no polling connection to run")});

  problems = prepared->problems;
  for (const auto& pc : prepared->connections) {
    const ccp::Definition& inst = pc.def;
    for (const auto& s : auth::secrets_of(inst.auth)) rt->secrets_.push_back(s);
    // Nested steps may authenticate on their own.
    std::function<void(const ccp::Definition&)> step_secrets = [&](const ccp::Definition& parent) {
      for (const auto& step : parent.steps) {
        for (const auto& s : auth::secrets_of(step.config->auth)) rt->secrets_.push_back(s);
        step_secrets(*step.config);
      }
    };
    step_secrets(inst);
    for (const auto& p : inst.parameters) {
      if (!p.secret) continue;
      for (const auto& [k, v] : spec.params) {
        if (iequals(p.name, k)) rt->secrets_.push_back(v);
      }
    }
    auto c = std::make_unique<Connection>();
    c->key = pkg.definitions.definitions.size() > 1 ? spec.name + "/" + inst.name : spec.name;
    c->def = std::shared_ptr<const ccp::Definition>(prepared, &pc.def);
    c->outputs = std::shared_ptr<const Outputs>(prepared, &pc.outputs);
    rt->connections_.push_back(std::move(c));
  }
  std::sort(rt->secrets_.begin(), rt->secrets_.end());
  rt->secrets_.erase(std::unique(rt->secrets_.begin(), rt->secrets_.end()), rt->secrets_.end());
  for (const auto& s : rt->secrets_) rt->redact_.add(s);
  if (!problems.empty()) {
    for (auto& e : problems) e = Error(rt->redact_(e.where), rt->redact_(e.message));
    return std::unexpected(std::move(problems));
  }
  if (rt->connections_.empty()) {
    return std::unexpected(std::vector<Error>{Error(spec.package_path, "no active connection" +
                                                                           (spec.connection.empty() ? std::string() : " named '" + spec.connection + "'"))});
  }
  ConnectorRuntime* self = rt.get();
  for (auto& c : rt->connections_) {
    http::ClientOptions copts;
    copts.ca_file = spec.ca_file;
    copts.abort = spec.abort;
    copts.observe = [self](int status) {
      self->last_status_ = status;
      if (self->observe_) self->observe_(status);
    };
    auto client = http::Client::create(copts);
    if (!client) return std::unexpected(std::vector<Error>{client.error()});
    c->client = std::move(*client);
    auto authenticator = auth::make_authenticator(c->def->auth, *c->client);
    if (!authenticator) return std::unexpected(std::vector<Error>{Error(rt->redact_(authenticator.error().str()))});
    c->auth = std::move(*authenticator);
    if (!c->def->steps.empty()) c->locked_auth = std::make_unique<auth::LockedAuthenticator>(*c->auth);
    if (!c->def->ensure.empty() && !rt->actions_) {
      auto runner = ActionRunner::create(pkg, spec.params, spec.ca_file);
      if (!runner) return std::unexpected(std::vector<Error>{Error(rt->redact_(runner.error().str()))});
      rt->actions_ = std::move(*runner);
      for (const auto& s : rt->actions_->secrets()) rt->redact_.add(s);
    }
    if (!c->outputs->errors.empty()) return std::unexpected(c->outputs->errors);
    if (spec.routes) {
      std::string stream = c->def->dcr.stream_name.empty() ? c->outputs->tables.front().name : c->def->dcr.stream_name;
      auto parts = spec.routes(spec.destinations, stream);
      if (!parts) return std::unexpected(std::vector<Error>{parts.error()});
      c->route = std::move(*parts);
    } else {
      c->route = workspace_only(spec.destinations);
    }
    if (!c->def->dedup_key_json_path.empty()) {
      auto path = json::JsonPath::compile(c->def->dedup_key_json_path);
      if (!path) return std::unexpected(std::vector<Error>{path.error()});
      c->dedup = std::move(*path);
    }
  }
  return rt;
}

int64_t ConnectorRuntime::window_ticks() const {
  return poll::window_ticks(*connections_.front()->def);
}
int64_t ConnectorRuntime::window_delay_ticks() const {
  return int64_t(connections_.front()->def->request.window_delay_minutes) * kTicksPerMinute;
}

std::vector<const ccp::Definition*> ConnectorRuntime::definitions() const {
  std::vector<const ccp::Definition*> out;
  for (const auto& c : connections_) out.push_back(c->def.get());
  return out;
}

std::vector<std::string> ConnectorRuntime::tables() const {
  std::vector<std::string> out;
  for (const auto& c : connections_) {
    for (const auto& t : c->outputs->tables) out.push_back(t.name);
  }
  return out;
}

std::optional<DateTime> ConnectorRuntime::checkpoint(SharedWorkspace& ws) const {
  std::optional<DateTime> earliest;
  std::lock_guard lock(ws.mutex);
  for (const auto& c : connections_) {
    auto state = ws.ws->state(c->key);
    if (!state || !*state) return std::nullopt;
    auto cp = poll::Checkpoint::from_json(**state);
    if (!cp || !cp->next_start) return std::nullopt;
    if (!earliest || *cp->next_start < *earliest) earliest = cp->next_start;
  }
  return earliest;
}

RunReport ConnectorRuntime::run(SharedWorkspace& ws, const RunLimits& limits) {
  RunReport report;
  auto started = std::chrono::steady_clock::now();
  last_status_ = 0;
  DateTime now = limits.clock();
  auto failed = [&](Error e) {
    for (auto& c : connections_) {
      c->client->disconnect();
      c->ensured = false;  // a failed run checks its subscriptions again next time
    }
    report.error = Error(redact_(e.where), redact_(e.message));
    report.last_http_status = last_status_;
    report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return report;
  };
  for (auto& c : connections_) {
    if (limits.stop && limits.stop()) {
      report.interrupted = true;
      break;
    }
    int64_t width = poll::window_ticks(*c->def);
    if (!c->ensured && !c->def->ensure.empty()) {
      auto done = run_ensure(*actions_, *c->def, c->key);
      if (!done) return failed(done.error());
      report.requests += static_cast<int64_t>(done->size());
      c->ensured = true;
    }
    poll::Checkpoint cp;
    {
      std::lock_guard lock(ws.mutex);
      if (!c->sink) {
        c->sink = std::make_unique<WorkspaceSink>(
            *ws.writer, c->key, c->outputs->mapper,
            StreamRouter(c->outputs->tables, c->route.to_workspace, c->route.remotes), c->dedup, limits.clock);
        c->sink->set_key_retention(int64_t(c->def->dedup_retention_minutes) * kTicksPerMinute);
      }
      auto state = ws.ws->state(c->key);
      if (!state) return failed(state.error());
      if (*state) {
        auto parsed = poll::Checkpoint::from_json(**state);
        if (!parsed) return failed(parsed.error().within("state of " + c->key));
        cp = *parsed;
      }
    }
    DateTime initial = limits.initial_start.value_or(DateTime{now.ticks - width});
    // Catch-up is bounded: windows older than the lookback (or than the API keeps: the
    // definition's maxAgeInMin) are skipped, never polled.
    int64_t lookback = limits.max_lookback_ticks;
    if (auto oldest = poll::oldest_readable(*c->def, now)) {
      int64_t age = now.ticks - oldest->ticks;
      if (lookback <= 0 || age < lookback) {
        lookback = age;
        report.age_limited = true;
      }
    }
    if (lookback > 0) {
      DateTime oldest{now.ticks - lookback};
      DateTime from = cp.open_window ? cp.open_window->start : cp.next_start.value_or(initial);
      if (from < oldest) {
        report.skipped_ticks += oldest.ticks - from.ticks;
        std::string cursor = cp.cursor;
        cp = poll::Checkpoint{};
        cp.next_start = oldest;
        cp.cursor = cursor;
        if (initial < oldest) initial = oldest;
      }
    }
    poll::PollOptions popts;
    popts.initial_start = initial;
    popts.until = limits.until;
    if (limits.max_windows > 0) {
      DateTime first = cp.open_window ? cp.open_window->start : cp.next_start.value_or(initial);
      DateTime budget{first.ticks + width * limits.max_windows};
      if (!popts.until || budget < *popts.until) popts.until = budget;
    }
    popts.clock = limits.clock;
    popts.stop_requested = limits.stop;
    popts.backoff = limits.backoff;
    popts.jitter_seed = hash_bytes(c->key);
    popts.sleep = [stop = limits.stop](std::chrono::milliseconds d) { return sleep_unless(d, stop); };
    if (!c->def->steps.empty() && !c->steps) {
      http::ClientOptions copts;
      copts.ca_file = ca_file_;
      copts.abort = abort_;
      auto runner = StepRunner::create(*c->def, *c->locked_auth, copts, popts);
      if (!runner) return failed(runner.error());
      c->steps = std::move(*runner);
    }
    if (c->steps) {
      StepRunner* runner = c->steps.get();
      popts.expand = [runner](std::span<const simdjson::dom::element> events, const poll::Window& w) { return runner->expand(events, w); };
    }
    popts.on_window = [&](const poll::WindowSummary& s) {
      if (!report.first_window_start) report.first_window_start = s.window.start;
      report.last_window_end = s.window.end;
      if (limits.on_window) limits.on_window(s);
    };
    auth::Authenticator& authenticator = c->locked_auth ? static_cast<auth::Authenticator&>(*c->locked_auth) : *c->auth;
    int64_t step_requests = c->steps ? c->steps->stats().requests : 0, step_retries = c->steps ? c->steps->stats().retries : 0;
    auto poller = poll::Poller::create(*c->def, *c->client, authenticator, popts);
    if (!poller) return failed(poller.error());
    int64_t rows_before = c->sink->stats().rows_written, dups_before = c->sink->stats().duplicates_dropped;
    c->sink->hold_while(c->route.busy, limits.stop);
    auto stats = (*poller)->run(cp, *c->sink);
    if (c->steps) {
      report.requests += c->steps->stats().requests - step_requests;
      report.retries += c->steps->stats().retries - step_retries;
    }
    report.rows += c->sink->stats().rows_written - rows_before;
    report.duplicates += c->sink->stats().duplicates_dropped - dups_before;
    if (!stats) {
      Error e = stats.error();
      e.message = "Poll failed. connector=" + c->key + " error=" + e.message;
      return failed(e);
    }
    report.windows += stats->windows;
    report.pages += stats->pages;
    report.events += stats->events;
    report.requests += stats->requests;
    report.retries += stats->retries;
    if (stats->interrupted) report.interrupted = true;
  }
  if (report.error) {
    for (auto& c : connections_) c->ensured = false;
  }
  for (auto& c : connections_) c->client->disconnect();
  report.checkpoint = checkpoint(ws);
  report.last_http_status = last_status_;
  report.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace intake::engine
