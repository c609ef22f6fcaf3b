#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>

#include "core/time.h"
#include "sim/dataminr.h"

namespace intake::sim::dataminr {
namespace {

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

struct Fixture {
  int64_t clock = ms("2024-01-02T00:00:00Z");
  std::unique_ptr<Simulator> sim;
  explicit Fixture(int64_t alerts, int64_t ttl = 3600, int64_t throttle_at = 0) {
    Options o;
    o.alerts = alerts;
    o.start_ms = ms("2024-01-01T00:00:00Z");
    o.end_ms = ms("2024-01-03T00:00:00Z");  // the second day is still in the future
    o.token_ttl_s = ttl;
    o.faults.throttle_at = throttle_at;
    o.now = [this] { return clock; };
    auto s = Simulator::create(std::move(o));
    EXPECT_TRUE(s.has_value());
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
  r.body = std::move(body);
  return r;
}

std::string login(Simulator& sim) {
  auto r = sim.handle(req("POST", "/auth/2/token", {}, {},
                          "grant_type=api_key&client_id=sim-dataminr-client&client_secret=sim-dataminr-secret"));
  EXPECT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser p;
  return std::string(std::string_view(p.parse(simdjson::padded_string(r.body))["dmaToken"]));
}

std::string all_lists(Simulator& sim) {
  std::string out;
  for (int64_t id : sim.list_ids()) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

TEST(SimDataminr, AuthErrorsAndExpiry) {
  Fixture f(100, 60);
  auto bad = f.sim->handle(req("POST", "/auth/2/token", {}, {}, "grant_type=api_key&client_id=x&client_secret=y"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"errors":[{"code":102,"message":"Invalid client Id or client secret"}]})");
  http::Headers auth{{"Authorization", "Dmauth " + login(*f.sim)}};
  EXPECT_EQ(f.sim->handle(req("GET", "/account/2/get_lists", {}, auth)).status, 200);
  f.clock += 60'000;
  auto expired = f.sim->handle(req("GET", "/account/2/get_lists", {}, auth));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("\"code\":103"), std::string::npos);
  EXPECT_EQ(f.sim->handle(req("GET", "/account/2/get_lists", {}, {{"Authorization", "Bearer x"}})).status, 401);
}

TEST(SimDataminr, ExpireTokenAtAppliesToTheNextDataRequest) {
  Fixture f(100);
  Options o = f.sim->options();
  o.faults.expire_token_at = 1;  // falls on the token request: the next data request gets the 401
  auto sim = Simulator::create(o);
  ASSERT_TRUE(sim.has_value());
  http::Headers auth{{"Authorization", "Dmauth " + login(**sim)}};
  auto expired = (*sim)->handle(req("GET", "/account/2/get_lists", {}, auth));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body, R"({"errors":[{"code":103,"message":"Token has expired"}]})");
  EXPECT_EQ((*sim)->handle(req("GET", "/account/2/get_lists", {}, auth)).status, 401);
  http::Headers fresh{{"Authorization", "Dmauth " + login(**sim)}};
  EXPECT_EQ((*sim)->handle(req("GET", "/account/2/get_lists", {}, fresh)).status, 200);
}

TEST(SimDataminr, ForwardCursorPagingEndsOnAnEmptyPageAndSeesNewAlerts) {
  Fixture f(2000);
  http::Headers auth{{"Authorization", "Dmauth " + login(*f.sim)}};
  simdjson::dom::parser p;
  auto lists = f.sim->handle(req("GET", "/account/2/get_lists", {}, auth));
  EXPECT_EQ(simdjson::dom::array(p.parse(simdjson::padded_string(lists.body))["watchlists"]["CYBER"]).size(), 2u);
  // First call without a cursor returns the newest alerts; then page forward from the oldest.
  http::QueryParams q{{"alertversion", "14"}, {"lists", all_lists(*f.sim)}, {"num", "100"}, {"from", ""}};
  q.pop_back();
  auto first = f.sim->handle(req("GET", "/api/3/alerts", q, auth));
  ASSERT_EQ(first.status, 200) << first.body;
  std::set<std::string> ids;
  std::string cursor = "SDRzSUFBQUE6MA==";  // position 0
  for (int i = 0; i < 100; ++i) {
    http::QueryParams page = q;
    page.emplace_back("from", cursor);
    auto r = f.sim->handle(req("GET", "/api/3/alerts", page, auth));
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = p.parse(simdjson::padded_string(r.body));
    auto alerts = simdjson::dom::array(doc["data"]["alerts"]);
    for (auto a : alerts) ids.insert(std::string(std::string_view(a["alertId"])));
    cursor = std::string(std::string_view(doc["data"]["to"]));
    if (alerts.size() == 0) break;
  }
  size_t past = 0;
  for (int64_t i = 0; i < 2000; ++i) past += f.sim->event_ms(i) <= f.clock;
  EXPECT_EQ(ids.size(), past);  // about half of the alerts are in the past
  EXPECT_NEAR(static_cast<double>(past), 1000, 2);
  f.clock += 1800'000;
  http::QueryParams later = q;
  later.emplace_back("from", cursor);
  auto r = f.sim->handle(req("GET", "/api/3/alerts", later, auth));
  EXPECT_GT(simdjson::dom::array(p.parse(simdjson::padded_string(r.body))["data"]["alerts"]).size(), 0u);
  later.back().second = "garbage";
  auto bad = f.sim->handle(req("GET", "/api/3/alerts", later, auth));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("Unable to decode \\\"from\\\" cursor, invalid format"), std::string::npos);
}

TEST(SimDataminr, RateLimitUsesResetInMilliseconds) {
  Fixture f(10, 3600, 2);
  std::string token = login(*f.sim);
  auto r = f.sim->handle(req("GET", "/account/2/get_lists", {}, {{"Authorization", "Dmauth " + token}}));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.body, R"({"errors":[{"code":105,"message":"Rate limit exceeded!"}]})");
  EXPECT_EQ(http::find_header(r.headers, "x-rate-limit-reset").value_or(""), std::to_string(f.clock + 2000));
  EXPECT_FALSE(http::find_header(r.headers, "Retry-After").has_value());
}

TEST(SimDataminr, RtapAlertsHaveTheConnectorsFields) {
  std::string a = rtap_alert_json(1, 5, ms("2024-01-01T00:00:00Z"));
  simdjson::dom::parser p;
  auto doc = p.parse(simdjson::padded_string(a));
  for (const char* key : {"index", "headline", "alertType", "_embedded", "relatedAlerts", "internalOnly", "timestamp"}) {
    EXPECT_FALSE(doc[key].error()) << key;
  }
  EXPECT_FALSE(doc["_embedded"]["labels"].at(0)["data"]["@type"].error());
  EXPECT_NE(a.find("[.]"), std::string::npos);  // defanged IPs
}

}  // namespace
}  // namespace intake::sim::dataminr
