#include "engine/daemon.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "ccp/placeholders.h"
#include "core/time.h"
#include "sinks/workspace_catalog.h"

namespace intake::engine {

namespace {

constexpr const char* kSummaryJob = "intake:health-summary";
constexpr const char* kMask = "********";

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()); }

bool secret_looking(std::string_view name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"secret", "password", "passwd", "token", "apikey", "api_key", "key", "credential"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string str_of(const Value& v, std::string_view key) {
  const Value* f = v.kind() == Kind::Object ? v.get(key) : nullptr;
  return f && f->kind() == Kind::String ? f->as_string() : std::string();
}

}  // namespace

struct Daemon::Instance {
  ConnectorInstanceConfig cfg;
  std::unique_ptr<ConnectorRuntime> rt;  // null when disabled or failed to open
  std::string package_name;
  std::string kind;
  std::shared_ptr<const Package> package;  // shared by the instances of one loaded package
  std::shared_ptr<const Value> ui;         // the package's, for the page
  std::vector<std::string> tables;
  std::set<std::string, ccp::CaseInsensitiveLess> secret_params;
  std::vector<std::string> secrets;
  std::string schedule_text;
  int64_t expected_ticks = kTicksPerHour;  // data older than this means "no recent data"
  ConnectorMetrics metrics;
  std::atomic<bool> retired{false};

  mutable std::mutex m;  // the fields below
  HealthTracker health;
  std::optional<DateTime> last_run, last_success, last_failure, last_data, checkpoint;
  std::string last_error;
  int64_t events = 0, rows = 0, runs = 0, failures = 0;
  int consecutive_failures = 0;

  Instance(const ConnectorInstanceConfig& c, std::string kind_) : cfg(c), kind(kind_), health(c.name, kind_) {}
};

Daemon::Daemon(DaemonConfig config, Logger& log, Clock clock) : config_(std::move(config)), log_(log), clock_(std::move(clock)) {}

Daemon::~Daemon() {
  if (scheduler_) {
    scheduler_->stop(std::chrono::hours(24));
    scheduler_.reset();
  }
}

std::expected<std::unique_ptr<Daemon>, std::vector<Error>> Daemon::create(DaemonConfig config, Logger& log, Clock clock) {
  std::unique_ptr<Daemon> d(new Daemon(std::move(config), log, std::move(clock)));
  std::vector<Error> errors;
  if (auto ok = d->ws_.open(d->config_.workspace); !ok) {
    return std::unexpected(std::vector<Error>{ok.error().within(d->config_.path + ":/workspace")});
  }
  auto delivery = DeliveryManager::create(d->config_, &log, d->clock_);
  if (!delivery) return std::unexpected(delivery.error());
  d->delivery_ = std::move(*delivery);
  auto qws = sinks::Workspace::open(d->config_.workspace);
  if (!qws) return std::unexpected(std::vector<Error>{qws.error().within(d->config_.path + ":/workspace")});
  d->query_ws_.ws = std::move(*qws);
  for (size_t i = 0; i < d->config_.connectors.size(); ++i) {
    auto inst = d->make_instance(d->config_.connectors[i], i);
    if (!inst) {
      errors.insert(errors.end(), inst.error().begin(), inst.error().end());
      continue;
    }
    d->instances_.push_back(*inst);
  }
  // Webhook commands run package actions with the webhook's parameters, one at a time each.
  ActionRunnerFactory actions = [ca = d->config_.ca_file](const Package& pkg, const ccp::Params& params) -> receive::ActionRunner {
    auto runner = ActionRunner::create(pkg, params, ca);
    if (!runner) {
      Error e = runner.error();
      return [e](const std::string&, const ccp::Params&) -> Result<std::string> { return std::unexpected(e); };
    }
    auto shared = std::shared_ptr<ActionRunner>(std::move(*runner));
    auto mutex = std::make_shared<std::mutex>();
    return [shared, mutex](const std::string& action, const ccp::Params& args) -> Result<std::string> {
      std::lock_guard lock(*mutex);
      auto out = shared->run(action, args);
      Redactor redact;
      for (const auto& s : shared->secrets()) redact.add(s);
      if (!out) return fail("action " + action, redact(out.error().str()));
      return out->result;
    };
  };
  DeliveryManager* delivery_ptr = d->delivery_.get();
  RouteResolver routes = [delivery_ptr](const std::vector<Route>& r, const std::string& stream) { return delivery_ptr->resolve(r, stream); };
  auto receivers = build_receivers(d->config_, *d->ws_.writer, routes, actions, d->clock_);
  if (!receivers) errors.insert(errors.end(), receivers.error().begin(), receivers.error().end());
  else d->receivers_ = std::move(*receivers);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  d->refresh_redactor();
  return d;
}

