// The Logs Ingestion API simulator, called directly with an injected clock: tokens, uploads and
// what is recorded of them, the Azure error shapes, limits and the deterministic faults.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/time.h"
#include "sim/azure.h"
#include "testing/support.h"

namespace intake::sim::azure {
namespace {

constexpr const char* kDcrId = "dcr-0123456789abcdef0123456789abcdef";
constexpr const char* kOtherDcr = "dcr-ffffffffffffffffffffffffffffffff";
constexpr const char* kTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
constexpr const char* kForm =
    "grant_type=client_credentials&client_id=3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60&client_secret=sim-secret&scope=";

// A DCR as solutions ship it inside an ARM template.
constexpr const char* kDcrJson = R"({
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    {"type": "Microsoft.OperationalInsights/workspaces/tables", "name": "T_CL", "properties": {"schema": {"columns": []}}},
    {"type": "Microsoft.Insights/dataCollectionRules", "name": "TestDCR",
     "properties": {
       "streamDeclarations": {
         "Custom-Test": {"columns": [{"name": "id", "type": "long"}, {"name": "name", "type": "string"},
                                     {"name": "extra", "type": "dynamic"}]},
         "Custom-Other": {"columns": [{"name": "x", "type": "string"}]}
       },
       "dataFlows": [{"streams": ["Custom-Test"], "destinations": ["w"], "transformKql": "source", "outputStream": "Custom-Test_CL"}]
     }}
  ]
})";

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

std::string gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
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

http::ServerRequest req(std::string method, std::string path, std::string query = {}, http::Headers headers = {},
                        std::string body = {}) {
  http::ServerRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  // As the server does: the raw query string, names and values percent-decoded.
  r.query = http::parse_query(query);
  r.target = r.path + (query.empty() ? "" : "?" + query);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

struct Fixture {
  int64_t clock = ms("2024-06-01T12:00:00Z");
  std::unique_ptr<Simulator> sim;

  explicit Fixture(std::function<void(Options&)> tweak = {}) {
    Options o;
    auto dcr = parse_dcr(kDcrId, kDcrJson, "test-dcr.json");
    EXPECT_TRUE(dcr.has_value()) << (dcr ? "" : dcr.error().str());
    o.dcrs.push_back(*dcr);
    o.entra.token_ttl_s = 300;
    o.now = [this] { return clock; };
    if (tweak) tweak(o);
    auto s = Simulator::create(std::move(o));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().str());
    sim = std::move(*s);
  }

  http::ServerResponse token_response(const std::string& scope) {
    return sim->handle(req("POST", std::string("/") + kTenant + "/oauth2/v2.0/token", {}, {},
                           kForm + http::url_encode(scope)));
  }
  std::string token(const std::string& scope = "https://monitor.azure.com//.default") {
    auto r = token_response(scope);
    EXPECT_EQ(r.status, 200) << r.body;
    simdjson::dom::parser p;
    std::string_view t;
    EXPECT_FALSE(p.parse(simdjson::padded_string(r.body))["access_token"].get(t));
    return std::string(t);
  }
  http::ServerResponse upload(const std::string& bearer, std::string body, bool gz = false,
                              const std::string& stream = "Custom-Test", const std::string& dcr = kDcrId,
                              const std::string& query = "api-version=2023-01-01") {
    http::Headers h{{"Authorization", "Bearer " + bearer}, {"Content-Type", "application/json"}};
    if (gz) {
      h.emplace_back("Content-Encoding", "gzip");
      body = gzip(body);
    }
    return sim->handle(req("POST", "/dataCollectionRules/" + dcr + "/streams/" + stream, query, h, std::move(body)));
  }
};

// {"error":{"code","message"}} with the same code in x-ms-error-code; returns the message.
std::string expect_azure_error(const http::ServerResponse& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(http::find_header(r.headers, "x-ms-error-code").value_or(""), code);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  EXPECT_FALSE(p.parse(simdjson::padded_string(r.body)).get(doc)) << r.body;
  std::string_view c, m;
  EXPECT_FALSE(doc["error"]["code"].get(c)) << r.body;
  EXPECT_FALSE(doc["error"]["message"].get(m)) << r.body;
  EXPECT_EQ(c, code);
  return std::string(m);
}

