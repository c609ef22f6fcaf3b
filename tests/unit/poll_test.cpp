// poll/: request building, offset paging, checkpoints, rate limiting, and the poll loop against an
// in-process HTTP server (retries, Retry-After, 401, loop guard, resuming mid-window).
#include <gtest/gtest.h>

#include <mutex>

#include "auth/authenticator.h"
#include "ccp/load.h"
#include "ccp/parse.h"
#include "http/server.h"
#include "json/value_json.h"
#include "http/gzip.h"
#include "poll/checkpoint.h"
#include "poll/decoder.h"
#include "poll/paginator.h"
#include "poll/poller.h"
#include "poll/rate_limiter.h"
#include "poll/request_builder.h"

using namespace intake;
using namespace intake::poll;

namespace {

ccp::Definition definition(const std::string& endpoint, const std::string& extra_request = "",
                           const std::string& paging = R"({"pagingType": "Offset", "offsetParaName": "offset",
                                                          "pageSizeParaName": "limit", "pageSize": 3})") {
  std::string time_format = extra_request.find("queryTimeFormat") == std::string::npos
                                ? R"("queryTimeFormat": "yyyy-MM-ddTHH:mm:ssZ", )"
                                : "";
  std::string text = R"({"name": "T", "kind": "RestApiPoller", "properties": {
      "auth": {"type": "APIKey", "ApiKey": "secret-key", "ApiKeyName": "Authorization", "ApiKeyIdentifier": "Bearer"},
      "request": {"apiEndpoint": ")" + endpoint + R"(", "queryWindowInMin": 10,
                  )" + time_format + R"("startTimeAttributeName": "from",
                  "endTimeAttributeName": "to", "retryCount": 2)" + extra_request + R"(},
      "paging": )" + paging + R"(,
      "response": {"eventsJsonPaths": ["$.items"]}}})";
  auto v = json::parse(text);
  EXPECT_TRUE(v) << v.error().str();
  ccp::Diagnostics diag("t.json");
  auto r = ccp::find_connector_resources(*v);
  auto def = ccp::parse_definition(*r.at(0).resource, "", diag);
  EXPECT_TRUE(def) << diag.first_error().str();
  auto inst = ccp::instantiate(*def, {});
  EXPECT_TRUE(inst) << inst.error().str();
  return *inst;
}

DateTime at(const char* iso) { return parse_datetime(iso).value(); }

struct CollectSink : PageSink {
  std::vector<std::string> events;
  std::vector<Checkpoint> checkpoints;
  int fail_after = -1;  // fail the write of this page (0-based count of writes)
  Status write(const Page& page) override {
    if (fail_after >= 0 && static_cast<int>(checkpoints.size()) == fail_after) return fail("sink", "disk full");
    for (auto e : page.events) events.push_back(simdjson::minify(e));
    checkpoints.push_back(page.checkpoint);
    return {};
  }
};

// Serves `total` items per window in pages of `limit`, recording every request.
struct Api {
  std::mutex mu;
  std::vector<http::ServerRequest> requests;
  std::function<std::optional<http::ServerResponse>(int)> fault;  // by request number
  int total = 7;
  http::ServerResponse handle(const http::ServerRequest& r) {
    int n;
    {
      std::lock_guard lock(mu);
      requests.push_back(r);
      n = static_cast<int>(requests.size());
    }
    if (fault) {
      if (auto f = fault(n)) return *f;
    }
    int offset = std::stoi(r.param("offset").value_or("0"));
    int limit = std::stoi(r.param("limit").value_or("100"));
    std::string body = R"({"total": )" + std::to_string(total) + R"(, "items": [)";
    for (int i = offset; i < std::min(total, offset + limit); ++i) {
      body += (i > offset ? "," : "") + std::string(R"({"i": )") + std::to_string(i) + R"(, "from": ")" +
              r.param("from").value_or("") + "\"}";
    }
    return http::ServerResponse::json(200, body + "]}");
  }
};