std::expected<std::shared_ptr<Daemon::Instance>, std::vector<Error>> Daemon::make_instance(const ConnectorInstanceConfig& c,
                                                                                          size_t index) {
  std::string where = config_.path + ":/connectors/" + std::to_string(index) + " (" + c.name + ")";
  std::shared_ptr<Instance> inst;
  std::unique_ptr<ConnectorRuntime> rt;
  std::shared_ptr<const Package> pkg;
  if (c.enabled) {
    RuntimeSpec spec;
    spec.name = c.name;
    spec.package_path = c.package;
    spec.params = c.parameters;
    spec.connection = c.connection;
    spec.ca_file = config_.ca_file;
    spec.abort = [this] { return abort_requests_.load(); };
    spec.destinations = c.destinations;
    DeliveryManager* delivery = delivery_.get();
    spec.routes = [delivery](const std::vector<Route>& r, const std::string& stream) { return delivery->resolve(r, stream); };
    auto opened = ConnectorRuntime::open(spec);
    if (!opened) {
      std::vector<Error> errors;
      for (const auto& e : opened.error()) errors.push_back(e.within(where));
      return std::unexpected(std::move(errors));
    }
    rt = std::move(*opened);
    pkg = rt->shared_package();
  } else {
    pkg = shared_package(c.package, c.parameters);
  }
  std::string kind = str_of(pkg->ui, "id");
  if (kind.empty()) kind = pkg->name;
  inst = std::make_shared<Instance>(c, kind);
  inst->package_name = pkg->name;
  inst->package = pkg;
  inst->ui = std::shared_ptr<const Value>(pkg, &pkg->ui);
  for (const auto& d : pkg->definitions.definitions) {
    for (const auto& p : d.parameters) {
      if (p.secret) inst->secret_params.insert(p.name);
    }
  }
  for (const auto& [k, v] : c.parameters) {
    if (secret_looking(k)) inst->secret_params.insert(k);
  }
  if (rt) {
    inst->secrets = rt->secrets();
    for (const auto& [k, v] : c.parameters) {
      if (std::find(inst->secrets.begin(), inst->secrets.end(), v) != inst->secrets.end()) inst->secret_params.insert(k);
    }
    inst->tables = rt->tables();
    int64_t w = rt->window_ticks();
    int64_t period = w;
    if (c.schedule) {
      DateTime now = clock_();
      auto n1 = c.schedule->next_after(now);
      auto n2 = n1 ? c.schedule->next_after(*n1) : std::nullopt;
      if (n1 && n2) period = n2->ticks - n1->ticks;
      inst->schedule_text = c.schedule->text();
    } else {
      inst->schedule_text = "every " + std::to_string(w / kTicksPerMinute) + " minutes";
    }
    inst->expected_ticks = std::max(2 * period, 2 * w + rt->window_delay_ticks());
    ConnectorMetrics* metrics = &inst->metrics;
    rt->on_response([metrics](int status) { metrics->add_response(status); });
  }
  for (const auto& [k, v] : c.parameters) {
    if (inst->secret_params.contains(k)) inst->secrets.push_back(v);
  }
  std::sort(inst->secrets.begin(), inst->secrets.end());
  inst->secrets.erase(std::unique(inst->secrets.begin(), inst->secrets.end()), inst->secrets.end());
  inst->rt = std::move(rt);
  if (inst->rt) inst->checkpoint = inst->rt->checkpoint(ws_);
  return inst;
}

