// The daemon's parts without the network: Quartz cron (table-driven), the intake.yaml reader,
// the scheduler (jitter, one run at a time, catch-up, cancellation), health rows, /metrics text,
// and the HTTP routes over a daemon with no connectors.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "core/time.h"
#include "engine/cron.h"
#include "engine/daemon.h"
#include "engine/daemon_config.h"
#include "engine/health.h"
#include "engine/metrics.h"
#include "engine/scheduler.h"
#include "testing/support.h"
#include "web/status_server.h"

using namespace intake;
using namespace intake::engine;
using intake::testing::TempDir;

namespace {

DateTime at(const char* iso) { return parse_datetime(iso).value(); }

struct CronCase {
  const char* expr;
  const char* from;
  const char* next;  // nullptr: never
};

// Expected values follow Quartz's CronExpression.getTimeAfter (UTC).
const CronCase kCronCases[] = {
    {"0 */5 * * * ?", "2024-01-01T00:00:00Z", "2024-01-01T00:05:00Z"},
    {"0 */5 * * * ?", "2024-01-01T00:04:59.5Z", "2024-01-01T00:05:00Z"},
    {"*/10 * * * * ?", "2024-01-01T00:00:55Z", "2024-01-01T00:01:00Z"},
    {"0 0 12 * * ?", "2024-01-01T12:00:00Z", "2024-01-02T12:00:00Z"},
    {"0 15 10 ? * MON-FRI", "2024-01-05T11:00:00Z", "2024-01-08T10:15:00Z"},  // Friday -> Monday
    {"0 15 10 ? * 6L", "2024-01-01T00:00:00Z", "2024-01-26T10:15:00Z"},       // last Friday
    {"0 15 10 ? * 6#3", "2024-01-01T00:00:00Z", "2024-01-19T10:15:00Z"},      // third Friday
    {"0 0 0 L * ?", "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},          // leap year
    {"0 0 0 L-2 * ?", "2024-04-01T00:00:00Z", "2024-04-28T00:00:00Z"},
    {"0 0 0 15W * ?", "2024-06-01T00:00:00Z", "2024-06-14T00:00:00Z"},        // 15th is a Saturday
    {"0 0 0 1W * ?", "2024-09-01T00:00:00Z", "2024-09-02T00:00:00Z"},         // the 1st is a Sunday: Monday the 2nd
    {"0 0 0 LW * ?", "2024-08-01T00:00:00Z", "2024-08-30T00:00:00Z"},         // Aug 31 is a Saturday
    {"0 0 9 1,15 JAN,JUL ?", "2024-01-15T09:00:00Z", "2024-07-01T09:00:00Z"},
    {"0 0 22-2 * * ?", "2024-01-01T23:30:00Z", "2024-01-02T00:00:00Z"},       // wrapping range
    {"30 10 * * * ? 2030", "2024-01-01T00:00:00Z", "2030-01-01T00:10:30Z"},
    {"0 0 0 30 2 ?", "2024-01-01T00:00:00Z", nullptr},
    {"0 0 0 * * ? 2020", "2024-01-01T00:00:00Z", nullptr},
    {"0 0/20 8-9 * * *", "2024-01-01T09:40:00Z", "2024-01-02T08:00:00Z"},
};

}  // namespace

TEST(Cron, NextFireTimes) {
  for (const auto& c : kCronCases) {
    auto cron = CronSchedule::parse(c.expr);
    ASSERT_TRUE(cron) << c.expr << ": " << cron.error().str();
    auto next = cron->next_after(at(c.from));
    if (!c.next) {
      EXPECT_FALSE(next) << c.expr << " from " << c.from << " gave " << format_iso8601(*next);
      continue;
    }
    ASSERT_TRUE(next) << c.expr;
    EXPECT_EQ(format_iso8601(*next), c.next) << c.expr << " from " << c.from;
  }
}

TEST(Cron, RejectsMalformedExpressionsNamingTheField) {
  const std::pair<const char*, const char*> bad[] = {
      {"* * * * *", "expected 6 or 7 fields"},
      {"60 * * * * ?", "cron field 1 (seconds)"},
      {"0 0 24 * * ?", "cron field 3 (hours)"},
      {"0 0 0 1 * MON", "cannot both be set"},
      {"0 0 0 ? FOO *", "cron field 5 (month)"},
      {"0 0 0 ? * 8", "cron field 6 (day-of-week)"},
      {"0 */0 * * * ?", "expected a step"},
      {"? 0 0 * * *", "'?' is allowed only"},
      {"0 0 0 ? * 2#6", "n#k"},
  };
  for (const auto& [expr, needle] : bad) {
    auto r = CronSchedule::parse(expr);
    ASSERT_FALSE(r) << expr;
    EXPECT_NE(r.error().str().find(needle), std::string::npos) << expr << ": " << r.error().str();
  }
}

TEST(DaemonConfig, ReadsEveryKey) {
  TempDir dir;
  std::filesystem::create_directories(dir / "pkgs/jira");
  intake::testing::write_file(dir / "ca.pem", "x");
  auto env = [](const std::string& n) -> std::optional<std::string> {
    if (n == "JIRA_TOKEN") return "tok-123456";
    if (n == "API_TOKEN") return "bearer-123456";
    return std::nullopt;
  };
  std::string yaml = R"(
workspace: data/ws.db
listen: 0.0.0.0:9000
bearerToken: ${API_TOKEN}
workers: 8
maxLookback: 2d
maxJitter: 5s
healthSummaryInterval: 15m
shutdownGrace: 9s
logLevel: debug
tls: { caFile: ca.pem }
connectors:
  - name: jira-prod
    package: pkgs/jira
    parameters: { domain: example.net, password: "${JIRA_TOKEN}" }
    schedule: "0 */5 * * * ?"
    start: 7d
    enabled: false
    logLevel: warn
    maxLookback: 1h
    windowsPerRun: 3
    connection: Audit
)";
  DaemonConfigOptions o;
  o.env = env;
  o.now = at("2024-01-08T00:00:00Z");
  auto cfg = parse_daemon_config(yaml, (dir / "intake.yaml").string(), o);
  ASSERT_TRUE(cfg) << cfg.error().front().str();
  EXPECT_EQ(cfg->workspace, (dir / "data/ws.db").string());
  EXPECT_EQ(cfg->listen_host, "0.0.0.0");
  EXPECT_EQ(cfg->listen_port, 9000);
  EXPECT_EQ(cfg->bearer_token, "bearer-123456");
  EXPECT_EQ(cfg->workers, 8);
  EXPECT_EQ(cfg->max_lookback_ticks, 2 * kTicksPerDay);
  EXPECT_EQ(cfg->max_jitter_ticks, 5 * kTicksPerSecond);
  EXPECT_EQ(cfg->health_summary_ticks, 15 * kTicksPerMinute);
  EXPECT_EQ(cfg->shutdown_grace_ticks, 9 * kTicksPerSecond);
  EXPECT_EQ(cfg->log_level, LogLevel::Debug);
  ASSERT_EQ(cfg->connectors.size(), 1u);
  const auto& c = cfg->connectors[0];
  EXPECT_EQ(c.name, "jira-prod");
  EXPECT_EQ(c.package, (dir / "pkgs/jira").string());
  EXPECT_EQ(c.parameters.at("password"), "tok-123456");
  EXPECT_EQ(c.schedule->text(), "0 */5 * * * ?");
  EXPECT_EQ(format_iso8601(*c.start), "2024-01-01T00:00:00Z");
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.log_level, LogLevel::Warn);
  EXPECT_EQ(c.max_lookback_ticks, kTicksPerHour);
  EXPECT_EQ(c.windows_per_run, 3);
  EXPECT_EQ(c.connection, "Audit");
}

