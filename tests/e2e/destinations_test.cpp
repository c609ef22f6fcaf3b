// Remote destinations end to end. Jira records polled by `intake run` reach:
//  - azure-monitor (intake-sim azure, the Logs Ingestion API behind its Entra token endpoint),
//    through a 60-second outage and 20% throttling, each record accepted exactly once and in the
//    order the connector read them (the same order as in the workspace, the fan-out's other
//    destination), and nothing lost across a kill -9 during delivery;
//  - a real PostgreSQL 15 server started by the test, with typed columns, exactly once across
//    a kill -9;
//  - another intake's Logs Ingestion receiver: two implementations of the API held against each
//    other, the DCR transform running on the receiving side;
// and a full spool holds the sources back (receivers answer 429) without dropping anything.
#include <signal.h>

#include "daemon_fixture.h"
#include "json/value_json.h"
#include "testing/postgres.h"

using namespace intake::testing;

namespace {

constexpr const char* kDcr = "dcr-3c1d5e7f9a0b4c2d8e6f1a3b5c7d9e0f";
constexpr const char* kClientSecret = "azure-client-secret-6d2f";

class DestinationsE2E : public DaemonE2E {
 protected:
  // Jira site `site` with `records` over the last 20 minutes, polled in one-minute windows.
  Simulator jira(const std::string& site, uint16_t port, int records) {
    return start_jira(site, port, records, {"--order", "newest"});
  }

  Simulator azure(const std::string& site, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"azure", "--dcr", std::string(kDcr) + "=" + (fs::path(package(site)) / "dcr.json").string(),
                                  "--client-secret", kClientSecret, "--tls-cert", cert_.first, "--tls-key", cert_.second,
                                  "--record", (dir_.path() / "accepted.ndjson").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return start_simulator(args, dir_.path());
  }

  std::string azure_destination(const Simulator& az, const std::string& extra = "") {
    return "destinations:\n  - name: sentinel\n    type: azure-monitor\n    endpoint: " + az.url +
           "\n    authorityHost: " + az.url + "\n    tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47\n"
           "    clientId: 3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60\n    clientSecret: ${AZURE_SECRET}\n    dcrImmutableId: " +
           kDcr + "\n    concurrency: 1\n    maxBackoff: 3s\n" + extra;
  }

  std::string connector(const std::string& site, uint16_t port, const std::string& routes) {
    return connector_yaml(site, port, package(site), 0) + "    destinations: " + routes + "\n";
  }

  std::vector<std::string> env() const {
    auto e = DaemonE2E::env();
    e.push_back(std::string("AZURE_SECRET=") + kClientSecret);
    return e;
  }

  std::unique_ptr<Process> start(const fs::path& config) {
    std::vector<std::string> argv{(bin_dir() / "intake").string(), "run", "--config", config.string()};
    auto p = std::make_unique<Process>(argv, dir_.path(), env());
    auto line = p->wait_for_output("listening url=", 30s);
    if (!line) ADD_FAILURE() << "intake run did not start: " << p->err();
    else url_ = line->substr(std::string("listening url=").size());
    return p;
  }

  // The ids of the accepted rows, in arrival order, from the simulator's record file.
  std::vector<int64_t> accepted_ids() {
    std::vector<int64_t> out;
    fs::path f = dir_.path() / "accepted.ndjson";
    if (!fs::exists(f)) return out;
    std::string text = read_file(f);
    for (size_t pos = 0; pos < text.size();) {
      size_t eol = text.find('\n', pos);
      if (eol == std::string::npos) break;  // a line still being written
      auto row = intake::json::parse(std::string_view(text).substr(pos, eol - pos));
      pos = eol + 1;
      int64_t id = 0;
      if (row && row->get("id") && row->get("id")->to_int64(id)) out.push_back(id);
    }
    return out;
  }

