// Jira audit records end to end: intake-sim jira over HTTPS (a certificate made by the test),
// intake poll with the shipped package and with the vendors' published definitions, checked on
// the workspace file: exactly-once across window boundaries, reruns, kill -9, faults.
#include <gtest/gtest.h>

#include <signal.h>


#include "core/base64.h"
#include "http/client.h"
#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace intake::testing;

namespace {

constexpr const char* kStart = "2024-01-01T00:00:00Z";
constexpr const char* kEnd = "2024-01-01T03:00:00Z";  // three windows of the package's 60 minutes
constexpr const char* kUser = "admin@example.com";
constexpr const char* kPassword = "sim-token-5f2a9c";

class JiraE2E : public ::testing::Test {
 protected:
  void SetUp() override { cert_ = make_self_signed_cert(dir_.path()); }

  Simulator start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"jira", "--records", "2500", "--start", kStart, "--end", kEnd, "--seed", "11",
                                  "--user", kUser, "--password", kPassword, "--tls-cert", cert_.first,
                                  "--tls-key", cert_.second};
    args.insert(args.end(), extra.begin(), extra.end());
    return start_simulator(args, dir_.path());
  }

  std::vector<std::string> poll_args(const Simulator& sim, const std::string& package, const std::string& ws,
                                     const std::string& password = kPassword) {
    return {"poll", package, "--param", "domain=" + sim.domain, "--param", std::string("username=") + kUser,
            "--param", "password=" + password, "--workspace", ws, "--from", kStart, "--to", kEnd,
            "--ca-file", cert_.first};
  }

  std::string package() const { return (source_dir() / "connectors/atlassian-jira-audit").string(); }

  // The shipped package with pages of 100 records: windows span several pages.
  std::string small_page_package() const {
    fs::path pkg = dir_.path() / "pkg";
    if (fs::exists(pkg)) return pkg.string();
    fs::copy(package(), pkg, fs::copy_options::recursive);
    std::string def = read_file(pkg / "definition.json");
    def.replace(def.find("\"pageSize\": 1000"), 16, "\"pageSize\": 100");
    write_file(pkg / "definition.json", def);
    return pkg.string();
  }
  fs::path ws(const std::string& name) const { return dir_.path() / name; }

  TempDir dir_;
  std::pair<std::string, std::string> cert_;
};

int count_lines_starting(const std::string& text, const std::string& prefix) {
  int n = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    if (text.compare(pos, prefix.size(), prefix) == 0) ++n;
    pos = eol + 1;
  }
  return n;
}

int count_lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

// Records the simulator holds exactly at an instant: from = the instant, to = 100 ns later (Jira
// returns nothing when from is not before to; both bounds are inclusive).
int64_t records_at(const Simulator& sim, const std::string& cert, const std::string& instant) {
  intake::http::ClientOptions o;
  o.ca_file = cert;
  auto client = intake::http::Client::create(o).value();
  intake::http::Request req;
  std::string later = instant.substr(0, instant.size() - 1) + "1Z";  // "...00.000Z" -> "...00.0001Z"
  req.url = sim.url + "/rest/api/3/auditing/record?from=" + instant + "&to=" + later;
  req.headers = {{"Authorization", "Basic " + intake::base64_encode(std::string(kUser) + ":" + kPassword)}};
  auto resp = client->send(req, std::chrono::seconds(10)).value();
  auto pos = resp.body.find("\"total\":");
  return pos == std::string::npos ? -1 : std::stoll(resp.body.substr(pos + 8));
}

}  // namespace

