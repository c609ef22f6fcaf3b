#include <gtest/gtest.h>

#include "auth/hmac.h"
#include "auth/shared_key.h"
#include "core/base64.h"
#include "core/time.h"
#include "http/gzip.h"
#include "receive/data_collector.h"
#include "receive/legacy_table.h"
#include "receive/logs_ingestion.h"
#include "receive/webhook.h"
#include "json/value_json.h"

namespace intake::receive {
namespace {

namespace dom = simdjson::dom;

DateTime at(const char* iso) { return *parse_datetime(iso); }

std::vector<dom::element> records_of(dom::parser& p, const std::string& json) {
  std::vector<dom::element> out;
  dom::element root = p.parse(json).value();
  if (root.is_array()) {
    dom::array arr = root.get_array().value();
    for (auto e : arr) out.push_back(e);
  } else {
    out.push_back(root);
  }
  return out;
}

const Column* column(const Schema& s, const std::string& name) {
  int i = s.index_of(name);
  return i < 0 ? nullptr : &s.columns[static_cast<size_t>(i)];
}

// ---- legacy column naming

TEST(LegacyTable, NamesColumnsBySuffixFlattensObjectsAndOmitsNulls) {
  LegacyTable t("Dt_CL", std::nullopt);
  dom::parser p;
  auto recs = records_of(p, R"([{"name":"a","score":4.5,"ok":true,"when":"2024-01-01T10:00:00Z",
    "id":"8145d82213a744ad859c36f31a84f6dd","nested":{"inner":{"x":1}},"list":[1,2],"gone":null}])");
  auto b = t.map(recs, "", "", at("2024-01-01T12:00:00Z"));
  ASSERT_TRUE(b) << b.error().str();
  const Schema& s = b->schema;
  EXPECT_EQ(s.columns[0].name, "TimeGenerated");
  ASSERT_TRUE(column(s, "name_s"));
  ASSERT_TRUE(column(s, "score_d"));
  EXPECT_EQ(column(s, "score_d")->type, ColumnType::Real);
  EXPECT_EQ(column(s, "ok_b")->type, ColumnType::Bool);
  EXPECT_EQ(column(s, "when_t")->type, ColumnType::DateTime);
  EXPECT_EQ(column(s, "id_g")->type, ColumnType::Guid);
  EXPECT_TRUE(column(s, "nested_inner_x_d"));
  EXPECT_EQ(column(s, "list_s")->type, ColumnType::String);
  EXPECT_FALSE(column(s, "gone_s")) << "a null property is omitted";
  const Row& r = b->rows[0];
  EXPECT_EQ(r[s.index_of("list_s")], Value(std::string("[1,2]")));
  EXPECT_EQ(format_guid(r[s.index_of("id_g")].as_guid()), "8145d822-13a7-44ad-859c-36f31a84f6dd");
  EXPECT_EQ(r[0], Value(at("2024-01-01T12:00:00Z"))) << "no time-generated-field: ingestion time";
}

