// Receivers end to end, over HTTPS with a certificate made by the test: `intake run` accepts the
// HTTP Data Collector API (Darktrace's appliance push, a sender written in Python's standard
// library), the Logs Ingestion API (the official @azure/monitor-ingestion SDK, Darktrace's CCF
// push) and Dataminr's RTAP webhook with its registration command; every record lands in its
// table exactly once, refusals are Azure's and write nothing, slow or surplus connections are cut,
// and no configured secret shows up in the logs.
#include <arpa/inet.h>

#include <ctime>
#include <thread>

#include "auth/shared_key.h"
#include "core/base64.h"
#include "daemon_fixture.h"
#include "http/gzip.h"

using namespace intake::testing;

namespace {

constexpr const char* kWorkspaceId = "5f0e3a52-2f1c-4cc6-9b7e-0d3c2a1b4e6f";
constexpr const char* kIngestToken = "ingest-token-8c41e0aa";
constexpr const char* kRtapToken = "rtap-hook-token-3b9d27";
constexpr const char* kDcr = "dcr-7e1c9a40b2d34f5e8a6b0c1d2e3f4a5b";

std::string primary_key() { return intake::base64_encode("primary workspace key bytes, 0123456789abcdef"); }
std::string secondary_key() { return intake::base64_encode("secondary workspace key bytes, fedcba9876543210"); }

class ReceiversE2E : public DaemonE2E {
 protected:
  void SetUp() override {
    DaemonE2E::SetUp();
    dataminr_ = start_simulator({"dataminr", "--tls-cert", cert_.first, "--tls-key", cert_.second}, dir_.path());
  }

  fs::path write_receivers(const std::string& receivers_extra = "") {
    fs::path p = dir_.path() / "intake.yaml";
    std::string darktrace = (source_dir() / "connectors/darktrace").string();
    write_file(p, "workspace: ws.db\nlisten: 127.0.0.1:0\nbearerToken: ${INTAKE_BEARER}\n"
                  "tls:\n  caFile: " + cert_.first + "\n  cert: " + cert_.first + "\n  key: " + cert_.second + "\n"
                  "receivers:\n" + receivers_extra +
                  "  dataCollector:\n    workspaceId: " + kWorkspaceId + "\n    sharedKeys: [\"${WS_PRIMARY}\", \"${WS_SECONDARY}\"]\n"
                  "  logsIngestion:\n    tokens: [\"${INGEST_TOKEN}\"]\n    rules:\n      - immutableId: " + kDcr +
                  "\n        package: " + darktrace + "\n"
                  "  webhooks:\n    - name: dataminr-rtap\n      package: " + (source_dir() / "connectors/dataminr-pulse").string() +
                  "\n      token: \"${RTAP_TOKEN}\"\n      parameters:\n        dataminrHost: \"" + dataminr_.domain +
                  "\"\n        clientId: sim-dataminr-client\n        clientSecret: \"${DATAMINR_SECRET}\"\n        watchlistIds: \"1\"\n"
                  "connectors: []\n");
    return p;
  }

  std::vector<std::string> env() const {
    auto e = DaemonE2E::env();
    e.push_back("WS_PRIMARY=" + primary_key());
    e.push_back("WS_SECONDARY=" + secondary_key());
    e.push_back(std::string("INGEST_TOKEN=") + kIngestToken);
    e.push_back(std::string("RTAP_TOKEN=") + kRtapToken);
    e.push_back("DATAMINR_SECRET=sim-dataminr-secret");
    return e;
  }

  std::unique_ptr<Process> start(const fs::path& config) {
    std::vector<std::string> argv{(bin_dir() / "intake").string(), "run", "--config", config.string()};
    auto p = std::make_unique<Process>(argv, dir_.path(), env());
    auto line = p->wait_for_output("listening url=", 30s);
    if (!line) {
      ADD_FAILURE() << "intake run did not start: " << p->err();
      return p;
    }
    url_ = line->substr(std::string("listening url=").size());
    return p;
  }

  HttpResult post(const std::string& path, const std::string& body, intake::http::Headers headers) {
    intake::http::ClientOptions o;
    o.ca_file = cert_.first;
    auto client = intake::http::Client::create(o).value();
    intake::http::Request req;
    req.method = "POST";
    req.url = url_ + path;
    req.body = body;
    req.headers = std::move(headers);
    auto resp = client->send(req, 30s);
    if (!resp) return {0, resp.error().str()};
    return {resp->status, resp->body};
  }