TEST_F(JiraE2E, HttpsThreeWindowsExactlyOnceAndRerunIngestsNothing) {
  auto sim = start();
  // The scenario needs records exactly on the window boundaries (returned by both windows).
  int64_t on_boundaries = records_at(sim, cert_.first, "2024-01-01T01:00:00.000Z") +
                          records_at(sim, cert_.first, "2024-01-01T02:00:00.000Z");
  ASSERT_GT(on_boundaries, 0) << "pick a seed that puts records on the window boundaries";

  auto r = run_intake(poll_args(sim, package(), ws("a.db")), dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count_lines_with(r.out, "window 2024-01-01T0"), 3) << r.out;
  EXPECT_NE(r.out.find("duplicates=" + std::to_string(on_boundaries)), std::string::npos) << r.out;
  {
    WorkspaceFile w(ws("a.db"));
    EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL"), 2500);
    EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM AtlassianJiraAudit_CL"), 2500);
    EXPECT_EQ(w.scalar("SELECT min(id) FROM AtlassianJiraAudit_CL"), 1);
    EXPECT_EQ(w.scalar("SELECT max(id) FROM AtlassianJiraAudit_CL"), 2500);
    EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL WHERE summary IS NULL OR created IS NULL"), 0);
  }
  auto again = run_intake(poll_args(sim, package(), ws("a.db")), dir_.path());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("events=0 rows=0"), std::string::npos) << again.out;
  WorkspaceFile w(ws("a.db"));
  EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL"), 2500);
}

TEST_F(JiraE2E, KillNineMidRunThenRerunStillExactlyOnce) {
  auto sim = start({"--slow-ms", "150"});
  // Pages of 100 records make every window several pages long, so the kill lands mid-window.
  fs::path pkg = small_page_package();

  std::vector<std::string> argv{(bin_dir() / "intake").string()};
  auto args = poll_args(sim, pkg.string(), ws("k.db").string());
  argv.insert(argv.end(), args.begin(), args.end());
  for (int round = 0; round < 2; ++round) {
    Process p(argv, dir_.path());
    // Kill once some pages (round 0) or more (round 1) are committed, at an arbitrary moment.
    int64_t threshold = round == 0 ? 300 : 1500;
    bool reached = wait_until(
        [&] {
          if (!fs::exists(ws("k.db"))) return false;
          WorkspaceFile w(ws("k.db"));
          return w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL") >= threshold;
        },
        std::chrono::seconds(120), std::chrono::milliseconds(50));
    ASSERT_TRUE(reached) << p.err();
    p.signal(SIGKILL);
    auto killed = p.wait(std::chrono::seconds(10));
    EXPECT_EQ(killed.signal, SIGKILL);
    WorkspaceFile w(ws("k.db"));
    EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL"),
              w.scalar("SELECT count(DISTINCT id) FROM AtlassianJiraAudit_CL"));
  }
  auto r = run_intake(args, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  WorkspaceFile w(ws("k.db"));
  EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL"), 2500);
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM AtlassianJiraAudit_CL"), 2500);
}

