#include "engine/poll_job.h"

#include <iostream>
#include <thread>

#include "core/sleep.h"
#include "dcr/dcr.h"
#include "auth/locked.h"
#include "engine/actions.h"
#include "engine/connector_runtime.h"
#include "engine/nested_steps.h"
#include "engine/package.h"
#include "engine/redact.h"
#include "json/value_json.h"

namespace intake::engine {

namespace {

JobError config_error(std::vector<Error> errors) { return JobError{JobFailure::Config, std::move(errors)}; }

// --dry-run: events go to the output as NDJSON; nothing is stored.
class PrintSink final : public poll::PageSink {
 public:
  explicit PrintSink(std::ostream& out) : out_(out) {}
  Status write(const poll::Page& page) override {
    for (const auto& e : page.events) out_ << simdjson::minify(e) << '\n';
    return {};
  }

 private:
  std::ostream& out_;
};

}  // namespace

std::expected<PollJobResult, JobError> run_poll_job(const PollJobOptions& opt) {
  std::ostream& out = opt.out ? *opt.out : std::cout;
  std::ostream& log = opt.log ? *opt.log : std::cerr;
  Package pkg = load_package(opt.package_path, opt.params);
  std::vector<Error> problems;
  for (const auto& d : pkg.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) problems.push_back(d.error);
    else log << "warning: " << d.error.str() << "\n";
  }
  if (!problems.empty()) return std::unexpected(config_error(std::move(problems)));
  if (pkg.definitions.definitions.empty()) {
    return std::unexpected(config_error({Error(opt.package_path, "no polling connection to run")}));
  }

  Redactor redact;
  std::vector<ccp::Definition> defs;
  for (const auto& d : pkg.definitions.definitions) {
    if (!d.active || (!opt.connection.empty() && d.name != opt.connection)) continue;
    auto inst = ccp::instantiate(d, opt.params);
    if (!inst) {
      problems.push_back(inst.error());
      continue;
    }
    for (const auto& s : auth::secrets_of(inst->auth)) redact.add(s);
    defs.push_back(std::move(*inst));
  }
  for (const auto& [k, v] : opt.params) {
    for (const auto& d : defs) {
      for (const auto& p : d.parameters) {
        if (p.secret && iequals(p.name, k)) redact.add(v);
      }
    }
  }
  if (!problems.empty()) return std::unexpected(config_error(std::move(problems)));
  if (defs.empty()) {
    std::string names;
    for (const auto& d : pkg.definitions.definitions) names += (names.empty() ? "" : ", ") + d.name;
    return std::unexpected(config_error({Error(opt.package_path, "no active connection named '" + opt.connection +
                                                                     "' (connections: " + names + ")")}));
  }

  http::ClientOptions copts;
  copts.ca_file = opt.ca_file;
  auto client = http::Client::create(copts);
  if (!client) return std::unexpected(JobError{JobFailure::Runtime, {client.error()}});

  // The writer commits on its own thread while the poller fetches and maps the next page.
  SharedWorkspace shared;
  sinks::Workspace* ws = nullptr;
  if (!opt.dry_run) {
    if (opt.workspace_path.empty()) return std::unexpected(config_error({Error("--workspace", "a workspace file is required")}));
    if (auto ok = shared.open(opt.workspace_path); !ok) return std::unexpected(config_error({ok.error()}));
    ws = shared.ws.get();
  }