void Daemon::refresh_redactor() {
  Redactor r;
  {
    std::lock_guard lock(mutex_);
    for (const auto& inst : instances_) {
      for (const auto& s : inst->secrets) r.add(s);
    }
    if (!config_.bearer_token.empty()) r.add(config_.bearer_token);
    if (receivers_) {
      for (const auto& s : receivers_->secrets) r.add(s);
    }
    for (const auto& dst : config_.destinations) {
      for (const auto* s : {&dst.client_secret, &dst.token}) {
        if (!s->empty()) r.add(*s);
      }
      // A libpq connection string may carry a password (password=... or user:pass@ in a URI).
      if (auto at = dst.connection.find("password="); at != std::string::npos) {
        std::string rest = dst.connection.substr(at + 9);
        std::string pw = rest.substr(0, rest.find(' '));
        if (!pw.empty()) r.add(pw);
      }
      if (auto scheme = dst.connection.find("://"); scheme != std::string::npos) {
        auto at = dst.connection.find('@', scheme);
        auto colon = dst.connection.find(':', scheme + 3);
        if (at != std::string::npos && colon != std::string::npos && colon < at) r.add(dst.connection.substr(colon + 1, at - colon - 1));
      }
    }
    redactor_ = std::make_shared<const Redactor>(r);
  }
  log_.set_redactor(std::move(r));
}

std::string Daemon::redact(std::string text) const {
  std::shared_ptr<const Redactor> r;
  {
    std::lock_guard lock(mutex_);
    r = redactor_;
  }
  return (*r)(std::move(text));
}

std::string Daemon::bearer_token() const {
  std::lock_guard lock(mutex_);
  return config_.bearer_token;
}

void Daemon::schedule(const std::shared_ptr<Instance>& inst) {
  if (!inst->rt) return;
  NextFire next;
  if (inst->cfg.schedule) {
    next = [cron = *inst->cfg.schedule](DateTime t) { return cron.next_after(t); };
  } else {
    int64_t w = inst->rt->window_ticks();
    next = [w](DateTime t) -> std::optional<DateTime> { return DateTime{(t.ticks / w + 1) * w}; };
  }
  std::weak_ptr<Instance> weak = inst;
  scheduler_->add(inst->cfg.name, std::move(next),
                  [this, inst](const std::atomic<bool>& cancel) { run_instance(*inst, cancel); }, true);
}

std::vector<DestinationStatus> Daemon::destinations() const { return delivery_ ? delivery_->status() : std::vector<DestinationStatus>{}; }

void Daemon::start() {
  if (auto ok = delivery_->start(config_.workspace); !ok) {
    log_.log(LogLevel::Error, "Delivery not started.", {{"error", ok.error().str()}});
  }
  SchedulerOptions so;
  so.workers = config_.workers;
  so.max_jitter_ticks = config_.max_jitter_ticks;
  so.clock = clock_;
  scheduler_ = std::make_unique<Scheduler>(so);
  std::vector<std::shared_ptr<Instance>> list;
  {
    std::lock_guard lock(mutex_);
    list = instances_;
  }
  for (const auto& inst : list) {
    schedule(inst);
    log_.log(LogLevel::Info, "Connector scheduled.",
             {{"connector", inst->cfg.name}, {"package", inst->package_name}, {"schedule", inst->schedule_text},
              {"enabled", inst->cfg.enabled ? "true" : "false"}});
  }
  int64_t every = config_.health_summary_ticks;
  scheduler_->add(kSummaryJob, [every](DateTime t) -> std::optional<DateTime> { return DateTime{(t.ticks / every + 1) * every}; },
                  [this](const std::atomic<bool>&) { write_summaries(); }, false);
  ready_ = true;
}

