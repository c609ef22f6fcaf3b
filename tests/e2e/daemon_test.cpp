// intake run end to end: three Jira sites (each its own simulator and table) on a one-second
// schedule over the last 20 minutes of records, compressed: every scheduled run polls two
// one-minute windows, so the daemon walks 20 windows per instance in about 10 seconds. Checked on
// the workspace file, the SentinelHealth rows, the logs, /metrics and the API: outages give Failure
// rows with their cause and recover, SIGTERM stops within 10 s without loss or duplicates, SIGHUP
// adds an instance without restarting the others, and no configured secret is ever shown.
#include "daemon_fixture.h"

using namespace intake::testing;

TEST_F(DaemonE2E, ThreeInstancesHealthOutageRecoveryAndNoSecretsAnywhere) {
  const int kRecords = 400;
  uint16_t pa = free_port(), pb = free_port(), pc = free_port();
  auto a = start_jira("A", pa, kRecords);
  auto b = start_jira("B", pb, kRecords);
  auto c = start_jira("C", pc, kRecords);
  auto config = write_config(connector_yaml("A", pa, package("A")) + connector_yaml("B", pb, package("B")) +
                             connector_yaml("C", pc, package("C")));
  auto d = start_daemon(config);
  ASSERT_FALSE(url_.empty());
  EXPECT_EQ(http("GET", "/healthz").status, 200);
  EXPECT_EQ(http("GET", "/readyz").status, 200);

  // Every instance reports Success once it has fetched.
  ASSERT_TRUE(wait_for([&] { return health("Status = 'Success'") >= 3 &&
                                    count("SELECT count(DISTINCT SentinelResourceName) FROM SentinelHealth") == 3; }))
      << d->err();
  // Site A goes away while it still has windows to catch up on.
  ASSERT_LT(count("SELECT count(*) FROM " + table("A")), kRecords);
  a.process.reset();
  ASSERT_TRUE(wait_for([&] { return health("SentinelResourceName = 'jira-A' AND Status = 'Failure'") >= 1; })) << d->err();
  {
    WorkspaceFile w(dir_.path() / "ws.db");
    auto why = w.column("SELECT Description FROM SentinelHealth WHERE SentinelResourceName = 'jira-A' AND Status = 'Failure' "
                        "AND OperationName = 'Data fetch status change'");
    ASSERT_EQ(why.size(), 1u);
    EXPECT_NE(why[0].find("Couldn't connect"), std::string::npos) << why[0];
    EXPECT_EQ(w.scalar("SELECT count(*) FROM SentinelHealth WHERE SentinelResourceType != 'Data connector'"), 0);
  }
  auto page = http("GET", "/api/connectors/jira-A");
  EXPECT_NE(page.body.find("\"status\":\"Disconnected\""), std::string::npos) << page.body;
  // The periodic failure summary (every 3 s here) names the failing instance.
  ASSERT_TRUE(wait_for([&] {
    return health("SentinelResourceName = 'jira-A' AND OperationName = 'Data fetch failure summary' AND Status = 'Failure'") >= 1;
  })) << d->err();
  // Back on the same port: the instance recovers and resumes from its checkpoint.
  a = start_jira("A", pa, kRecords);
  ASSERT_TRUE(wait_for([&] {
    return health("SentinelResourceName = 'jira-A' AND Status = 'Success' AND OperationName = 'Data fetch status change'") >= 2;
  })) << d->err();
  ASSERT_TRUE(wait_for([&] {
    for (const char* s : {"A", "B", "C"}) {
      if (count("SELECT count(*) FROM " + table(s)) < kRecords) return false;
    }
    return true;
  })) << d->err();
  // No window skipped (every record is there), none duplicated (each once).
  for (const char* s : {"A", "B", "C"}) {
    EXPECT_EQ(count("SELECT count(*) FROM " + table(s)), kRecords) << s;
    EXPECT_EQ(count("SELECT count(DISTINCT id) FROM " + table(s)), kRecords) << s;
  }
  // Health rows are status changes and summaries, never one per request or per run.
  EXPECT_LE(health("SentinelResourceName = 'jira-B'"), 2);

  auto metrics = http("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("intake_events_written_total{connector=\"jira-A\",table=\"JiraA_CL\"} 400"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("intake_requests_total{connector=\"jira-A\",code=\"0\"}"), std::string::npos);
  EXPECT_NE(metrics.body.find("intake_polls_total{connector=\"jira-A\",result=\"failure\"}"), std::string::npos);
  auto list = http("GET", "/api/connectors");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("\"password\":\"********\""), std::string::npos) << list.body;
  EXPECT_NE(list.body.find("\"title\":\"Jira site B\""), std::string::npos);
  auto query = http("POST", "/api/query", R"({"query": "SentinelHealth | project Description, ExtendedProperties"})");
  ASSERT_EQ(query.status, 200) << query.body;
  auto rows = http("POST", "/api/query", R"j({"query": "JiraA_CL | summarize n = count()"})j");
  EXPECT_NE(rows.body.find("[[400]]"), std::string::npos) << rows.body;
  // Without the token, nothing but the probes and the static page.
  {
    auto client = intake::http::Client::create({}).value();
    intake::http::Request req;
    req.url = url_ + "/api/connectors";
    EXPECT_EQ(client->send(req, 10s).value().status, 401);
  }

  // Secrets: no configured secret value in the logs, health rows, /metrics, the API or the page.
  WorkspaceFile w(dir_.path() / "ws.db");
  std::string health_text;
  for (const auto& s : w.column("SELECT Description || ' ' || ExtendedProperties FROM SentinelHealth")) health_text += s + "\n";
  std::string surfaces[] = {d->err(),
                            d->out(),
                            health_text,
                            metrics.body,
                            list.body,
                            http("GET", "/api/connectors/jira-A").body,
                            query.body,
                            http("GET", "/").body,
                            http("GET", "/assets/app.js").body};
  for (const auto& secret : {password_of("A"), password_of("B"), password_of("C"), std::string(kBearer)}) {
    for (size_t i = 0; i < std::size(surfaces); ++i) {
      EXPECT_EQ(surfaces[i].find(secret), std::string::npos) << "secret found in surface " << i;
    }
  }
  stop_daemon(*d);
}