  HttpResult get(const std::string& path) {
    intake::http::ClientOptions o;
    o.ca_file = cert_.first;
    auto client = intake::http::Client::create(o).value();
    intake::http::Request req;
    req.url = url_ + path;
    req.headers = {{"Authorization", std::string("Bearer ") + kBearer}};
    auto resp = client->send(req, 30s);
    if (!resp) return {0, resp.error().str()};
    return {resp->status, resp->body};
  }

  HttpResult data_collector(const std::string& body, const std::string& key, const std::string& date, const std::string& log_type = "Probe") {
    auto auth = intake::auth::shared_key_authorization(kWorkspaceId, key, body.size(), date).value();
    return post("/api/logs?api-version=2016-04-01", body,
                {{"Content-Type", "application/json"}, {"Log-Type", log_type}, {"x-ms-date", date}, {"Authorization", auth}});
  }

  static std::string rfc1123(int64_t offset_s = 0) {
    std::time_t t = std::time(nullptr) + offset_s;
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&t));
    return buf;
  }

  Simulator dataminr_;
};

TEST_F(ReceiversE2E, DarktraceAndDataminrPushFiftyThousandAlertsEachExactlyOnce) {
  auto d = start(write_receivers());
  ASSERT_FALSE(url_.empty());
  auto darktrace = run({(bin_dir() / "intake-sim").string(), "darktrace", "--push-to", url_, "--workspace-id", kWorkspaceId,
                        "--key", secondary_key(), "--alerts", "50000", "--batch", "500", "--concurrency", "4", "--ca-file",
                        cert_.first},
                       dir_.path(), 300s);
  ASSERT_EQ(darktrace.exit_code, 0) << darktrace.out << darktrace.err;
  EXPECT_NE(darktrace.out.find("pushed alerts=50000"), std::string::npos) << darktrace.out;
  EXPECT_EQ(count("SELECT count(*) FROM darktrace_model_alerts_CL"), 50000);
  EXPECT_EQ(count("SELECT count(DISTINCT uuid_g) FROM darktrace_model_alerts_CL"), 50000);
  EXPECT_GT(count("SELECT count(*) FROM darktrace_model_alerts_CL WHERE dtProduct_s = 'Policy Breach' AND score_d IS NOT NULL"), 0);

  auto rtap = run({(bin_dir() / "intake-sim").string(), "dataminr", "--push-to", url_ + "/webhooks/dataminr-rtap", "--token",
                   kRtapToken, "--count", "50000", "--batch", "100", "--ca-file", cert_.first},
                  dir_.path(), 300s);
  ASSERT_EQ(rtap.exit_code, 0) << rtap.out << rtap.err;
  EXPECT_EQ(count("SELECT count(*) FROM DataminrPulse_Alerts_CL"), 50000);
  EXPECT_EQ(count("SELECT count(DISTINCT \"index\") FROM DataminrPulse_Alerts_CL"), 50000);
  EXPECT_EQ(count("SELECT count(*) FROM DataminrPulse_Alerts_CL WHERE Source IS NULL OR alertTypeId IS NULL"), 0)
      << "the DCR transform shaped every row";

  // Darktrace's CCF push: the Logs Ingestion API, each kind to its own stream and table.
  auto ccf = run({(bin_dir() / "intake-sim").string(), "darktrace", "--ingestion-to", url_, "--dcr", kDcr, "--token", kIngestToken,
                  "--alerts", "2000", "--batch", "200", "--gzip", "--ca-file", cert_.first},
                 dir_.path(), 120s);
  ASSERT_EQ(ccf.exit_code, 0) << ccf.out << ccf.err;
  int64_t total = 0;
  for (const char* t : {"DarktraceModelAlerts_CL", "DarktraceIncidents_CL", "DarktraceSystemStatusAlerts_CL", "DarktraceEMAIL_CL"}) {
    int64_t n = count(std::string("SELECT count(*) FROM ") + t);
    EXPECT_GT(n, 0) << t;
    total += n;
  }
  EXPECT_EQ(total, 2000);
  EXPECT_EQ(count("SELECT count(DISTINCT uuid) FROM DarktraceModelAlerts_CL"), count("SELECT count(*) FROM DarktraceModelAlerts_CL"));
  stop_daemon(*d);
}