void Daemon::run_instance(Instance& inst, const std::atomic<bool>& cancel) {
  auto stop = [&] { return cancel.load() || stopping_.load() || inst.retired.load(); };
  if (stop()) return;
  RunLimits limits;
  limits.stop = stop;
  limits.max_windows = inst.cfg.windows_per_run;
  {
    std::lock_guard lock(mutex_);
    limits.max_lookback_ticks = inst.cfg.max_lookback_ticks.value_or(config_.max_lookback_ticks);
  }
  limits.initial_start = inst.cfg.start;
  limits.clock = clock_;
  std::optional<LogLevel> level = inst.cfg.log_level;
  log_.log_fields(LogLevel::Debug, "Poll started.", {{"connector", inst.cfg.name}}, level);
  RunReport r = inst.rt->run(ws_, limits);
  DateTime now = clock_();
  if (r.skipped_ticks > 0) {
    log_.log_fields(LogLevel::Warn, r.age_limited ? "Windows older than the API keeps data were skipped." : "Windows older than the lookback were skipped.",
                    {{"connector", inst.cfg.name}, {"skipped_seconds", std::to_string(r.skipped_ticks / kTicksPerSecond)}}, level);
    if (r.age_limited) {
      // The backfill asked for more than the API can return: say so where operators look.
      HealthEvent w;
      w.time = clock_();
      w.resource_name = inst.cfg.name;
      w.resource_kind = inst.kind;
      w.operation = "Data fetch status change";
      w.status = "Warning";
      w.description = "The start lies beyond what the API keeps (maxAgeInMin): " + std::to_string(r.skipped_ticks / kTicksPerMinute) +
                      " minutes of windows were skipped; polling starts at the oldest readable window";
      w.extended = Value(Object{{"skippedSeconds", Value(r.skipped_ticks / kTicksPerSecond)}});
      if (auto ok = ws_.writer->write(health_batch(std::span<const HealthEvent>(&w, 1))); ok) ++health_rows_;
    }
  }
  if (r.error && stop()) {
    // A request cut short by shutdown is not a vendor failure: its page was not committed and is
    // fetched again on the next start.
    log_.log_fields(LogLevel::Info, "Poll interrupted by shutdown.", {{"connector", inst.cfg.name}}, level);
    return;
  }
  bool ok = !r.error;
  std::string table = inst.tables.empty() ? std::string() : inst.tables.front();
  inst.metrics.add_run(static_cast<double>(r.elapsed.count()) / 1000, ok, r.events, r.rows, r.duplicates, r.retries, table);
  if (r.checkpoint) inst.metrics.set_checkpoint_lag(static_cast<double>(now.ticks - r.checkpoint->ticks) / kTicksPerSecond);
  std::optional<HealthEvent> event;
  constexpr int64_t kFirstRetryTicks = 30 * kTicksPerSecond;
  int64_t retry_in = 0;
  {
    std::lock_guard lock(inst.m);
    inst.last_run = now;
    ++inst.runs;
    inst.events += r.events;
    inst.rows += r.rows;
    if (r.checkpoint) inst.checkpoint = r.checkpoint;
    if (ok) {
      inst.last_success = now;
      inst.last_error.clear();
      if (r.events > 0) inst.last_data = now;
      inst.consecutive_failures = 0;
    } else {
      inst.last_failure = now;
      ++inst.failures;
      inst.last_error = r.error->str();
      retry_in = kFirstRetryTicks << std::min(inst.consecutive_failures, 5);
      ++inst.consecutive_failures;
    }
    event = inst.health.on_run(r, now);
  }
  // A failed poll (the vendor throttled past every retry, a network outage) is tried again sooner
  // than its schedule, 30 s doubling up to 16 min; its windows resume from the checkpoint.
  if (retry_in > 0 && scheduler_) {
    auto info = scheduler_->info(inst.cfg.name);
    if (!info || !info->next_due || info->next_due->ticks > now.ticks + retry_in) scheduler_->fire_at(inst.cfg.name, DateTime{now.ticks + retry_in});
  }
  if (event) {
    event->description = redact(event->description);
    if (auto w = ws_.writer->write(health_batch(std::span<const HealthEvent>(&*event, 1))); !w) {
      log_.log(LogLevel::Error, "Health row not written.", {{"connector", inst.cfg.name}, {"error", w.error().str()}});
    } else {
      ++health_rows_;
    }
  }
  std::vector<LogField> fields{{"connector", inst.cfg.name},
                               {"windows", std::to_string(r.windows)},
                               {"pages", std::to_string(r.pages)},
                               {"events", std::to_string(r.events)},
                               {"rows", std::to_string(r.rows)},
                               {"duplicates", std::to_string(r.duplicates)},
                               {"retries", std::to_string(r.retries)},
                               {"ms", ms(r.elapsed)}};
  if (r.checkpoint) fields.emplace_back("checkpoint", format_iso8601(*r.checkpoint));
  if (r.interrupted) fields.emplace_back("interrupted", "true");
  if (ok) {
    log_.log_fields(r.windows > 0 ? LogLevel::Info : LogLevel::Debug, "Poll finished.", fields, level);
  } else {
    if (r.last_http_status) fields.emplace_back("status", std::to_string(r.last_http_status));
    fields.emplace_back("error", r.error->message);
    log_.log_fields(LogLevel::Error, "Poll failed.", fields, level);
  }
}