TEST(DaemonConfig, ReportsEveryProblemWithItsPath) {
  TempDir dir;
  std::string yaml = R"(
listen: localhost
workers: 0
colour: blue
maxLookback: forever
connectors:
  - name: a
    package: nowhere
    schedule: "* * * *"
    enabled: maybe
    frequency: 5
  - name: a
    package: nowhere
    parameters: { token: "${INTAKE_SURELY_UNSET}" }
    start: yesterday
  - package: nowhere
)";
  auto cfg = parse_daemon_config(yaml, (dir / "intake.yaml").string());
  ASSERT_FALSE(cfg);
  std::string all;
  for (const auto& e : cfg.error()) all += e.str() + "\n";
  for (const char* needle :
       {"intake.yaml:/listen: expected host:port", "intake.yaml:/workers: expected", "intake.yaml:/colour: unknown key",
        "intake.yaml:/maxLookback: expected a duration", "intake.yaml:/connectors/0/package: no package folder",
        "intake.yaml:/connectors/0/schedule: cron: expected 6 or 7 fields", "intake.yaml:/connectors/0/enabled: expected true or false",
        "intake.yaml:/connectors/0/frequency: unknown key", "intake.yaml:/connectors/1/parameters/token: environment variable",
        "intake.yaml:/connectors/1/start: expected", "intake.yaml:/connectors/2: missing 'name'",
        "intake.yaml:/connectors/1/name: duplicate instance name 'a'"}) {
    EXPECT_NE(all.find(needle), std::string::npos) << needle << "\n" << all;
  }
}