struct Harness {
  Api api;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<http::Client> client;
  std::vector<std::chrono::milliseconds> sleeps;
  Harness() {
    server = http::HttpServer::start({}, [this](const http::ServerRequest& r) { return api.handle(r); }).value();
    client = http::Client::create({}).value();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()) + "/v1/items"; }
  PollOptions options(DateTime now) {
    PollOptions o;
    o.initial_start = at("2024-01-01T00:00:00Z");
    o.clock = [now] { return now; };
    o.sleep = [this](std::chrono::milliseconds d) {
      sleeps.push_back(d);
      return true;
    };
    return o;
  }
};

}  // namespace

TEST(RequestBuilder, WindowBoundsBuiltinsAndPaging) {
  auto def = definition("https://api.example/v1/items?format=json",
                        R"(, "queryParameters": {"q": "since {_QueryWindowStartTime}", "$filter": "a b"})");
  auto builder = RequestBuilder::create(def).value();
  auto auth = auth::make_authenticator(def.auth, *http::Client::create({}).value()).value();
  PageRequest paging;
  paging.query = {{"offset", "6"}};
  auto req = builder.build({at("2024-01-01T00:00:00Z"), at("2024-01-01T00:10:00Z")}, paging, *auth).value();
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url,
            "https://api.example/v1/items?format=json&q=since%202024-01-01T00%3A00%3A00Z&%24filter=a%20b&"
            "from=2024-01-01T00%3A00%3A00Z&to=2024-01-01T00%3A10%3A00Z&offset=6");
  ASSERT_TRUE(auth->apply(req));
  EXPECT_EQ(http::find_header(req.headers, "authorization").value_or(""), "Bearer secret-key");
}

TEST(RequestBuilder, PostJsonTemplateWithUnixTimes) {
  auto def = definition("https://api.example/search",
                        R"(, "httpMethod": "POST", "isPostPayloadJson": true, "queryTimeFormat": "UnixTimestamp",
                            "queryParametersTemplate": "{\"start\": {_QueryWindowStartTime}, \"end\": {_QueryWindowEndTime}}")");
  auto builder = RequestBuilder::create(def).value();
  auto auth = auth::make_authenticator(def.auth, *http::Client::create({}).value()).value();
  auto req = builder.build({at("2024-01-01T00:00:00Z"), at("2024-01-01T00:10:00Z")}, {}, *auth).value();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body, R"({"start": 1704067200, "end": 1704067800})");
  EXPECT_EQ(http::find_header(req.headers, "Content-Type").value_or(""), "application/json");
}