void Daemon::write_summaries() {
  std::vector<std::shared_ptr<Instance>> list;
  {
    std::lock_guard lock(mutex_);
    list = instances_;
  }
  DateTime now = clock_();
  std::vector<HealthEvent> events;
  for (const auto& inst : list) {
    std::lock_guard lock(inst->m);
    if (auto e = inst->health.summary(now)) {
      e->description = redact(e->description);
      events.push_back(std::move(*e));
    }
  }
  if (events.empty()) return;
  if (auto w = ws_.writer->write(health_batch(events)); !w) {
    log_.log(LogLevel::Error, "Health summary not written.", {{"error", w.error().str()}});
  } else {
    health_rows_ += static_cast<int64_t>(events.size());
    log_.log(LogLevel::Info, "Health summary written.", {{"failing_connectors", std::to_string(events.size())}});
  }
}

std::vector<Error> Daemon::reload(DaemonConfig next) {
  std::vector<Error> errors;
  auto restart_note = [&](const char* key, bool changed) {
    if (changed) log_.log(LogLevel::Warn, "Setting changed; restart to apply it.", {{"key", key}});
  };
  restart_note("workspace", next.workspace != config_.workspace);
  restart_note("listen", next.listen_host != config_.listen_host || next.listen_port != config_.listen_port);
  restart_note("workers", next.workers != config_.workers);
  restart_note("maxJitter", next.max_jitter_ticks != config_.max_jitter_ticks);
  restart_note("healthSummaryInterval", next.health_summary_ticks != config_.health_summary_ticks);
  std::map<std::string, std::shared_ptr<Instance>> old;
  {
    std::lock_guard lock(mutex_);
    for (const auto& inst : instances_) old[inst->cfg.name] = inst;
  }
  std::vector<std::shared_ptr<Instance>> kept, started;
  std::set<std::string> names;
  for (size_t i = 0; i < next.connectors.size(); ++i) {
    const auto& c = next.connectors[i];
    names.insert(c.name);
    auto it = old.find(c.name);
    if (it != old.end() && it->second->cfg.same_as(c)) {
      kept.push_back(it->second);
      continue;
    }
    auto inst = make_instance(c, i);
    if (!inst) {
      errors.insert(errors.end(), inst.error().begin(), inst.error().end());
      // A broken new version leaves the running one alone.
      if (it != old.end()) kept.push_back(it->second);
      continue;
    }
    if (it != old.end()) {
      it->second->retired = true;
      log_.log(LogLevel::Info, "Connector changed; restarting it.", {{"connector", c.name}});
    } else {
      log_.log(LogLevel::Info, "Connector added.", {{"connector", c.name}});
    }
    started.push_back(*inst);
  }
  std::vector<std::string> removed;
  for (const auto& [name, inst] : old) {
    if (names.contains(name)) continue;
    inst->retired = true;
    removed.push_back(name);
  }
  {
    std::lock_guard lock(mutex_);
    // Keep the order of the new file.
    std::vector<std::shared_ptr<Instance>> list;
    for (const auto& c : next.connectors) {
      for (const auto* group : {&started, &kept}) {
        for (const auto& inst : *group) {
          if (inst->cfg.name == c.name) list.push_back(inst);
        }
      }
    }
    instances_ = std::move(list);
    config_.log_level = next.log_level;
    config_.bearer_token = next.bearer_token;
    config_.max_lookback_ticks = next.max_lookback_ticks;
    config_.connectors = next.connectors;
  }
  log_.set_level(next.log_level);
  refresh_redactor();
  for (const auto& name : removed) {
    scheduler_->remove(name);
    log_.log(LogLevel::Info, "Connector removed.", {{"connector", name}});
  }
  for (const auto& inst : started) {
    if (inst->rt) schedule(inst);
    else scheduler_->remove(inst->cfg.name);
  }
  if (errors.empty()) ++reloads_;
  else ++reload_failures_;
  return errors;
}