TEST_F(ReceiversE2E, IndependentClientsThePythonSenderAndTheAzureSdk) {
  auto d = start(write_receivers());
  ASSERT_FALSE(url_.empty());
  auto py = run({find_program("python3"), (source_dir() / "tests/clients/data_collector_sender.py").string(), url_, kWorkspaceId,
                 primary_key(), "PyProbe", "1000", cert_.first},
                dir_.path(), 120s);
  ASSERT_EQ(py.exit_code, 0) << py.out << py.err;
  EXPECT_EQ(count("SELECT count(*) FROM PyProbe_CL"), 1000);
  EXPECT_EQ(count("SELECT count(DISTINCT Id_d) FROM PyProbe_CL"), 1000);
  EXPECT_EQ(count("SELECT count(*) FROM PyProbe_CL WHERE Healthy_b IS NULL OR CorrelationId_g IS NULL OR Details_severity_s IS NULL"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM PyProbe_CL WHERE Message_s LIKE '%Zürich'"), 500) << "UTF-8 bodies are signed by byte length";
  // time-generated-field: TimeGenerated is the record's own eventTime.
  EXPECT_EQ(count("SELECT count(*) FROM PyProbe_CL WHERE TimeGenerated != eventTime_t"), 0);
  auto metrics = get("/metrics");
  EXPECT_NE(metrics.body.find("intake_receiver_events_total{receiver=\"data_collector\"} 1000"), std::string::npos) << metrics.body;

  fs::path modules = source_dir() / "tests/clients/node_modules/@azure/monitor-ingestion";
  ASSERT_TRUE(fs::exists(modules)) << "tests/clients has no node modules: run scripts/setup";
  auto sdk = run({find_program("node"), (source_dir() / "tests/clients/logs_ingestion_upload.mjs").string(), url_, kDcr,
                  "Custom-DarktraceModelAlerts", kIngestToken, "--generate", "10000", "--concurrency", "2"},
                 dir_.path(), 180s, {"NODE_EXTRA_CA_CERTS=" + cert_.first});
  ASSERT_EQ(sdk.exit_code, 0) << sdk.out << sdk.err;
  EXPECT_NE(sdk.out.find("\"ok\":true"), std::string::npos) << sdk.out;
  EXPECT_EQ(count("SELECT count(*) FROM DarktraceModelAlerts_CL"), 10000);
  EXPECT_EQ(count("SELECT count(DISTINCT uuid) FROM DarktraceModelAlerts_CL"), 10000);
  // The DCR transform ran: TimeGenerated is alertTime (2024-06-01 onwards), not the arrival time.
  EXPECT_EQ(count("SELECT count(*) FROM DarktraceModelAlerts_CL WHERE TimeGenerated != alertTime"), 0);
  EXPECT_EQ(count("SELECT min(TimeGenerated) FROM DarktraceModelAlerts_CL"), intake::parse_datetime("2024-06-01T00:00:00Z")->ticks);
  stop_daemon(*d);
}

TEST_F(ReceiversE2E, DataminrRegistrationCommandRunsThePackagesAction) {
  auto d = start(write_receivers());
  ASSERT_FALSE(url_.empty());
  std::string hook = url_ + "/webhooks/dataminr-rtap";
  auto r = post("/webhooks/dataminr-rtap?code=" + std::string(kRtapToken),
                "{\"integration-settings\":\"ADD\",\"url\":\"" + hook + "\",\"token\":\"" + kRtapToken + "\"}",
                {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "Integration settings are added successfully with settingId=90001");
  std::string settings = sim_get(dataminr_, "/_sim/dataminr/settings", cert_.first);
  EXPECT_NE(settings.find("\"webhook\":\"" + hook + "\""), std::string::npos) << settings;
  EXPECT_NE(settings.find("\"deliveryType\":\"ms_sentinel\""), std::string::npos) << settings;
  EXPECT_EQ(count("SELECT count(*) FROM DataminrPulse_Alerts_CL"), -1) << "a command is not an alert";
  // A wrong token is refused before anything else.
  auto denied = post("/webhooks/dataminr-rtap", "{\"index\":\"1\"}", {{"x-functions-key", "not-the-token"}});
  EXPECT_EQ(denied.status, 401);
  stop_daemon(*d);
  EXPECT_EQ(d->err().find(kRtapToken), std::string::npos);
  EXPECT_EQ(d->err().find("sim-dataminr-secret"), std::string::npos);
}

TEST_F(ReceiversE2E, RefusalsAreAzuresAndWriteNothingAndSlowOrSurplusConnectionsAreCut) {
  auto d = start(write_receivers("  maxConnections: 3\n  readTimeout: 2s\n"));
  ASSERT_FALSE(url_.empty());
  const std::string body = R"([{"a":"x"}])";
  struct Case {
    const char* what;
    HttpResult r;
    int status;
    const char* code;
  };
  std::vector<Case> cases;
  cases.push_back({"wrong key", data_collector(body, intake::base64_encode("not the key"), rfc1123()), 403, "InvalidAuthorization"});
  {
    auto auth = intake::auth::shared_key_authorization("00000000-0000-0000-0000-0000000000aa", primary_key(), body.size(), rfc1123()).value();
    cases.push_back({"wrong workspace",
                     post("/api/logs?api-version=2016-04-01", body,
                          {{"Content-Type", "application/json"}, {"Log-Type", "Probe"}, {"x-ms-date", rfc1123()}, {"Authorization", auth}}),
                     403, "InvalidAuthorization"});
  }
  cases.push_back({"x-ms-date 20 minutes old", data_collector(body, primary_key(), rfc1123(-20 * 60)), 403, "InvalidAuthorization"});
  cases.push_back({"bad Log-Type", data_collector(body, primary_key(), rfc1123(), "no-dashes"), 400, "InvalidLogType"});
  cases.push_back({"malformed JSON", data_collector("[{\"a\":", primary_key(), rfc1123()), 400, "InvalidDataFormat"});
  {
    std::string big(31 << 20, ' ');
    big[0] = '[';
    big[big.size() - 1] = ']';
    cases.push_back({"over 30 MB", data_collector(big, primary_key(), rfc1123()), 404, ""});
  }
  std::string li = "/dataCollectionRules/" + std::string(kDcr) + "/streams/Custom-DarktraceModelAlerts?api-version=2023-01-01";
  intake::http::Headers bearer{{"Authorization", std::string("Bearer ") + kIngestToken}, {"Content-Type", "application/json"}};
  cases.push_back({"wrong bearer token", post(li, R"([{"uuid":"a"}])", {{"Authorization", "Bearer wrong"}}), 401, "InvalidAuthenticationToken"});
  cases.push_back({"unknown DCR", post("/dataCollectionRules/dcr-00000000000000000000000000000000/streams/Custom-DarktraceModelAlerts?api-version=2023-01-01",
                                       R"([{"uuid":"a"}])", bearer),
                   404, "NotFound"});
  cases.push_back({"unknown stream", post("/dataCollectionRules/" + std::string(kDcr) + "/streams/Custom-Nope?api-version=2023-01-01",
                                          R"([{"uuid":"a"}])", bearer),
                   404, "InvalidStream"});
  {
    auto bomb = intake::http::gzip(std::string(64 << 20, '[')).value();
    auto h = bearer;
    h.emplace_back("Content-Encoding", "gzip");
    cases.push_back({"gzip bomb", post(li, bomb, h), 413, "ContentLengthLimitExceeded"});
  }
  cases.push_back({"over 1 MB", post(li, "[" + std::string(2 << 20, ' ') + "]", bearer), 413, "ContentLengthLimitExceeded"});
  for (const auto& c : cases) {
    EXPECT_EQ(c.r.status, c.status) << c.what << ": " << c.r.body;
    if (*c.code) EXPECT_NE(c.r.body.find(c.code), std::string::npos) << c.what << ": " << c.r.body;
    EXPECT_FALSE(c.r.body.empty()) << c.what << ": every refusal says why";
  }
  EXPECT_EQ(count("SELECT count(*) FROM Probe_CL"), -1) << "no refused request created a table";
  EXPECT_EQ(count("SELECT count(*) FROM DarktraceModelAlerts_CL"), -1);
  // A client that sends half a header is disconnected after readTimeout (slowloris).
  std::string hostport = url_.substr(url_.find("://") + 3);
  uint16_t port = static_cast<uint16_t>(std::stoi(hostport.substr(hostport.rfind(':') + 1)));
  auto connect_raw = [&] {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  };
  auto t0 = std::chrono::steady_clock::now();
  int slow = connect_raw();
  ::send(slow, "\x16\x03\x01", 3, 0);  // the start of a TLS hello, never finished
  timeval tv{8, 0};
  ::setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[64];
  ssize_t n = ::recv(slow, buf, sizeof buf, 0);
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LE(n, 0) << "the half-open connection is closed";
  EXPECT_LT(waited, 6s) << "within the read timeout";
  ::close(slow);
  // Beyond maxConnections a new connection is answered 503.
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect_raw());
  // The held connections count once the server has accepted them: ask until it has.
  HttpResult busy;
  EXPECT_TRUE(wait_for([&] { return (busy = post("/healthz", "", {})).status == 503; }, 10s)) << busy.status << " " << busy.body;
  for (int fd : held) ::close(fd);
  EXPECT_TRUE(wait_for([&] { return post("/api/logs?api-version=2016-04-01", "", {}).status != 503; }, 10s));
  stop_daemon(*d);
  for (const auto& secret : {primary_key(), secondary_key(), std::string(kIngestToken), std::string(kRtapToken)}) {
    EXPECT_EQ(d->err().find(secret), std::string::npos) << "a secret in the logs";
  }
}

}  // namespace