TEST(LegacyTable, AValueGoesToAnExistingColumnItConvertsToOtherwiseANewOne) {
  LegacyTable t("X_CL", std::nullopt);
  dom::parser p1, p2, p3;
  ASSERT_TRUE(t.map(records_of(p1, R"({"flag":true,"n":1})"), "", "", at("2024-01-01T00:00:00Z")));
  auto b = t.map(records_of(p2, R"({"flag":"true","n":"abc"})"), "", "", at("2024-01-01T00:00:00Z"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rows[0][b->schema.index_of("flag_b")], Value(true)) << "\"true\" converts into flag_b";
  EXPECT_TRUE(column(b->schema, "n_s")) << "'abc' is not a number: a second column";
  EXPECT_TRUE(b->rows[0][b->schema.index_of("n_d")].is_null());
  auto c = t.map(records_of(p3, R"({"n":7})"), "", "", at("2024-01-01T00:00:00Z"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rows[0][c->schema.index_of("n_d")], Value(7.0)) << "the first column that takes the value wins";
}

TEST(LegacyTable, StringsFirstMakeStringColumnsAndTheNamingResumesFromStoredColumns) {
  Schema stored{{{"TimeGenerated", ColumnType::DateTime}, {"count_s", ColumnType::String}, {"count_d", ColumnType::Real}}};
  LegacyTable t("Y_CL", stored);
  dom::parser p;
  auto b = t.map(records_of(p, R"({"count":"12"})"), "", "", at("2024-01-01T00:00:00Z"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->schema.columns.size(), 3u) << "no new column";
  EXPECT_EQ(b->rows[0][1], Value(std::string("12"))) << "count_s was created first";
}

TEST(LegacyTable, TimeGeneratedFieldIsUsedOnlyWithinTwoDaysBackAndOneDayAhead) {
  LegacyTable t("T_CL", std::nullopt);
  dom::parser p;
  auto recs = records_of(p, R"([{"ts":"2024-01-10T08:00:00Z"},{"ts":"2024-01-07T08:00:00Z"},{"ts":"2024-01-11T13:00:00Z"},{"x":1}])");
  auto b = t.map(recs, "ts", "", at("2024-01-10T12:00:00Z"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rows[0][0], Value(at("2024-01-10T08:00:00Z")));
  EXPECT_EQ(b->rows[1][0], Value(at("2024-01-10T12:00:00Z"))) << "3 days old: ingestion time";
  EXPECT_EQ(b->rows[2][0], Value(at("2024-01-10T12:00:00Z"))) << "more than a day ahead: ingestion time";
  EXPECT_EQ(b->rows[3][0], Value(at("2024-01-10T12:00:00Z")));
}

TEST(LegacyTable, ReservedNamesAndTooManyColumnsAreErrorsThatChangeNothing) {
  LegacyTable t("R_CL", std::nullopt);
  dom::parser p1, p2, p3;
  auto bad = t.map(records_of(p1, R"([{"a":1},{"TimeGenerated":"x"}])"), "", "", at("2024-01-01T00:00:00Z"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().str().find("reserved"), std::string::npos);
  std::string wide = "{";
  for (int i = 0; i < 600; ++i) wide += (i ? "," : "") + std::string("\"c") + std::to_string(i) + "\":1";
  wide += "}";
  auto too_wide = t.map(records_of(p2, wide), "", "", at("2024-01-01T00:00:00Z"));
  ASSERT_FALSE(too_wide);
  EXPECT_NE(too_wide.error().str().find("500 columns"), std::string::npos);
  auto ok = t.map(records_of(p3, R"({"b":1})"), "", "", at("2024-01-01T00:00:00Z"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->schema.columns.size(), 2u) << "the refused records added no column";
}

TEST(LegacyTable, LogTypesAreLettersDigitsAndUnderscores) {
  EXPECT_TRUE(valid_log_type("darktrace_model_alerts"));
  EXPECT_TRUE(valid_log_type("Type2"));
  EXPECT_FALSE(valid_log_type("bad-type"));
  EXPECT_FALSE(valid_log_type(""));
  EXPECT_FALSE(valid_log_type(std::string(101, 'a')));
}

// ---- Data Collector API

class FakeTables final : public TableSink {
 public:
  Result<std::optional<Schema>> stored_schema(const std::string&) override { return std::nullopt; }
  WriteResult<int64_t> write(const std::string& table, const Schema& schema, std::vector<Row>&& rows) override {
    if (fail) return std::unexpected(WriteError{WriteFailure::Internal, Error("test", "disk full")});
    tables.push_back(table);
    last_schema = schema;
    for (auto& r : rows) written.push_back(std::move(r));
    return static_cast<int64_t>(written.size());
  }
  bool busy() const override { return full; }
  std::vector<std::string> tables;
  Schema last_schema;
  std::vector<Row> written;
  bool fail = false, full = false;
};

const char* kWorkspace = "00000000-0000-0000-0000-000000000001";
std::string key_b64() {
  std::string raw;
  for (int i = 0; i < 64; ++i) raw += static_cast<char>(i);
  return base64_encode(raw);
}

http::ServerRequest dc_request(const std::string& body, const std::string& date, const std::string& key = key_b64(),
                               const std::string& workspace = kWorkspace, const std::string& log_type = "MyType",
                               const std::string& content_type = "application/json") {
  http::ServerRequest r;
  r.method = "POST";
  r.path = "/api/logs";
  r.query = {{"api-version", "2016-04-01"}};
  r.body = body;
  r.headers = {{"Content-Type", content_type}, {"Log-Type", log_type}, {"x-ms-date", date}};
  auto sig = auth::shared_key_signature(key, body.size(), date, content_type).value();
  r.headers.emplace_back("Authorization", "SharedKey " + workspace + ":" + sig);
  return r;
}

struct DcFixture {
  FakeTables tables;
  DateTime now = at("2016-04-04T08:05:00Z");
  std::unique_ptr<DataCollectorReceiver> rx;
  DcFixture() {
    DataCollectorOptions o;
    o.workspace_id = kWorkspace;
    o.shared_keys = {base64_encode("the primary key bytes"), key_b64()};
    o.clock = [this] { return now; };
    rx = std::make_unique<DataCollectorReceiver>(std::move(o), tables);
  }
};

const char* kDate = "Mon, 04 Apr 2016 08:00:00 GMT";
const char* kBody = R"([{"StringValue":"MyString1","NumberValue":42}])";

TEST(DataCollector, TheDocumentedExampleIsAcceptedWithTheSecondaryKey) {
  DcFixture f;
  auto r = dc_request(kBody, kDate);
  EXPECT_EQ(r.headers.back().second, "SharedKey 00000000-0000-0000-0000-000000000001:pso6MJ61QTBY67epQ+0p6Y14BQKihuJf4QoFrKQykWA=");
  auto resp = f.rx->handle(r);
  EXPECT_EQ(resp.status, 200) << resp.body;
  ASSERT_EQ(f.tables.tables, std::vector<std::string>{"MyType_CL"});
  ASSERT_EQ(f.tables.written.size(), 1u);
  EXPECT_GE(f.tables.last_schema.index_of("StringValue_s"), 0);
  EXPECT_GE(f.tables.last_schema.index_of("NumberValue_d"), 0);
}

void expect_refused(DcFixture& f, const http::ServerRequest& r, int status, const std::string& code) {
  auto resp = f.rx->handle(r);
  EXPECT_EQ(resp.status, status) << resp.body;
  if (!code.empty()) EXPECT_NE(resp.body.find("\"Error\":\"" + code + "\""), std::string::npos) << resp.body;
  EXPECT_TRUE(f.tables.written.empty()) << "nothing is written for a refused request";
}

TEST(DataCollector, RefusalsHaveAzuresStatusAndCodeAndWriteNothing) {
  {
    DcFixture f;
    expect_refused(f, dc_request(kBody, kDate, base64_encode("some other key")), 403, "InvalidAuthorization");
  }
  {
    DcFixture f;
    expect_refused(f, dc_request(kBody, kDate, key_b64(), "00000000-0000-0000-0000-000000000002"), 403, "InvalidAuthorization");
  }
  {
    DcFixture f;
    f.now = at("2016-04-04T08:20:01Z");  // the request is 20 minutes old: a replay
    auto resp = f.rx->handle(dc_request(kBody, kDate));
    EXPECT_EQ(resp.status, 403);
    EXPECT_NE(resp.body.find("replay"), std::string::npos);
    EXPECT_TRUE(f.tables.written.empty());
  }
  {
    DcFixture f;
    expect_refused(f, dc_request(kBody, kDate, key_b64(), kWorkspace, "bad-type"), 400, "InvalidLogType");
  }
  {
    DcFixture f;
    expect_refused(f, dc_request("[{\"a\": ", kDate), 400, "InvalidDataFormat");
  }
  {
    DcFixture f;
    auto r = dc_request(kBody, kDate);
    r.query.clear();
    expect_refused(f, r, 400, "MissingApiVersion");
    r.query = {{"api-version", "2015-01-01"}};
    expect_refused(f, r, 400, "InvalidApiVersion");
  }
  {
    DcFixture f;
    auto r = dc_request(kBody, kDate, key_b64(), kWorkspace, "MyType", "text/plain");
    expect_refused(f, r, 400, "UnsupportedContentType");
  }
  {
    // Signed as application/json but sent with a charset: the string to sign differs.
    DcFixture f;
    auto r = dc_request(kBody, kDate);
    for (auto& [k, v] : r.headers) {
      if (k == "Content-Type") v = "application/json; charset=utf-8";
    }
    expect_refused(f, r, 403, "InvalidAuthorization");
  }
  {
    // The signature covers the body's length, not its bytes: a body of another length fails.
    DcFixture f;
    auto r = dc_request(kBody, kDate);
    r.body = R"([{"StringValue":"MyString10","NumberValue":42}])";
    expect_refused(f, r, 403, "InvalidAuthorization");
  }
  {
    DcFixture f;
    auto r = dc_request(kBody, kDate);
    r.headers.back().second = "Bearer abc";
    expect_refused(f, r, 403, "InvalidAuthorization");
  }
  {
    DcFixture f;
    expect_refused(f, dc_request(R"([{"tenant":"x"}])", kDate), 400, "InvalidDataFormat");
  }
  {
    DcFixture f;
    f.tables.full = true;
    expect_refused(f, dc_request(kBody, kDate), 429, "");
  }
  {
    DcFixture f;
    f.tables.fail = true;
    expect_refused(f, dc_request(kBody, kDate), 500, "UnspecifiedError");
  }
  EXPECT_EQ(DataCollectorReceiver::too_large().status, 404) << "Azure answers an oversize post with 404";
}

TEST(DataCollector, ANonAsciiBodyIsSignedWithItsByteLength) {
  DcFixture f;
  std::string body = "[{\"city\":\"Z\xc3\xbcrich\"}]";
  auto resp = f.rx->handle(dc_request(body, kDate));
  EXPECT_EQ(resp.status, 200) << resp.body;
  ASSERT_EQ(f.tables.written.size(), 1u);
  EXPECT_EQ(f.tables.written[0][f.tables.last_schema.index_of("city_s")], Value(std::string("Z\xc3\xbcrich")));
}

// ---- bearer tokens

std::string hs256_jwt(const std::string& secret, const std::string& payload) {
  std::string head = base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(payload);
  return head + "." + base64url_encode(auth::hmac_sha256(secret, head));
}

TEST(Bearer, StaticTokensMayBeLimitedToRulesAndJwtsAreVerified) {
  JwtOptions jwt;
  jwt.hs256_secret = "jwt-secret-0123456789";
  auto v = BearerVerifier::create({{"static-token-1", {}}, {"limited-token-2", {"dcr-00000000000000000000000000000001"}}}, jwt).value();
  DateTime now = at("2024-01-01T00:00:00Z");
  int64_t t = now.ticks / kTicksPerSecond;
  using K = BearerVerdict::Kind;
  EXPECT_EQ(v.check("Bearer static-token-1", "dcr-x", now).kind, K::Ok);
  EXPECT_EQ(v.check("Bearer limited-token-2", "dcr-00000000000000000000000000000002", now).kind, K::Forbidden);
  EXPECT_EQ(v.check("Bearer limited-token-2", "dcr-00000000000000000000000000000001", now).kind, K::Ok);
  EXPECT_EQ(v.check(std::nullopt, "dcr-x", now).kind, K::Missing);
  EXPECT_EQ(v.check("Bearer wrong", "dcr-x", now).kind, K::Invalid);
  std::string good = R"({"aud":"https://monitor.azure.com/","exp":)" + std::to_string(t + 600) + "}";
  EXPECT_EQ(v.check("Bearer " + hs256_jwt(jwt.hs256_secret, good), "dcr-x", now).kind, K::Ok);
  EXPECT_EQ(v.check("Bearer " + hs256_jwt("another secret", good), "dcr-x", now).kind, K::Invalid);
  std::string expired = R"({"aud":"https://monitor.azure.com","exp":)" + std::to_string(t - 3600) + "}";
  EXPECT_EQ(v.check("Bearer " + hs256_jwt(jwt.hs256_secret, expired), "dcr-x", now).kind, K::Expired);
  std::string graph = R"({"aud":"https://graph.microsoft.com","exp":)" + std::to_string(t + 600) + "}";
  EXPECT_EQ(v.check("Bearer " + hs256_jwt(jwt.hs256_secret, graph), "dcr-x", now).kind, K::WrongAudience);
}

// ---- Logs Ingestion API

class FakeStream final : public StreamSink {
 public:
  WriteResult<int64_t> write(std::span<const dom::element> records) override {
    for (auto e : records) seen.push_back(simdjson::minify(e));
    return static_cast<int64_t>(records.size());
  }
  std::vector<std::string> seen;
};

const char* kRule = "dcr-0123456789abcdef0123456789abcdef";

struct LiFixture {
  std::shared_ptr<FakeStream> stream = std::make_shared<FakeStream>();
  std::unique_ptr<LogsIngestionReceiver> rx;
  LiFixture() {
    LogsIngestionOptions o;
    o.rules.push_back(IngestionRule{kRule, {{"Custom-Things", stream}}});
    o.clock = [] { return at("2024-01-01T00:00:00Z"); };
    rx = std::make_unique<LogsIngestionReceiver>(std::move(o), BearerVerifier::create({{"ingest-token-1", {}}}, std::nullopt).value());
  }
  http::ServerResponse post(const std::string& body, std::string path = "", std::string token = "ingest-token-1",
                            bool gzip = false) {
    http::ServerRequest r;
    r.method = "POST";
    r.path = path.empty() ? std::string("/dataCollectionRules/") + kRule + "/streams/Custom-Things" : path;
    r.query = {{"api-version", "2023-01-01"}};
    r.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    r.body = body;
    if (gzip) {
      r.headers.emplace_back("Content-Encoding", "gzip");
      r.body = http::gzip(body).value();
    }
    return rx->handle(r);
  }
};

std::string header(const http::ServerResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

TEST(LogsIngestion, AcceptsPlainAndGzipArraysWith204) {
  LiFixture f;
  EXPECT_EQ(f.post(R"([{"a":1},{"a":2}])").status, 204);
  EXPECT_EQ(f.post(R"([{"a":3}])", "", "ingest-token-1", true).status, 204);
  EXPECT_EQ(f.stream->seen.size(), 3u);
}

TEST(LogsIngestion, RefusalsAreShapedAsAzuresAndWriteNothing) {
  LiFixture f;
  auto expect = [&](const http::ServerResponse& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(header(r, "x-ms-error-code"), code);
    EXPECT_NE(r.body.find("\"code\":\"" + code + "\""), std::string::npos) << r.body;
  };
  expect(f.post(R"([{"a":1}])", "", "wrong-token"), 401, "InvalidAuthenticationToken");
  expect(f.post(R"([{"a":1}])", "/dataCollectionRules/dcr-ffffffffffffffffffffffffffffffff/streams/Custom-Things"), 404, "NotFound");
  expect(f.post(R"([{"a":1}])", std::string("/dataCollectionRules/") + kRule + "/streams/Custom-Other"), 404, "InvalidStream");
  expect(f.post(R"([{"a":)"), 400, "InvalidPayload");
  expect(f.post(R"([1, 2])"), 400, "InvalidPayload");
  // A gzip bomb: a small body that inflates far beyond 1 MB.
  expect(f.post(std::string(20 << 20, ' '), "", "ingest-token-1", true), 413, "ContentLengthLimitExceeded");
  expect(LogsIngestionReceiver::too_large(), 413, "ContentLengthLimitExceeded");
  EXPECT_TRUE(f.stream->seen.empty());
}

// ---- webhooks

TEST(Webhook, TokensFromHeaderOrCodeEventsByPathAndCommands) {
  dom::parser p;
  ccp::Diagnostics diag("webhook.json");
  auto spec_json = json::parse(R"({"stream":"Custom-A","eventsJsonPaths":["$"],
    "responses":{"accepted":{"status":200,"body":"Data Received successfully."},"empty":{"status":202,"body":"No required data found."}},
    "commands":[{"when":{"jsonPath":"$['integration-settings']","equals":"ADD"},"action":"register",
                 "parameters":{"url":"$.url"},"response":{"status":200,"body":"added settingId={{result}}"}}]})").value();
  auto spec = parse_webhook_spec(spec_json, diag);
  ASSERT_TRUE(spec) << diag.first_error().str();
  auto stream = std::make_shared<FakeStream>();
  std::vector<std::pair<std::string, ccp::Params>> runs;
  WebhookEndpoint ep{"rtap", {"hook-token-123"}, *spec, stream,
                     [&](const std::string& action, const ccp::Params& params) -> Result<std::string> {
                       runs.emplace_back(action, params);
                       return std::string("42");
                     }};
  std::vector<WebhookEndpoint> eps;
  eps.push_back(std::move(ep));
  auto rx = WebhookReceiver::create(std::move(eps)).value();
  auto post = [&](const std::string& body, const std::string& token, bool in_query) {
    http::ServerRequest r;
    r.method = "POST";
    r.path = "/webhooks/rtap";
    r.body = body;
    if (in_query) r.query = {{"code", token}};
    else r.headers = {{"x-functions-key", token}};
    return rx->handle(r);
  };
  EXPECT_EQ(post(R"({"index":"1"})", "nope", false).status, 401);
  auto one = post(R"({"index":"1"})", "hook-token-123", false);
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body, "Data Received successfully.");
  EXPECT_EQ(post(R"([{"index":"2"},{"index":"3"}])", "hook-token-123", true).status, 200);
  EXPECT_EQ(post("{}", "hook-token-123", true).status, 200) << "an empty object is still one object";
  EXPECT_EQ(post("[]", "hook-token-123", true).status, 202);
  EXPECT_EQ(post("not json", "hook-token-123", true).status, 400);
  auto cmd = post(R"({"integration-settings":"add","url":"https://x/webhooks/rtap"})", "hook-token-123", true);
  EXPECT_EQ(cmd.status, 200);
  EXPECT_EQ(cmd.body, "added settingId=42");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].first, "register");
  EXPECT_EQ(runs[0].second.at("url"), "https://x/webhooks/rtap");
  EXPECT_EQ(stream->seen.size(), 4u) << "the command is not stored as an event";
}

TEST(Webhook, SpecErrorsNameTheirPath) {
  ccp::Diagnostics diag("webhook.json");
  auto bad = json::parse(R"({"eventsJsonPaths":["$[?("],"extra":1})").value();
  EXPECT_FALSE(parse_webhook_spec(bad, diag));
  std::string all;
  for (const auto& e : diag.errors()) all += e.str() + "\n";
  EXPECT_NE(all.find("/stream"), std::string::npos) << all;
  EXPECT_NE(all.find("/eventsJsonPaths/0"), std::string::npos) << all;
  EXPECT_NE(all.find("/extra"), std::string::npos) << all;
}

}  // namespace
}  // namespace intake::receive