TEST(Scheduler, JitterIsDeterministicAndSpreadsInstances) {
  EXPECT_EQ(job_jitter_ticks("jira-prod", kTicksPerMinute, 10 * kTicksPerSecond),
            job_jitter_ticks("jira-prod", kTicksPerMinute, 10 * kTicksPerSecond));
  std::set<int64_t> slots;
  for (int i = 0; i < 1000; ++i) {
    int64_t j = job_jitter_ticks("instance-" + std::to_string(i), kTicksPerMinute, 10 * kTicksPerSecond);
    EXPECT_GE(j, 0);
    EXPECT_LT(j, 10 * kTicksPerSecond);
    slots.insert(j);
  }
  EXPECT_GT(slots.size(), 900u);  // 1,000 instances over 10,000 ms slots: few collisions
  // Never more than half the period (a 2 s schedule keeps its order).
  EXPECT_LT(job_jitter_ticks("x", 2 * kTicksPerSecond, 10 * kTicksPerSecond), kTicksPerSecond);
  EXPECT_EQ(job_jitter_ticks("x", kTicksPerMinute, 0), 0);
}

TEST(Scheduler, RunsEachJobOneAtATimeOnItsSchedule) {
  SchedulerOptions o;
  o.workers = 3;
  o.max_jitter_ticks = 0;
  Scheduler s(o);
  int64_t every = 50 * kTicksPerMillisecond;
  NextFire next = [every](DateTime t) -> std::optional<DateTime> { return DateTime{(t.ticks / every + 1) * every}; };
  std::atomic<int> fast_runs{0}, slow_runs{0}, concurrent{0}, max_concurrent{0};
  s.add("fast", next, [&](const std::atomic<bool>&) { ++fast_runs; }, true);
  s.add("slow", next,
        [&](const std::atomic<bool>&) {
          int now = ++concurrent;
          int m = max_concurrent;
          while (now > m && !max_concurrent.compare_exchange_weak(m, now)) {}
          std::this_thread::sleep_for(std::chrono::milliseconds(180));
          --concurrent;
          ++slow_runs;
        },
        true);
  ASSERT_TRUE(intake::testing::wait_until([&] { return fast_runs >= 8 && slow_runs >= 2; }, std::chrono::seconds(10)));
  EXPECT_EQ(max_concurrent, 1);  // the slow job never overlaps itself
  auto info = s.info("slow");
  ASSERT_TRUE(info);
  EXPECT_GT(info->coalesced, 0);  // fires that found it busy were dropped, not queued
  EXPECT_GT(s.drift().total, 0);
  EXPECT_TRUE(s.stop(std::chrono::seconds(5)));
}

