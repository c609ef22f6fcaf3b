#include <gtest/gtest.h>
#include <simdjson.h>

#include <functional>
#include <map>
#include <set>
#include <string>

#include "core/time.h"
#include "sim/o365.h"

namespace intake::sim::o365 {
namespace {

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const char* kClient = "grant_type=client_credentials&client_id=3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60&client_secret=sim-secret";
const char* kRule =
    "Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours "
    "apart, with the start time no more than 7 days in the past.";

// Three days of data ending at the fixture's clock.
struct Fixture {
  int64_t clock = ms("2024-03-04T00:00:00Z");
  std::unique_ptr<Simulator> sim;
  explicit Fixture(const std::function<void(Options&)>& tweak = {}) {
    Options o;
    o.data.records = 3000;
    o.data.blobs = 150;
    o.data.start_ms = ms("2024-03-01T00:00:00Z");
    o.data.end_ms = ms("2024-03-04T00:00:00Z");
    o.page_size = 7;
    o.now = [this] { return clock; };
    if (tweak) tweak(o);
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

std::string token(Simulator& sim, const std::string& scope = "https%3A%2F%2Fmanage.office.com%2F.default") {
  auto r = sim.handle(req("POST", std::string("/") + kTenant + "/oauth2/v2.0/token", {}, {},
                          std::string(kClient) + "&scope=" + scope));
  EXPECT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser p;
  return std::string(std::string_view(p.parse(simdjson::padded_string(r.body))["access_token"]));
}

std::string feed(std::string_view op, std::string_view tenant = kTenant) {
  return "/api/v1.0/" + std::string(tenant) + "/activity/feed/" + std::string(op);
}

std::string code_of(const http::ServerResponse& r) {
  simdjson::dom::parser p;
  std::string_view code;
  if (p.parse(simdjson::padded_string(r.body))["error"]["code"].get(code)) return "(no code) " + r.body;
  return std::string(code);
}

std::string message_of(const http::ServerResponse& r) {
  simdjson::dom::parser p;
  std::string_view message;
  if (p.parse(simdjson::padded_string(r.body))["error"]["message"].get(message)) return "";
  return std::string(message);
}

// A client of one simulator with a token, as a test drives it.
struct Client {
  Simulator& sim;
  http::Headers auth;
  explicit Client(Simulator& s) : sim(s), auth{{"Authorization", "Bearer " + token(s)}} {}

  http::ServerResponse get(const std::string& path, http::QueryParams q = {}) { return sim.handle(req("GET", path, q, auth)); }
  http::ServerResponse post(const std::string& path, http::QueryParams q = {}, std::string body = {}) {
    return sim.handle(req("POST", path, q, auth, std::move(body)));
  }
  http::ServerResponse start(std::string_view type) { return post(feed("subscriptions/start"), {{"contentType", std::string(type)}}); }
  http::ServerResponse list_content(std::string_view type, const std::string& from, const std::string& to) {
    return get(feed("subscriptions/content"), {{"contentType", std::string(type)}, {"startTime", from}, {"endTime", to}});
  }
  // GET of an absolute URL from a response (NextPageUri, contentUri), followed as given.
  http::ServerResponse follow(const std::string& url) {
    auto parts = http::split_url(url);
    EXPECT_TRUE(parts.has_value()) << url;
    EXPECT_EQ(parts->authority, "127.0.0.1:9443") << url;
    return get(http::url_decode(parts->path, false), http::parse_query(parts->query));
  }
  // Every content entry of a window, following NextPageUri; `pages` counts the responses.
  std::vector<std::pair<std::string, std::string>> all_content(std::string_view type, const std::string& from,
                                                               const std::string& to, int* pages = nullptr) {
    std::vector<std::pair<std::string, std::string>> out;  // (contentId, contentUri)
    auto r = list_content(type, from, to);
    simdjson::dom::parser p;
    for (int n = 1; n < 1000; ++n) {
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      for (auto e : p.parse(simdjson::padded_string(r.body)).get_array()) {
        EXPECT_EQ(std::string_view(e["contentType"]), type);
        out.emplace_back(std::string_view(e["contentId"]), std::string_view(e["contentUri"]));
      }
      if (pages) *pages = n;
      auto next = http::find_header(r.headers, "NextPageUri");
      if (!next) break;
      EXPECT_TRUE(next->starts_with("http://127.0.0.1:9443/api/v1/" + std::string(kTenant) +
                                    "/activity/feed/subscriptions/content?contentType="))
          << *next;
      r = follow(std::string(*next));
    }
    return out;
  }
};

TEST(SimO365, TokenMustBeForThisTenantAndResource) {
  Fixture f([](Options& o) { o.subscribed = {ContentType::Exchange}; });
  Client c(*f.sim);
  EXPECT_EQ(c.get(feed("subscriptions/list")).status, 200);
  EXPECT_EQ(c.get(feed("subscriptions/list"), {{"PublisherIdentifier", "46b472a7-c68e-4adf-8ade-3db49497518e"}}).status, 200);

  auto other = c.get(feed("subscriptions/list", "11111111-2222-3333-4444-555555555555"));
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(code_of(other), "AF20010");
  EXPECT_EQ(message_of(other), "The tenant ID passed in the URL (11111111-2222-3333-4444-555555555555) does not match "
                               "the tenant ID passed in the access token (72f988bf-86f1-41af-91ab-2d7cd011db47).");
  auto domain = c.get(feed("subscriptions/list", "contoso.onmicrosoft.com"));
  EXPECT_EQ(domain.status, 400);
  EXPECT_EQ(code_of(domain), "AF20013");

  auto none = f.sim->handle(req("GET", feed("subscriptions/list")));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, R"({"Message":"Authorization has been denied for this request."})");
  EXPECT_EQ(http::find_header(none.headers, "WWW-Authenticate").value_or(""), "Bearer");
  // A Graph token from the same tenant has the wrong audience.
  std::string graph = token(*f.sim, "https%3A%2F%2Fgraph.microsoft.com%2F.default");
  EXPECT_EQ(f.sim->handle(req("GET", feed("subscriptions/list"), {}, {{"Authorization", "Bearer " + graph}})).status, 401);
  // Tokens expire.
  f.clock += 3600 * 1000;
  EXPECT_EQ(c.get(feed("subscriptions/list")).status, 401);
}

TEST(SimO365, SubscriptionLifecycle) {
  Fixture f;
  Client c(*f.sim);
  auto before = c.list_content("Audit.Exchange", "2024-03-03T00:00", "2024-03-03T12:00");
  EXPECT_EQ(before.status, 400);
  EXPECT_EQ(code_of(before), "AF20022");
  EXPECT_EQ(message_of(before), "No subscription found for the specified content type.");
  EXPECT_EQ(c.get(feed("subscriptions/list")).body, "[]");

  auto started = c.start("Audit.Exchange");
  EXPECT_EQ(started.status, 200);
  EXPECT_EQ(started.body, R"({"contentType":"Audit.Exchange","status":"enabled","webhook":null})");
  auto again = c.start("audit.exchange");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.body, R"({"error":{"code":"AF20024","message":"The subscription is already enabled. No property change."}})");
  EXPECT_EQ(c.get(feed("subscriptions/list")).body, R"([{"contentType":"Audit.Exchange","status":"enabled","webhook":null}])");
  EXPECT_EQ(c.list_content("Audit.Exchange", "2024-03-03T00:00", "2024-03-03T12:00").status, 200);

