// Microsoft Graph security alerts end to end with our package (connectors/microsoft-graph-alerts):
// intake-sim graph over HTTPS with its Entra token endpoint, six 10-minute windows of two
// @odata.nextLink pages each, a 429 with Retry-After: 2, a token that expires between pages
// (the engine fetches a new one once and repeats the request), and a kill -9 mid-run followed by
// a restart. The workspace must hold exactly the alerts the simulator generated, each once.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>

#include "core/time.h"
#include "sim/graph.h"
#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace intake::testing;

namespace {

constexpr const char* kStart = "2024-03-01T00:00:00Z";
constexpr const char* kEnd = "2024-03-01T01:00:00Z";  // six windows of the package's 10 minutes
constexpr int64_t kAlerts = 7200;                      // 1,200 a window: pages of 1,000 and 200
constexpr uint64_t kSeed = 7;
constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60";
constexpr const char* kSecret = "graph-e2e-secret-41c7";
constexpr const char* kTable = "GraphSecurityAlerts_CL";

int64_t epoch_ms(const char* iso) { return intake::parse_datetime(iso)->ticks / intake::kTicksPerMillisecond; }

// The ids of the alerts the simulator serves for [kStart, kEnd): computed by the simulator's own
// generator with the same options, so the expectation does not go through the engine.
std::vector<std::string> generated_ids() {
  intake::sim::graph::Options o;
  o.alerts = kAlerts;
  o.start_ms = epoch_ms(kStart);
  o.end_ms = epoch_ms(kEnd);
  o.seed = kSeed;
  auto sim = intake::sim::graph::Simulator::create(o);
  EXPECT_TRUE(sim.has_value());
  std::vector<std::string> ids;
  for (int64_t i = 0; i < kAlerts; ++i) ids.push_back((*sim)->alert_id(i));
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool is_token_request(const SimRequest& r) { return r.method == "POST" && r.target.ends_with("/oauth2/v2.0/token"); }

}  // namespace

TEST(GraphAlertsE2E, EveryAlertOnceThroughThrottlingTokenExpiryAndKill) {
  TempDir dir;
  auto cert = make_self_signed_cert(dir.path());
  // API requests (token requests are not counted): 3 is throttled with Retry-After: 2; the token
  // presented with 6 has expired. Slow answers let the kill land mid-run.
  auto sim = start_simulator({"graph", "--alerts", std::to_string(kAlerts), "--start", kStart, "--end", kEnd, "--seed",
                              std::to_string(kSeed), "--tenant", kTenant, "--client-id", kClientId, "--client-secret", kSecret,
                              "--throttle-at", "3", "--expire-token-at", "6", "--slow-ms", "150", "--tls-cert", cert.first,
                              "--tls-key", cert.second},
                             dir.path());
  fs::path ws = dir / "graph.db";
  std::vector<std::string> args{"poll", (source_dir() / "connectors/microsoft-graph-alerts").string(),
                                "--param", "authorityHost=" + sim.domain, "--param", "graphHost=" + sim.domain,
                                "--param", std::string("tenantId=") + kTenant, "--param", std::string("clientId=") + kClientId,
                                "--param", std::string("clientSecret=") + kSecret, "--workspace", ws.string(),
                                "--from", kStart, "--to", kEnd, "--ca-file", cert.first};

  std::vector<std::string> argv{(bin_dir() / "intake").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  {
    Process p(argv, dir.path());
    // Past the expired token (request 6 is the first page of the third window), before the end.
    bool reached = wait_until(
        [&] {
          if (!fs::exists(ws)) return false;
          WorkspaceFile w(ws);
          return w.has_table(kTable) && w.scalar(std::string("SELECT count(*) FROM ") + kTable) >= 3400;
        },
        std::chrono::seconds(90), std::chrono::milliseconds(20));
    ASSERT_TRUE(reached) << p.err();
    p.signal(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::seconds(10)).signal, SIGKILL);
    WorkspaceFile w(ws);
    EXPECT_LT(w.scalar(std::string("SELECT count(*) FROM ") + kTable), kAlerts) << "the kill came after the last page";
  }
  auto r = run_intake(args, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find(kSecret), std::string::npos) << "the client secret leaked:\n" << r.err;

  WorkspaceFile w(ws);
  EXPECT_EQ(w.scalar(std::string("SELECT count(*) FROM ") + kTable), kAlerts);
  EXPECT_EQ(w.column(std::string("SELECT id FROM ") + kTable + " ORDER BY id"), generated_ids());

  auto log = sim_requests(sim, cert.first);
  // One 429, answered Retry-After: 2; its request came again two seconds later.
  auto throttled = std::find_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 429; });
  ASSERT_NE(throttled, log.end());
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 429; }), 1);
  auto retried = std::find_if(throttled + 1, log.end(), [&](const SimRequest& q) { return q.target == throttled->target; });
  ASSERT_NE(retried, log.end());
  EXPECT_EQ(retried->status, 200);
  EXPECT_GE(retried->ts_ms - throttled->ts_ms, 2000);
  // One 401 for the expired token: the engine fetched one new token and repeated that request.
  auto expired = std::find_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 401; });
  ASSERT_NE(expired, log.end());
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 401; }), 1);
  ASSERT_GE(log.end() - expired, 3);
  EXPECT_TRUE(is_token_request(expired[1])) << expired[1].method << " " << expired[1].target;
  EXPECT_EQ(expired[1].status, 200);
  EXPECT_EQ(expired[2].target, expired->target);
  EXPECT_EQ(expired[2].status, 200);
  // Tokens: one per process, plus the one refresh.
  EXPECT_EQ(std::count_if(log.begin(), log.end(), is_token_request), 3);
  // Every window had a second page, reached through its @odata.nextLink.
  EXPECT_GE(std::count_if(log.begin(), log.end(),
                          [](const SimRequest& q) { return q.status == 200 && q.target.find("%24skiptoken=") != std::string::npos; }),
            6);
}