TEST_F(JiraE2E, WrongPasswordFailsWithStatusAndUrlAndWritesNothing) {
  auto sim = start();
  std::string wrong = "wrong-secret-771";
  auto r = run_intake(poll_args(sim, package(), ws("w.db"), wrong), dir_.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(count_lines_with(r.err, "error: "), 1) << r.err;
  EXPECT_NE(r.err.find("401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(sim.url + "/rest/api/3/auditing/record"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find(wrong), std::string::npos) << "the password leaked:\n" << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find(intake::base64_encode(std::string(kUser) + ":" + wrong)), std::string::npos);
  WorkspaceFile w(ws("w.db"));
  EXPECT_EQ(w.scalar("SELECT count(*) FROM _intake_state"), 0);
  if (w.has_table("AtlassianJiraAudit_CL")) {
    EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL"), 0);
  }
}

TEST_F(JiraE2E, ServerErrorsAreRetriedAndNothingIsLost) {
  auto sim = start({"--fail-rate", "0.3"});
  auto r = run_intake(poll_args(sim, small_page_package(), ws("f.db")), dir_.path(), std::chrono::seconds(300));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto pos = r.out.find(" retries=", r.out.find("done "));
  ASSERT_NE(pos, std::string::npos) << r.out;
  EXPECT_GT(std::stoi(r.out.substr(pos + 9)), 0) << "a 30% failure rate must have caused retries:\n" << r.out;
  WorkspaceFile w(ws("f.db"));
  EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL"), 2500);
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM AtlassianJiraAudit_CL"), 2500);
}

TEST_F(JiraE2E, PublishedApiPollingDefinitionIngestsTheSameRecordsAsOurPackage) {
  INTAKE_REQUIRE_CORPUS(corpus);
  auto sim = start();
  auto ours = run_intake(poll_args(sim, package(), ws("ours.db")), dir_.path());
  ASSERT_EQ(ours.exit_code, 0) << ours.out << ours.err;
  std::string legacy = (corpus / "AtlassianJiraAudit/azuredeploy_Jira_native_poller_connector.json").string();
  auto theirs = run_intake(poll_args(sim, legacy, ws("theirs.db")), dir_.path());
  ASSERT_EQ(theirs.exit_code, 0) << theirs.out << theirs.err;
  EXPECT_EQ(count_lines_with(theirs.out, "window 2024-01-01T"), 36) << "5-minute windows over 3 hours";
  WorkspaceFile a(ws("ours.db")), b(ws("theirs.db"));
  ASSERT_TRUE(b.has_table("AtlassianJiraNativePoller_CL"));
  auto ids_a = a.column("SELECT id FROM AtlassianJiraAudit_CL ORDER BY id");
  auto ids_b = b.column("SELECT id FROM AtlassianJiraNativePoller_CL ORDER BY id");
  EXPECT_EQ(ids_a.size(), 2500u);
  EXPECT_EQ(ids_a, ids_b);
}

TEST_F(JiraE2E, PublishedRestApiPollerDefinitionReportsItsStrayQuote) {
  INTAKE_REQUIRE_CORPUS(corpus);
  auto sim = start();
  std::string def = (corpus / "AtlassianJiraAudit/JiraAudit_PollingConfig.json").string();
  auto r = run_intake({"poll", def, "--param", "jiraorganizationurl=" + sim.domain, "--param", std::string("userid=") + kUser,
                       "--param", std::string("apikey=") + kPassword, "--workspace", ws("r.db").string(), "--from", kStart,
                       "--to", kEnd, "--ca-file", cert_.first},
                      dir_.path());
  EXPECT_EQ(r.exit_code, 78) << r.out << r.err;
  EXPECT_NE(r.err.find("/properties/request/apiEndpoint: apiEndpoint 'https://" + sim.domain +
                       "/rest/api/3/auditing/record'' contains a stray quote (')"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(kPassword), std::string::npos);
}

TEST_F(JiraE2E, DryRunPrintsEventsAndWritesNothing) {
  auto sim = start();
  auto args = poll_args(sim, package(), ws("d.db"));
  args.push_back("--dry-run");
  auto r = run_intake(args, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_lines_starting(r.out, "{\"id\":"), 2500 + static_cast<int>(records_at(sim, cert_.first, "2024-01-01T01:00:00.000Z") +
                                                                         records_at(sim, cert_.first, "2024-01-01T02:00:00.000Z")));
  EXPECT_FALSE(fs::exists(ws("d.db")));
}

TEST_F(JiraE2E, DemoPrintsCounts) {
  fs::path cwd = dir_.path() / "demo";
  fs::create_directories(cwd);
  auto r = run({(bin_dir() / "intake").string(), "demo", "--records", "800", "--hours", "2", "--workspace",
                (cwd / "demo.db").string()},
               dir_.path(), std::chrono::seconds(120), {"INTAKE_CONNECTORS=" + (source_dir() / "connectors").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("AtlassianJiraAudit_CL: 800 rows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Sample rows of AtlassianJiraAudit_CL"), std::string::npos) << r.out;
}

TEST_F(JiraE2E, TransformShapesRowsAndQueryGivesTheSimulatorsDailyCounts) {
  std::vector<std::string> args{"jira", "--records", "3000", "--start", "2024-01-01T00:00:00Z", "--end", "2024-01-04T00:00:00Z",
                                "--seed", "5", "--user", kUser, "--password", kPassword, "--tls-cert", cert_.first,
                                "--tls-key", cert_.second};
  auto sim = start_simulator(args, dir_.path());
  auto poll = run_intake({"poll", package(), "--param", "domain=" + sim.domain, "--param", std::string("username=") + kUser,
                          "--param", std::string("password=") + kPassword, "--workspace", ws("q.db").string(), "--from",
                          "2024-01-01T00:00:00Z", "--to", "2024-01-04T00:00:00Z", "--ca-file", cert_.first},
                         dir_.path());
  ASSERT_EQ(poll.exit_code, 0) << poll.out << poll.err;
  // The package's transform sets TimeGenerated from the record's creation time.
  {
    WorkspaceFile w(ws("q.db"));
    EXPECT_EQ(w.scalar("SELECT count(*) FROM AtlassianJiraAudit_CL WHERE TimeGenerated = created"), 3000);
  }
  auto q = run_intake({"query", "AtlassianJiraAudit_CL | summarize count() by bin(TimeGenerated, 1d) | order by TimeGenerated asc",
                       "--workspace", ws("q.db").string(), "--format", "csv"},
                      dir_.path());
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::string expected = "TimeGenerated,count_\r\n";
  for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"}) {
    std::string from = std::string(day) + "T00:00:00.000Z";
    std::string to = std::string(day) + "T23:59:59.999Z";
    intake::http::ClientOptions o;
    o.ca_file = cert_.first;
    auto client = intake::http::Client::create(o).value();
    intake::http::Request req;
    req.url = sim.url + "/rest/api/3/auditing/record?limit=1&from=" + from + "&to=" + to;
    req.headers = {{"Authorization", "Basic " + intake::base64_encode(std::string(kUser) + ":" + kPassword)}};
    auto body = client->send(req, std::chrono::seconds(10)).value().body;
    auto pos = body.find("\"total\":");
    ASSERT_NE(pos, std::string::npos) << body;
    expected += std::string(day) + "T00:00:00Z," + std::to_string(std::stoll(body.substr(pos + 8))) + "\r\n";
  }
  EXPECT_EQ(q.out, expected);

  auto bad = run_intake({"query", "AtlassianJiraAudit_CL | where categroy == 'x'", "--workspace", ws("q.db").string()}, dir_.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("kql:1:31: unknown column 'categroy' (did you mean 'category')"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("\n  AtlassianJiraAudit_CL | where categroy == 'x'\n" + std::string(32, ' ') + "^\n"), std::string::npos)
      << "the error shows the query with a caret under the column:\n" << bad.err;

  // The package's stored function (functions/JiraAudit.kql) is callable by name.
  auto fn = run_intake({"query", "JiraAudit | where EventVendor == 'Atlassian' | count", "--workspace", ws("q.db").string(),
                        "--package", package(), "--format", "csv"},
                       dir_.path());
  ASSERT_EQ(fn.exit_code, 0) << fn.err;
  EXPECT_EQ(fn.out, "Count\r\n3000\r\n");
  auto json = run_intake({"query", "JiraAudit() | sort by id asc | take 1 | project id, EventVendor", "--workspace",
                          ws("q.db").string(), "--package", package(), "--format", "json"},
                         dir_.path());
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "{\"id\":1,\"EventVendor\":\"Atlassian\"}\n");
}

TEST_F(JiraE2E, RateLimitSpacesRequestsOnTheServersClock) {
  auto sim = start();
  // 2,500 records in pages of 25 at rateLimitQPS 5: just over 100 requests.
  fs::path pkg = dir_.path() / "rate";
  fs::copy(package(), pkg, fs::copy_options::recursive);
  std::string def = read_file(pkg / "definition.json");
  def.replace(def.find("\"pageSize\": 1000"), 16, "\"pageSize\": 25");
  def.replace(def.find("\"retryCount\": 5,"), 16, "\"retryCount\": 5, \"rateLimitQPS\": 5,");
  write_file(pkg / "definition.json", def);
  auto r = run_intake(poll_args(sim, pkg.string(), ws("rate.db")), dir_.path(), std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  intake::http::ClientOptions o;
  o.ca_file = cert_.first;
  auto log = intake::http::Client::create(o).value()->send({"GET", sim.url + "/_sim/requests", {}, ""}, std::chrono::seconds(5));
  ASSERT_TRUE(log);
  std::vector<int64_t> ts;
  for (size_t pos = 0; (pos = log->body.find("\"ts_ms\":", pos)) != std::string::npos; pos += 8) {
    ts.push_back(std::stoll(log->body.substr(pos + 8)));
  }
  ASSERT_GE(ts.size(), 101u);
  // 100 requests at 5 per second span at least 19.8 s on the simulator's clock.
  EXPECT_GE(ts[100] - ts[0], 19'000) << "requests 1..101 took " << ts[100] - ts[0] << " ms";
  WorkspaceFile w(ws("rate.db"));
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM AtlassianJiraAudit_CL"), 2500);
}