TEST_F(DaemonE2E, SigtermMidPollExitsWithinTenSecondsAndRestartLosesNothing) {
  const int kRecords = 600;
  uint16_t port = free_port();
  // Pages of 20 records answered in 250 ms each: a window takes over a second of paging.
  auto sim = start_jira("A", port, kRecords, {"--slow-ms", "250"});
  auto config = write_config(connector_yaml("A", port, package("A", 20), 0));
  for (int round = 0; round < 2; ++round) {
    auto d = start_daemon(config);
    ASSERT_FALSE(url_.empty());
    int64_t threshold = round == 0 ? 100 : 300;
    ASSERT_TRUE(wait_for([&] { return count("SELECT count(*) FROM " + table("A")) >= threshold; })) << d->err();
    stop_daemon(*d);
    EXPECT_NE(d->err().find("Stopping: finishing the pages in flight."), std::string::npos);
    EXPECT_EQ(count("SELECT count(*) FROM " + table("A")), count("SELECT count(DISTINCT id) FROM " + table("A")));
    EXPECT_LT(count("SELECT count(*) FROM " + table("A")), kRecords) << "the stop should land mid-backfill";
  }
  auto d = start_daemon(config);
  ASSERT_TRUE(wait_for([&] { return count("SELECT count(*) FROM " + table("A")) >= kRecords; })) << d->err();
  stop_daemon(*d);
  EXPECT_EQ(count("SELECT count(*) FROM " + table("A")), kRecords);
  EXPECT_EQ(count("SELECT count(DISTINCT id) FROM " + table("A")), kRecords);
}

TEST_F(DaemonE2E, SighupStartsAnAddedInstanceAndLeavesTheOthersRunning) {
  const int kRecords = 200;
  uint16_t pa = free_port(), pb = free_port();
  auto a = start_jira("A", pa, kRecords);
  auto b = start_jira("B", pb, kRecords);
  auto config = write_config(connector_yaml("A", pa, package("A")));
  auto d = start_daemon(config, {"--log-format", "json"});
  ASSERT_FALSE(url_.empty());
  ASSERT_TRUE(wait_for([&] { return health("SentinelResourceName = 'jira-A' AND Status = 'Success'") >= 1; })) << d->err();
  auto runs_of = [&](const std::string& name) -> int64_t {
    auto r = http("GET", "/api/connectors/" + name);
    auto pos = r.body.find("\"runs\":");
    return pos == std::string::npos ? -1 : std::stoll(r.body.substr(pos + 7));
  };
  ASSERT_TRUE(wait_for([&] { return runs_of("jira-A") >= 3; }));
  int64_t runs_before = runs_of("jira-A");

  write_config(connector_yaml("A", pa, package("A")) + connector_yaml("B", pb, package("B")));
  d->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return d->err().find("Configuration reloaded.") != std::string::npos; })) << d->err();
  ASSERT_TRUE(wait_for([&] { return count("SELECT count(*) FROM " + table("B")) == kRecords; })) << d->err();
  EXPECT_EQ(count("SELECT count(DISTINCT id) FROM " + table("B")), kRecords);
  EXPECT_GE(health("SentinelResourceName = 'jira-B' AND Status = 'Success'"), 1);
  // jira-A was neither restarted (its run counter continues) nor interrupted.
  EXPECT_GE(runs_of("jira-A"), runs_before);
  ASSERT_TRUE(wait_for([&] { return runs_of("jira-A") > runs_before + 2; }));
  EXPECT_NE(d->err().find("\"msg\":\"Connector added.\",\"connector\":\"jira-B\""), std::string::npos) << d->err();
  EXPECT_EQ(d->err().find("\"msg\":\"Connector changed; restarting it.\""), std::string::npos) << d->err();
  ASSERT_TRUE(wait_for([&] { return count("SELECT count(*) FROM " + table("A")) == kRecords; }));
  // Every log line is a JSON object.
  std::string err = d->err();
  for (size_t pos = 0; pos < err.size();) {
    size_t eol = err.find('\n', pos);
    if (eol == std::string::npos) eol = err.size();
    std::string line = err.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) continue;
    EXPECT_TRUE(line.front() == '{' && line.back() == '}') << line;
  }
  // A broken file leaves everything running and says why.
  write_file(config, read_file(config) + "  - name: jira-C\n    package: nowhere\n");
  d->signal(SIGHUP);
  ASSERT_TRUE(wait_for([&] { return d->err().find("Configuration not reloaded.") != std::string::npos; })) << d->err();
  EXPECT_NE(d->err().find("connectors/2/package: no package folder"), std::string::npos);
  EXPECT_EQ(http("GET", "/readyz").status, 200);
  stop_daemon(*d);
}