TEST(Checkpoint, RoundTripsAndRejectsGarbage) {
  Checkpoint c;
  c.next_start = at("2024-01-01T00:00:00Z");
  c.open_window = Window{at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z")};
  c.paging_state = "3000";
  c.pages_done = 3;
  c.events_done = 3000;
  auto back = Checkpoint::from_json(c.to_json()).value();
  EXPECT_EQ(back.next_start, c.next_start);
  EXPECT_EQ(back.open_window, c.open_window);
  EXPECT_EQ(back.paging_state, "3000");
  EXPECT_EQ(back.pages_done, 3);
  EXPECT_FALSE(Checkpoint::from_json(R"({"next_start": "yesterday"})"));
  EXPECT_FALSE(Checkpoint::from_json("not json"));
}

TEST(RateLimiter, SpacesRequestsWithoutRealSleeping) {
  std::chrono::milliseconds slept{0};
  RateLimiter limiter(5, [&](std::chrono::milliseconds d) {
    slept += d;
    std::this_thread::sleep_for(d);
    return true;
  });
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(limiter.acquire());
  auto elapsed = std::chrono::steady_clock::now() - t0;
  // 6 requests at 5/s: the first is free, the next five wait ~200 ms each.
  EXPECT_GE(elapsed, std::chrono::milliseconds(950));
  RateLimiter stopped(1, [](std::chrono::milliseconds) { return false; });
  EXPECT_TRUE(stopped.acquire());
  EXPECT_FALSE(stopped.acquire()) << "an interrupted wait gives up";
}

TEST(Poller, PagesWindowsAndCheckpointsAfterEveryPage) {
  Harness h;
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:25:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_TRUE(stats) << stats.error().str();
  // Two closed windows (00:00-00:10, 00:10-00:20); 00:20-00:30 has not closed at 00:25.
  EXPECT_EQ(stats->windows, 2);
  EXPECT_EQ(sink.events.size(), 14u);
  // 7 items in pages of 3: 3, 3, 1 (short page ends the window) per window.
  EXPECT_EQ(stats->pages, 6);
  ASSERT_EQ(sink.checkpoints.size(), 6u);
  EXPECT_EQ(sink.checkpoints[0].paging_state, "3");
  EXPECT_TRUE(sink.checkpoints[0].open_window);
  EXPECT_FALSE(sink.checkpoints[2].open_window);
  EXPECT_EQ(sink.checkpoints[2].next_start, at("2024-01-01T00:10:00Z"));
  EXPECT_EQ(sink.checkpoints[5].next_start, at("2024-01-01T00:20:00Z"));
  EXPECT_EQ(h.api.requests[3].param("from"), "2024-01-01T00:10:00Z");
  EXPECT_EQ(h.api.requests[0].header("Authorization").value_or(""), "Bearer secret-key");
}

// The next window's first page is fetched while the last page of a window is written; when that
// fetch fails, the finished window stays committed and the error belongs to the next one.
TEST(Poller, AFailedFetchAheadFailsTheNextWindowOnly) {
  Harness h;
  h.api.fault = [](int n) -> std::optional<http::ServerResponse> {
    if (n == 4) return http::ServerResponse::json(400, R"({"error": "bad window"})");
    return std::nullopt;
  };
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:25:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().str().find("400"), std::string::npos) << stats.error().str();
  ASSERT_EQ(sink.checkpoints.size(), 3u) << "the first window's three pages were written";
  EXPECT_EQ(sink.checkpoints[2].next_start, at("2024-01-01T00:10:00Z"));
  ASSERT_EQ(h.api.requests.size(), 4u) << "nothing was fetched after the failed page";
  EXPECT_EQ(h.api.requests[3].param("from"), "2024-01-01T00:10:00Z");
  EXPECT_EQ(h.api.requests[3].param("offset").value_or("0"), "0");
}

TEST(Poller, ResumesMidWindowFromTheCheckpoint) {
  Harness h;
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  Checkpoint cp;
  cp.next_start = at("2024-01-01T00:00:00Z");
  cp.open_window = Window{at("2024-01-01T00:00:00Z"), at("2024-01-01T00:10:00Z")};
  cp.paging_state = "6";
  cp.pages_done = 2;
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:12:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(cp, sink);
  ASSERT_TRUE(stats) << stats.error().str();
  ASSERT_EQ(sink.events.size(), 1u);
  EXPECT_EQ(sink.events[0], R"({"i":6,"from":"2024-01-01T00:00:00Z"})");
  EXPECT_EQ(h.api.requests[0].param("offset"), "6");
}

TEST(Poller, RetriesServerErrorsHonouringRetryAfter) {
  Harness h;
  h.api.fault = [](int n) -> std::optional<http::ServerResponse> {
    if (n == 1) {
      auto r = http::ServerResponse::json(429, R"({"error": "slow down"})");
      r.headers.emplace_back("Retry-After", "2");
      return r;
    }
    if (n == 2) return http::ServerResponse::json(503, "{}");
    return std::nullopt;
  };
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_TRUE(stats) << stats.error().str();
  EXPECT_EQ(sink.events.size(), 7u);
  EXPECT_EQ(stats->retries, 2);
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_EQ(h.sleeps[0], std::chrono::milliseconds(2000)) << "Retry-After wins over the computed backoff";
  EXPECT_GE(h.sleeps[1], std::chrono::milliseconds(1000));
}

TEST(Poller, GivesUpAfterRetryCountAndCommitsNothing) {
  Harness h;
  h.api.fault = [](int) { return std::optional(http::ServerResponse::json(500, R"({"message":"boom"})")); };
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().str().find("HTTP 500"), std::string::npos) << stats.error().str();
  EXPECT_NE(stats.error().str().find("gave up after 3 attempts"), std::string::npos) << stats.error().str();
  EXPECT_EQ(h.api.requests.size(), 3u) << "retryCount 2 = 3 attempts";
  EXPECT_TRUE(sink.checkpoints.empty());
}

