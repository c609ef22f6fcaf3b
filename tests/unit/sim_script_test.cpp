#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>
#include <zlib.h>

#include <set>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/time.h"
#include "sim/script.h"

namespace intake::sim::script {
namespace {

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

std::unique_ptr<Simulator> make(std::string script, NowMs now = [] { return ms("2024-01-03T00:00:00Z"); }) {
  Options o;
  o.script_json = std::move(script);
  o.now = std::move(now);
  auto sim = Simulator::create(std::move(o));
  EXPECT_TRUE(sim.has_value()) << (sim ? "" : sim.error().str());
  return sim ? std::move(*sim) : nullptr;
}

http::ServerRequest req(std::string method, std::string path, http::QueryParams query = {}, http::Headers headers = {},
                        std::string body = {}) {
  http::ServerRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.target = r.path + (query.empty() ? "" : "?" + http::build_query(query));
  r.query = std::move(query);
  r.headers = std::move(headers);
  r.headers.emplace_back("Host", "127.0.0.1:8080");
  r.body = std::move(body);
  return r;
}

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  return p.parse(simdjson::padded_string(body));
}

constexpr const char* kEvents = R"("events": {"count": 250, "start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z",
                                  "template": {"id": "{{n}}", "ts": "{{time}}", "kind": "{{choice:login|logout}}"}})";

TEST(SimScript, BadScriptsNameTheKey) {
  for (const char* bad : {"[]", R"({"routes": []})", R"({"auth": {"type": "kerberos"}, "routes": [{"path": "/x"}]})",
                          R"({"routes": [{"path": "/x", "paging": {"type": "magic"}}]})",
                          R"({"routes": [{"path": "x"}]})"}) {
    Options o;
    o.script_json = bad;
    auto sim = Simulator::create(o);
    EXPECT_FALSE(sim.has_value()) << bad;
  }
}

TEST(SimScript, BasicAuthAndOffsetPagingWithExpectations) {
  auto sim = make(std::string(R"({"auth": {"type": "basic", "username": "u", "password": "p"},
    "routes": [{"path": "/api/events", "expect": {"params": {"since": "*"}, "headers": {"Accept": "application/json"}},
                "time_filter": {"start_param": "since"},
                "paging": {"type": "offset", "size_param": "limit", "max_page_size": 100, "total_path": "$.total"},
                "envelope": "$.data.items", )") + kEvents + "}]}");
  http::Headers good{{"Authorization", "Basic " + base64_encode("u:p")}, {"Accept", "application/json"}};
  simdjson::dom::parser p;
  int64_t seen = 0;
  for (int64_t offset = 0;; offset += 100) {
    auto r = sim->handle(req("GET", "/api/events", {{"since", "2024-01-01T00:00:00Z"}, {"offset", std::to_string(offset)}, {"limit", "100"}}, good));
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = parse(p, r.body);
    EXPECT_EQ(int64_t(doc["total"]), 250);
    size_t n = simdjson::dom::array(doc["data"]["items"]).size();
    seen += static_cast<int64_t>(n);
    if (n < 100) break;
  }
  EXPECT_EQ(seen, 250);
  auto first = parse(p, sim->handle(req("GET", "/api/events", {{"since", "2024-01-01T00:00:00Z"}, {"limit", "1"}}, good)).body);
  EXPECT_EQ(int64_t(first["data"]["items"].at(0)["id"]), 1);  // "{{n}}" alone is a number
  EXPECT_EQ(sim->handle(req("GET", "/api/events", {{"since", "2024-01-01T00:00:00Z"}}, {{"Authorization", "Basic " + base64_encode("u:x")}, {"Accept", "application/json"}})).status, 401);
  auto missing = sim->handle(req("GET", "/api/events", {}, good));
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("missing parameter since"), std::string::npos);
  EXPECT_EQ(sim->handle(req("GET", "/api/events", {{"since", "2024-01-01T00:00:00Z"}}, {{"Authorization", "Basic " + base64_encode("u:p")}})).status, 400);
  EXPECT_EQ(sim->handle(req("GET", "/api/events", {{"since", "2024-01-01T00:00:00Z"}, {"limit", "101"}}, good)).status, 400);
  EXPECT_EQ(sim->handle(req("GET", "/api/other", {}, good)).status, 404);
  EXPECT_EQ(sim->handle(req("POST", "/api/events", {}, good)).status, 405);
}

