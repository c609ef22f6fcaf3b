// intake-sim darktrace: the SharedKey signature against the Data Collector documentation's worked
// example, deterministic and unique alerts, pushes through retries to in-test receivers, and the
// darktrace package (streams, transforms, tables, UI queries, the legacy function) against the
// records the simulator sends.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "auth/shared_key.h"
#include "core/base64.h"
#include "core/time.h"
#include "dcr/dcr.h"
#include "engine/row_mapper.h"
#include "http/server.h"
#include "json/value_json.h"
#include "kql/kql.h"
#include "poll/formats.h"
#include "sim/darktrace.h"
#include "sim/gen.h"
#include "testing/support.h"

namespace intake::sim::darktrace {
namespace {

namespace fs = std::filesystem;
using intake::testing::source_dir;

constexpr const char* kWorkspace = "00000000-0000-0000-0000-000000000001";
constexpr const char* kDocBody = R"([{"StringValue":"MyString1","NumberValue":42}])";

std::string doc_key() {
  std::string bytes;
  for (int i = 0; i < 64; ++i) bytes += static_cast<char>(i);
  return base64_encode(bytes);
}

int64_t ms(const char* iso) { return parse_datetime(iso)->ticks / kTicksPerMillisecond; }

PushOptions collector_options(std::string url) {
  PushOptions o;
  o.api = Api::DataCollector;
  o.url = std::move(url);
  o.workspace_id = kWorkspace;
  o.key = doc_key();
  o.start_ms = ms("2024-05-01T00:00:00Z");
  o.end_ms = ms("2024-05-02T00:00:00Z");
  o.seed = 11;
  return o;
}

std::string header(const http::Request& r, std::string_view name) {
  auto v = http::find_header(r.headers, name);
  return v ? std::string(*v) : std::string();
}

size_t code_points(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool looks_like_guid(std::string_view s) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  if (s.size() == 32) return std::all_of(s.begin(), s.end(), hex);
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !hex(s[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Signature

TEST(SimDarktraceSharedKey, MatchesTheWorkedExamples) {
  std::string date = "Mon, 04 Apr 2016 08:00:00 GMT";
  EXPECT_EQ(auth::shared_key_string_to_sign(1024, date), "POST\n1024\napplication/json\nx-ms-date:" + date + "\n/api/logs");
  EXPECT_EQ(auth::shared_key_signature(doc_key(), 1024, date).value(), "kQfMluP3yBFQzfwH0Ye5adOjNq2FCEIWGh0n4uEtCrg=");
  EXPECT_EQ(auth::shared_key_signature(doc_key(), 46, date).value(), "pso6MJ61QTBY67epQ+0p6Y14BQKihuJf4QoFrKQykWA=");

  // The same body through the simulator's request builder, dated 2016-04-04 08:00 UTC.
  auto r = data_collector_request(collector_options("https://receiver.example/"), kDocBody,
                                  *parse_datetime("2016-04-04T08:00:00Z"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->url, "https://receiver.example/api/logs?api-version=2016-04-01");
  EXPECT_EQ(r->body, kDocBody);
  EXPECT_EQ(header(*r, "Content-Type"), "application/json");
  EXPECT_EQ(header(*r, "Log-Type"), "darktrace_model_alerts");
  EXPECT_EQ(header(*r, "x-ms-date"), date);
  EXPECT_EQ(header(*r, "time-generated-field"), "timestamp");
  EXPECT_EQ(header(*r, "Authorization"),
            "SharedKey 00000000-0000-0000-0000-000000000001:pso6MJ61QTBY67epQ+0p6Y14BQKihuJf4QoFrKQykWA=");
}

TEST(SimDarktraceSharedKey, SignsTheUtf8ByteLengthOfTheBody) {
  std::string body = R"([{"subject":"Überweisung bestätigen – Документы"}])";
  ASSERT_GT(body.size(), code_points(body));
  std::string date = "Mon, 04 Apr 2016 08:00:00 GMT";
  auto r = data_collector_request(collector_options("http://127.0.0.1:9"), body, *parse_datetime("2016-04-04T08:00:00Z"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(header(*r, "Authorization"), auth::shared_key_authorization(kWorkspace, doc_key(), body.size(), date).value());
  EXPECT_NE(header(*r, "Authorization"), auth::shared_key_authorization(kWorkspace, doc_key(), code_points(body), date).value());
}

TEST(SimDarktraceSharedKey, BadCredentialsNameTheFlagNotTheKey) {
  PushOptions o = collector_options("http://127.0.0.1:9");
  o.key = "not base64 !!";
  auto r = data_collector_request(o, kDocBody, system_now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where, "--key");
  EXPECT_EQ(r.error().str().find("not base64 !!"), std::string::npos);
  o = collector_options("http://127.0.0.1:9");
  o.log_type = "darktrace-model-alerts";
  EXPECT_EQ(data_collector_request(o, kDocBody, system_now()).error().where, "--log-type");
  o.api = Api::LogsIngestion;
  EXPECT_EQ(logs_ingestion_request(o, "Custom-DarktraceModelAlerts", "[]").error().where, "--dcr");
}

// ---------------------------------------------------------------------------------------------
// Generated alerts

TEST(SimDarktraceAlerts, DeterministicUniqueAndOfEveryKind) {
  int64_t start = ms("2024-05-01T00:00:00Z"), end = ms("2024-05-02T00:00:00Z");
  Alerts a(7, 4000, start, end), b(7, 4000, start, end), other(8, 4000, start, end);
  std::set<std::string> uuids;
  std::map<Kind, int64_t> per_kind;
  int64_t previous_ms = start, same_as_other_seed = 0, non_ascii = 0;
  simdjson::dom::parser parser;
  for (int64_t i = 0; i < a.count(); ++i) {
    std::string legacy = a.legacy_json(i);
    ASSERT_EQ(legacy, b.legacy_json(i));
    ASSERT_EQ(a.stream_json(i), b.stream_json(i));
    if (a.uuid(i) == other.uuid(i)) ++same_as_other_seed;
    uuids.insert(a.uuid(i));
    ++per_kind[a.kind(i)];
    if (legacy.size() != code_points(legacy)) ++non_ascii;
    int64_t t = a.time_ms(i);
    EXPECT_GE(t, previous_ms);
    EXPECT_LT(t, end);
    EXPECT_EQ(t % 1000, 0);
    previous_ms = t;

    simdjson::dom::element e = parser.parse(legacy);
    ASSERT_EQ(std::string_view(e["dtProduct"].get_string().value()), product_of(a.kind(i)));
    ASSERT_EQ(std::string_view(e["uuid"].get_string().value()), a.uuid(i));
    ASSERT_EQ(std::string(e[kTimeField].get_string().value()), iso_time(ticks_from_ms(t), 0));
    ASSERT_TRUE(looks_like_guid(a.uuid(i)));
    for (auto [key, value] : e.get_object()) {
      // Data Collector property names: letters, digits and '_'.
      ASSERT_TRUE(std::all_of(key.begin(), key.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
          << key;
      // Only the id fields look like GUIDs (the API stores those as _g columns).
      if (value.is_string() && key != "uuid" && key != "externalId" && key != "cSensorID") {
        ASSERT_FALSE(looks_like_guid(value.get_string().value())) << key << " of " << legacy;
      }
    }
    simdjson::dom::element s = parser.parse(a.stream_json(i));
    ASSERT_EQ(std::string_view(s["darktraceProduct"].get_string().value()), product_of(a.kind(i)));
    ASSERT_EQ(std::string_view(s["uuid"].get_string().value()), a.uuid(i));
  }
  EXPECT_EQ(uuids.size(), 4000u);
  EXPECT_EQ(same_as_other_seed, 0);
  EXPECT_GT(non_ascii, 0);  // some email subjects are not ASCII
  EXPECT_GT(per_kind[Kind::ModelBreach], 2000);
  EXPECT_GT(per_kind[Kind::AiAnalyst], 400);
  EXPECT_GT(per_kind[Kind::SystemStatus], 250);
  EXPECT_GT(per_kind[Kind::Email], 400);

  Alerts emails(7, 200, start, end, {Kind::Email});
  for (int64_t i = 0; i < emails.count(); ++i) ASSERT_EQ(emails.kind(i), Kind::Email);
  EXPECT_EQ(emails.uuid(5), a.uuid(5));  // ids do not depend on the kinds chosen
}

// ---------------------------------------------------------------------------------------------
// Pushing

// A tiny receiver: `answer` decides each response; requests are handled one at a time.
struct Receiver {
  std::mutex mutex;
  std::function<http::ServerResponse(const http::ServerRequest&)> answer;
  std::unique_ptr<http::HttpServer> server;
  std::string url;

  explicit Receiver(std::function<http::ServerResponse(const http::ServerRequest&)> f, std::string cert = {},
                    std::string key = {})
      : answer(std::move(f)) {
    http::ServerOptions o;
    o.tls_cert_file = std::move(cert);
    o.tls_key_file = std::move(key);
    o.threads = 2;
    auto s = http::HttpServer::start(o, [this](const http::ServerRequest& r) {
      std::lock_guard lock(mutex);
      return answer(r);
    });
    EXPECT_TRUE(s) << s.error().str();
    if (s) {
      server = std::move(*s);
      url = std::string(server->tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(server->port());
    }
  }
  ~Receiver() {
    if (server) server->stop();
  }
};

// Rebuilds the signature from what arrived, as Azure does; "" when it is right.
std::string check_shared_key(const http::ServerRequest& r) {
  if (r.method != "POST" || r.path != "/api/logs") return "wrong target " + r.target;
  if (r.param("api-version") != "2016-04-01") return "api-version missing";
  if (r.header("Content-Type") != "application/json") return "Content-Type is not exactly application/json";
  if (r.header("Log-Type") != "darktrace_model_alerts") return "Log-Type";
  if (r.header("time-generated-field") != "timestamp") return "time-generated-field";
  auto date = r.header("x-ms-date");
  if (!date) return "x-ms-date missing";
  auto when = parse_datetime(*date);
  if (!when || std::abs(when->ticks - system_now().ticks) > 15 * kTicksPerMinute) return "x-ms-date not current";
  auto expected = auth::shared_key_authorization(kWorkspace, doc_key(), r.body.size(), *date);
  if (!expected || r.header("Authorization") != *expected) return "signature";
  return "";
}

TEST(SimDarktracePush, DataCollectorDeliversEveryAlertOnceThroughA429) {
  std::multiset<std::string> received;
  std::vector<std::string> problems;
  int answered = 0;
  Receiver receiver([&](const http::ServerRequest& r) {
    if (auto problem = check_shared_key(r); !problem.empty()) {
      problems.push_back(problem);
      return http::ServerResponse::json(403, R"({"Error":"InvalidAuthorization","Message":"An invalid signature was specified in the Authorization header"})");
    }
    if (answered++ == 0) {
      http::ServerResponse busy = http::ServerResponse::text(429, "");
      busy.headers.emplace_back("Retry-After", "3");
      return busy;
    }
    simdjson::dom::parser p;
    for (auto e : p.parse(r.body).get_array()) received.insert(std::string(e["uuid"].get_string().value()));
    return http::ServerResponse::text(200, "");
  });
  PushOptions o = collector_options(receiver.url);
  o.alerts = 250;
  o.batch = 40;
  o.concurrency = 3;
  std::vector<std::chrono::milliseconds> waits;
  std::mutex waits_mutex;
  o.sleep = [&](std::chrono::milliseconds d) {
    std::lock_guard lock(waits_mutex);
    waits.push_back(d);
  };
  auto summary = push(o);
  ASSERT_TRUE(summary) << summary.error().str();
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(summary->pushed, 250);
  EXPECT_EQ(summary->failed, 0);
  EXPECT_EQ(summary->retries, 1);
  EXPECT_EQ(summary->requests, 8);  // 7 batches and the retried one
  ASSERT_EQ(waits.size(), 1u);
  EXPECT_EQ(waits[0], std::chrono::milliseconds(3000));  // Retry-After honoured
  Alerts alerts(o.seed, o.alerts, o.start_ms, o.end_ms);
  ASSERT_EQ(received.size(), 250u);
  for (int64_t i = 0; i < alerts.count(); ++i) EXPECT_EQ(received.count(alerts.uuid(i)), 1u) << i;
}

TEST(SimDarktracePush, LogsIngestionSendsEachKindToItsStreamOverHttps) {
  intake::testing::TempDir dir;
  auto [cert, key] = intake::testing::make_self_signed_cert(dir.path());
  std::map<std::string, std::string> stream_of_uuid;
  std::vector<std::string> problems;
  int answered = 0;
  Receiver receiver(
      [&](const http::ServerRequest& r) {
        constexpr std::string_view prefix = "/dataCollectionRules/dcr-00000000000000000000000000000001/streams/";
        if (r.method != "POST" || !r.path.starts_with(prefix) || r.param("api-version") != "2023-01-01" ||
            r.header("Authorization") != "Bearer sim-token" || r.header("Content-Type") != "application/json" ||
            r.header("Content-Encoding") != "gzip") {
          problems.push_back(r.target);
          return http::ServerResponse::json(401, R"({"error":{"code":"InvalidToken","message":"no"}})");
        }
        if (answered++ == 0) return http::ServerResponse::text(503, "");
        auto body = poll::inflate(r.body, 1 << 24);
        if (!body) {
          problems.push_back("gzip");
          return http::ServerResponse::text(400, "");
        }
        simdjson::dom::parser p;
        for (auto e : p.parse(*body).get_array()) {
          stream_of_uuid[std::string(e["uuid"].get_string().value())] = r.path.substr(prefix.size());
        }
        return http::ServerResponse::text(204, "");
      },
      cert, key);
  PushOptions o;
  o.api = Api::LogsIngestion;
  o.url = receiver.url;
  o.dcr = "dcr-00000000000000000000000000000001";
  o.token = "sim-token";
  o.gzip = true;
  o.ca_file = cert;
  o.alerts = 300;
  o.batch = 25;
  o.concurrency = 2;
  o.start_ms = ms("2024-05-01T00:00:00Z");
  o.end_ms = ms("2024-05-01T06:00:00Z");
  o.sleep = [](std::chrono::milliseconds) {};
  auto summary = push(o);
  ASSERT_TRUE(summary) << summary.error().str();
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(summary->pushed, 300);
  EXPECT_EQ(summary->failed, 0);
  EXPECT_EQ(summary->retries, 1);
  Alerts alerts(o.seed, o.alerts, o.start_ms, o.end_ms);
  ASSERT_EQ(stream_of_uuid.size(), 300u);
  for (int64_t i = 0; i < alerts.count(); ++i) EXPECT_EQ(stream_of_uuid[alerts.uuid(i)], stream_of(alerts.kind(i))) << i;
}

TEST(SimDarktracePush, LargeBatchesStayBelowTheLogsIngestionLimit) {
  size_t largest = 0;
  int64_t records = 0;
  int requests = 0;
  Receiver receiver([&](const http::ServerRequest& r) {
    ++requests;
    largest = std::max(largest, r.body.size());
    simdjson::dom::parser p;
    records += static_cast<int64_t>(p.parse(r.body).get_array().size());
    return http::ServerResponse::text(204, "");
  });
  PushOptions o;
  o.api = Api::LogsIngestion;
  o.url = receiver.url;
  o.dcr = "dcr-00000000000000000000000000000001";
  o.token = "sim-token";
  o.alerts = 1500;
  o.batch = 1500;
  o.kinds = {Kind::ModelBreach};
  o.start_ms = ms("2024-05-01T00:00:00Z");
  o.end_ms = ms("2024-05-01T06:00:00Z");
  auto summary = push(o);
  ASSERT_TRUE(summary) << summary.error().str();
  EXPECT_EQ(summary->pushed, 1500);
  EXPECT_EQ(records, 1500);
  EXPECT_GT(requests, 1);
  EXPECT_EQ(summary->requests, requests);
  EXPECT_LE(largest, 1'000'000u);
}

TEST(SimDarktracePush, RefusedAndUnreachableAreCountedAsFailed) {
  int requests = 0;
  Receiver refusing([&](const http::ServerRequest&) {
    ++requests;
    return http::ServerResponse::json(403, R"({"Error":"InvalidAuthorization","Message":"An invalid signature"})");
  });
  PushOptions o = collector_options(refusing.url);
  o.alerts = 30;
  o.batch = 10;
  o.sleep = [](std::chrono::milliseconds) {};
  auto refused = push(o);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->pushed, 0);
  EXPECT_EQ(refused->failed, 30);
  EXPECT_EQ(refused->retries, 0);  // a 403 is not retried
  EXPECT_EQ(requests, 3);

  std::string closed_url = refusing.url;
  refusing.server->stop();
  o.url = closed_url;
  o.max_retries = 2;
  auto unreachable = push(o);
  ASSERT_TRUE(unreachable);
  EXPECT_EQ(unreachable->failed, 30);
  EXPECT_EQ(unreachable->requests, 9);
  EXPECT_EQ(unreachable->retries, 6);
}

// ---------------------------------------------------------------------------------------------
// The darktrace package against what the simulator sends

fs::path package_dir() { return source_dir() / "connectors/darktrace"; }

Value read_json_file(const fs::path& p) {
  auto v = json::parse(intake::testing::read_file(p), p.string());
  EXPECT_TRUE(v) << v.error().str();
  return v ? *v : Value();
}

struct PackageFiles {
  dcr::Rule rule;
  std::vector<dcr::Table> tables;
  const dcr::Table* table(std::string_view name) const {
    for (const auto& t : tables) {
      if (t.name == name) return &t;
    }
    return nullptr;
  }
};

PackageFiles load_files() {
  PackageFiles out;
  ccp::Diagnostics diag("dcr.json");
  auto rule = dcr::parse_rule(read_json_file(package_dir() / "dcr.json"), diag);
  for (const auto& d : diag.items()) ADD_FAILURE() << d.error.str();
  if (rule) out.rule = *rule;
  for (Kind k : kAllKinds) {
    std::string name = dcr::table_of_stream(stream_of(k)) + "_CL";
    ccp::Diagnostics td(name);
    auto t = dcr::parse_table(read_json_file(package_dir() / ("table_" + name + ".json")), td);
    for (const auto& d : td.items()) ADD_FAILURE() << d.error.str();
    if (t) out.tables.push_back(*t);
  }
  return out;
}

TEST(SimDarktracePackage, StreamsTransformsAndTablesAgreeWithTheSimulator) {
  PackageFiles files = load_files();
  ASSERT_EQ(files.rule.flows.size(), 4u);
  Alerts alerts(3, 600, ms("2024-05-01T00:00:00Z"), ms("2024-05-01T12:00:00Z"));
  simdjson::dom::parser parser;
  for (Kind k : kAllKinds) {
    SCOPED_TRACE(std::string(stream_of(k)));
    const dcr::StreamDeclaration* stream = files.rule.stream(stream_of(k));
    ASSERT_TRUE(stream);
    auto flows = files.rule.flows_for(stream->name);
    ASSERT_EQ(flows.size(), 1u);
    const dcr::Table* table = files.table(flows[0]->output_table);
    ASSERT_TRUE(table) << flows[0]->output_table;
    auto transform = kql::Transform::compile(flows[0]->transform_kql, stream->schema);
    ASSERT_TRUE(transform) << transform.error().str();
    // The table holds exactly what the transform produces, with the same types.
    const Schema& produced = transform->output_schema();
    ASSERT_EQ(produced.columns.size(), table->schema.columns.size());
    for (const auto& c : table->schema.columns) {
      int at = produced.index_of(c.name);
      ASSERT_GE(at, 0) << c.name;
      EXPECT_EQ(produced.columns[static_cast<size_t>(at)].type, c.type) << c.name;
    }
    engine::RowMapper mapper(stream->schema);
    std::vector<Row> rows;
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < alerts.count(); ++i) {
      if (alerts.kind(i) != k) continue;
      simdjson::dom::element e = parser.parse(alerts.stream_json(i));
      Row row = mapper.map(e);
      // Every member the simulator sends is a declared column, and converts to its type.
      for (auto [key, value] : e.get_object()) {
        int at = stream->schema.index_of(key);
        ASSERT_GE(at, 0) << "undeclared column " << key;
        ASSERT_FALSE(row[static_cast<size_t>(at)].is_null()) << key << " does not convert";
      }
      rows.push_back(std::move(row));
      indices.push_back(i);
    }
    ASSERT_FALSE(rows.empty());
    std::vector<Row> out;
    ASSERT_TRUE(transform->apply(rows, out, system_now()));
    ASSERT_EQ(out.size(), indices.size());
    int tg = produced.index_of("TimeGenerated"), id = produced.index_of("uuid");
    for (size_t r = 0; r < out.size(); ++r) {
      ASSERT_EQ(out[r][static_cast<size_t>(tg)].kind(), intake::Kind::DateTime);
      EXPECT_EQ(out[r][static_cast<size_t>(tg)].as_datetime().ticks, ticks_from_ms(alerts.time_ms(indices[r])));
      EXPECT_EQ(out[r][static_cast<size_t>(id)].as_string(), alerts.uuid(indices[r]));
    }
  }
}

// The Data Collector API's column mapping as the spec describes it (a model of what a receiver
// stores): suffixes by JSON type, GUIDs _g, ISO 8601 strings _t, arrays and objects as JSON text,
// and the names Sentinel content reads without a suffix.
kql::Table legacy_table(const Alerts& alerts, bool bare_names) {
  static const std::set<std::string> kBare{"SourceIP", "Message", "Category", "Severity"};
  kql::Table t;
  t.schema.columns.push_back({"TimeGenerated", ColumnType::DateTime});
  simdjson::dom::parser parser;
  for (int64_t i = 0; i < alerts.count(); ++i) {
    simdjson::dom::element e = parser.parse(alerts.legacy_json(i));
    std::vector<std::pair<std::string, Value>> cells{{"TimeGenerated", Value(DateTime{ticks_from_ms(alerts.time_ms(i))})}};
    for (auto [key, value] : e.get_object()) {
      std::string name(key);
      Value v;
      ColumnType type = ColumnType::String;
      std::string suffix = "_s";
      if (value.is_string()) {
        std::string_view s = value.get_string().value();
        if (looks_like_guid(s)) {
          suffix = "_g", type = ColumnType::Guid, v = Value(*parse_guid(s));
        } else if (s.size() == 20 && s[10] == 'T' && s.back() == 'Z') {
          suffix = "_t", type = ColumnType::DateTime, v = Value(*parse_datetime(s));
        } else {
          v = Value(s);
        }
      } else if (value.is_bool()) {
        suffix = "_b", type = ColumnType::Bool, v = Value(value.get_bool().value());
      } else if (value.is_number()) {
        suffix = "_d", type = ColumnType::Real, v = Value(value.get_double().value());
      } else {
        v = Value(simdjson::minify(value));
      }
      if (!(bare_names && kBare.contains(name))) name += suffix;
      cells.emplace_back(name, std::move(v));
      if (t.schema.index_of(name) < 0) t.schema.columns.push_back({name, type});
    }
    Row row(t.schema.columns.size());
    for (auto& [name, v] : cells) row[static_cast<size_t>(t.schema.index_of(name))] = std::move(v);
    t.rows.push_back(std::move(row));
  }
  for (auto& row : t.rows) row.resize(t.schema.columns.size());
  return t;
}

TEST(SimDarktracePackage, UiQueriesAndTheLegacyFunctionRun) {
  PackageFiles files = load_files();
  std::string function = intake::testing::read_file(package_dir() / "functions/DarktraceAlerts.kql");
  Alerts alerts(5, 400, ms("2024-05-01T00:00:00Z"), ms("2024-05-01T12:00:00Z"));
  for (bool bare : {true, false}) {
    SCOPED_TRACE(bare ? "SourceIP, Message, Category, Severity without suffix" : "every column suffixed");
    kql::MemoryCatalog catalog;
    for (const auto& t : files.tables) catalog.add_table(t.name, kql::Table{t.schema, {}});
    catalog.add_table("darktrace_model_alerts_CL", legacy_table(alerts, bare));
    catalog.add_function("DarktraceAlerts", function);

    Value ui = read_json_file(package_dir() / "ui.json");
    const Value* config = ui.get_ci("properties")->get_ci("connectorUiConfig");
    ASSERT_TRUE(config);
    std::string table = config->get_ci("graphQueriesTableName")->as_string();
    auto fill = [&](std::string q) {
      for (size_t p; (p = q.find("{{graphQueriesTableName}}")) != std::string::npos;) q.replace(p, 25, table);
      return q;
    };
    std::vector<std::string> queries;
    for (const char* list : {"sampleQueries", "graphQueries", "dataTypes"}) {
      for (const auto& q : config->get_ci(list)->as_array()) {
        for (const char* key : {"query", "baseQuery", "lastDataReceivedQuery"}) {
          if (const Value* text = q.get_ci(key)) queries.push_back(fill(text->as_string()));
        }
      }
    }
    EXPECT_GE(queries.size(), 15u);
    for (const auto& q : queries) {
      auto compiled = kql::Query::compile(q, catalog);
      ASSERT_TRUE(compiled) << q << "\n" << compiled.error().str();
      EXPECT_TRUE(compiled->run()) << q;
    }

    auto q = kql::Query::compile("DarktraceAlerts", catalog);
    ASSERT_TRUE(q) << q.error().str();
    auto result = q->run();
    ASSERT_TRUE(result) << result.error().str();
    ASSERT_EQ(result->rows.size(), 400u);
    const Schema& s = result->schema;
    auto cell = [&](size_t r, const char* name) -> const Value& {
      int at = s.index_of(name);
      EXPECT_GE(at, 0) << name;
      return result->rows[r][static_cast<size_t>(at)];
    };
    simdjson::dom::parser parser;
    for (size_t r = 0; r < result->rows.size(); ++r) {
      int64_t i = static_cast<int64_t>(r);
      SCOPED_TRACE(alerts.legacy_json(i));
      simdjson::dom::element e = parser.parse(alerts.legacy_json(i));
      EXPECT_EQ(cell(r, "uuid").as_string(), alerts.uuid(i));
      EXPECT_EQ(cell(r, "darktraceProduct").as_string(), product_of(alerts.kind(i)));
      ASSERT_EQ(cell(r, "alertTime").kind(), intake::Kind::DateTime);
      switch (alerts.kind(i)) {
        case Kind::ModelBreach:
          EXPECT_EQ(cell(r, "alertTime").as_datetime().ticks, ticks_from_ms(alerts.time_ms(i)));
          EXPECT_EQ(cell(r, "modelName").as_string(), std::string_view(e["modelName"].get_string().value()));
          EXPECT_EQ(cell(r, "score").as_real(), e["score"].get_double().value());
          EXPECT_EQ(cell(r, "sourceIp").as_string(), std::string_view(e["SourceIP"].get_string().value()));
          EXPECT_EQ(cell(r, "category").as_string(), std::string_view(e["Category"].get_string().value()));
          EXPECT_EQ(cell(r, "threatId").as_long(), e["threatID"].get_int64().value());
          break;
        case Kind::AiAnalyst:
          EXPECT_EQ(cell(r, "alertTime").as_datetime().ticks, ticks_from_ms(alerts.time_ms(i)));
          EXPECT_EQ(cell(r, "title").as_string(), std::string_view(e["title"].get_string().value()));
          EXPECT_EQ(cell(r, "externalId").as_string(), std::string_view(e["externalId"].get_string().value()));
          break;
        case Kind::SystemStatus:
          EXPECT_EQ(cell(r, "alertTime").as_datetime().ticks, ticks_from_ms(alerts.time_ms(i)));
          EXPECT_EQ(cell(r, "severity").as_long(), e["Severity"].get_int64().value());
          EXPECT_EQ(cell(r, "message").as_string(), std::string_view(e["Message"].get_string().value()));
          break;
        case Kind::Email:
          EXPECT_EQ(cell(r, "alertTime").as_datetime().ticks, ticks_from_ms(alerts.time_ms(i)));
          EXPECT_EQ(cell(r, "from").as_string(), std::string_view(e["from"].get_string().value()));
          EXPECT_EQ(cell(r, "subject").as_string(), std::string_view(e["subject"].get_string().value()));
          break;
      }
    }
  }
}

}  // namespace
}  // namespace intake::sim::darktrace