TEST(Poller, UnauthorizedIsFinalForStaticCredentialsAndNamesTheUrl) {
  Harness h;
  h.api.fault = [](int) { return std::optional(http::ServerResponse::json(401, R"({"errorMessages":["bad"]})")); };
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_FALSE(stats);
  EXPECT_EQ(h.api.requests.size(), 1u);
  EXPECT_NE(stats.error().str().find(h.url()), std::string::npos);
  EXPECT_NE(stats.error().str().find("HTTP 401"), std::string::npos);
  EXPECT_EQ(stats.error().str().find("secret-key"), std::string::npos);
}

TEST(Poller, PageLoopGuardStopsAServerThatNeverEnds) {
  Harness h;
  h.api.total = 1'000'000;
  auto def = definition(h.url(), "", R"({"pagingType": "Offset", "offsetParaName": "offset", "pageSizeParaName": "limit",
                                          "pageSize": 3, "maxPagesPerWindow": 5})");
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().message.find("more than 5 pages in one window"), std::string::npos) << stats.error().str();
  ASSERT_EQ(sink.checkpoints.size(), 5u);
  EXPECT_TRUE(sink.checkpoints.back().open_window) << "the window is not checkpointed as done";
}

TEST(Poller, ASinkFailureStopsTheRunWithoutAdvancing) {
  Harness h;
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
  CollectSink sink;
  sink.fail_after = 1;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().str(), "sink: disk full");
  EXPECT_EQ(sink.checkpoints.size(), 1u);
}

TEST(Poller, MalformedBodyIsAClearError) {
  Harness h;
  h.api.fault = [](int) { return std::optional(http::ServerResponse::json(200, R"({"items": [1, 2)")); };
  auto def = definition(h.url());
  auto auth = auth::make_authenticator(def.auth, *h.client).value();
  auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
  CollectSink sink;
  auto stats = poller->run(Checkpoint{}, sink);
  ASSERT_FALSE(stats);
  EXPECT_NE(stats.error().str().find("not valid JSON"), std::string::npos) << stats.error().str();
  EXPECT_NE(stats.error().str().find("it begins with '{\"items\": [1, 2'"), std::string::npos) << stats.error().str();
}

TEST(Poller, EmptyResultsInEveryFormAreZeroEvents) {
  for (std::string body : {"", "[]", "{}", "null", R"({"items": null})", R"({"items": []})", R"({"other": 1})"}) {
    Harness h;
    h.api.fault = [body](int) { return std::optional(http::ServerResponse::json(200, body)); };
    auto def = definition(h.url());
    auto auth = auth::make_authenticator(def.auth, *h.client).value();
    auto poller = Poller::create(def, *h.client, *auth, h.options(at("2024-01-01T00:10:00Z"))).value();
    CollectSink sink;
    auto stats = poller->run(Checkpoint{}, sink);
    ASSERT_TRUE(stats) << "body '" << body << "': " << stats.error().str();
    EXPECT_EQ(sink.events.size(), 0u);
    EXPECT_EQ(stats->windows, 1);
  }
}

TEST(Decoder, IsGzipCompressedAcceptsBodiesTheTransportAlreadyInflated) {
  ccp::ResponseSpec spec;
  spec.events_json_paths = {"$.data"};
  spec.gzip = true;
  auto d = poll::Decoder::create(spec);
  ASSERT_TRUE(d) << d.error().str();
  std::string json = R"({"data": [{"id": 1}, {"id": 2}, {"id": 3}]})";
  http::Response gz;
  gz.status = 200;
  gz.body = http::gzip(json).value();
  ASSERT_TRUE(d->decode(gz));
  EXPECT_EQ(d->events().size(), 3u) << "a gzip body is inflated";
  // Content-Encoding: gzip has been undone by the HTTP client: the body is plain JSON now.
  http::Response plain;
  plain.status = 200;
  plain.body = json;
  auto ok = d->decode(plain);
  ASSERT_TRUE(ok) << ok.error().str();
  EXPECT_EQ(d->events().size(), 3u);
  http::Response broken;
  broken.status = 200;
  broken.body = gz.body.substr(0, gz.body.size() / 2);
  auto bad = d->decode(broken);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().str().find("corrupt or truncated"), std::string::npos) << bad.error().str();
}