TEST(SimScript, LinkHeaderAndNextTokenPaging) {
  auto sim = make(std::string(R"({"auth": {"type": "apikey", "header": "Authorization", "prefix": "SSWS", "key": "k1"},
    "routes": [{"path": "/link", "paging": {"type": "link_header", "size_param": "limit", "page_size": 100}, )") + kEvents + R"(},
               {"path": "/token", "paging": {"type": "next_token", "param": "pageToken", "token_path": "$.meta.next"},
                "envelope": "$.rows", )" + kEvents + "}]}");
  http::Headers auth{{"Authorization", "SSWS k1"}};
  // Link: <url>; rel="next" until the last page.
  std::string target = "/link";
  http::QueryParams q;
  int pages = 0;
  while (true) {
    auto r = sim->handle(req("GET", target, q, auth));
    ASSERT_EQ(r.status, 200) << r.body;
    ++pages;
    auto link = http::find_header(r.headers, "Link");
    if (!link) break;
    std::string url(link->substr(1, link->find('>') - 1));
    EXPECT_TRUE(url.starts_with("http://127.0.0.1:8080/link?")) << url;
    EXPECT_NE(link->find("rel=\"next\""), std::string::npos);
    q = http::parse_query(url.substr(url.find('?') + 1));
  }
  EXPECT_EQ(pages, 3);
  // Body token until null.
  simdjson::dom::parser p;
  std::string token;
  int64_t rows = 0;
  for (int i = 0; i < 10; ++i) {
    http::QueryParams tq;
    if (!token.empty()) tq.emplace_back("pageToken", token);
    auto r = sim->handle(req("GET", "/token", tq, auth));
    ASSERT_EQ(r.status, 200) << r.body;
    auto doc = parse(p, r.body);
    rows += static_cast<int64_t>(simdjson::dom::array(doc["rows"]).size());
    if (doc["meta"]["next"].is_null()) break;
    token = std::string(std::string_view(doc["meta"]["next"]));
  }
  EXPECT_EQ(rows, 250);
  EXPECT_EQ(sim->handle(req("GET", "/token", {{"pageToken", "garbage"}}, auth)).status, 400);
  EXPECT_EQ(sim->handle(req("GET", "/token", {}, {{"Authorization", "SSWS nope"}})).status, 401);
}

