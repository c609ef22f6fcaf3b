// Office 365 / Purview audit end to end with the shipped package against intake-sim o365: the
// connector's `ensure` actions start every subscription, each window lists content blobs
// (NextPageUri paging) and a nested step fetches every blob; every record is stored once — blobs
// listed again and records repeated across blobs included — through a throttling burst and a
// kill -9 with restart. The package's actions run from the CLI and print the service's answers
// and its AFxxxxx errors; a backfill beyond the seven days the API keeps is clamped.
#include <signal.h>

#include "daemon_fixture.h"
#include "json/value_json.h"

using namespace intake::testing;

namespace {

constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClient = "3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60";
constexpr const char* kSecret = "o365-client-secret-9a4c";

class Office365E2E : public DaemonE2E {
 protected:
  Simulator o365(std::vector<std::string> extra) {
    int64_t now = intake::system_now().ticks;
    std::string start = intake::format_iso8601(intake::DateTime{(now - 3 * intake::kTicksPerDay) / intake::kTicksPerHour * intake::kTicksPerHour});
    // Data ends on an hour boundary the connector's last complete window (60 min, 10 min delay) covers.
    std::string end = intake::format_iso8601(intake::DateTime{(now - 15 * intake::kTicksPerMinute) / intake::kTicksPerHour * intake::kTicksPerHour});
    std::vector<std::string> args{"o365", "--start", start, "--end", end, "--client-secret", kSecret, "--tls-cert", cert_.first,
                                  "--tls-key", cert_.second};
    args.insert(args.end(), extra.begin(), extra.end());
    start_ = start;
    return start_simulator(args, dir_.path());
  }

  std::vector<std::string> params(const Simulator& sim) {
    return {"-p", "apiHost=" + sim.domain, "-p", "loginHost=" + sim.domain, "-p", std::string("tenantId=") + kTenant,
            "-p", std::string("clientId=") + kClient, "-p", "clientSecret=${O365_SECRET}"};
  }