TEST(Scheduler, RunNowCatchesUpAndStopCancelsRunningJobs) {
  SchedulerOptions o;
  o.workers = 2;
  o.max_jitter_ticks = 0;
  Scheduler s(o);
  // A schedule far in the future: only run_now makes it fire.
  NextFire hourly = [](DateTime t) -> std::optional<DateTime> { return DateTime{t.ticks + kTicksPerHour}; };
  std::atomic<bool> started{false}, saw_cancel{false};
  s.add("long", hourly,
        [&](const std::atomic<bool>& cancel) {
          started = true;
          while (!cancel) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          saw_cancel = true;
        },
        true);
  std::atomic<int> later{0};
  s.add("later", hourly, [&](const std::atomic<bool>&) { ++later; }, false);
  ASSERT_TRUE(intake::testing::wait_until([&] { return started.load(); }, std::chrono::seconds(5)));
  auto info = s.info("later");
  ASSERT_TRUE(info && info->next_due);
  EXPECT_GT(info->next_due->ticks, system_now().ticks + 50 * kTicksPerMinute);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.stop(std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_TRUE(saw_cancel);
  EXPECT_EQ(later, 0);
}

TEST(Scheduler, AReplacedJobStartsOnlyAfterTheOldRunEnds) {
  SchedulerOptions o;
  o.workers = 2;
  o.max_jitter_ticks = 0;
  Scheduler s(o);
  NextFire hourly = [](DateTime t) -> std::optional<DateTime> { return DateTime{t.ticks + kTicksPerHour}; };
  std::atomic<bool> old_running{false}, overlap{false}, new_ran{false};
  s.add("job", hourly,
        [&](const std::atomic<bool>& cancel) {
          old_running = true;
          while (!cancel) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          std::this_thread::sleep_for(std::chrono::milliseconds(150));  // finishing its page
          old_running = false;
        },
        true);
  ASSERT_TRUE(intake::testing::wait_until([&] { return old_running.load(); }, std::chrono::seconds(5)));
  s.add("job", hourly,
        [&](const std::atomic<bool>&) {
          if (old_running) overlap = true;
          new_ran = true;
        },
        true);
  ASSERT_TRUE(intake::testing::wait_until([&] { return new_ran.load(); }, std::chrono::seconds(5)));
  EXPECT_FALSE(overlap);
  EXPECT_TRUE(s.stop(std::chrono::seconds(5)));
}

TEST(Scheduler, FireAtRunsAJobOnceBeforeItsScheduleWithoutMovingTheSchedule) {
  SchedulerOptions o;
  o.workers = 1;
  o.max_jitter_ticks = 0;
  Scheduler s(o);
  NextFire hourly = [](DateTime t) -> std::optional<DateTime> { return DateTime{t.ticks + kTicksPerHour}; };
  std::atomic<int> runs{0};
  s.add("job", hourly, [&](const std::atomic<bool>&) { ++runs; }, false);
  auto before = s.info("job");
  ASSERT_TRUE(before && before->next_due);
  s.fire_at("job", DateTime{system_now().ticks + 20 * kTicksPerMillisecond});
  s.fire_at("missing", system_now());  // unknown jobs are ignored
  ASSERT_TRUE(intake::testing::wait_until([&] { return runs.load() == 1; }, std::chrono::seconds(5)));
  auto after = s.info("job");
  ASSERT_TRUE(after && after->next_due);
  EXPECT_EQ(after->next_due->ticks, before->next_due->ticks);
  EXPECT_TRUE(s.stop(std::chrono::seconds(5)));
  EXPECT_EQ(runs, 1);
}

TEST(Health, ARowOnEachStatusChangeAndASummaryOfFailures) {
  HealthTracker h("jira", "AtlassianJiraAudit");
  RunReport ok;
  ok.windows = 2;
  ok.events = 10;
  auto first = h.on_run(ok, at("2024-01-01T00:00:00Z"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, "Success");
  EXPECT_EQ(first->operation, "Data fetch status change");
  EXPECT_FALSE(h.on_run(ok, at("2024-01-01T00:01:00Z")));  // unchanged: no row
  RunReport bad;
  bad.error = Error("https://h/x", "GET failed: Couldn't connect to server");
  bad.last_http_status = 0;
  auto fail = h.on_run(bad, at("2024-01-01T00:02:00Z"));
  ASSERT_TRUE(fail);
  EXPECT_EQ(fail->status, "Failure");
  EXPECT_NE(fail->description.find("Couldn't connect"), std::string::npos);
  EXPECT_FALSE(h.on_run(bad, at("2024-01-01T00:03:00Z")));
  auto summary = h.summary(at("2024-01-01T01:00:00Z"));
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->operation, "Data fetch failure summary");
  EXPECT_NE(summary->description.find("2 of 4 fetches failed"), std::string::npos) << summary->description;
  EXPECT_TRUE(h.on_run(ok, at("2024-01-01T01:01:00Z")));  // back to Success
  EXPECT_FALSE(h.summary(at("2024-01-01T02:00:00Z")));    // no failure in the period
  TempDir dir;
  auto ws = sinks::Workspace::open((dir / "h.db").string()).value();
  HealthEvent rows[] = {*first, *fail};
  ASSERT_TRUE(write_health(*ws, rows));
  auto schema = ws->table_schema(kHealthTable).value();
  ASSERT_TRUE(schema);
  EXPECT_GE(schema->index_of("ExtendedProperties"), 0);
  auto stored = ws->read_rows(kHealthTable, 10).value();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1][schema->index_of("SentinelResourceType")].as_string(), "Data connector");
  EXPECT_EQ(stored[1][schema->index_of("Status")].as_string(), "Failure");
}