  std::vector<int64_t> workspace_ids(const std::string& site) {
    std::vector<int64_t> out;
    WorkspaceFile w(dir_.path() / "ws.db");
    for (const auto& s : w.column("SELECT id FROM " + table(site) + " ORDER BY rowid")) out.push_back(std::stoll(s));
    return out;
  }
};

TEST_F(DestinationsE2E, AzureMonitorThroughAnOutageAndThrottlingGetsEveryRowOnceInOrder) {
  const int kRecords = 200'000;
  uint16_t port = free_port();
  auto site = jira("A", port, kRecords);
  auto az = azure("A", {"--throttle-rate", "0.2", "--retry-after", "1", "--token-ttl", "20"});
  auto config = write_config(connector("A", port, "[workspace, sentinel]"), azure_destination(az));
  auto d = start(config);
  ASSERT_FALSE(url_.empty());
  // Halfway through the upload the service goes away for a minute.
  ASSERT_TRUE(wait_for([&] { return accepted_ids().size() >= 50'000; }, 240s)) << d->err();
  {
    intake::http::ClientOptions o;
    o.ca_file = cert_.first;
    auto client = intake::http::Client::create(o).value();
    intake::http::Request req;
    req.method = "POST";
    req.url = az.url + "/_sim/outage?seconds=60";
    auto r = client->send(req, 10s);
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : r.error().str());
  }
  auto outage_start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(5s);
  size_t during = accepted_ids().size();
  ASSERT_TRUE(wait_for([&] { return accepted_ids().size() >= static_cast<size_t>(kRecords); }, 300s))
      << "accepted " << accepted_ids().size() << "\n" << d->err().substr(0, 3000);
  EXPECT_GT(std::chrono::steady_clock::now() - outage_start, 55s) << "the outage held delivery back";
  EXPECT_LT(during, static_cast<size_t>(kRecords));
  auto metrics = http("GET", "/metrics");
  EXPECT_NE(metrics.body.find("intake_delivery_errors_total{destination=\"sentinel\""), std::string::npos);
  stop_daemon(*d);
  auto accepted = accepted_ids();
  auto stored = workspace_ids("A");
  ASSERT_EQ(stored.size(), static_cast<size_t>(kRecords));
  EXPECT_EQ(accepted.size(), static_cast<size_t>(kRecords)) << "no duplicates without a crash";
  EXPECT_EQ(std::set<int64_t>(accepted.begin(), accepted.end()).size(), static_cast<size_t>(kRecords));
  EXPECT_TRUE(accepted == stored) << "the service got the rows in the order the connector read them";
  std::string stats = sim_get(az, "/_sim/ingestion", cert_.first);
  EXPECT_NE(stats.find("\"429\""), std::string::npos) << "throttled requests were retried: " << stats;
  EXPECT_EQ(d->err().find(kClientSecret), std::string::npos);
}

TEST_F(DestinationsE2E, AKillDuringDeliveryLosesNothing) {
  const int kRecords = 30'000;
  uint16_t port = free_port();
  auto site = jira("A", port, kRecords);
  auto az = azure("A", {"--slow-ms", "150"});
  auto config = write_config(connector("A", port, "[sentinel]"), azure_destination(az));
  auto d = start(config);
  ASSERT_FALSE(url_.empty());
  ASSERT_TRUE(wait_for([&] { return accepted_ids().size() >= 5'000; }, 120s)) << d->err();
  d->signal(SIGKILL);
  d->wait(10s);
  size_t before = accepted_ids().size();
  EXPECT_LT(before, static_cast<size_t>(kRecords));
  auto again = start(config);
  ASSERT_TRUE(wait_for([&] {
    auto ids = accepted_ids();
    return std::set<int64_t>(ids.begin(), ids.end()).size() >= static_cast<size_t>(kRecords);
  }, 180s)) << again->err();
  stop_daemon(*again);
  auto ids = accepted_ids();
  std::set<int64_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kRecords)) << "every record arrived";
  EXPECT_EQ(*distinct.begin(), 1);
  EXPECT_EQ(*distinct.rbegin(), kRecords);
  // At-least-once: a crash between a send and its acknowledgement may repeat at most what was in flight.
  EXPECT_LT(ids.size() - distinct.size(), 2'000u);
  EXPECT_EQ(count("SELECT count(*) FROM " + table("A")), -1) << "routed to sentinel only: no workspace table";
}

TEST_F(DestinationsE2E, PostgresGetsTypedRowsExactlyOnceAcrossAKill) {
  if (!postgres_available()) GTEST_FAIL() << "PostgreSQL is not installed: run scripts/setup";
  PostgresServer pg;
  const int kRecords = 20'000;
  uint16_t port = free_port();
  auto site = jira("A", port, kRecords);
  std::string dest = "destinations:\n  - name: warehouse\n    type: postgres\n    connection: \"" + pg.connection() +
                     "\"\n    schema: audit\n    maxBackoff: 2s\n";
  auto config = write_config(connector("A", port, "[warehouse]"), dest);
  auto d = start(config);
  ASSERT_FALSE(url_.empty());
  std::string t = "audit.\"" + table("A") + "\"";
  ASSERT_TRUE(wait_for([&] { return pg.scalar("SELECT count(*) FROM " + t) >= 4'000; }, 120s)) << d->err();
  d->signal(SIGKILL);
  d->wait(10s);
  auto again = start(config);
  ASSERT_TRUE(wait_for([&] { return pg.scalar("SELECT count(*) FROM " + t) >= kRecords; }, 180s)) << again->err();
  std::this_thread::sleep_for(1s);
  stop_daemon(*again);
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM " + t), kRecords);
  EXPECT_EQ(pg.scalar("SELECT count(DISTINCT id) FROM " + t), kRecords) << "exactly once across the kill";
  auto types = pg.query("SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = 'audit' AND "
                        "table_name = '" + table("A") + "' ORDER BY ordinal_position");
  std::set<std::string> have(types.begin(), types.end());
  for (const char* want : {"TimeGenerated:timestamp with time zone", "id:bigint", "summary:text", "created:timestamp with time zone",
                           "objectItem:jsonb", "changedValues:jsonb"}) {
    EXPECT_TRUE(have.contains(want)) << want;
  }
  // The DCR transform ran before the rows left: TimeGenerated is the record's created time.
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM " + t + " WHERE \"TimeGenerated\" != created"), 0);
  EXPECT_GT(pg.scalar("SELECT count(*) FROM " + t + " WHERE \"objectItem\"->>'name' IS NOT NULL"), 0);
}

TEST_F(DestinationsE2E, IntakeSendsToAnotherIntakesLogsIngestionReceiver) {
  const int kRecords = 5'000;
  uint16_t port = free_port();
  auto site = jira("A", port, kRecords);
  // The receiving intake: its Logs Ingestion API serves the Jira package's DCR.
  TempDir other;
  write_file(other / "intake.yaml", "workspace: ws.db\nlisten: 127.0.0.1:0\ntls:\n  cert: " + cert_.first + "\n  key: " + cert_.second +
                                        "\nreceivers:\n  logsIngestion:\n    tokens: [\"intake-to-intake-token\"]\n    rules:\n"
                                        "      - immutableId: " + std::string(kDcr) + "\n        package: " + package("A") + "\nconnectors: []\n");
  Process receiver({(bin_dir() / "intake").string(), "run", "--config", (other / "intake.yaml").string()}, other.path());
  auto line = receiver.wait_for_output("listening url=", 30s);
  ASSERT_TRUE(line) << receiver.err();
  std::string receiver_url = line->substr(std::string("listening url=").size());
  std::string dest = "destinations:\n  - name: other-intake\n    type: azure-monitor\n    endpoint: " + receiver_url +
                     "\n    token: intake-to-intake-token\n    dcrImmutableId: " + kDcr + "\n";
  auto config = write_config(connector("A", port, "[other-intake]"), dest);
  auto d = start(config);
  ASSERT_FALSE(url_.empty());
  auto received = [&] {
    if (!fs::exists(other / "ws.db")) return int64_t{-1};
    WorkspaceFile w(other / "ws.db");
    return w.scalar("SELECT count(*) FROM " + table("A"));
  };
  ASSERT_TRUE(wait_for([&] { return received() >= kRecords; }, 120s)) << d->err() << receiver.err();
  stop_daemon(*d);
  WorkspaceFile w(other / "ws.db");
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM " + table("A")), kRecords);
  EXPECT_EQ(w.scalar("SELECT count(*) FROM " + table("A") + " WHERE TimeGenerated != created"), 0)
      << "the receiving side ran the DCR transform on the stream rows";
  receiver.signal(SIGTERM);
  EXPECT_EQ(receiver.wait(15s).exit_code, 0);
}

TEST_F(DestinationsE2E, AFullSpoolHoldsReceiversBackWith429AndDropsNothing) {
  auto az = azure("A");
  // The destination is down for the whole test; its spool takes 64 KB.
  {
    intake::http::ClientOptions o;
    o.ca_file = cert_.first;
    auto client = intake::http::Client::create(o).value();
    intake::http::Request req;
    req.method = "POST";
    req.url = az.url + "/_sim/outage?seconds=600&mode=503";
    ASSERT_EQ(client->send(req, 10s)->status, 200);
  }
  std::string receivers = "receivers:\n  logsIngestion:\n    tokens: [\"push-token-123456\"]\n    rules:\n      - immutableId: " +
                          std::string(kDcr) + "\n        package: " + package("A") + "\n        destinations: [sentinel]\n";
  auto config = write_config("  []\n", azure_destination(az, "    spoolMaxBytes: 64KB\n") + receivers);
  auto d = start(config);
  ASSERT_FALSE(url_.empty());
  auto client_owner = intake::http::Client::create({}).value();
  intake::http::Client& client = *client_owner;
  std::string body = "[";
  for (int i = 0; i < 100; ++i) {
    body += std::string(i ? "," : "") + "{\"id\":" + std::to_string(i) + ",\"summary\":\"" + std::string(200, 'x') +
            "\",\"created\":\"2024-01-01T00:00:00Z\"}";
  }
  body += "]";
  int accepted = 0, refused = 0;
  for (int i = 0; i < 40 && refused == 0; ++i) {
    intake::http::Request req;
    req.method = "POST";
    req.url = url_ + "/dataCollectionRules/" + kDcr + "/streams/Custom-AtlassianJiraAudit?api-version=2023-01-01";
    req.headers = {{"Authorization", "Bearer push-token-123456"}, {"Content-Type", "application/json"}};
    req.body = body;
    auto r = client.send(req, 10s);
    ASSERT_TRUE(r) << r.error().str();
    if (r->status == 204) ++accepted;
    else if (r->status == 429) ++refused;
    else ADD_FAILURE() << r->status << " " << r->body;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_EQ(refused, 1) << "the receiver refuses once the spool is over its limit";
  stop_daemon(*d);
  // Everything accepted is still spooled: nothing was dropped.
  WorkspaceFile w(dir_.path() / "ws.db");
  EXPECT_EQ(w.scalar("SELECT sum(rows) FROM _intake_spool WHERE destination = 'sentinel'"), accepted * 100);
}

}  // namespace