bool Daemon::stop() {
  ready_ = false;
  stopping_ = true;
  if (!scheduler_) return true;
  auto grace = std::chrono::milliseconds(config_.shutdown_grace_ticks / kTicksPerMillisecond);
  auto abort_after = grace > std::chrono::milliseconds(3000) ? grace - std::chrono::milliseconds(2000) : grace / 2;
  scheduler_->cancel_all();
  bool idle = scheduler_->wait_idle(abort_after);
  if (!idle) {
    // Pages still in flight are abandoned; their windows are fetched again on the next start.
    log_.log(LogLevel::Warn, "Aborting requests still in flight.", {{"running", std::to_string(scheduler_->running())}});
    abort_requests_ = true;
  }
  idle = scheduler_->stop(grace - abort_after);
  // Entries still in the spool are delivered after the next start.
  delivery_->stop();
  DriftStats drift = scheduler_->drift();
  char figures[160];
  std::snprintf(figures, sizeof figures, "p50_s=%g p99_s=%g max_s=%.3f fires=%lld", drift.quantile(0.5), drift.quantile(0.99),
                drift.max_seconds, static_cast<long long>(drift.total));
  log_.log(LogLevel::Info, "Schedule drift.", {{"figures", figures}});
  // The scheduler object stays until the daemon is destroyed: HTTP handlers may still read it.
  return idle;
}

InstanceView Daemon::view_of(const Instance& inst) const {
  InstanceView v;
  v.name = inst.cfg.name;
  v.package = inst.package_name;
  v.enabled = inst.cfg.enabled;
  v.schedule = inst.schedule_text;
  v.tables = inst.tables;
  v.ui = inst.ui;
  if (inst.rt) v.actions = std::shared_ptr<const std::vector<ActionSpec>>(inst.package, &inst.package->actions);
  for (const auto& [k, val] : inst.cfg.parameters) v.parameters.emplace_back(k, inst.secret_params.contains(k) ? kMask : redact(val));
  if (scheduler_ && inst.rt) {
    if (auto info = scheduler_->info(inst.cfg.name)) v.next_run = info->next_due;
  }
  DateTime now = clock_();
  std::lock_guard lock(inst.m);
  v.last_run = inst.last_run;
  v.last_success = inst.last_success;
  v.last_failure = inst.last_failure;
  v.last_data = inst.last_data;
  v.checkpoint = inst.checkpoint;
  v.last_error = redact(inst.last_error);
  v.events = inst.events;
  v.rows = inst.rows;
  v.runs = inst.runs;
  v.failures = inst.failures;
  if (!inst.cfg.enabled) {
    v.status = "Disabled";
    v.reason = "enabled: false in the configuration";
  } else if (!inst.last_run) {
    v.status = "Starting";
    v.reason = "no poll has finished yet";
  } else if (!inst.last_error.empty()) {
    v.status = "Disconnected";
    v.reason = "the last poll failed: " + v.last_error;
  } else if (!inst.last_data || now.ticks - inst.last_data->ticks > inst.expected_ticks) {
    v.status = "Disconnected";
    v.reason = "polls succeed but no data arrived in the last " + std::to_string(inst.expected_ticks / kTicksPerMinute) + " minutes";
  } else {
    v.status = "Connected";
  }
  return v;
}