  RunResult action(const Simulator& sim, std::vector<std::string> args) {
    std::vector<std::string> argv{(bin_dir() / "intake").string(), "action",
                                  (source_dir() / "connectors/office365-management-activity").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    for (auto& p : params(sim)) argv.push_back(p);
    argv.push_back("--ca-file");
    argv.push_back(cert_.first);
    return run(argv, dir_.path(), 60s, {std::string("O365_SECRET=") + kSecret});
  }

  intake::Value sim_state(const Simulator& sim) { return intake::json::parse(sim_get(sim, "/_sim/o365", cert_.first)).value(); }
};

TEST_F(Office365E2E, RunStartsSubscriptionsAndStoresEveryRecordOnceAcrossThrottlingAndAKill) {
  const int kRecords = 12'000;
  auto sim = o365({"--records", std::to_string(kRecords), "--blobs", "720", "--page-size", "2", "--duplicate-rate", "0.05",
                   "--throttle-burst-at", "200", "--throttle-burst-len", "6"});
  // Nothing is subscribed yet.
  auto before = sim_state(sim);
  for (const auto& s : before.get("subscriptions")->as_array()) EXPECT_EQ(s.get("status")->as_string(), "none");
  std::string yaml = "  - name: purview\n    package: " + (source_dir() / "connectors/office365-management-activity").string() +
                     "\n    parameters:\n      apiHost: \"" + sim.domain + "\"\n      loginHost: \"" + sim.domain + "\"\n      tenantId: " +
                     kTenant + "\n      clientId: " + kClient + "\n      clientSecret: ${O365_SECRET}\n    start: " + start_ + "\n";
  fs::path config = write_config(yaml);
  auto start_daemon = [&] {
    std::vector<std::string> argv{(bin_dir() / "intake").string(), "run", "--config", config.string()};
    auto e = env();
    e.push_back(std::string("O365_SECRET=") + kSecret);
    auto p = std::make_unique<Process>(argv, dir_.path(), e);
    auto line = p->wait_for_output("listening url=", 30s);
    EXPECT_TRUE(line) << p->err();
    if (line) url_ = line->substr(std::string("listening url=").size());
    return p;
  };
  auto d = start_daemon();
  auto stored = [&] { return count("SELECT count(*) FROM Office365Audit_CL"); };
  ASSERT_TRUE(wait_for([&] { return stored() >= kRecords / 3; }, 240s)) << d->err().substr(0, 4000);
  d->signal(SIGKILL);
  d->wait(10s);
  auto again = start_daemon();
  ASSERT_TRUE(wait_for([&] { return stored() >= kRecords; }, 300s)) << again->err().substr(0, 4000);
  // The status page's action buttons: the package's actions run with the instance's parameters.
  auto listed = http("GET", "/api/connectors/purview");
  EXPECT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find("\"name\":\"stop-subscription\""), std::string::npos) << listed.body;
  auto subs = http("POST", "/api/connectors/purview/actions/list-subscriptions", "{}");
  EXPECT_EQ(subs.status, 200) << subs.body;
  EXPECT_NE(subs.body.find("\"ok\":true"), std::string::npos) << subs.body;
  EXPECT_NE(subs.body.find("Audit.SharePoint"), std::string::npos) << subs.body;
  auto wrong = http("POST", "/api/connectors/purview/actions/start-subscription", R"({"parameters": {"contentType": "Audit.Nope"}})");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  EXPECT_NE(wrong.body.find("must be one of"), std::string::npos) << wrong.body;
  EXPECT_EQ(http("POST", "/api/connectors/purview/actions/no-such-action", "{}").status, 404);
  EXPECT_EQ(http("POST", "/api/connectors/nobody/actions/list-subscriptions", "{}").status, 404);
  EXPECT_EQ(subs.body.find(kSecret), std::string::npos);
  std::this_thread::sleep_for(1s);
  stop_daemon(*again);
  EXPECT_EQ(count("SELECT count(*) FROM Office365Audit_CL"), kRecords) << "every record once, repeats dropped by Id";
  EXPECT_EQ(count("SELECT count(DISTINCT Id) FROM Office365Audit_CL"), kRecords);
  EXPECT_EQ(count("SELECT count(DISTINCT ContentType) FROM Office365Audit_CL"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM Office365Audit_CL WHERE TimeGenerated != CreationTime"), 0);
  auto after = sim_state(sim);
  for (const auto& s : after.get("subscriptions")->as_array()) EXPECT_EQ(s.get("status")->as_string(), "enabled") << intake::json::to_json(s);
  int64_t blobs = 0, fetched = 0, throttled = 0, duplicates = 0;
  for (const auto& [ct, v] : after.get("content")->as_object()) {
    int64_t n = 0;
    v.get("blobs")->to_int64(n);
    blobs += n;
    v.get("distinct_blobs_fetched")->to_int64(n);
    fetched += n;
    v.get("duplicates")->to_int64(n);
    duplicates += n;
  }
  after.get("throttled")->to_int64(throttled);
  EXPECT_EQ(fetched, blobs) << "every blob was fetched";
  EXPECT_GT(duplicates, 0) << "the simulator repeated records across blobs";
  EXPECT_GE(throttled, 6) << "the throttling burst happened (and was waited out)";
  int64_t list_requests = 0;
  after.get("list_requests")->to_int64(list_requests);
  EXPECT_GT(list_requests, 360) << "NextPageUri pages were followed (72 windows x 5 types, more than one page each at times)";
  EXPECT_EQ(again->err().find(kSecret), std::string::npos);
}

TEST_F(Office365E2E, ActionsPrintTheServicesAnswersAndItsErrors) {
  auto sim = o365({"--records", "500", "--blobs", "50", "--disabled-by-admin", "DLP.All"});
  auto ok = action(sim, {"test-connection"});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto start = action(sim, {"start-subscription", "-p", "contentType=Audit.Exchange"});
  EXPECT_EQ(start.exit_code, 0) << start.out << start.err;
  EXPECT_NE(start.out.find("\"status\":\"enabled\""), std::string::npos) << start.out;
  auto twice = action(sim, {"start-subscription", "-p", "contentType=Audit.Exchange"});
  EXPECT_EQ(twice.exit_code, 0) << twice.out;
  EXPECT_NE(twice.out.find("AF20024 counts as success"), std::string::npos) << twice.out;
  auto list = action(sim, {"list-subscriptions"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("\"contentType\":\"Audit.Exchange\",\"status\":\"enabled\""), std::string::npos) << list.out;
  auto expired = action(sim, {"start-webhook-subscription", "-p", "contentType=Audit.General", "-p", "address=https://hooks.example.com/o365",
                              "-p", "expiration=2020-01-01T00:00:00Z"});
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_NE(expired.out.find("AF20003: Expiration 2020-01-01T00:00:00Z provided is set to past date and time."), std::string::npos)
      << expired.out;
  std::string t0 = intake::format_iso8601(intake::DateTime{intake::system_now().ticks - 30 * intake::kTicksPerHour}).substr(0, 19);
  std::string t1 = intake::format_iso8601(intake::DateTime{intake::system_now().ticks - 2 * intake::kTicksPerHour}).substr(0, 19);
  auto window = action(sim, {"list-content", "-p", "contentType=Audit.Exchange", "-p", "startTime=" + t0, "-p", "endTime=" + t1});
  EXPECT_EQ(window.exit_code, 1);
  EXPECT_NE(window.out.find("HTTP 400 AF20030: Start time and end time must both be specified"), std::string::npos) << window.out;
  auto disabled = action(sim, {"list-content", "-p", "contentType=DLP.All", "-p", "startTime=" + t1.substr(0, 13) + ":00:00", "-p",
                               "endTime=" + t1.substr(0, 13) + ":30:00"});
  EXPECT_EQ(disabled.exit_code, 1);
  EXPECT_NE(disabled.out.find("AF20023: The subscription was disabled by a tenant admin."), std::string::npos) << disabled.out;
  auto stop = action(sim, {"stop-subscription", "-p", "contentType=Audit.Exchange"});
  EXPECT_EQ(stop.exit_code, 0) << stop.out;
  auto bad = action(sim, {"start-subscription", "-p", "contentType=Audit.Nope"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("must be one of"), std::string::npos) << bad.out;
  for (const auto* r : {&ok, &start, &list, &expired, &window, &disabled}) EXPECT_EQ(r->out.find(kSecret), std::string::npos);
}

TEST_F(Office365E2E, ABackfillBeyondSevenDaysIsClampedAndAFailedListNamesTheServicesError) {
  auto sim = o365({"--records", "200", "--blobs", "20", "--subscribed", "all", "--disabled-by-admin", "Audit.General"});
  std::vector<std::string> argv{(bin_dir() / "intake").string(), "poll", (source_dir() / "connectors/office365-management-activity").string(),
                                "--connection", "Office365Exchange", "--from", "10d", "--once", "--workspace",
                                (dir_.path() / "ws.db").string(), "--ca-file", cert_.first};
  for (auto& p : params(sim)) argv.push_back(p);
  auto r = run(argv, dir_.path(), 180s, {std::string("O365_SECRET=") + kSecret});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("is beyond what the API keeps (maxAgeInMin 10080)"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("AF20030"), std::string::npos);
  // A content type disabled by the tenant's admin: the poll fails naming the step, status and code.
  argv[4] = "Office365General";
  auto failed = run(argv, dir_.path(), 180s, {std::string("O365_SECRET=") + kSecret});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("AF20023"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("ensure start-subscription failed"), std::string::npos) << failed.err;
}

}  // namespace