// A JSON array of `rows` objects, about `row_bytes` each.
std::string rows_json(int rows, size_t row_bytes) {
  std::string out = "[";
  for (int i = 0; i < rows; ++i) {
    if (i) out += ',';
    std::string name = "row-" + std::to_string(i) + "-";
    name.resize(row_bytes > 30 ? row_bytes - 30 : 1, 'x');
    out += "{\"id\":" + std::to_string(i) + ",\"name\":\"" + name + "\"}";
  }
  return out + "]";
}

TEST(SimAzure, TokenGrantForTheMonitorScopeAndEntraErrors) {
  Fixture f;
  for (const char* scope : {"https://monitor.azure.com/.default", "https://monitor.azure.com//.default"}) {
    auto r = f.token_response(scope);
    ASSERT_EQ(r.status, 200) << scope << r.body;
    EXPECT_NE(r.body.find("\"expires_in\":300"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("\"token_type\":\"Bearer\""), std::string::npos);
  }
  // The secret through HTTP Basic instead of the form.
  auto basic = f.sim->handle(req("POST", std::string("/") + kTenant + "/oauth2/v2.0/token", {},
                                 {{"Authorization", "Basic M2YxYzRiMGUtNmEyZC00YzhlLTlhNTctMWIyYzNkNGU1ZjYwOnNpbS1zZWNyZXQ="}},
                                 "grant_type=client_credentials&scope=https%3A%2F%2Fmonitor.azure.com%2F.default"));
  EXPECT_EQ(basic.status, 200) << basic.body;

  std::string path = std::string("/") + kTenant + "/oauth2/v2.0/token";
  auto check = [&](const http::ServerResponse& r, int status, const char* error, int64_t code) {
    EXPECT_EQ(r.status, status) << r.body;
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    ASSERT_FALSE(p.parse(simdjson::padded_string(r.body)).get(doc)) << r.body;
    EXPECT_EQ(std::string_view(doc["error"]), error);
    EXPECT_EQ(int64_t(doc["error_codes"].at(0)), code);
    EXPECT_TRUE(std::string_view(doc["error_description"]).starts_with("AADSTS" + std::to_string(code) + ": "));
  };
  std::string form = std::string(kForm) + "https%3A%2F%2Fmonitor.azure.com%2F.default";
  check(f.sim->handle(req("POST", path, {}, {}, std::string(form).replace(form.find("sim-secret"), 10, "wrong"))), 401,
        "invalid_client", 7000215);
  check(f.token_response("https://example.com/.default"), 400, "invalid_scope", 70011);
  check(f.sim->handle(req("POST", "/not-our-tenant/oauth2/v2.0/token", {}, {}, form)), 400, "invalid_request", 90002);
  check(f.sim->handle(req("POST", path, {}, {}, form.substr(form.find('&') + 1))), 400, "invalid_request", 900144);
  EXPECT_EQ(f.sim->tokens().tokens_issued(), 3);
}

TEST(SimAzure, GzipUploadIsRecordedWithOnlyTheDeclaredColumnsValuesAsSent) {
  Fixture f;
  std::string t = f.token();
  auto r = f.upload(t, R"([{"id":1,"name":"a","undeclared":true,"extra":{"x":[1, 2]}} ,
                           {"name":"b\u00e9","id":2.50,"TimeGenerated":"2024-06-01T00:00:00Z"}, {}])",
                    true);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(http::find_header(r.headers, "x-ms-request-id").has_value());
  std::string expected = "{\"id\":1,\"name\":\"a\",\"extra\":{\"x\":[1, 2]}}\n{\"name\":\"b\\u00e9\",\"id\":2.50}\n{}\n";
  EXPECT_EQ(f.sim->accepted_ndjson("Custom-Test"), expected);
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 3);
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test", kOtherDcr), 0);
  // The test endpoint says the same; /_sim/ requests are not API traffic.
  auto accepted = f.sim->handle(req("GET", "/_sim/accepted", std::string("stream=Custom-Test&dcr=") + kDcrId));
  EXPECT_EQ(accepted.status, 200);
  EXPECT_EQ(accepted.body, expected);
  EXPECT_EQ(http::find_header(accepted.headers, "Content-Type").value_or(""), "application/x-ndjson");
  // A second plain upload arrives after the first.
  ASSERT_EQ(f.upload(t, R"([{"id":3}])").status, 204);
  EXPECT_EQ(f.sim->accepted_ndjson("custom-test"), expected + "{\"id\":3}\n");
  auto stats = f.sim->handle(req("GET", "/_sim/ingestion"));
  EXPECT_NE(stats.body.find("\"streams\":{\"Custom-Test\":{\"rows\":4,\"requests\":2,"), std::string::npos) << stats.body;
  EXPECT_NE(stats.body.find("\"requests\":2,\"rows\":4"), std::string::npos) << stats.body;
}