std::vector<InstanceView> Daemon::instances() const {
  std::vector<std::shared_ptr<Instance>> list;
  {
    std::lock_guard lock(mutex_);
    list = instances_;
  }
  std::vector<InstanceView> out;
  out.reserve(list.size());
  for (const auto& inst : list) out.push_back(view_of(*inst));
  return out;
}

std::shared_ptr<Daemon::Instance> Daemon::find_instance(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(instances_.begin(), instances_.end(), [&](const auto& inst) { return inst->cfg.name == name; });
  return it == instances_.end() ? nullptr : *it;
}

std::optional<InstanceView> Daemon::instance(const std::string& name) const {
  auto found = find_instance(name);
  if (!found) return std::nullopt;
  return view_of(*found);
}

std::optional<std::expected<ActionOutcome, ActionFailure>> Daemon::run_action(const std::string& name, const std::string& action,
                                                                               const ccp::Params& args) {
  std::shared_ptr<Instance> found = find_instance(name);
  if (!found) return std::nullopt;
  std::string ca_file;
  {
    std::lock_guard lock(mutex_);  // a reload replaces config_
    ca_file = config_.ca_file;
  }
  if (!found->rt) return std::unexpected(ActionFailure{action, "", 0, "", "the instance is disabled or did not open"});
  // A runner per run: actions are rare, and a fresh runner keeps runs from sharing state.
  auto runner = ActionRunner::create(found->rt->package(), found->cfg.parameters, ca_file);
  if (!runner) return std::unexpected(ActionFailure{action, "", 0, "", redact(found->rt->redactor()(runner.error().str()))});
  auto out = (*runner)->run(action, args);
  Redactor r = found->rt->redactor();
  for (const auto& s : (*runner)->secrets()) r.add(s);
  log_.log(out ? LogLevel::Info : LogLevel::Warn, out ? "Action ran." : "Action failed.",
           {{"connector", name}, {"action", action}, {"status", std::to_string(out ? out->status : out.error().status)}});
  if (!out) {
    ActionFailure f = out.error();
    f.message = redact(r(f.message));
    return std::unexpected(std::move(f));
  }
  ActionOutcome o = std::move(*out);
  o.result = redact(r(o.result));
  o.body = redact(r(o.body));
  return o;
}

Result<kql::Table> Daemon::query(const std::string& text, int64_t max_rows) const {
  std::vector<std::pair<std::string, std::string>> functions;
  {
    std::lock_guard lock(mutex_);
    for (const auto& inst : instances_) {
      if (inst->rt) {
        for (const auto& f : inst->rt->package().functions) functions.push_back(f);
      }
    }
  }
  std::lock_guard lock(query_ws_.mutex);
  sinks::WorkspaceCatalog catalog(*query_ws_.ws);
  for (auto& [name, body] : functions) catalog.add_function(name, body);
  auto q = kql::Query::compile(text, catalog);
  if (!q) return std::unexpected(q.error());
  kql::QueryOptions options;
  options.clock = clock_;
  options.max_rows = max_rows;
  return q->run(options);
}