TEST(Metrics, PrometheusTextFollowsTheContract) {
  ConnectorMetrics m;
  m.add_response(200);
  m.add_response(200);
  m.add_response(503);
  m.add_run(0.3, true, 12, 10, 2, 1, "T_CL");
  m.set_checkpoint_lag(42.5);
  DaemonTelemetry t;
  t.connectors.emplace_back("jira \"prod\"", m.snapshot());
  t.workers = 4;
  std::string text = render_prometheus(t);
  for (const char* needle :
       {"# TYPE intake_events_received_total counter", "intake_events_received_total{connector=\"jira \\\"prod\\\"\"} 12",
        "intake_events_written_total{connector=\"jira \\\"prod\\\"\",table=\"T_CL\"} 10",
        "intake_events_discarded_total{connector=\"jira \\\"prod\\\"\",reason=\"duplicate\"} 2",
        "intake_requests_total{connector=\"jira \\\"prod\\\"\",code=\"200\"} 2",
        "intake_requests_total{connector=\"jira \\\"prod\\\"\",code=\"503\"} 1", "intake_retries_total{connector=\"jira \\\"prod\\\"\"} 1",
        "intake_poll_duration_seconds_bucket{connector=\"jira \\\"prod\\\"\",le=\"0.5\"} 1",
        "intake_poll_duration_seconds_count{connector=\"jira \\\"prod\\\"\"} 1",
        "intake_checkpoint_lag_seconds{connector=\"jira \\\"prod\\\"\"} 42.5", "intake_scheduler_queue_depth 0",
        "intake_scheduler_workers 4"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

TEST(StatusServer, RoutesProbesApiAndTokens) {
  TempDir dir;
  auto cfg = parse_daemon_config("bearerToken: tok-abcdef-123\nconnectors: []\n", (dir / "intake.yaml").string());
  ASSERT_TRUE(cfg);
  Logger log(stderr, LogFormat::Text, LogLevel::Error);
  auto d = Daemon::create(*cfg, log);
  ASSERT_TRUE(d);
  (*d)->start();
  auto get = [&](const std::string& path, const std::string& token = {}) {
    http::ServerRequest r;
    r.method = "GET";
    r.path = path;
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    return web::handle(**d, r);
  };
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/readyz").status, 200);
  auto page = get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<script src=\"/assets/app.js\""), std::string::npos);
  EXPECT_EQ(get("/assets/app.js").status, 200);
  EXPECT_EQ(get("/metrics").status, 401);
  EXPECT_EQ(get("/api/connectors", "wrong-token").status, 401);
  auto list = get("/api/connectors", "tok-abcdef-123");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.body, "{\"connectors\":[]}");
  EXPECT_EQ(get("/api/connectors/none", "tok-abcdef-123").status, 404);
  http::ServerRequest q;
  q.method = "POST";
  q.path = "/api/query";
  q.headers.emplace_back("Authorization", "Bearer tok-abcdef-123");
  q.body = R"({"query": "print x = 1 + 1"})";
  auto res = web::handle(**d, q);
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("\"rows\":[[2]]"), std::string::npos) << res.body;
  q.body = R"({"query": "NoSuchTable | take 1"})";
  res = web::handle(**d, q);
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("\"where\":\"kql:"), std::string::npos) << res.body;
  // The token itself never appears in output.
  EXPECT_EQ(get("/metrics", "tok-abcdef-123").body.find("tok-abcdef-123"), std::string::npos);
  (*d)->stop();
  EXPECT_EQ(get("/readyz").status, 503);
}