TEST(SimAzure, OneMebibyteLimitOnTheCompressedAndTheUncompressedBody) {
  Fixture f;
  std::string t = f.token();
  std::string exact = rows_json(1, 100);
  exact.insert(exact.size() - 1, std::string(kMaxBodyBytes - exact.size(), ' '));
  ASSERT_EQ(exact.size(), kMaxBodyBytes);
  EXPECT_EQ(f.upload(t, exact).status, 204) << "exactly 1048576 bytes are allowed";

  std::string big = rows_json(12'000, 100);
  ASSERT_GT(big.size(), kMaxBodyBytes);
  auto plain = f.upload(t, big);
  std::string m = expect_azure_error(plain, 413, "ContentLengthLimitExceeded");
  EXPECT_TRUE(m.starts_with("Maximum allowed content length: 1048576 bytes (1 MB).")) << m;
  // Small on the wire, too large once inflated (and a bomb must not be inflated to the end).
  std::string bomb = "[" + std::string(20'000'000, ' ') + "]";
  auto gz = f.upload(t, bomb, true);
  m = expect_azure_error(gz, 413, "ContentLengthLimitExceeded");
  EXPECT_TRUE(m.starts_with("Maximum allowed content length: 1048576 bytes (1 MB).")) << m;
  // Within the limit compressed and uncompressed: accepted.
  EXPECT_EQ(f.upload(t, rows_json(9'000, 100), true).status, 204);
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 9'001);
  EXPECT_NE(f.sim->ingestion_json().find("\"rejected\":{\"413\":2}"), std::string::npos) << f.sim->ingestion_json();
}

TEST(SimAzure, AnObjectBodyGets204AndNothingIsIngested) {
  Fixture f;
  auto r = f.upload(f.token(), R"({"id":1,"name":"single"})", true);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 0);
  EXPECT_EQ(f.sim->accepted_ndjson("Custom-Test"), "");
  EXPECT_NE(f.sim->ingestion_json().find("\"ignored_bodies\":1"), std::string::npos) << f.sim->ingestion_json();
}

TEST(SimAzure, MalformedBodiesAre400) {
  Fixture f;
  std::string t = f.token();
  expect_azure_error(f.upload(t, R"([{"id":1,}])"), 400, "InvalidPayload");
  expect_azure_error(f.upload(t, R"([{"id":1}, {"name": tru}])"), 400, "InvalidPayload");
  expect_azure_error(f.upload(t, ""), 400, "InvalidPayload");
  expect_azure_error(f.upload(t, "42"), 400, "InvalidPayload");
  // Content-Encoding: gzip on a body that is not gzip.
  http::Headers h{{"Authorization", "Bearer " + t}, {"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};
  expect_azure_error(f.sim->handle(req("POST", std::string("/dataCollectionRules/") + kDcrId + "/streams/Custom-Test",
                                       "api-version=2023-01-01", h, "[{\"id\":1}]")),
                     400, "InvalidContentEncoding");
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 0);
}

TEST(SimAzure, UnknownRuleOrStreamIs404AndADeniedRule403) {
  Fixture f([](Options& o) { o.deny_dcrs.insert(kOtherDcr); });
  std::string t = f.token();
  std::string m = expect_azure_error(f.upload(t, "[]", false, "Custom-Test", "dcr-00000000000000000000000000000000"), 404,
                                     "NotFound");
  EXPECT_NE(m.find("dcr-00000000000000000000000000000000"), std::string::npos) << m;
  m = expect_azure_error(f.upload(t, "[]", false, "Custom-Missing"), 404, "InvalidStream");
  EXPECT_NE(m.find("Custom-Missing"), std::string::npos) << m;
  // The denied rule is not configured either: access is checked before existence, as for a DCR
  // the caller has no role on.
  m = expect_azure_error(f.upload(t, "[]", false, "Custom-Test", kOtherDcr), 403, "OperationFailed");
  EXPECT_TRUE(m.starts_with(std::string("The authentication token provided does not have access to ingest data for the "
                                        "data collection rule with immutable Id '") + kOtherDcr +
                            "' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False,"))
      << m;
  EXPECT_EQ(f.upload(t, "[]", false, "Custom-Other").status, 204);
}

TEST(SimAzure, TokensThatAreMissingForeignOrExpiredAre401) {
  Fixture f;
  std::string t = f.token();
  auto missing = f.sim->handle(req("POST", std::string("/dataCollectionRules/") + kDcrId + "/streams/Custom-Test",
                                   "api-version=2023-01-01", {{"Content-Type", "application/json"}}, "[]"));
  expect_azure_error(missing, 401, "AuthenticationFailed");
  EXPECT_TRUE(http::find_header(missing.headers, "WWW-Authenticate").value_or("").starts_with("Bearer "));
  expect_azure_error(f.upload("not-a-token-we-issued", "[]"), 401, "InvalidAuthenticationToken");
  // A token for Azure Resource Manager: issued, but not for this audience.
  std::string arm = f.token("https://management.azure.com/.default");
  std::string m = expect_azure_error(f.upload(arm, "[]"), 401, "InvalidAudience");
  EXPECT_NE(m.find("https://management.azure.com"), std::string::npos) << m;

  EXPECT_EQ(f.upload(t, "[{\"id\":1}]").status, 204);
  f.clock += 300'000;  // --token-ttl 300
  expect_azure_error(f.upload(t, "[{\"id\":2}]"), 401, "ExpiredAuthenticationToken");
  EXPECT_EQ(f.upload(f.token(), "[{\"id\":2}]").status, 204);
  EXPECT_EQ(f.sim->accepted_ndjson("Custom-Test"), "{\"id\":1}\n{\"id\":2}\n");
}

TEST(SimAzure, ExpireTokenAtRequestKNeedsOneRefresh) {
  Fixture f([](Options& o) { o.faults.expire_token_at = 2; });
  std::string t = f.token();
  EXPECT_EQ(f.upload(t, "[{\"id\":1}]").status, 204);
  expect_azure_error(f.upload(t, "[{\"id\":2}]"), 401, "ExpiredAuthenticationToken");
  expect_azure_error(f.upload(t, "[{\"id\":2}]"), 401, "ExpiredAuthenticationToken");  // it stays expired
  EXPECT_EQ(f.upload(f.token(), "[{\"id\":2}]").status, 204);
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 2);
}

TEST(SimAzure, ThrottlingAnswers429AndAnEarlyRetryIsThrottledAgain) {
  Fixture f([](Options& o) { o.faults.throttle_at = 1; });
  std::string t = f.token();
  auto first = f.upload(t, "[{\"id\":1}]");
  expect_azure_error(first, 429, "TooManyRequests");
  EXPECT_EQ(http::find_header(first.headers, "Retry-After").value_or(""), "2");
  f.clock += 1'200;
  auto early = f.upload(t, "[{\"id\":1}]");
  expect_azure_error(early, 429, "TooManyRequests");
  EXPECT_EQ(http::find_header(early.headers, "Retry-After").value_or(""), "1") << "the time that is left, rounded up";
  f.clock += 800;
  EXPECT_EQ(f.upload(t, "[{\"id\":1}]").status, 204);
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 1);

  // --throttle-rate: the same requests are throttled for the same seed.
  auto statuses = [](uint64_t seed) {
    Fixture g([seed](Options& o) {
      o.throttle_rate = 0.3;
      o.faults.retry_after_s = 5;
      o.seed = seed;
      o.entra.token_ttl_s = 86'400;
    });
    std::string tok = g.token();
    std::string s;
    for (int i = 0; i < 200; ++i) {
      auto r = g.upload(tok, "[]");
      if (r.status == 429) {
        EXPECT_EQ(http::find_header(r.headers, "Retry-After").value_or(""), "5");
      }
      s += r.status == 429 ? 'T' : r.status == 204 ? '.' : '?';
      g.clock += 5'000;  // past every Retry-After
    }
    return s;
  };
  std::string a = statuses(7);
  EXPECT_EQ(a, statuses(7));
  EXPECT_NE(a, statuses(8));
  auto throttled = std::count(a.begin(), a.end(), 'T');
  EXPECT_GT(throttled, 35);
  EXPECT_LT(throttled, 85);
  EXPECT_EQ(a.find('?'), std::string::npos);
}

TEST(SimAzure, FailRateAnswers503WithoutRetryAfter) {
  Fixture f([](Options& o) { o.faults.fail_rate = 1; });
  auto r = f.upload(f.token(), "[{\"id\":1}]");
  expect_azure_error(r, 503, "ServiceUnavailable");
  EXPECT_FALSE(http::find_header(r.headers, "Retry-After").has_value());
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 0);
}

TEST(SimAzure, OutagesDropConnectionsOrAnswer503ForTheirDuration) {
  Fixture f([](Options& o) {
    o.outage_after = 2;
    o.outage_seconds = 5;
  });
  std::string t = f.token();
  EXPECT_EQ(f.upload(t, "[{\"id\":1}]").status, 204);
  EXPECT_EQ(f.upload(t, "[{\"id\":2}]").status, 204);
  EXPECT_TRUE(f.upload(t, "[{\"id\":3}]").drop_connection);
  f.clock += 4'999;
  EXPECT_TRUE(f.upload(t, "[{\"id\":3}]").drop_connection);
  EXPECT_EQ(f.token_response("https://monitor.azure.com/.default").status, 200) << "Entra is not in the outage";
  f.clock += 1;
  EXPECT_EQ(f.upload(t, "[{\"id\":3}]").status, 204);

  // Started at run time through the control endpoint.
  auto control = f.sim->handle(req("POST", "/_sim/outage", "seconds=3&mode=503"));
  EXPECT_EQ(control.status, 200) << control.body;
  expect_azure_error(f.upload(t, "[{\"id\":4}]"), 503, "ServiceUnavailable");
  f.clock += 3'000;
  EXPECT_EQ(f.upload(t, "[{\"id\":4}]").status, 204);
  EXPECT_EQ(f.sim->handle(req("POST", "/_sim/outage", "seconds=-1")).status, 400);
  EXPECT_EQ(f.sim->accepted_ndjson("Custom-Test"), "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n");
  std::string stats = f.sim->ingestion_json();
  EXPECT_NE(stats.find("\"dropped_connections\":2"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"rejected\":{\"503\":1}"), std::string::npos) << stats;
}

TEST(SimAzure, ApiVersionMayArrivePercentEncodedAndIsRequired) {
  Fixture f;
  std::string t = f.token();
  EXPECT_EQ(f.upload(t, "[{\"id\":1}]", true, "Custom-Test", kDcrId, "api%2Dversion=2023-01-01").status, 204);
  expect_azure_error(f.upload(t, "[]", false, "Custom-Test", kDcrId, ""), 400, "MissingApiVersionParameter");
  expect_azure_error(f.upload(t, "[]", false, "Custom-Test", kDcrId, "api-version=2020-01-01"), 400,
                     "UnsupportedApiVersion");
  EXPECT_EQ(f.sim->accepted_rows("Custom-Test"), 1);
}

TEST(SimAzure, RecordFileAppendsAcrossRestartsAndMemoryIsBounded) {
  testing::TempDir dir;
  std::string file = (dir / "rows.ndjson").string();
  {
    Fixture f([&](Options& o) { o.record_file = file; });
    std::string t = f.token();
    ASSERT_EQ(f.upload(t, "[{\"id\":1,\"drop\":0},{\"id\":2}]", true).status, 204);
    EXPECT_EQ(testing::read_file(file), "{\"id\":1}\n{\"id\":2}\n") << "flushed before the 204";
  }
  Fixture g([&](Options& o) {
    o.record_file = file;
    o.max_kept_bytes = 10;
  });
  std::string t = g.token();
  ASSERT_EQ(g.upload(t, "[{\"id\":3}]").status, 204);
  ASSERT_EQ(g.upload(t, "[{\"id\":4},{\"id\":5}]").status, 204);
  EXPECT_EQ(testing::read_file(file), "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n{\"id\":4}\n{\"id\":5}\n");
  EXPECT_EQ(g.sim->accepted_ndjson("Custom-Test"), "{\"id\":3}\n") << "only what fits in max_kept_bytes";
  EXPECT_EQ(g.sim->accepted_rows("Custom-Test"), 3);
  EXPECT_NE(g.sim->ingestion_json().find("\"rows_not_kept\":2"), std::string::npos);

  Options bad;
  bad.accept_any = true;
  bad.record_file = (dir / "no-such-dir" / "rows.ndjson").string();
  auto s = Simulator::create(bad);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().where, "--record");
}

