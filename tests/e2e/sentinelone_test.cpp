// SentinelOne end to end with the vendor's published CCP definition, unchanged: intake-sim
// sentinelone over HTTPS, the threats connection polled into the workspace across windows, pages,
// a 429 with Retry-After and a kill -9; every threat the API returns is stored exactly once.
#include <gtest/gtest.h>

#include <signal.h>

#include "core/base64.h"
#include "http/client.h"
#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace intake::testing;

namespace {

constexpr const char* kStart = "2024-03-01T00:00:00Z";
constexpr const char* kEnd = "2024-03-01T00:30:00Z";  // six 5-minute windows
constexpr const char* kToken = "s1-e2e-token-9d1c";
constexpr const char* kConnection = "SentinelOnePoller_threats_created_events";

class SentinelOneE2E : public ::testing::Test {
 protected:
  void SetUp() override { cert_ = make_self_signed_cert(dir_.path()); }

  Simulator start(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"sentinelone", "--threats", "2600", "--records", "10", "--start", kStart, "--end", kEnd,
                                  "--seed", "4", "--token", kToken, "--tls-cert", cert_.first, "--tls-key", cert_.second};
    args.insert(args.end(), extra.begin(), extra.end());
    return start_simulator(args, dir_.path());
  }

  std::vector<std::string> poll_args(const Simulator& sim, const fs::path& definition, const std::string& ws) {
    return {"poll", definition.string(), "--connection", kConnection, "--param", "managementUrl=" + sim.url,
            "--param", std::string("apitoken=") + kToken, "--workspace", ws, "--from", kStart, "--to", kEnd,
            "--ca-file", cert_.first};
  }

  // Threats the API returns for the six windows (its createdAt__gt/__lt bounds are exclusive, so
  // objects exactly on a boundary are returned by no window: that is the definition's behaviour).
  int64_t expected_threats(const Simulator& sim) {
    intake::http::ClientOptions o;
    o.ca_file = cert_.first;
    auto client = intake::http::Client::create(o).value();
    int64_t total = 0;
    for (int w = 0; w < 6; ++w) {
      char from[32], to[32];
      std::snprintf(from, sizeof from, "2024-03-01T00:%02d:00Z", w * 5);
      std::snprintf(to, sizeof to, "2024-03-01T00:%02d:00Z", (w + 1) * 5);
      intake::http::Request req;
      req.url = sim.url + "/web/api/v2.1/threats?countOnly=true&createdAt__gt=" + from + "&createdAt__lt=" + to;
      req.headers = {{"Authorization", std::string("ApiToken ") + kToken}};
      auto body = client->send(req, std::chrono::seconds(10)).value().body;
      auto pos = body.find("\"totalItems\":");
      EXPECT_NE(pos, std::string::npos) << body;
      if (pos != std::string::npos) total += std::stoll(body.substr(pos + 13));
    }
    return total;
  }

  fs::path ws(const std::string& name) const { return dir_.path() / name; }
  TempDir dir_;
  std::pair<std::string, std::string> cert_;
};

}  // namespace

TEST_F(SentinelOneE2E, PublishedDefinitionThreatsExactlyOnceThrough429AndKill) {
  INTAKE_REQUIRE_CORPUS(corpus);
  fs::path definition = corpus / "SentinelOne/PollerConfig.json";
  // Request 4 is throttled once with Retry-After: 2; every response is a little slow so the
  // kill lands in the middle of the run.
  auto sim = start({"--throttle-at", "4", "--slow-ms", "40"});
  // The expectation comes from a second, fault-free simulator with the same seed, so that the
  // counting requests do not shift the faulty one's request numbers.
  int64_t expected = expected_threats(start());
  ASSERT_GT(expected, 2000);

  std::vector<std::string> argv{(bin_dir() / "intake").string()};
  auto args = poll_args(sim, definition, ws("s1.db").string());
  argv.insert(argv.end(), args.begin(), args.end());
  {
    Process p(argv, dir_.path());
    bool reached = wait_until(
        [&] {
          if (!fs::exists(ws("s1.db"))) return false;
          WorkspaceFile w(ws("s1.db"));
          return w.has_table("SentinelOneThreats_API") && w.scalar("SELECT count(*) FROM SentinelOneThreats_API") >= 800;
        },
        std::chrono::seconds(120), std::chrono::milliseconds(50));
    ASSERT_TRUE(reached) << p.err();
    p.signal(SIGKILL);
    EXPECT_EQ(p.wait(std::chrono::seconds(10)).signal, SIGKILL);
  }
  auto r = run_intake(args, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  WorkspaceFile w(ws("s1.db"));
  EXPECT_EQ(w.scalar("SELECT count(*) FROM SentinelOneThreats_API"), expected);
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM SentinelOneThreats_API"), expected);

  // The simulator answered one 429 (with Retry-After: 2) and the run still completed.
  intake::http::ClientOptions o;
  o.ca_file = cert_.first;
  auto stats = intake::http::Client::create(o).value()->send({"GET", sim.url + "/_sim/stats", {}, ""}, std::chrono::seconds(5));
  ASSERT_TRUE(stats);
  EXPECT_NE(stats->body.find("\"429\":1"), std::string::npos) << stats->body;
}

TEST_F(SentinelOneE2E, WrongTokenNamesTheStatusAndHidesTheToken) {
  INTAKE_REQUIRE_CORPUS(corpus);
  auto sim = start();
  auto args = poll_args(sim, corpus / "SentinelOne/PollerConfig.json", ws("bad.db").string());
  args[7] = "apitoken=not-the-token-4471";
  auto r = run_intake(args, dir_.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(sim.url + "/web/api/v2.1/threats"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("not-the-token-4471"), std::string::npos) << r.err;
}