std::vector<std::pair<DateTime, int64_t>> Daemon::rows_per_day(const InstanceView& view, int days) const {
  const InstanceView* v = &view;
  std::vector<std::pair<DateTime, int64_t>> out;
  DateTime now = clock_();
  int64_t today = now.ticks / kTicksPerDay * kTicksPerDay;
  for (int i = days - 1; i >= 0; --i) out.emplace_back(DateTime{today - i * kTicksPerDay}, 0);
  std::string base;
  if (const Value* gq = v->ui->kind() == Kind::Object ? v->ui->get("graphQueries") : nullptr; gq && gq->kind() == Kind::Array) {
    if (const Value* first = gq->at(0)) base = str_of(*first, "baseQuery");
  }
  if (base.empty() && !v->tables.empty()) base = v->tables.front();
  if (base.empty()) return out;
  std::string text = base + "\n| where TimeGenerated >= datetime(" + format_iso8601(out.front().first) +
                     ")\n| summarize Count = count() by Day = bin(TimeGenerated, 1d)";
  std::vector<std::pair<DateTime, int64_t>> counts;
  {
    std::lock_guard lock(chart_mutex_);
    auto it = chart_cache_.find(text);
    if (it != chart_cache_.end() && now.ticks - it->second.first.ticks < 10 * kTicksPerSecond) counts = it->second.second;
    else it = chart_cache_.end();
    if (it == chart_cache_.end()) {
      auto result = query(text, 10'000);
      if (result) {
        int day_col = result->schema.index_of("Day"), count_col = result->schema.index_of("Count");
        for (const auto& row : result->rows) {
          if (day_col < 0 || count_col < 0) break;
          const Value& d = row[day_col];
          const Value& c = row[count_col];
          if (d.kind() != Kind::DateTime) continue;
          counts.emplace_back(d.as_datetime(), c.kind() == Kind::Long ? c.as_long() : c.kind() == Kind::Int ? c.as_int() : 0);
        }
      }
      chart_cache_[text] = {now, counts};
    }
  }
  for (const auto& [day, n] : counts) {
    for (auto& slot : out) {
      if (slot.first.ticks == day.ticks) slot.second += n;
    }
  }
  return out;
}

std::string Daemon::metrics() const {
  DaemonTelemetry t;
  {
    std::lock_guard lock(mutex_);
    for (const auto& inst : instances_) t.connectors.emplace_back(inst->cfg.name, inst->metrics.snapshot());
  }
  if (scheduler_) {
    t.queue_depth = scheduler_->queue_depth();
    t.running = scheduler_->running();
    t.drift = scheduler_->drift();
  }
  t.workers = config_.workers;
  t.health_rows = health_rows_;
  t.reloads = reloads_;
  t.reload_failures = reload_failures_;
  if (receivers_) {
    auto& rx = receivers_->receivers;
    if (rx.data_collector) {
      auto c = rx.data_collector->counters();
      t.receivers.push_back({"data_collector", c.requests, c.accepted, c.records, c.refused});
    }
    if (rx.logs_ingestion) {
      auto c = rx.logs_ingestion->counters();
      t.receivers.push_back({"logs_ingestion", c.requests, c.accepted, c.records, c.refused});
    }
    if (rx.webhooks) {
      auto c = rx.webhooks->counters();
      t.receivers.push_back({"webhook", c.requests, c.accepted, c.events, c.refused});
    }
  }
  DateTime now = clock_();
  for (const auto& d : destinations()) {
    DestinationTelemetry dt{d.name, d.type, d.spooled_entries, d.spooled_rows, d.spooled_bytes, 0, d.delivered_rows, d.requests,
                            d.retries, d.errors, d.rejected, d.busy};
    if (d.oldest) dt.oldest_age_seconds = static_cast<double>(std::max<int64_t>(0, now.ticks - d.oldest->ticks)) / kTicksPerSecond;
    t.destinations.push_back(std::move(dt));
  }
  auto ws = ws_.writer->stats();
  t.writer_transactions = ws.transactions;
  t.writer_batches = ws.batches;
  return redact(render_prometheus(t));
}

}  // namespace intake::engine