TEST(SimAzure, AcceptAnyKeepsEveryStreamAndMember) {
  Options o;
  o.accept_any = true;
  auto sim = Simulator::create(o);
  ASSERT_TRUE(sim.has_value());
  Fixture f;
  f.sim = std::move(*sim);
  ASSERT_EQ(f.upload(f.token(), R"([{"a":1,"b":[true]}])", true, "Custom-Anything_CL", kOtherDcr).status, 204);
  EXPECT_EQ(f.sim->accepted_ndjson("Custom-Anything_CL", kOtherDcr), "{\"a\":1,\"b\":[true]}\n");
}

TEST(SimAzure, DcrFilesAreReadBareInAnArrayOrInATemplateWithPathsInErrors) {
  auto templ = parse_dcr(kDcrId, kDcrJson, "t.json");
  ASSERT_TRUE(templ.has_value()) << templ.error().str();
  ASSERT_EQ(templ->streams.size(), 2u);
  EXPECT_EQ(templ->streams[0].name, "Custom-Test");
  EXPECT_EQ(templ->streams[0].columns, (std::set<std::string, std::less<>>{"extra", "id", "name"}));
  auto bare = parse_dcr(kDcrId, R"([{"properties":{"streamDeclarations":{"Custom-A":{"columns":[{"name":"x","type":"string"}]}}}}])",
                        "a.json");
  ASSERT_TRUE(bare.has_value()) << bare.error().str();
  EXPECT_NE(bare->stream("custom-a"), nullptr);

  auto none = parse_dcr(kDcrId, R"({"type":"Microsoft.OperationalInsights/workspaces/tables","properties":{}})", "n.json");
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().where, "n.json");
  auto column = parse_dcr(kDcrId, R"({"properties":{"streamDeclarations":{"Custom-A":{"columns":[{"type":"string"}]}}}})", "c.json");
  ASSERT_FALSE(column.has_value());
  EXPECT_EQ(column.error().where, "c.json:/properties/streamDeclarations/Custom-A/columns/0");

  auto flag = load_dcr_flag(std::string("dcr-123=") + INTAKE_SOURCE_DIR + "/connectors/atlassian-jira-audit/dcr.json");
  ASSERT_FALSE(flag.has_value());
  EXPECT_EQ(flag.error().where, "--dcr");
  auto shipped = load_dcr_flag(std::string(kDcrId) + "=" + INTAKE_SOURCE_DIR + "/connectors/atlassian-jira-audit/dcr.json");
  ASSERT_TRUE(shipped.has_value()) << shipped.error().str();
  ASSERT_NE(shipped->stream("Custom-AtlassianJiraAudit"), nullptr);
  EXPECT_TRUE(shipped->stream("Custom-AtlassianJiraAudit")->columns.contains("changedValues"));

  Options neither;
  auto s = Simulator::create(neither);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().where, "--dcr");
}

}  // namespace
}  // namespace intake::sim::azure