  PollJobResult result;
  std::string base_name = opt.instance_name.empty() ? pkg.name : opt.instance_name;
  for (const auto& def : defs) {
    std::string instance = pkg.definitions.definitions.size() > 1 ? base_name + "/" + def.name : base_name;
    auto authenticator = auth::make_authenticator(def.auth, **client);
    if (!authenticator) return std::unexpected(config_error({authenticator.error()}));
    std::unique_ptr<auth::LockedAuthenticator> locked;
    if (!def.steps.empty()) locked = std::make_unique<auth::LockedAuthenticator>(**authenticator);
    auth::Authenticator& auth_used = locked ? static_cast<auth::Authenticator&>(*locked) : **authenticator;
    if (!def.ensure.empty() && !opt.dry_run) {
      auto runner = ActionRunner::create(pkg, opt.params, opt.ca_file);
      if (!runner) return std::unexpected(config_error({runner.error()}));
      auto done = run_ensure(**runner, def, instance);
      if (!done) return std::unexpected(JobError{JobFailure::Runtime, {Error(done.error().where, redact(done.error().message))}});
      for (size_t i = 0; i < done->size(); ++i) {
        const ActionOutcome& o = (*done)[i];
        log << "ensure " << o.action << ": HTTP " << o.status << (o.error_code.empty() ? "" : " (" + o.error_code + ")") << "\n";
      }
    }

    poll::Checkpoint checkpoint;
    if (ws) {
      std::lock_guard lock(shared.mutex);
      if (opt.reset) {
        if (auto ok = ws->reset_state(instance); !ok) return std::unexpected(JobError{JobFailure::Runtime, {ok.error()}});
      }
      auto state = ws->state(instance);
      if (!state) return std::unexpected(JobError{JobFailure::Runtime, {state.error()}});
      if (*state) {
        auto cp = poll::Checkpoint::from_json(**state);
        if (!cp) return std::unexpected(config_error({cp.error().within(opt.workspace_path + ": state of " + instance)}));
        checkpoint = *cp;
      }
    }

    Outputs plan = plan_outputs(pkg, def);
    if (!plan.errors.empty()) return std::unexpected(config_error(std::move(plan.errors)));
    std::optional<json::JsonPath> dedup;
    if (!def.dedup_key_json_path.empty()) dedup = json::JsonPath::compile(def.dedup_key_json_path).value();
    PrintSink printer(out);
    std::unique_ptr<WorkspaceSink> store;
    if (ws) {
      store = std::make_unique<WorkspaceSink>(*shared.writer, instance, std::move(plan.mapper),
                                              StreamRouter(std::move(plan.tables)), dedup, opt.clock);
      store->set_key_retention(int64_t(def.dedup_retention_minutes) * kTicksPerMinute);
    }
    poll::PageSink& sink = store ? static_cast<poll::PageSink&>(*store) : printer;

    poll::PollOptions popts;
    int64_t width = poll::window_ticks(def);
    popts.initial_start = opt.from ? *opt.from : DateTime{opt.clock().ticks - width};
    if (auto limit = poll::oldest_readable(def, opt.clock())) {
      // The API keeps data this long: an older start (or checkpoint) is clamped, with a warning.
      DateTime oldest = *limit;
      DateTime from = checkpoint.open_window ? checkpoint.open_window->start : checkpoint.next_start.value_or(popts.initial_start);
      if (from < oldest) {
        log << "warning: " << instance << ": " << format_iso8601(from) << " is beyond what the API keeps (maxAgeInMin "
            << def.max_age_minutes << "); starting at " << format_iso8601(oldest) << "\n";
        std::string cursor = checkpoint.cursor;
        checkpoint = poll::Checkpoint{};
        checkpoint.next_start = oldest;
        checkpoint.cursor = cursor;
        if (popts.initial_start < oldest) popts.initial_start = oldest;
      }
    }
    popts.until = opt.to;
    popts.clock = opt.clock;
    popts.stop_requested = opt.stop_requested;
    popts.backoff = opt.backoff;
    popts.sleep = [&](std::chrono::milliseconds d) { return sleep_unless(d, opt.stop_requested, std::chrono::milliseconds(100)); };
    std::ostream& summary_out = opt.dry_run ? log : out;
    popts.on_window = [&](const poll::WindowSummary& s) {
      summary_out << "window " << format_iso8601(s.window.start) << " .. " << format_iso8601(s.window.end)
                  << " connector=" << instance << " pages=" << s.pages << " events=" << s.events
                  << " retries=" << s.retries << " ms=" << s.elapsed.count() << std::endl;
    };
    std::unique_ptr<StepRunner> steps;
    if (!def.steps.empty()) {
      auto runner = StepRunner::create(def, auth_used, copts, popts);
      if (!runner) return std::unexpected(config_error({runner.error()}));
      steps = std::move(*runner);
      StepRunner* r = steps.get();
      popts.expand = [r](std::span<const simdjson::dom::element> events, const poll::Window& w) { return r->expand(events, w); };
    }
    auto poller = poll::Poller::create(def, **client, auth_used, popts);
    if (!poller) return std::unexpected(config_error({Error(redact(poller.error().str()))}));

    while (true) {
      auto stats = (*poller)->run(checkpoint, sink);
      if (!stats) {
        Error e(redact(stats.error().where), redact(stats.error().message));
        e.message = "Poll failed. connector=" + instance + " error=" + e.message;
        return std::unexpected(JobError{JobFailure::Runtime, {e}});
      }
      result.stats.windows += stats->windows;
      result.stats.pages += stats->pages;
      result.stats.events += stats->events;
      result.stats.requests += stats->requests;
      result.stats.retries += stats->retries;
      if (stats->interrupted || opt.once || opt.to || opt.dry_run) break;
      // Caught up: wait until the next window has closed, then poll again.
      auto state = shared.writer->read([&](sinks::Workspace& w) { return w.state(instance); });
      if (!state || !*state) break;
      checkpoint = poll::Checkpoint::from_json(**state).value_or(poll::Checkpoint{});
      int64_t next_end = checkpoint.next_start.value_or(opt.clock()).ticks + width +
                         int64_t(def.request.window_delay_minutes) * kTicksPerMinute;
      auto wait = std::chrono::milliseconds(std::max<int64_t>(0, (next_end - opt.clock().ticks) / kTicksPerMillisecond) + 100);
      if (!sleep_unless(wait, opt.stop_requested, std::chrono::milliseconds(100))) break;
    }
    if (store) {
      result.sink.rows_written += store->stats().rows_written;
      result.sink.events_accepted += store->stats().events_accepted;
      result.sink.duplicates_dropped += store->stats().duplicates_dropped;
    }
  }
  return result;
}

}  // namespace intake::engine