TEST_F(DaemonE2E, InvalidConfigurationExitsWith78AndListsEveryError) {
  write_file(dir_.path() / "bad.yaml", "listen: nowhere\nworkers: lots\nconnectors:\n  - name: x\n    package: missing\n    schedule: \"0 0 * * *\"\n");
  auto r = run_intake({"run", "--config", (dir_.path() / "bad.yaml").string()}, dir_.path(), 30s);
  EXPECT_EQ(r.exit_code, 78) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:/listen:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:/workers:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:/connectors/0/package:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.yaml:/connectors/0/schedule:"), std::string::npos) << r.err;
}

TEST_F(DaemonE2E, TestCommandSaysOkOrNamesThePreciseFailure) {
  uint16_t port = free_port();
  auto sim = start_jira("A", port, 100);
  std::string pkg = package("A");
  auto test = [&](const std::string& domain, const std::string& password, bool with_ca = true) {
    std::vector<std::string> args{"test", pkg, "--param", "domain=" + domain, "--param", std::string("username=") + kUser,
                                  "--param", "password=" + password};
    if (with_ca) args.insert(args.end(), {"--ca-file", cert_.first});
    return run_intake(args, dir_.path(), 60s);
  };
  std::string here = "127.0.0.1:" + std::to_string(port);
  auto ok = test(here, password_of("A"));
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("ok: HTTP 200"), std::string::npos) << ok.out;
  auto denied = test(here, "not-the-token-1234");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.out.find("failed (http): HTTP 401"), std::string::npos) << denied.out;
  EXPECT_NE(denied.out.find("Client must be authenticated"), std::string::npos) << denied.out;  // the server's message
  EXPECT_EQ(denied.out.find("not-the-token-1234"), std::string::npos);
  auto tls = test(here, password_of("A"), false);
  EXPECT_EQ(tls.exit_code, 1);
  EXPECT_NE(tls.out.find("failed (transport)"), std::string::npos) << tls.out;
  EXPECT_NE(tls.out.find("certificate"), std::string::npos) << tls.out;
  auto dns = test("no-such-host.invalid", password_of("A"));
  EXPECT_EQ(dns.exit_code, 1);
  EXPECT_NE(dns.out.find("Could not resolve host"), std::string::npos) << dns.out;
  auto refused = test("127.0.0.1:" + std::to_string(free_port()), password_of("A"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("Couldn't connect"), std::string::npos) << refused.out;
}

TEST_F(DaemonE2E, BackfillPollsARangeWithProgressAndResumes) {
  const int kRecords = 300;
  uint16_t port = free_port();
  auto sim = start_jira("A", port, kRecords);
  auto config = write_config(connector_yaml("A", port, package("A")));
  auto r = run({(bin_dir() / "intake").string(), "backfill", "jira-A", "--config", config.string(), "--from", start_, "--to", end_},
               dir_.path(), 120s, env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("progress windows=20/20"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("done windows=20"), std::string::npos) << r.out;
  EXPECT_EQ(count("SELECT count(*) FROM " + table("A")), kRecords);
  EXPECT_EQ(count("SELECT count(DISTINCT id) FROM " + table("A")), kRecords);
  auto again = run({(bin_dir() / "intake").string(), "backfill", "jira-A", "--config", config.string(), "--from", start_, "--to",
                    end_},
                   dir_.path(), 120s, env());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("done windows=0 events=0"), std::string::npos) << again.out;
  EXPECT_EQ(count("SELECT count(*) FROM " + table("A")), kRecords);
}