  auto stopped = c.post(feed("subscriptions/stop"), {{"contentType", "Audit.Exchange"}});
  EXPECT_EQ(stopped.status, 200);
  EXPECT_EQ(stopped.body, "");
  EXPECT_EQ(c.get(feed("subscriptions/list")).body, R"([{"contentType":"Audit.Exchange","status":"disabled","webhook":null}])");
  auto disabled = c.list_content("Audit.Exchange", "2024-03-03T00:00", "2024-03-03T12:00");
  EXPECT_EQ(code_of(disabled), "AF20023");
  EXPECT_EQ(c.start("Audit.Exchange").status, 200);
  EXPECT_EQ(c.list_content("Audit.Exchange", "2024-03-03T00:00", "2024-03-03T12:00").status, 200);

  EXPECT_EQ(code_of(c.post(feed("subscriptions/stop"), {{"contentType", "DLP.All"}})), "AF20022");
  auto unknown = c.start("Audit.Teams");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(code_of(unknown), "AF20020");
  EXPECT_EQ(message_of(unknown), "The specified content type is not valid.");
  EXPECT_EQ(code_of(c.post(feed("subscriptions/start"))), "AF20001");
  auto http_hook = c.post(feed("subscriptions/start"), {{"contentType", "Audit.General"}},
                          R"({"webhook":{"address":"http://hooks.example.net/o365","authId":"x","expiration":""}})");
  EXPECT_EQ(code_of(http_hook), "AF20021");
  auto hook = c.post(feed("subscriptions/start"), {{"contentType", "Audit.General"}},
                     R"({"webhook":{"address":"https://hooks.example.net/o365","authId":"o365notify","expiration":""}})");
  EXPECT_EQ(hook.status, 200);
  EXPECT_EQ(hook.body, R"({"contentType":"Audit.General","status":"enabled","webhook":{"status":"enabled","address":"https://hooks.example.net/o365","authId":"o365notify","expiration":null}})");
  EXPECT_EQ(c.get(feed("subscriptions/start"), {{"contentType", "Audit.General"}}).status, 405);
}

TEST(SimO365, DisabledByAdmin) {
  Fixture f([](Options& o) { o.disabled_by_admin = {ContentType::SharePoint}; });
  Client c(*f.sim);
  auto r = c.list_content("Audit.SharePoint", "2024-03-03T00:00", "2024-03-03T12:00");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":{"code":"AF20023","message":"The subscription was disabled by a tenant admin."}})");
  EXPECT_EQ(code_of(c.start("Audit.SharePoint")), "AF20023");
  EXPECT_EQ(c.get(feed("subscriptions/list")).body, R"([{"contentType":"Audit.SharePoint","status":"disabled","webhook":null}])");
}

TEST(SimO365, WindowRules) {
  Fixture f([](Options& o) { o.subscribed = {ContentType::AzureActiveDirectory}; });
  Client c(*f.sim);
  const char* aad = "Audit.AzureActiveDirectory";
  auto wide = c.list_content(aad, "2024-03-02T00:00:00", "2024-03-03T00:00:01");
  EXPECT_EQ(wide.status, 400);
  EXPECT_EQ(code_of(wide), "AF20030");
  EXPECT_EQ(message_of(wide), kRule);
  auto old = c.list_content(aad, "2024-02-25T00:00:00", "2024-02-25T12:00:00");  // 8 days before the clock
  EXPECT_EQ(code_of(old), "AF20030");
  EXPECT_EQ(code_of(c.get(feed("subscriptions/content"), {{"contentType", aad}, {"startTime", "2024-03-02"}})), "AF20030");
  EXPECT_EQ(code_of(c.list_content(aad, "2024-03-02T12:00", "2024-03-02T06:00")), "AF20030");
  EXPECT_EQ(code_of(c.list_content(aad, "yesterday", "2024-03-02T06:00")), "AF20002");
  EXPECT_EQ(code_of(c.list_content(aad, "2024-02-30", "2024-03-01")), "AF20002");
  // Exactly 24 hours, the three documented formats, and a future end are accepted.
  EXPECT_EQ(c.list_content(aad, "2024-03-02", "2024-03-03").status, 200);
  EXPECT_EQ(c.list_content(aad, "2024-03-02T10:15", "2024-03-02T11:15").status, 200);
  EXPECT_EQ(c.list_content(aad, "2024-03-03T10:15:30", "2024-03-04T10:15:30").status, 200);
  EXPECT_EQ(c.list_content(aad, "2024-03-03T10:15:30.125Z", "2024-03-03T11:00:00Z").status, 200);
  // Neither: the 24 hours before now.
  EXPECT_EQ(c.get(feed("subscriptions/content"), {{"contentType", aad}}).status, 200);
}

TEST(SimO365, WindowIsStartInclusiveEndExclusive) {
  Fixture f([](Options& o) { o.subscribed = {kAllContentTypes.begin(), kAllContentTypes.end()}; o.page_size = 1000; });
  Client c(*f.sim);
  const Dataset& d = f.sim->data();
  // A blob on a whole minute (every 50th is): listed by the window starting there, not by the
  // one ending there.
  int64_t b = 100;
  int64_t t = d.blob(b).created_ms;
  ASSERT_EQ(t % 60'000, 0);
  std::string_view type = content_type_name(d.blob(b).type);
  std::string at = iso_time(ticks_from_ms(t), 0).substr(0, 19);
  std::string before = iso_time(ticks_from_ms(t - 3600 * 1000), 0).substr(0, 19);
  std::string after = iso_time(ticks_from_ms(t + 3600 * 1000), 0).substr(0, 19);
  std::string id = d.content_id(b);
  EXPECT_NE(c.list_content(type, at, after).body.find(id), std::string::npos);
  EXPECT_EQ(c.list_content(type, before, at).body.find(id), std::string::npos);
}

TEST(SimO365, NextPageUriCoversTheWindowOnce) {
  Fixture f([](Options& o) { o.subscribed = {ContentType::SharePoint}; });
  Client c(*f.sim);
  const Dataset& d = f.sim->data();
  int pages = 0;
  auto listed = c.all_content("Audit.SharePoint", "2024-03-02T06:00:00", "2024-03-03T06:00:00", &pages);
  auto [lo, hi] = d.window(ContentType::SharePoint, ms("2024-03-02T06:00:00Z"), ms("2024-03-03T06:00:00Z"));
  std::vector<std::string> expected;
  for (size_t k = lo; k < hi; ++k) expected.push_back(d.content_id(d.blobs_of_type(ContentType::SharePoint)[k]));
  ASSERT_GT(expected.size(), 7u);
  std::vector<std::string> ids;
  for (auto& [id, uri] : listed) {
    ids.push_back(id);
    EXPECT_EQ(uri, "http://127.0.0.1:9443/api/v1.0/" + std::string(kTenant) + "/activity/feed/audit/" + id);
  }
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(pages, static_cast<int>((expected.size() + 7) / 7));  // a full last page links to an empty one

  auto first = c.list_content("Audit.SharePoint", "2024-03-02T06:00:00", "2024-03-03T06:00:00");
  std::string next(*http::find_header(first.headers, "NextPageUri"));
  EXPECT_NE(next.find("startTime=2024-03-02T06:00:00&endTime=2024-03-03T06:00:00&nextPage="), std::string::npos) << next;
  std::string page = next.substr(next.find("nextPage=") + 9);
  auto garbled = c.get(feed("subscriptions/content"), {{"contentType", "Audit.SharePoint"},
                                                       {"startTime", "2024-03-02T06:00:00"},
                                                       {"endTime", "2024-03-03T06:00:00"},
                                                       {"nextPage", page.substr(0, 10) + "X" + page.substr(11)}});
  EXPECT_EQ(garbled.status, 400);
  EXPECT_EQ(code_of(garbled), "AF20031");
  EXPECT_EQ(message_of(garbled), "Invalid nextPage Input: " + page.substr(0, 10) + "X" + page.substr(11) + ".");
  // A page token is only good for the window that issued it.
  auto moved = c.get(feed("subscriptions/content"), {{"contentType", "Audit.SharePoint"},
                                                     {"startTime", "2024-03-02T06:00:01"},
                                                     {"endTime", "2024-03-03T06:00:00"},
                                                     {"nextPage", page}});
  EXPECT_EQ(code_of(moved), "AF20031");
}

TEST(SimO365, EveryBlobOfThreeDaysYieldsExactlyTheGeneratedRecords) {
  // Blobs of one type minutes apart, records up to two hours older than their blob: blobs overlap.
  Fixture f([](Options& o) {
    o.data.blobs = 600;
    o.data.duplicate_rate = 0.05;
    o.page_size = 25;
  });
  Client c(*f.sim);
  const Dataset& d = f.sim->data();
  for (ContentType t : kAllContentTypes) ASSERT_EQ(c.start(content_type_name(t)).status, 200);
  std::multiset<std::string> ids;
  std::set<std::string> blobs;
  std::map<std::string, int64_t> by_type;
  bool out_of_order = false;
  simdjson::dom::parser p;
  for (ContentType t : kAllContentTypes) {
    std::string previous_oldest;
    for (auto [day, next_day] : {std::pair{"2024-03-01", "2024-03-02"}, std::pair{"2024-03-02", "2024-03-03"},
                                 std::pair{"2024-03-03", "2024-03-04"}}) {
      for (auto& [id, uri] : c.all_content(content_type_name(t), day, next_day)) {
        EXPECT_TRUE(blobs.insert(id).second) << "listed twice: " << id;
        auto r = c.follow(uri);
        ASSERT_EQ(r.status, 200) << r.body;
        int64_t b = *d.find_content_id(id);
        std::string created = iso_time(ticks_from_ms(d.blob(b).created_ms), 0).substr(0, 19);
        std::string oldest = "9999";
        for (auto rec : p.parse(simdjson::padded_string(r.body)).get_array()) {
          std::string creation{std::string_view(rec["CreationTime"])};
          EXPECT_EQ(creation.size(), 19u) << creation;  // no zone, no fraction
          EXPECT_LE(creation, created);
          oldest = std::min(oldest, creation);
          ids.emplace(std::string_view(rec["Id"]));
          ++by_type[std::string(std::string_view(rec["Workload"]))];
          for (const char* key : {"Operation", "OrganizationId", "RecordType", "ResultStatus", "UserKey", "UserType",
                                  "UserId", "ClientIP", "ObjectId"}) {
            EXPECT_FALSE(rec[key].error()) << key << " in " << content_type_name(t);
          }
        }
        // Listed by contentCreated, yet a later blob can hold older records.
        if (!previous_oldest.empty() && oldest < previous_oldest) out_of_order = true;
        previous_oldest = oldest;
      }
    }
  }
  EXPECT_EQ(static_cast<int64_t>(blobs.size()), d.blob_count());
  int64_t duplicates = 0;
  for (ContentType t : kAllContentTypes) duplicates += d.duplicates_of_type(t);
  EXPECT_GT(duplicates, 50);
  EXPECT_EQ(static_cast<int64_t>(ids.size()), d.record_count() + duplicates);
  std::set<std::string> distinct(ids.begin(), ids.end());
  std::set<std::string> expected;
  for (int64_t i = 0; i < d.record_count(); ++i) expected.insert(d.record_id(i));
  EXPECT_EQ(distinct, expected);
  EXPECT_TRUE(out_of_order);
  for (const char* w : {"AzureActiveDirectory", "Exchange", "SharePoint", "MicrosoftTeams"}) EXPECT_GT(by_type[w], 0) << w;

  simdjson::dom::parser sp;
  std::string state = f.sim->state_json();
  auto s = sp.parse(simdjson::padded_string(state));
  EXPECT_EQ(int64_t(s["distinct_blobs_fetched"]), d.blob_count());
  EXPECT_EQ(int64_t(s["records_served"]), d.record_count() + duplicates);
  EXPECT_EQ(int64_t(s["content"]["DLP.All"]["records"]), d.records_of_type(ContentType::Dlp));
  EXPECT_EQ(std::string_view(s["subscriptions"].at(1)["status"]), "enabled");
}

TEST(SimO365, FetchErrors) {
  Fixture f([](Options& o) { o.subscribed = {ContentType::General}; });
  Client c(*f.sim);
  auto malformed = c.get(feed("audit/not-a-content-id!"));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.body, R"({"error":{"code":"AF20052","message":"Content ID not-a-content-id! in the URL is invalid."}})");
  std::string unknown_id = "492638008028$492638008028$f28ab78ad40140608012736e373933ebspo2015043022$4a81a7c326fc4aed89c62e6039ab833b$04";
  auto unknown = c.get(feed("audit/" + unknown_id));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(message_of(unknown), "The specified content (" + unknown_id + ") does not exist.");
  EXPECT_EQ(code_of(unknown), "AF20050");

  auto listed = c.all_content("Audit.General", "2024-03-01T00:00", "2024-03-01T12:00");
  ASSERT_FALSE(listed.empty());
  auto [id, uri] = listed.front();
  EXPECT_EQ(c.follow(uri).status, 200);
  // Another blob's index in a valid-looking id is not that blob.
  std::string tampered = id;
  tampered[22] = tampered[22] == '9' ? '8' : static_cast<char>(tampered[22] + 1);
  EXPECT_EQ(code_of(c.get(feed("audit/" + tampered))), "AF20050");
  // Seven days after contentCreated the blob has expired.
  int64_t created = f.sim->data().blob(*f.sim->data().find_content_id(id)).created_ms;
  f.clock = created + 7 * 24 * 3600 * 1000LL;
  Client later(*f.sim);
  auto expired = later.follow(uri);
  EXPECT_EQ(expired.status, 400);
  EXPECT_EQ(message_of(expired), "Content requested with the key " + id +
                                     " has already expired. Content older than 7 days cannot be retrieved.");
  EXPECT_EQ(code_of(expired), "AF20051");
}

TEST(SimO365, ThrottlingHasNoRetryAfter) {
  Fixture f([](Options& o) {
    o.subscribed = {ContentType::Exchange};
    o.throttle_burst_at = 2;
    o.throttle_burst_len = 3;
  });
  Client c(*f.sim);  // token requests are not API requests
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    auto r = c.get(feed("subscriptions/list"), {{"PublisherIdentifier", "46b472a7-c68e-4adf-8ade-3db49497518e"}});
    statuses.push_back(r.status);
    if (r.status == 429) {
      EXPECT_EQ(r.body, R"({"error":{"code":"AF429","message":"Too many requests. Method=ListSubscriptions, PublisherId=46b472a7-c68e-4adf-8ade-3db49497518e"}})");
      EXPECT_FALSE(http::find_header(r.headers, "Retry-After").has_value());
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 429, 429, 429, 200, 200}));

