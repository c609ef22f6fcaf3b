#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>

#include "core/base64.h"
#include "core/time.h"
#include "sim/graph.h"

namespace intake::sim::graph {
namespace {

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

struct Fixture {
  int64_t clock = ms("2024-01-03T00:00:00Z");
  std::unique_ptr<Simulator> sim;
  explicit Fixture(int64_t alerts, int64_t ttl = 3599) {
    Options o;
    o.alerts = alerts;
    o.start_ms = ms("2024-01-01T00:00:00Z");
    o.end_ms = ms("2024-01-02T00:00:00Z");
    o.entra.token_ttl_s = ttl;
    o.now = [this] { return clock; };
    auto s = Simulator::create(std::move(o));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().str());
    sim = std::move(*s);
  }
};

http::ServerRequest req(std::string method, std::string path, http::QueryParams query = {}, http::Headers headers = {},
                        std::string body = {}) {
  http::ServerRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.path + "?" + http::build_query(r.query);
  r.headers = std::move(headers);
  r.headers.emplace_back("Host", "127.0.0.1:9443");
  r.body = std::move(body);
  return r;
}

const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const char* kForm = "grant_type=client_credentials&client_id=3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60&client_secret=sim-secret&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";

std::string token(Simulator& sim) {
  auto r = sim.handle(req("POST", std::string("/") + kTenant + "/oauth2/v2.0/token", {}, {}, kForm));
  EXPECT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser p;
  return std::string(std::string_view(p.parse(simdjson::padded_string(r.body))["access_token"]));
}

TEST(SimGraph, TokenEndpointErrorsAreEntraShaped) {
  Fixture f(10);
  std::string path = std::string("/") + kTenant + "/oauth2/v2.0/token";
  auto wrong_secret = f.sim->handle(req("POST", path, {}, {}, std::string(kForm).replace(std::string(kForm).find("sim-secret"), 10, "nope")));
  EXPECT_EQ(wrong_secret.status, 401);
  simdjson::dom::parser p;
  auto doc = p.parse(simdjson::padded_string(wrong_secret.body));
  EXPECT_EQ(std::string_view(doc["error"]), "invalid_client");
  EXPECT_EQ(int64_t(doc["error_codes"].at(0)), 7000215);
  EXPECT_TRUE(std::string_view(doc["error_description"]).starts_with("AADSTS7000215: "));
  for (const char* key : {"timestamp", "trace_id", "correlation_id"}) EXPECT_FALSE(doc[key].error()) << key;
  std::string bad_scope = std::string(kForm).substr(0, std::string(kForm).find("&scope=")) + "&scope=https%3A%2F%2Fmanage.office.com%2F.default";
  auto scope = f.sim->handle(req("POST", path, {}, {}, bad_scope));
  EXPECT_EQ(scope.status, 400);
  EXPECT_NE(scope.body.find("\"invalid_scope\""), std::string::npos);
  EXPECT_NE(scope.body.find("AADSTS70011"), std::string::npos);
  auto client = f.sim->handle(req("POST", path, {}, {}, "grant_type=client_credentials&client_id=other&client_secret=x&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"));
  EXPECT_EQ(client.status, 400);
  EXPECT_NE(client.body.find("unauthorized_client"), std::string::npos);
  EXPECT_EQ(f.sim->handle(req("POST", "/other-tenant/oauth2/v2.0/token", {}, {}, kForm)).status, 400);
  // v1 with resource: string numbers.
  auto v1 = f.sim->handle(req("POST", std::string("/") + kTenant + "/oauth2/token", {}, {},
                              "grant_type=client_credentials&client_id=3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60&client_secret=sim-secret&resource=https%3A%2F%2Fgraph.microsoft.com"));
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_NE(v1.body.find("\"expires_in\":\"3599\""), std::string::npos);
}

TEST(SimGraph, NextLinkPagingWithFilterCoversTheWindow) {
  Fixture f(2500);
  http::Headers auth{{"Authorization", "Bearer " + token(*f.sim)}};
  http::QueryParams q{{"$filter", "createdDateTime ge 2024-01-01T06:00:00Z and createdDateTime lt 2024-01-01T18:00:00Z"}, {"$top", "500"}};
  std::set<std::string> ids;
  int pages = 0;
  simdjson::dom::parser p;
  while (pages < 100) {
    auto r = f.sim->handle(req("GET", "/v1.0/security/alerts_v2", q, auth));
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    auto doc = p.parse(simdjson::padded_string(r.body));
    for (auto a : doc["value"].get_array()) {
      ids.insert(std::string(std::string_view(a["id"])));
      std::string created{std::string_view(a["createdDateTime"])};
      EXPECT_GE(created, "2024-01-01T06:00:00");
      EXPECT_LT(created, "2024-01-01T18:00:00");
      EXPECT_EQ(created.size(), 28u);  // 7 fraction digits
    }
    auto next = doc["@odata.nextLink"];
    if (next.error()) break;
    std::string url(std::string_view(next.get_string()));
    EXPECT_TRUE(url.starts_with("http://127.0.0.1:9443/v1.0/security/alerts_v2?")) << url;
    q = http::parse_query(url.substr(url.find('?') + 1));
  }
  EXPECT_EQ(ids.size(), 1250u);
  EXPECT_EQ(pages, 3);
}

TEST(SimGraph, LimitsAndBadFiltersAre400WithGraphBody) {
  Fixture f(100);
  http::Headers auth{{"Authorization", "Bearer " + token(*f.sim)}};
  for (http::QueryParams q : {http::QueryParams{{"$top", "1001"}}, http::QueryParams{{"$skip", "501"}},
                              http::QueryParams{{"$filter", "createdDateTime ge yesterday"}},
                              http::QueryParams{{"$filter", "foo eq 'bar'"}}, http::QueryParams{{"$expand", "x"}}}) {
    auto r = f.sim->handle(req("GET", "/v1.0/security/alerts_v2", q, auth));
    EXPECT_EQ(r.status, 400) << q[0].first;
    EXPECT_NE(r.body.find("\"error\":{\"code\":\"BadRequest\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"innerError\""), std::string::npos);
  }
  EXPECT_EQ(f.sim->handle(req("GET", "/v1.0/security/alerts_v2", {{"$top", "1000"}, {"$skip", "500"}}, auth)).status, 200);
}

TEST(SimGraph, TokenExpiryAndThrottling) {
  Fixture f(100, 5);
  http::Headers auth{{"Authorization", "Bearer " + token(*f.sim)}};
  EXPECT_EQ(f.sim->handle(req("GET", "/v1.0/security/alerts_v2", {}, auth)).status, 200);
  f.clock += 5000;
  auto expired = f.sim->handle(req("GET", "/v1.0/security/alerts_v2", {}, auth));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(http::find_header(expired.headers, "WWW-Authenticate").value_or("").find("error=\"invalid_token\""), std::string::npos);
  EXPECT_NE(expired.body.find("InvalidAuthenticationToken"), std::string::npos);
  EXPECT_EQ(f.sim->handle(req("GET", "/v1.0/security/alerts_v2", {})).status, 401);

  Fixture g(10);
  Options o = g.sim->options();
  o.faults.throttle_at = 1;
  auto throttled = Simulator::create(o);
  ASSERT_TRUE(throttled.has_value());
  auto r = (*throttled)->handle(req("GET", "/v1.0/security/alerts_v2", {}, {}));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(http::find_header(r.headers, "Retry-After").value_or(""), "2");
  EXPECT_NE(r.body.find("TooManyRequests"), std::string::npos);
}

TEST(SimGraph, ExpireTokenAtRequestKAnswers401UntilANewTokenIsFetched) {
  Fixture g(10);
  Options o = g.sim->options();
  o.faults.expire_token_at = 2;
  auto sim = Simulator::create(o);
  ASSERT_TRUE(sim.has_value());
  http::Headers auth{{"Authorization", "Bearer " + token(**sim)}};
  EXPECT_EQ((*sim)->handle(req("GET", "/v1.0/security/alerts_v2", {}, auth)).status, 200);
  auto expired = (*sim)->handle(req("GET", "/v1.0/security/alerts_v2", {}, auth));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("Access token has expired or is not yet valid."), std::string::npos) << expired.body;
  EXPECT_EQ((*sim)->handle(req("GET", "/v1.0/security/alerts_v2", {}, auth)).status, 401) << "the token stays expired";
  http::Headers fresh{{"Authorization", "Bearer " + token(**sim)}};
  EXPECT_EQ((*sim)->handle(req("GET", "/v1.0/security/alerts_v2", {}, fresh)).status, 200);
  EXPECT_EQ((*sim)->tokens().tokens_issued(), 2);
}

TEST(SimGraph, AlertsAreDeterministicAndShaped) {
  Fixture f(1'000'000);
  std::string a = f.sim->alert_json(123'456);
  EXPECT_EQ(a, f.sim->alert_json(123'456));
  simdjson::dom::parser p;
  auto doc = p.parse(simdjson::padded_string(a));
  for (const char* key : {"id", "severity", "status", "serviceSource", "createdDateTime", "lastUpdateDateTime", "evidence", "mitreTechniques"}) {
    EXPECT_FALSE(doc[key].error()) << key;
  }
  EXPECT_GE(std::string_view(doc["lastUpdateDateTime"]), std::string_view(doc["createdDateTime"]));
}

}  // namespace
}  // namespace intake::sim::graph
