#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/time.h"
#include "sim/sentinelone.h"

namespace intake::sim::sentinelone {
namespace {

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

Options day_of(int64_t records) {
  Options o;
  o.records.fill(records);
  o.start_ms = ms("2024-05-01T00:00:00Z");
  o.end_ms = ms("2024-05-02T00:00:00Z");
  o.seed = 7;
  o.now = [] { return ms("2024-05-03T00:00:00Z"); };
  return o;
}

std::unique_ptr<Simulator> make(Options o) {
  auto sim = Simulator::create(std::move(o));
  EXPECT_TRUE(sim.has_value()) << (sim ? "" : sim.error().str());
  return sim ? std::move(*sim) : nullptr;
}

http::ServerRequest get(std::string_view endpoint, http::QueryParams query, std::string auth = "ApiToken sim-s1-token") {
  http::ServerRequest r;
  r.method = "GET";
  r.path = "/web/api/v2.1/" + std::string(endpoint);
  r.target = r.path + "?" + http::build_query(query);
  r.query = std::move(query);
  if (!auth.empty()) r.headers.emplace_back("Authorization", auth);
  return r;
}

struct Page {
  std::vector<std::string> ids;
  std::optional<std::string> cursor;
  int64_t total = -1;
};

Page parse(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(simdjson::padded_string(body));
  Page p;
  for (auto o : doc["data"].get_array()) p.ids.emplace_back(std::string_view(o["id"].get_string()));
  auto c = doc["pagination"]["nextCursor"];
  if (!c.is_null()) p.cursor = std::string(std::string_view(c.get_string()));
  p.total = doc["pagination"]["totalItems"].get_int64();
  return p;
}

// Pages through one query the way the CCP definition does (NextPageToken on $.pagination.nextCursor).
std::vector<std::string> page_all(Simulator& sim, std::string_view endpoint, http::QueryParams base, size_t* pages = nullptr) {
  std::vector<std::string> ids;
  std::optional<std::string> cursor;
  size_t n = 0;
  do {
    http::QueryParams q = base;
    if (cursor) q.emplace_back("cursor", *cursor);
    auto r = sim.handle(get(endpoint, q));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    Page p = parse(r.body);
    ids.insert(ids.end(), p.ids.begin(), p.ids.end());
    cursor = p.cursor;
    ++n;
  } while (cursor && n < 10000);
  if (pages) *pages = n;
  return ids;
}

TEST(SimSentinelOne, CursorPagingCoversEveryThreatOnce) {
  auto sim = make(day_of(2500));
  size_t pages = 0;
  auto ids = page_all(*sim, "threats", {{"limit", "1000"}}, &pages);
  EXPECT_EQ(pages, 3u);
  EXPECT_EQ(ids.size(), 2500u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 2500u);
  auto first = parse(sim->handle(get("threats", {{"limit", "1000"}})).body);
  EXPECT_EQ(first.total, 2500);
  EXPECT_TRUE(first.cursor.has_value());
  EXPECT_EQ(base64_decode(*first.cursor)->rfind("threat_id:", 0), 0u);
}

TEST(SimSentinelOne, CompactThreatsKeepTheMainMembersAtAThirdOfTheSize) {
  auto full = make(day_of(100));
  Options o = day_of(100);
  o.compact_threats = true;
  auto compact = make(o);
  auto full_body = full->handle(get("threats", {{"limit", "100"}})).body;
  auto compact_body = compact->handle(get("threats", {{"limit", "100"}})).body;
  EXPECT_EQ(parse(compact_body).ids, parse(full_body).ids) << "the same threats, ids and order";
  EXPECT_GT(full_body.size() / 100, 3000u);
  EXPECT_LT(compact_body.size() / 100, 1600u);
  simdjson::dom::parser parser;
  simdjson::dom::element t = parser.parse(simdjson::padded_string(compact_body))["data"].at(0);
  for (const char* path : {"/threatInfo/threatName", "/threatInfo/createdAt", "/threatInfo/sha1", "/threatInfo/analystVerdict",
                           "/agentRealtimeInfo/agentComputerName", "/agentDetectionInfo/agentUuid", "/id"}) {
    EXPECT_FALSE(t.at_pointer(path).error()) << path;
  }
}

TEST(SimSentinelOne, WindowsOfTheDefinitionPartitionTheDayExceptBoundaryObjects) {
  auto sim = make(day_of(3000));
  // 5-minute windows, exclusive on both ends, second-resolution times (queryTimeFormat yyyy-MM-ddTHH:mm:ssZ).
  size_t total = 0;
  for (int64_t w = 0; w < 24 * 12; ++w) {
    int64_t a = ms("2024-05-01T00:00:00Z") + w * 300'000, b = a + 300'000;
    std::string from = iso_time(a * kTicksPerMillisecond, 0), to = iso_time(b * kTicksPerMillisecond, 0);
    total += page_all(*sim, "activities", {{"createdAt__gt", from}, {"createdAt__lt", to}, {"limit", "1000"}}).size();
  }
  int64_t on_boundary = 0;
  for (int64_t i = 0; i < 3000; ++i) {
    if (sim->created_ticks(Kind::Activities, i) % (300 * kTicksPerSecond) == 0) ++on_boundary;
  }
  EXPECT_GT(on_boundary, 0);  // boundary objects exist and are fetched by neither window, as in the real API
  EXPECT_EQ(total + static_cast<size_t>(on_boundary), 3000u);
  // __gte takes them back.
  auto r = sim->handle(get("activities", {{"createdAt__gte", "2024-05-01T00:00:00Z"}, {"createdAt__lt", "2024-05-02T00:00:00Z"}, {"countOnly", "true"}}));
  EXPECT_EQ(parse(r.body).total, 3000);
}

TEST(SimSentinelOne, UpdatedFilterReturnsTheSameObjectsLater) {
  auto sim = make(day_of(500));
  for (int64_t i = 0; i < 500; ++i) {
    EXPECT_GE(sim->updated_ticks(Kind::Agents, i), sim->created_ticks(Kind::Agents, i));
    if (i) {
      EXPECT_GE(sim->updated_ticks(Kind::Agents, i), sim->updated_ticks(Kind::Agents, i - 1));
    }
  }
  auto created = page_all(*sim, "agents", {{"createdAt__gte", "2024-05-01T00:00:00Z"}, {"limit", "200"}});
  auto updated = page_all(*sim, "agents", {{"updatedAt__gte", "2024-05-01T00:00:00Z"}, {"limit", "200"}});
  EXPECT_EQ(created.size(), 500u);
  EXPECT_EQ(created, updated);
}

TEST(SimSentinelOne, ErrorsUseTheErrorsEnvelope) {
  auto sim = make(day_of(10));
  for (std::string auth : {"", "ApiToken wrong", "Bearer sim-s1-token"}) {
    auto r = sim->handle(get("threats", {}, auth));
    EXPECT_EQ(r.status, 401) << auth;
    EXPECT_EQ(r.body, R"({"errors":[{"code":4010010,"detail":null,"title":"Authentication Failed"}]})");
  }
  auto big = sim->handle(get("threats", {{"limit", "1001"}}));
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body, R"({"errors":[{"code":4000010,"detail":"limit: Must be between 1 and 1000.","title":"Validation Error"}]})");
  auto cursor = sim->handle(get("threats", {{"cursor", "bm9wZQ=="}}));
  EXPECT_EQ(cursor.status, 400);
  EXPECT_NE(cursor.body.find("Invalid cursor value received"), std::string::npos);
  EXPECT_EQ(sim->handle(get("threats", {{"createdAt__gt", "yesterday"}})).status, 400);
  EXPECT_EQ(sim->handle(get("threats", {{"bogus", "1"}})).status, 400);
  EXPECT_EQ(sim->handle(get("nothing", {})).status, 404);
  // An agents cursor is not a threats cursor.
  auto agents = parse(sim->handle(get("agents", {{"limit", "2"}})).body);
  EXPECT_EQ(sim->handle(get("threats", {{"cursor", *agents.cursor}})).status, 400);
}

TEST(SimSentinelOne, EmptyLastPageAndDefaultLimit) {
  Options o = day_of(25);
  o.empty_last_page = true;
  auto sim = make(o);
  size_t pages = 0;
  auto ids = page_all(*sim, "groups", {}, &pages);  // S1's default limit is 10
  EXPECT_EQ(ids.size(), 25u);
  EXPECT_EQ(pages, 4u);  // 10, 10, 5, then an empty page with nextCursor null
}

TEST(SimSentinelOne, FaultsThrottleRevokeAndRateLimit) {
  Options o = day_of(10);
  o.faults.throttle_at = 2;
  o.revoke_after = 3;
  auto sim = make(o);
  EXPECT_EQ(sim->handle(get("threats", {})).status, 200);
  auto t = sim->handle(get("threats", {}));
  EXPECT_EQ(t.status, 429);
  EXPECT_EQ(http::find_header(t.headers, "Retry-After").value_or(""), "2");
  EXPECT_EQ(sim->handle(get("threats", {})).status, 200);
  EXPECT_EQ(sim->handle(get("threats", {})).status, 200);
  EXPECT_EQ(sim->handle(get("threats", {})).status, 401);  // revoked after 3 authenticated requests

  Options limited = day_of(10);
  limited.faults.rate_limit = 2;
  limited.faults.retry_after_s = 5;
  int64_t clock = ms("2024-05-03T00:00:00Z");
  limited.now = [&clock] { return clock; };
  auto sim2 = make(limited);
  EXPECT_EQ(sim2->handle(get("threats", {})).status, 200);
  EXPECT_EQ(sim2->handle(get("threats", {})).status, 200);
  auto r = sim2->handle(get("threats", {}));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(http::find_header(r.headers, "Retry-After").value_or(""), "5");
  clock += 1000;
  EXPECT_EQ(sim2->handle(get("threats", {})).status, 200);
}

TEST(SimSentinelOne, ObjectsAreDeterministicRealisticAndNotStored) {
  Options o = day_of(1'000'000);
  auto a = make(o);
  auto b = make(o);
  std::string t = a->object_json(Kind::Threats, 999'999);
  EXPECT_EQ(t, b->object_json(Kind::Threats, 999'999));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(simdjson::padded_string(t));
  for (const char* key : {"threatInfo", "agentRealtimeInfo", "agentDetectionInfo", "indicators", "mitigationStatus"}) {
    EXPECT_FALSE(doc[key].error()) << key;
  }
  EXPECT_EQ(std::string_view(doc["threatInfo"]["createdAt"].get_string()).size(), 27u);  // microseconds + Z
  EXPECT_GT(t.size(), 1500u);
  for (Kind k : {Kind::Activities, Kind::Agents, Kind::Groups, Kind::Alerts}) {
    EXPECT_FALSE(parser.parse(simdjson::padded_string(a->object_json(k, 5))).error());
  }
  auto page = a->handle(get("threats", {{"limit", "1000"}, {"createdAt__gt", "2024-05-01T23:00:00Z"}}));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(parse(page.body).ids.size(), 1000u);
}

}  // namespace
}  // namespace intake::sim::sentinelone