  Fixture g([](Options& o) { o.throttle_rate = 0.5; o.faults.fail_rate = 0; });
  Client cg(*g.sim);
  int throttled = 0;
  for (int i = 0; i < 200; ++i) throttled += cg.get(feed("subscriptions/list")).status == 429;
  EXPECT_GT(throttled, 60);
  EXPECT_LT(throttled, 140);

  Fixture h([](Options& o) { o.faults.fail_rate = 1; });
  auto failed = Client(*h.sim).get(feed("subscriptions/list"));
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, R"({"error":{"code":"AF50000","message":"An internal error occurred. Retry the request."}})");
}

TEST(SimO365, ExpireTokenAtRequestK) {
  Fixture f([](Options& o) { o.faults.expire_token_at = 2; });
  Client c(*f.sim);
  EXPECT_EQ(c.get(feed("subscriptions/list")).status, 200);
  EXPECT_EQ(c.get(feed("subscriptions/list")).status, 401);
  EXPECT_EQ(c.get(feed("subscriptions/list")).status, 401) << "the token stays expired";
  Client fresh(*f.sim);
  EXPECT_EQ(fresh.get(feed("subscriptions/list")).status, 200);
}

TEST(SimO365, WithoutBackfillOnlyContentCreatedWhileEnabledIsListed) {
  Fixture f([](Options& o) { o.backfill = false; o.page_size = 1000; });
  const Dataset& d = f.sim->data();
  // Tokens last an hour: each step takes a new one.
  f.clock = ms("2024-03-02T12:00:00Z");
  ASSERT_EQ(Client(*f.sim).start("Audit.Exchange").status, 200);
  f.clock = ms("2024-03-03T00:00:00Z");
  ASSERT_EQ(Client(*f.sim).post(feed("subscriptions/stop"), {{"contentType", "Audit.Exchange"}}).status, 200);
  f.clock = ms("2024-03-03T12:00:00Z");
  ASSERT_EQ(Client(*f.sim).start("Audit.Exchange").status, 200);
  f.clock = ms("2024-03-04T00:00:00Z");
  Client later(*f.sim);
  std::vector<std::string> listed;
  for (auto [from, to] : {std::pair{"2024-03-02T00:00", "2024-03-03T00:00"}, std::pair{"2024-03-03T00:00", "2024-03-04T00:00"}}) {
    for (auto& [id, uri] : later.all_content("Audit.Exchange", from, to)) listed.push_back(id);
  }
  std::vector<std::string> expected;
  for (int64_t b : d.blobs_of_type(ContentType::Exchange)) {
    int64_t t = d.blob(b).created_ms;
    bool enabled = (t >= ms("2024-03-02T12:00:00Z") && t < ms("2024-03-03T00:00:00Z")) || t >= ms("2024-03-03T12:00:00Z");
    if (enabled) expected.push_back(d.content_id(b));
  }
  ASSERT_GT(expected.size(), 5u);
  EXPECT_EQ(listed, expected);
}

TEST(SimO365, DataIsDeterministicAndSplitOverTheContentTypes) {
  DataOptions o;
  o.records = 1'000'000;
  o.blobs = 2000;
  o.start_ms = ms("2024-03-01T00:00:00Z");
  o.end_ms = ms("2024-03-04T00:00:00Z");
  auto d = Dataset::create(o);
  ASSERT_TRUE(d.has_value());
  int64_t total = 0;
  for (ContentType t : kAllContentTypes) {
    EXPECT_GT(d->records_of_type(t), 0);
    total += d->records_of_type(t);
  }
  EXPECT_EQ(total, o.records);
  EXPECT_EQ(d->blob_of(0), 0);
  EXPECT_EQ(d->blob_of(o.records - 1), o.blobs - 1);
  int64_t i = 654'321;
  EXPECT_EQ(d->record_json(i), d->record_json(i));
  EXPECT_EQ(d->content_id(d->blob_of(i)), Dataset::create(o)->content_id(d->blob_of(i)));
  EXPECT_LE(d->creation_ms(i), d->blob(d->blob_of(i)).created_ms);
  EXPECT_EQ(*d->find_content_id(d->content_id(1234)), 1234);
  simdjson::dom::parser p;
  auto rec = p.parse(simdjson::padded_string(d->record_json(i)));
  EXPECT_EQ(std::string_view(rec["Id"]), d->record_id(i));
  EXPECT_EQ(std::string_view(rec["OrganizationId"]), kTenant);
  auto blob = d->blob_json(17);
  EXPECT_EQ(p.parse(simdjson::padded_string(blob)).get_array().size(), static_cast<size_t>(d->blob(17).count));
  EXPECT_FALSE(Dataset::create([&] { DataOptions x = o; x.blobs = 0; return x; }()).has_value());
}

}  // namespace
}  // namespace intake::sim::o365
