// intake-sim azure as a process over HTTPS: a token from its Entra endpoint, a gzip upload with
// the percent-encoded api-version the JS SDK sends, the rows read back from /_sim/accepted and from
// the --record file, an outage started through /_sim/outage, and a restart that appends to the file.
#include <gtest/gtest.h>
#include <signal.h>
#include <zlib.h>

#include "http/client.h"
#include "json/value_json.h"
#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace intake;
using namespace intake::testing;

namespace {

constexpr const char* kDcrId = "dcr-5e1a7c0de0000000000000000000abcd";
constexpr const char* kStream = "Custom-AtlassianJiraAudit";
constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kClientId = "3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60";
constexpr const char* kSecret = "azure-e2e-secret-9d2f";

std::string gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

struct Client {
  std::unique_ptr<http::Client> client;
  std::string url;

  Client(const Simulator& sim, const std::string& ca) : url(sim.url) {
    http::ClientOptions o;
    o.ca_file = ca;
    auto c = http::Client::create(o);
    if (!c) throw std::runtime_error(c.error().str());
    client = std::move(*c);
  }
  Result<http::Response> post(const std::string& path, http::Headers headers, std::string body) {
    http::Request r;
    r.method = "POST";
    r.url = url + path;
    r.headers = std::move(headers);
    r.body = std::move(body);
    return client->send(r, std::chrono::seconds(10));
  }
  std::string token() {
    auto r = post(std::string("/") + kTenant + "/oauth2/v2.0/token",
                  {{"Content-Type", "application/x-www-form-urlencoded"}},
                  std::string("grant_type=client_credentials&client_id=") + kClientId + "&client_secret=" + kSecret +
                      "&scope=https%3A%2F%2Fmonitor.azure.com%2F%2F.default");
    EXPECT_TRUE(r.has_value()) << r.error().str();
    EXPECT_EQ(r->status, 200) << r->body;
    auto doc = json::parse(r->body);
    const Value* t = doc ? doc->get("access_token") : nullptr;
    return t && t->is_string() ? t->as_string() : "";
  }
  Result<http::Response> upload(const std::string& token, const std::string& rows) {
    client->disconnect();  // a dropped connection must not leave a half-dead one behind
    return post(std::string("/dataCollectionRules/") + kDcrId + "/streams/" + kStream + "?api%2Dversion=2023-01-01",
                {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}},
                gzip(rows));
  }
};

}  // namespace

TEST(SimAzureE2E, UploadsAreRecordedThroughAnOutageAndARestart) {
  TempDir dir;
  auto cert = make_self_signed_cert(dir.path());
  fs::path record = dir / "accepted.ndjson";
  std::vector<std::string> args{"azure", "--dcr", std::string(kDcrId) + "=" + (source_dir() / "connectors/atlassian-jira-audit/dcr.json").string(),
                                "--record", record.string(), "--tenant", kTenant, "--client-id", kClientId,
                                "--client-secret", kSecret, "--tls-cert", cert.first, "--tls-key", cert.second};
  {
    auto sim = start_simulator(args, dir.path());
    Client c(sim, cert.first);
    std::string token = c.token();
    auto r = c.upload(token, R"([{"id":1,"summary":"User created","notAColumn":"x"},{"id":2,"changedValues":[{"fieldName":"email"}]}])");
    ASSERT_TRUE(r.has_value()) << r.error().str();
    EXPECT_EQ(r->status, 204) << r->body;

    std::string rows = "{\"id\":1,\"summary\":\"User created\"}\n{\"id\":2,\"changedValues\":[{\"fieldName\":\"email\"}]}\n";
    EXPECT_EQ(sim_get(sim, std::string("/_sim/accepted?stream=") + kStream, cert.first), rows);
    EXPECT_EQ(read_file(record), rows);
    EXPECT_NE(sim_get(sim, "/_sim/ingestion", cert.first).find(std::string("\"streams\":{\"") + kStream + "\":{\"rows\":2,\"requests\":1"),
              std::string::npos);
    auto log = sim_requests(sim, cert.first);
    ASSERT_EQ(log.size(), 2u) << "the token and the upload; /_sim/ requests are not logged";
    EXPECT_NE(log[1].target.find("?api%2Dversion=2023-01-01"), std::string::npos) << log[1].target;

    // An outage: the connection is closed without an answer until it is over.
    auto control = c.post("/_sim/outage?seconds=60", {}, "");
    ASSERT_TRUE(control.has_value() && control->status == 200);
    EXPECT_FALSE(c.upload(token, R"([{"id":3}])").has_value()) << "expected a transport failure";
    ASSERT_TRUE(c.post("/_sim/outage?seconds=0", {}, "").has_value());
    r = c.upload(token, R"([{"id":3}])");
    ASSERT_TRUE(r.has_value()) << r.error().str();
    EXPECT_EQ(r->status, 204);
    EXPECT_NE(sim_get(sim, "/_sim/ingestion", cert.first).find("\"dropped_connections\":1"), std::string::npos);

    sim.process->signal(SIGTERM);
    EXPECT_EQ(sim.process->wait(std::chrono::seconds(10)).exit_code, 0);
  }
  auto sim = start_simulator(args, dir.path());
  Client c(sim, cert.first);
  auto r = c.upload(c.token(), R"([{"id":4}])");
  ASSERT_TRUE(r.has_value()) << r.error().str();
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(sim_get(sim, std::string("/_sim/accepted?stream=") + kStream, cert.first), "{\"id\":4}\n");
  EXPECT_EQ(read_file(record), "{\"id\":1,\"summary\":\"User created\"}\n{\"id\":2,\"changedValues\":[{\"fieldName\":\"email\"}]}\n"
                               "{\"id\":3}\n{\"id\":4}\n");
  EXPECT_EQ(sim.process->err().find(kSecret), std::string::npos);
}
