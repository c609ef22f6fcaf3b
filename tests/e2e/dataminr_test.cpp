// Dataminr Pulse end to end with our package (connectors/dataminr-pulse): intake-sim dataminr over
// HTTPS, a live alert stream that starts a few seconds after intake joins it, forward `from`/`to`
// cursor paging carried from window to window (PersistentToken) and across a kill -9 and restart,
// a 429 whose x-rate-limit-reset asks for two seconds, and a dmaToken that expires between pages.
// The workspace must hold exactly the alerts the stream produced, each once.
#include <gtest/gtest.h>

#include <signal.h>
#include <simdjson.h>

#include <algorithm>

#include "core/time.h"
#include "sim/common.h"
#include "sim/dataminr.h"
#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace intake::testing;

namespace {

constexpr int64_t kAlerts = 120;
constexpr int64_t kStreamDelayMs = 6'000;  // the first alert, after intake's first request
constexpr int64_t kStreamMs = 12'000;      // ten alerts a second
constexpr uint64_t kSeed = 3;
constexpr const char* kClientId = "dm-e2e-client";
constexpr const char* kSecret = "dm-e2e-secret-77aa";
constexpr const char* kTable = "DataminrPulseAlerts_CL";

std::string iso(int64_t ms) { return intake::format_iso8601(intake::DateTime{ms * intake::kTicksPerMillisecond}); }

intake::sim::dataminr::Options sim_options(int64_t start_ms, int64_t end_ms) {
  intake::sim::dataminr::Options o;
  o.alerts = kAlerts;
  o.start_ms = start_ms;
  o.end_ms = end_ms;
  o.seed = kSeed;
  return o;
}

// Every alert of the stream, by the simulator's own generator (all watchlists are polled).
std::vector<std::string> generated_ids(int64_t start_ms, int64_t end_ms) {
  auto sim = intake::sim::dataminr::Simulator::create(sim_options(start_ms, end_ms));
  EXPECT_TRUE(sim.has_value());
  std::vector<std::string> ids;
  simdjson::dom::parser parser;
  for (int64_t i = 0; i < kAlerts; ++i) {
    auto doc = parser.parse(simdjson::padded_string((*sim)->alert_json(i)));
    ids.emplace_back(std::string_view(doc["alertId"]));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string watchlists(int64_t start_ms, int64_t end_ms) {
  auto sim = intake::sim::dataminr::Simulator::create(sim_options(start_ms, end_ms));
  std::string out;
  for (int64_t id : (*sim)->list_ids()) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

bool is_alerts(const SimRequest& r) { return r.target.starts_with("/api/3/alerts?"); }

}  // namespace

TEST(DataminrE2E, LiveStreamEveryAlertOnceThroughThrottlingTokenExpiryAndKill) {
  TempDir dir;
  auto cert = make_self_signed_cert(dir.path());
  int64_t now = intake::sim::system_now_ms();
  int64_t start_ms = (now / 1000 + 1) * 1000 + kStreamDelayMs;
  int64_t end_ms = start_ms + kStreamMs;
  // Request numbers count token requests too: 8 is throttled (x-rate-limit-reset two seconds
  // ahead), the token presented with 10 has expired. Both fall while the first run chases the stream.
  auto sim = start_simulator({"dataminr", "--alerts", std::to_string(kAlerts), "--start", iso(start_ms), "--end", iso(end_ms),
                              "--seed", std::to_string(kSeed), "--client-id", kClientId, "--client-secret", kSecret,
                              "--throttle-at", "8", "--expire-token-at", "10", "--tls-cert", cert.first, "--tls-key",
                              cert.second},
                             dir.path());
  // Windows over the last 90 minutes: at the package's rateLimitQPS of 1, each window costs at
  // least a second, so the first run is still polling when the stream flows.
  int64_t minute = now / 60'000 * 60'000;
  fs::path ws = dir / "dataminr.db";
  std::vector<std::string> args{"poll", (source_dir() / "connectors/dataminr-pulse").string(),
                                "--param", "dataminrHost=" + sim.domain, "--param", std::string("clientId=") + kClientId,
                                "--param", std::string("clientSecret=") + kSecret,
                                "--param", "watchlistIds=" + watchlists(start_ms, end_ms), "--workspace", ws.string(),
                                "--from", iso(minute - 90 * 60'000), "--to", iso(minute), "--ca-file", cert.first};

  std::vector<std::string> argv{(bin_dir() / "intake").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  {
    Process p(argv, dir.path());
    bool reached = wait_until(
        [&] {
          if (!p.running()) return true;
          if (!fs::exists(ws)) return false;
          WorkspaceFile w(ws);
          return w.has_table(kTable) && w.scalar(std::string("SELECT count(*) FROM ") + kTable) >= 80;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(20));
    ASSERT_TRUE(reached);
    ASSERT_TRUE(p.running()) << "the first run ended before the kill:\n" << p.out() << p.err();
    p.signal(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::seconds(10)).signal, SIGKILL);
  }
  // Let the stream finish, then restart: the checkpoint's cursor picks up where the killed run
  // committed its last page.
  ASSERT_TRUE(wait_until([&] { return intake::sim::system_now_ms() > end_ms + 500; }, std::chrono::seconds(30),
                         std::chrono::milliseconds(100)));
  auto r = run_intake(args, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err.find(kSecret), std::string::npos) << "the client secret leaked:\n" << r.err;

  auto log = sim_requests(sim, cert.first);
  auto first_alerts = std::find_if(log.begin(), log.end(), is_alerts);
  ASSERT_NE(first_alerts, log.end());
  ASSERT_LT(first_alerts->ts_ms, start_ms) << "intake joined the stream after it had started: the test's premise failed";

  WorkspaceFile w(ws);
  EXPECT_EQ(w.scalar(std::string("SELECT count(*) FROM ") + kTable), kAlerts);
  EXPECT_EQ(w.column(std::string("SELECT alertId FROM ") + kTable + " ORDER BY alertId"), generated_ids(start_ms, end_ms));

  // One 429; its request came again once the reset time had passed.
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 429; }), 1);
  auto throttled = std::find_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 429; });
  ASSERT_NE(throttled, log.end());
  ASSERT_LT(throttled + 1, log.end());
  EXPECT_EQ(throttled[1].target, throttled->target);
  EXPECT_EQ(throttled[1].status, 200);
  EXPECT_GE(throttled[1].ts_ms - throttled->ts_ms, 2000);
  // One 401 for the expired token: one new token, then the same request again.
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 401; }), 1);
  auto expired = std::find_if(log.begin(), log.end(), [](const SimRequest& q) { return q.status == 401; });
  ASSERT_NE(expired, log.end());
  ASSERT_GE(log.end() - expired, 3);
  EXPECT_EQ(expired[1].target, "/auth/2/token");
  EXPECT_EQ(expired[1].status, 200);
  EXPECT_EQ(expired[2].target, expired->target);
  EXPECT_EQ(expired[2].status, 200);
  EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const SimRequest& q) { return q.target == "/auth/2/token"; }), 3)
      << "one token per run and one refresh";
  // Only the very first request of the stream went without a cursor; every later one (across
  // windows and the restart) carried the previous answer's `to`.
  EXPECT_EQ(std::count_if(log.begin(), log.end(),
                          [](const SimRequest& q) { return is_alerts(q) && q.target.find("from=") == std::string::npos; }),
            1);
}