TEST(SimScript, OAuth2TokensExpire) {
  int64_t clock = ms("2024-01-03T00:00:00Z");
  auto sim = make(std::string(R"({"auth": {"type": "oauth2", "client_id": "cid", "client_secret": "cs", "scope": "read", "ttl": 60},
    "routes": [{"path": "/data", "paging": {"type": "page_number", "size_param": "per_page", "page_size": 50}, )") + kEvents + "}]}",
                  [&clock] { return clock; });
  auto bad = sim->handle(req("POST", "/oauth2/token", {}, {}, "grant_type=client_credentials&client_id=cid&client_secret=no&scope=read"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(bad.body.find("invalid_client"), std::string::npos);
  EXPECT_EQ(sim->handle(req("POST", "/oauth2/token", {}, {}, "grant_type=client_credentials&client_id=cid&client_secret=cs&scope=write")).status, 400);
  auto ok = sim->handle(req("POST", "/oauth2/token", {}, {{"Authorization", "Basic " + base64_encode("cid:cs")}}, "grant_type=client_credentials&scope=read"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  simdjson::dom::parser p;
  std::string token(std::string_view(parse(p, ok.body)["access_token"]));
  EXPECT_EQ(int64_t(parse(p, ok.body)["expires_in"]), 60);
  http::Headers auth{{"Authorization", "Bearer " + token}};
  auto page = sim->handle(req("GET", "/data", {{"page", "5"}}, auth));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(simdjson::dom::array(parse(p, page.body)).size(), 50u);
  EXPECT_EQ(simdjson::dom::array(parse(p, sim->handle(req("GET", "/data", {{"page", "6"}}, auth)).body)).size(), 0u);
  EXPECT_EQ(sim->handle(req("GET", "/data", {{"page", "0"}}, auth)).status, 400);
  clock += 61'000;
  auto expired = sim->handle(req("GET", "/data", {}, auth));
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(http::find_header(expired.headers, "WWW-Authenticate").value_or("").find("invalid_token"), std::string::npos);
}

TEST(SimScript, JwtAndSessionLogins) {
  auto jwt = make(std::string(R"({"auth": {"type": "jwt", "username": "api", "password": "pw", "json_request": true, "token_field": "token"},
    "routes": [{"path": "/e", )") + kEvents + "}]}");
  EXPECT_EQ(jwt->handle(req("POST", "/api/login", {}, {}, R"({"username":"api","password":"bad"})")).status, 401);
  auto login = jwt->handle(req("POST", "/api/login", {}, {}, R"({"username":"api","password":"pw"})"));
  ASSERT_EQ(login.status, 200);
  simdjson::dom::parser p;
  std::string token(std::string_view(parse(p, login.body)["token"]));
  EXPECT_EQ(jwt->handle(req("GET", "/e", {}, {{"Authorization", "Bearer " + token}})).status, 200);
  EXPECT_EQ(jwt->handle(req("GET", "/e", {}, {{"Authorization", "Bearer x" + token}})).status, 401);

  auto session = make(std::string(R"({"auth": {"type": "session", "username": "api", "password": "pw", "session_header": "X-Sess"},
    "routes": [{"path": "/e", )") + kEvents + "}]}");
  auto s = session->handle(req("POST", "/api/session", {}, {}, "username=api&password=pw"));
  ASSERT_EQ(s.status, 200);
  std::string id(http::find_header(s.headers, "X-Sess").value_or(""));
  EXPECT_EQ(session->handle(req("GET", "/e", {}, {{"X-Sess", id}})).status, 200);
  EXPECT_EQ(session->handle(req("GET", "/e", {})).status, 401);
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string hexs(std::string_view b) {
  std::string out;
  char buf[3];
  for (unsigned char c : b) {
    std::snprintf(buf, sizeof buf, "%02x", c);
    out += buf;
  }
  return out;
}

TEST(SimScript, CiscoDuoSignatureIsRecomputed) {
  auto sim = make(std::string(R"({"auth": {"type": "ciscoduo", "ikey": "DIWJ8X6AEYOR5OMC6TQ1", "skey": "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep"},
    "routes": [{"path": "/admin/v2/logs/authentication", )") + kEvents + "}]}");
  std::string date = "Tue, 21 Aug 2012 17:29:18 -0000";
  std::string canon = date + "\nGET\n127.0.0.1:8080\n/admin/v2/logs/authentication\nlimit=10&mintime=1346172697000";
  std::string sig = hexs(hmac_sha1("Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep", canon));
  http::Headers good{{"Date", date}, {"Authorization", "Basic " + base64_encode("DIWJ8X6AEYOR5OMC6TQ1:" + sig)}};
  // Parameters in any order: the canonical form sorts them.
  EXPECT_EQ(sim->handle(req("GET", "/admin/v2/logs/authentication", {{"mintime", "1346172697000"}, {"limit", "10"}}, good)).status, 200);
  EXPECT_EQ(sim->handle(req("GET", "/admin/v2/logs/authentication", {{"mintime", "1346172697001"}, {"limit", "10"}}, good)).status, 401);
}

TEST(SimScript, AliCloudSignatureIsRecomputed) {
  auto sim = make(std::string(R"({"auth": {"type": "alicloud", "access_key_id": "AKID", "access_key_secret": "SECRET"},
    "routes": [{"path": "/logstores/audit", )") + kEvents + "}]}");
  std::string date = "Mon, 01 Jan 2024 00:00:00 GMT";
  std::string sign = "GET\n\n\n" + date + "\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n/logstores/audit?from=1&type=log";
  http::Headers h{{"Date", date}, {"x-log-apiversion", "0.6.0"}, {"x-log-signaturemethod", "hmac-sha1"}, {"x-log-bodyrawsize", "0"},
                  {"Authorization", "LOG AKID:" + base64_encode(hmac_sha1("SECRET", sign))}};
  EXPECT_EQ(sim->handle(req("GET", "/logstores/audit", {{"type", "log"}, {"from", "1"}}, h)).status, 200);
  h.back().second = "LOG AKID:" + base64_encode(hmac_sha1("OTHER", sign));
  EXPECT_EQ(sim->handle(req("GET", "/logstores/audit", {{"type", "log"}, {"from", "1"}}, h)).status, 401);
}

TEST(SimScript, FormatsGzipAndFaults) {
  auto sim = make(std::string(R"({"routes": [
    {"path": "/csv", "format": "csv", )") + kEvents + R"(},
    {"path": "/xml", "format": "xml", "envelope": "$.Events.Event", )" + kEvents + R"(},
    {"path": "/nd", "format": "ndjson", "gzip": true, )" + kEvents + R"(},
    {"path": "/f", "faults": [{"at": 1, "status": 429, "headers": {"Retry-After": "2"}, "body": "{\"e\":1}"},
                              {"at": 2, "drop": true}], )" + kEvents + "}]}");
  auto csv = sim->handle(req("GET", "/csv"));
  EXPECT_TRUE(csv.body.starts_with("id,ts,kind\r\n1,2024-01-01T00:00:00.000Z,")) << csv.body.substr(0, 80);
  auto xml = sim->handle(req("GET", "/xml"));
  EXPECT_NE(xml.body.find("<Events><Event><id>1</id>"), std::string::npos) << xml.body.substr(0, 200);
  auto nd = sim->handle(req("GET", "/nd"));
  EXPECT_EQ(http::find_header(nd.headers, "Content-Encoding").value_or(""), "gzip");
  EXPECT_EQ(static_cast<unsigned char>(nd.body[0]), 0x1f);
  auto f1 = sim->handle(req("GET", "/f"));
  EXPECT_EQ(f1.status, 429);
  EXPECT_EQ(http::find_header(f1.headers, "Retry-After").value_or(""), "2");
  EXPECT_TRUE(sim->handle(req("GET", "/f")).drop_connection);
  EXPECT_EQ(sim->handle(req("GET", "/f")).status, 200);
}

TEST(SimScript, LoopingServersNeverEndTheirPages) {
  auto sim = make(std::string(R"({"routes": [
    {"path": "/same", "paging": {"type": "next_token", "param": "cursor", "token_path": "$.next", "page_size": 10,
                                 "loop": "same_token"}, "envelope": "$.items", )") + kEvents + R"(},
    {"path": "/new", "paging": {"type": "link_header", "page_size": 100, "loop": "new_token"}, )" + kEvents + "}]}");
  simdjson::dom::parser p;
  auto first = sim->handle(req("GET", "/same"));
  std::string token(std::string_view(parse(p, first.body)["next"]));
  for (int i = 0; i < 3; ++i) {
    auto again = sim->handle(req("GET", "/same", {{"cursor", token}}));
    ASSERT_EQ(again.status, 200) << again.body;
    auto doc = parse(p, again.body);
    EXPECT_EQ(std::string(std::string_view(doc["next"])), token);
    EXPECT_EQ(int64_t(doc["items"].at(0)["id"]), 11);
  }
  // 250 events in pages of 100: the fourth page wraps around and still links to a fifth.
  http::QueryParams q;
  std::set<std::string> urls;
  for (int page = 0; page < 4; ++page) {
    auto r = sim->handle(req("GET", "/new", q));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(simdjson::dom::array(parse(p, r.body)).size(), 100u);
    auto link = http::find_header(r.headers, "Link");
    ASSERT_TRUE(link);
    std::string url(link->substr(1, link->find('>') - 1));
    EXPECT_TRUE(urls.insert(url).second) << url;
    q = http::parse_query(url.substr(url.find('?') + 1));
  }
  Options bad;
  bad.script_json = R"({"routes": [{"path": "/x", "paging": {"type": "offset", "loop": "same_token"}}]})";
  EXPECT_FALSE(Simulator::create(bad).has_value());
}

TEST(SimScript, CappedPagesRelativeLinksConstantFieldsAndCursorsInEvents) {
  auto sim = make(std::string(R"({"routes": [
    {"path": "/cap", "paging": {"type": "next_url", "size_param": "limit", "cap_page_size": 100, "token_path": "$.nextUrl",
                                "relative": true}, "envelope": "$.records", "fields": {"$.done": false, "$.stat": "OK"}, )") +
                  kEvents + R"(},
    {"path": "/logs", "paging": {"type": "next_token", "param": "from", "size_param": "take", "token_from_events": true},
     "events": {"count": 25, "template": {"log_id": "{{cursor}}", "n": "{{n}}"}}}]})");
  simdjson::dom::parser p;
  auto r = sim->handle(req("GET", "/cap", {{"limit", "1000"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  auto doc = parse(p, r.body);
  EXPECT_EQ(simdjson::dom::array(doc["records"]).size(), 100u);
  EXPECT_EQ(std::string(std::string_view(doc["stat"])), "OK");
  EXPECT_FALSE(bool(doc["done"]));
  std::string next{std::string_view(doc["nextUrl"])};
  EXPECT_TRUE(next.starts_with("/cap?limit=1000&cursor=")) << next;

  // The last event's log_id resumes after it; past the end the page is empty.
  auto logs = sim->handle(req("GET", "/logs", {{"take", "20"}}));
  auto page1 = simdjson::dom::array(parse(p, logs.body));
  ASSERT_EQ(page1.size(), 20u);
  std::string from(std::string_view(page1.at(19)["log_id"]));
  auto rest = simdjson::dom::array(parse(p, sim->handle(req("GET", "/logs", {{"take", "20"}, {"from", from}})).body));
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(int64_t(rest.at(0)["n"]), 21);
  from = std::string(std::string_view(rest.at(4)["log_id"]));
  EXPECT_EQ(simdjson::dom::array(parse(p, sim->handle(req("GET", "/logs", {{"from", from}})).body)).size(), 0u);
}

TEST(SimScript, UserTokenExchangeAndPresetRefreshToken) {
  auto jwt = make(std::string(R"({"auth": {"type": "jwt", "token_path": "/api/v1/refresh-access-token", "method": "GET",
    "user_token": "ut-1", "token_field": "systemToken", "prefix": ""}, "routes": [{"path": "/e", )") + kEvents + "}]}");
  EXPECT_EQ(jwt->handle(req("GET", "/api/v1/refresh-access-token", {}, {{"Authorization", "ut-2"}})).status, 401);
  auto login = jwt->handle(req("GET", "/api/v1/refresh-access-token", {}, {{"Authorization", "ut-1"}}));
  ASSERT_EQ(login.status, 200) << login.body;
  simdjson::dom::parser p;
  std::string token(std::string_view(parse(p, login.body)["systemToken"]));
  EXPECT_EQ(jwt->handle(req("GET", "/e", {}, {{"Authorization", token}})).status, 200);

  auto oauth = make(std::string(R"({"auth": {"type": "oauth2", "client_id": "c", "client_secret": "s", "refresh_token": "rt-0",
    "expect_fields": {"audience": "https://x/api/"}}, "routes": [{"path": "/e", )") + kEvents + "}]}");
  EXPECT_EQ(oauth->handle(req("POST", "/oauth2/token", {}, {}, "grant_type=refresh_token&refresh_token=rt-0&client_id=c&client_secret=s")).status,
            400) << "the audience is missing";
  auto ok = oauth->handle(req("POST", "/oauth2/token", {}, {},
                              "grant_type=refresh_token&refresh_token=rt-0&client_id=c&client_secret=s&audience=https%3A%2F%2Fx%2Fapi%2F"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(oauth->handle(req("POST", "/oauth2/token", {}, {},
                              "grant_type=refresh_token&refresh_token=rt-9&client_id=c&client_secret=s&audience=https%3A%2F%2Fx%2Fapi%2F"))
                .status,
            400);
}

}  // namespace
}  // namespace intake::sim::script
