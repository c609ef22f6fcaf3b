// engine/: packages, row mapping, the workspace sink's exactly-once rules, instance files,
// ${ENV} expansion and secret redaction.
#include <gtest/gtest.h>

#include "engine/connector_runtime.h"
#include "engine/expand_env.h"
#include "engine/instance_config.h"
#include "engine/package.h"
#include "engine/redact.h"
#include "engine/row_mapper.h"
#include "engine/workspace_sink.h"
#include "testing/support.h"

namespace fs = std::filesystem;

using namespace intake;
using namespace intake::engine;
using intake::testing::TempDir;

namespace {

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& text) { return p.parse(text).value(); }

poll::Page page_of(const std::vector<simdjson::dom::element>& events, DateTime start, DateTime end, bool complete) {
  poll::Page page;
  page.window = {start, end};
  page.events = std::span<const simdjson::dom::element>(events.data(), events.size());
  page.window_complete = complete;
  page.checkpoint.next_start = complete ? end : start;
  if (!complete) page.checkpoint.open_window = page.window;
  return page;
}

DateTime at(const char* iso) { return parse_datetime(iso).value(); }

}  // namespace

TEST(RowMapper, DeclaredColumnsTypedAndUndeclaredDropped) {
  Schema s{{{"id", ColumnType::Long}, {"when", ColumnType::DateTime}, {"ok", ColumnType::Bool},
            {"item", ColumnType::Dynamic}, {"n", ColumnType::Int}, {"text", ColumnType::String}}};
  RowMapper m(s, {{"source", "intake"}});
  simdjson::dom::parser p;
  auto row = m.map(parse(p, R"({"id": "42", "when": "2024-01-01T12:00:00.000+0000", "ok": true,
                               "item": {"a": [1, 2]}, "n": "not a number", "text": {"x": 1}, "extra": 1})"));
  ASSERT_EQ(row.size(), 6u);
  EXPECT_EQ(row[0], Value(int64_t{42}));
  EXPECT_EQ(row[1], Value(at("2024-01-01T12:00:00Z")));
  EXPECT_EQ(row[2], Value(true));
  ASSERT_TRUE(row[3].is_object());
  EXPECT_EQ(row[3].get("a")->as_array().size(), 2u);
  EXPECT_TRUE(row[4].is_null()) << "a value that does not convert is null";
  EXPECT_EQ(row[5], Value(R"({"x":1})"));
}

TEST(RowMapper, InferringGrowsTheSchemaAndWrapsScalarEvents) {
  RowMapper m = RowMapper::inferring();
  simdjson::dom::parser p;
  m.map(parse(p, R"({"a": 1, "b": null})"));
  EXPECT_EQ(m.schema().columns.size(), 1u);
  auto row = m.map(parse(p, R"({"a": 2, "b": "x", "c": [1]})"));
  ASSERT_EQ(m.schema().columns.size(), 3u);
  EXPECT_EQ(m.schema().columns[1].type, ColumnType::String);
  EXPECT_EQ(m.schema().columns[2].type, ColumnType::Dynamic);
  EXPECT_EQ(row[1], Value("x"));
  RowMapper scalar = RowMapper::inferring();
  auto r2 = scalar.map(parse(p, R"("just text")"));
  EXPECT_EQ(scalar.schema().columns[0].name, "value");
  EXPECT_EQ(r2[0], Value("just text"));
}

TEST(WorkspaceSink, DropsEventsSeenInAnEarlierWindowButKeepsRepeatsWithinOne) {
  TempDir dir;
  auto ws = sinks::Workspace::open((dir / "ws.db").string()).value();
  Schema s{{{"id", ColumnType::Long}, {"msg", ColumnType::String}}};
  WorkspaceSink sink(*ws, "inst", RowMapper(s), {{"T_CL", std::nullopt, std::nullopt}}, std::nullopt, [] { return at("2030-01-01T00:00:00Z"); });
  simdjson::dom::parser p1, p2;
  auto w1 = parse(p1, R"([{"id": 1, "msg": "a"}, {"id": 2, "msg": "edge"}, {"id": 2, "msg": "edge"}])");
  std::vector<simdjson::dom::element> e1;
  for (auto e : w1.get_array()) e1.push_back(e);
  ASSERT_TRUE(sink.write(page_of(e1, at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"), true)));
  // The next window returns the boundary event again (inclusive from/to) and a new one.
  auto w2 = parse(p2, R"([{"id": 2, "msg": "edge"}, {"id": 3, "msg": "b"}])");
  std::vector<simdjson::dom::element> e2;
  for (auto e : w2.get_array()) e2.push_back(e);
  ASSERT_TRUE(sink.write(page_of(e2, at("2024-01-01T01:00:00Z"), at("2024-01-01T02:00:00Z"), true)));
  EXPECT_EQ(sink.stats().duplicates_dropped, 1);
  EXPECT_EQ(sink.stats().rows_written, 4) << "the repeat within window 1 is kept";
  auto tables = ws->tables().value();
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].rows, 4);
  EXPECT_EQ(tables[0].schema.columns.front().name, "TimeGenerated");
  auto rows = ws->read_rows("T_CL", 10).value();
  EXPECT_EQ(rows[0][0], Value(at("2030-01-01T00:00:00Z"))) << "TimeGenerated defaults to the ingestion time";
  auto state = ws->state("inst").value();
  ASSERT_TRUE(state);
  EXPECT_NE(state->find("2024-01-01T02:00:00Z"), std::string::npos) << *state;
}

TEST(WorkspaceSink, ADedupKeyIdentifiesEventsAcrossWindows) {
  TempDir dir;
  auto ws = sinks::Workspace::open((dir / "ws.db").string()).value();
  Schema s{{{"id", ColumnType::Long}, {"v", ColumnType::Long}}};
  WorkspaceSink sink(*ws, "inst", RowMapper(s), {{"T_CL", std::nullopt, std::nullopt}}, json::JsonPath::compile("$.id").value());
  simdjson::dom::parser p;
  auto arr = parse(p, R"([{"id": 7, "v": 1}, {"id": 7, "v": 2}, {"id": 8, "v": 3}])");
  std::vector<simdjson::dom::element> e;
  for (auto x : arr.get_array()) e.push_back(x);
  ASSERT_TRUE(sink.write(page_of(e, at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"), false)));
  ASSERT_TRUE(sink.write(page_of(e, at("2024-01-01T01:00:00Z"), at("2024-01-01T02:00:00Z"), true)));
  EXPECT_EQ(sink.stats().rows_written, 2) << "a declared key is unique: id 7 is stored once, also within a window";
  EXPECT_EQ(sink.stats().duplicates_dropped, 4);
}

TEST(WorkspaceSink, APageWhoseEventsWidenAnInferredSchemaKeepsEveryColumnInPlace) {
  // No stream declaration (legacy pollers): the schema grows with the page, as Proofpoint TAP's
  // messages and clicks arrive in one response.
  TempDir dir;
  auto ws = sinks::Workspace::open((dir / "ws.db").string()).value();
  WorkspaceSink sink(*ws, "inst", RowMapper::inferring(), {{"T_CL", std::nullopt, std::nullopt}}, std::nullopt,
                     [] { return at("2030-01-01T00:00:00Z"); });
  simdjson::dom::parser p;
  auto arr = parse(p, R"([{"GUID": "msg-1", "subject": "Invoice"}, {"GUID": "click-1", "url": "https://x.example", "clicks": 2}])");
  std::vector<simdjson::dom::element> e;
  for (auto x : arr.get_array()) e.push_back(x);
  ASSERT_TRUE(sink.write(page_of(e, at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"), true)));
  auto tables = ws->tables().value();
  ASSERT_EQ(tables.size(), 1u);
  std::vector<std::string> names;
  for (const auto& c : tables[0].schema.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"TimeGenerated", "GUID", "subject", "url", "clicks"}));
  auto rows = ws->read_rows("T_CL", 10).value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1], Value(std::string("msg-1")));
  EXPECT_EQ(rows[0][2], Value(std::string("Invoice")));
  EXPECT_TRUE(rows[0][3].is_null());
  EXPECT_TRUE(rows[0][4].is_null());
  EXPECT_EQ(rows[1][1], Value(std::string("click-1")));
  EXPECT_TRUE(rows[1][2].is_null());
  EXPECT_EQ(rows[1][3], Value(std::string("https://x.example")));
  EXPECT_EQ(rows[1][4], Value(int64_t{2}));
}

TEST(Package, LoadsTheShippedJiraPackage) {
  auto pkg = load_package((intake::testing::source_dir() / "connectors/atlassian-jira-audit").string());
  for (const auto& d : pkg.all_diagnostics()) ADD_FAILURE() << d.error.str();
  ASSERT_EQ(pkg.definitions.definitions.size(), 1u);
  ASSERT_TRUE(pkg.rule);
  EXPECT_EQ(pkg.rule->flows.at(0).output_table, "AtlassianJiraAudit_CL");
  ASSERT_TRUE(pkg.table("AtlassianJiraAudit_CL"));
  EXPECT_TRUE(pkg.ui.is_object());
  EXPECT_EQ(pkg.name, "atlassian-jira-audit");
}

TEST(Package, AnEnsureBlockNamingNoActionIsALoadError) {
  TempDir dir;
  fs::path src = intake::testing::source_dir() / "connectors/office365-management-activity";
  fs::copy(src, dir.path() / "pkg", fs::copy_options::recursive);
  auto ok = load_package((dir.path() / "pkg").string());
  for (const auto& d : ok.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) ADD_FAILURE() << d.error.str();
  }
  std::string text = intake::testing::read_file(dir.path() / "pkg/definition.json");
  size_t at = text.find("\"action\": \"start-subscription\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("\"action\": \"start-subscription\"").size(), "\"action\": \"start-subscripton\"");
  intake::testing::write_file(dir.path() / "pkg/definition.json", text);
  auto bad = load_package((dir.path() / "pkg").string());
  std::string errors;
  for (const auto& d : bad.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) errors += d.error.str() + "\n";
  }
  EXPECT_NE(errors.find("/properties/intake/ensure/0: no action 'start-subscripton' in the package's actions.json"), std::string::npos) << errors;
}

TEST(Package, FindsTheDcrBesideACorpusDefinition) {
  INTAKE_REQUIRE_CORPUS(corpus);
  auto pkg = load_package((corpus / "AtlassianJiraAudit/JiraAudit_PollingConfig.json").string());
  ASSERT_TRUE(pkg.rule);
  EXPECT_TRUE(pkg.rule->stream("Custom-Jira_Audit_v2_CL"));
}

TEST(ExpandEnv, SubstitutesAndReportsMissingVariables) {
  auto lookup = [](const std::string& n) -> std::optional<std::string> {
    if (n == "TOKEN") return "s3cret";
    return std::nullopt;
  };
  EXPECT_EQ(expand_env("Bearer ${TOKEN}", lookup).value(), "Bearer s3cret");
  EXPECT_EQ(expand_env("cost $${5}", lookup).value(), "cost ${5}");
  auto missing = expand_env("${NOPE}", lookup);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "environment variable NOPE is not set");
  EXPECT_FALSE(expand_env("${OPEN", lookup));
}

TEST(Redactor, RemovesSecretsAndTheirBase64) {
  Redactor r;
  r.add("hunter22");
  r.add("ab");  // too short to be a secret: ignored rather than blanking words
  EXPECT_EQ(r("password hunter22 in aHVudGVyMjI= about"), "password *** in *** about");
}

TEST(Redactor, StoresAValueOnceAndHidesOverlappingSecretsWhole) {
  Redactor r;
  for (int i = 0; i < 1000; ++i) r.add("bench-token-123");
  EXPECT_EQ(r.size(), 2u);  // the value and its base64
  r.add("abcdef");
  r.add("cdefghij");  // starts inside the first: neither may show in part
  EXPECT_EQ(r("x abcdefghij y"), "x *** y");
  EXPECT_EQ(r("bench-token-123bench-token-123 abcdeX abcdef"), "****** abcdeX ***");
  for (int i = 0; i < 5000; ++i) r.add("secret-" + std::to_string(i));
  EXPECT_EQ(r("a secret-4999 b secret-17 c secre"), "a *** b *** c secre");
}

namespace {

RuntimeSpec jira_spec(const std::string& name, const std::string& domain) {
  RuntimeSpec spec;
  spec.name = name;
  spec.package_path = (intake::testing::source_dir() / "connectors/atlassian-jira-audit").string();
  spec.params = {{"domain", domain}, {"username", "soc@example.com"}, {"password", "pw-" + domain}};
  return spec;
}

}  // namespace

TEST(ConnectorRuntime, InstancesWithEqualParametersShareThePackageAndConnections) {
  auto a = ConnectorRuntime::open(jira_spec("jira-a", "one.example.net"));
  auto b = ConnectorRuntime::open(jira_spec("jira-b", "one.example.net"));
  auto c = ConnectorRuntime::open(jira_spec("jira-c", "two.example.net"));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(&(*a)->package(), &(*b)->package());
  ASSERT_EQ((*a)->definitions().size(), 1u);
  EXPECT_EQ((*a)->definitions().front(), (*b)->definitions().front());
  // Other parameters: another package copy, with its own substitution.
  EXPECT_NE(&(*a)->package(), &(*c)->package());
  EXPECT_NE((*a)->definitions().front(), (*c)->definitions().front());
  EXPECT_NE((*a)->definitions().front()->request.api_endpoint, (*c)->definitions().front()->request.api_endpoint);
  EXPECT_NE((*c)->definitions().front()->request.api_endpoint.find("two.example.net"), std::string::npos);
  // Each instance keeps its own secrets, though the connection is shared.
  EXPECT_EQ((*a)->redactor()("pw-one.example.net"), "***");
  EXPECT_EQ((*c)->redactor()("pw-one.example.net"), "pw-one.example.net");
}

TEST(ConnectorRuntime, ASharedPackageIsFreedWithItsLastInstance) {
  std::weak_ptr<const Package> weak;
  {
    auto a = ConnectorRuntime::open(jira_spec("jira-a", "three.example.net"));
    ASSERT_TRUE(a);
    weak = (*a)->shared_package();
    auto again = shared_package(jira_spec("x", "three.example.net").package_path, jira_spec("x", "three.example.net").params);
    EXPECT_EQ(again.get(), &(*a)->package());
  }
  EXPECT_TRUE(weak.expired());
}

TEST(InstanceConfig, ReadsParametersAndReportsEveryProblem) {
  TempDir dir;
  intake::testing::write_file(dir / "ok.yaml", "name: jira\npackage: connectors/atlassian-jira-audit\nworkspace: ws.db\n"
                                       "parameters:\n  domain: example.net\n  password: ${HOME}\nstart: 2024-01-01T00:00:00Z\n");
  auto ok = load_instance_config((dir / "ok.yaml").string());
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->name, "jira");
  EXPECT_EQ(ok->parameters.at("domain"), "example.net");
  EXPECT_EQ(ok->parameters.at("password"), std::getenv("HOME"));
  intake::testing::write_file(dir / "bad.yaml", "name: [1]\npackge: x\nstart: yesterday\nparameters:\n  a: ${INTAKE_SURELY_UNSET_VAR}\n");
  auto bad = load_instance_config((dir / "bad.yaml").string());
  ASSERT_FALSE(bad);
  std::string all;
  for (const auto& e : bad.error()) all += e.str() + "\n";
  EXPECT_EQ(bad.error().size(), 4u) << all;
  EXPECT_NE(all.find("bad.yaml:/packge: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("bad.yaml:/start: expected an ISO 8601"), std::string::npos) << all;
  EXPECT_NE(all.find("bad.yaml:/parameters/a: environment variable INTAKE_SURELY_UNSET_VAR is not set"), std::string::npos) << all;
}

// One stream, two dataFlows: alerts to their own table, and alerts with an indicator turned into
// ThreatIntelligenceIndicator rows by the second flow's transform.
TEST(WorkspaceSink, RoutesOneStreamThroughTwoFlowsIntoThreatIntelligence) {
  auto pkg = load_package((intake::testing::source_dir() / "tests/data/packages/alerts-to-ti").string());
  for (const auto& d : pkg.all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) ADD_FAILURE() << d.error.str();
  }
  ASSERT_TRUE(pkg.rule);
  const auto* stream = pkg.rule->stream("Custom-PulseAlerts");
  ASSERT_TRUE(stream);
  std::vector<OutputTable> outputs;
  for (const auto* flow : pkg.rule->flows_for(stream->name)) {
    auto t = kql::Transform::compile(flow->transform_kql, stream->schema);
    ASSERT_TRUE(t) << t.error().str();
    const auto* table = pkg.table(flow->output_table);
    ASSERT_TRUE(table) << flow->output_table;
    outputs.push_back({flow->output_table, table->schema, std::move(*t)});
  }
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[1].name, "ThreatIntelligenceIndicator");

  TempDir dir;
  auto ws = sinks::Workspace::open((dir / "ws.db").string()).value();
  WorkspaceSink sink(*ws, "pulse", RowMapper(stream->schema), std::move(outputs), std::nullopt);
  simdjson::dom::parser p;
  auto arr = parse(p, R"([
    {"alertId": "a1", "eventTime": "2024-05-01T10:00:00Z", "headline": "C2 server seen", "severity": "urgent",
     "indicator": {"type": "ip", "value": "203.0.113.7"}},
    {"alertId": "a2", "eventTime": "2024-05-01T11:00:00Z", "headline": "Phishing domain", "severity": "alert",
     "indicator": {"type": "domain", "value": "login-example.test"}},
    {"alertId": "a3", "eventTime": "2024-05-01T12:00:00Z", "headline": "Protest nearby", "severity": "flash"}])");
  std::vector<simdjson::dom::element> events;
  for (auto e : arr.get_array()) events.push_back(e);
  ASSERT_TRUE(sink.write(page_of(events, at("2024-05-01T00:00:00Z"), at("2024-05-02T00:00:00Z"), true)));

  auto alerts = ws->read_rows("PulseAlerts_CL", 10).value();
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0][0], Value(at("2024-05-01T10:00:00Z")));
  EXPECT_EQ(alerts[0][3], Value("High"));
  EXPECT_EQ(alerts[2][3], Value("Low"));

  auto ti = ws->read_rows("ThreatIntelligenceIndicator", 10).value();
  ASSERT_EQ(ti.size(), 2u) << "the alert without an indicator makes no indicator row";
  // TimeGenerated, IndicatorId, ThreatType, Description, ConfidenceScore, SourceSystem, ValidFrom,
  // ExpirationDateTime, NetworkIP, DomainName, Url
  EXPECT_EQ(ti[0][1], Value("pulse-a1"));
  EXPECT_EQ(ti[0][3], Value("C2 server seen"));
  EXPECT_EQ(ti[0][4], Value(int32_t{90}));
  EXPECT_EQ(ti[0][7], Value(at("2024-05-31T10:00:00Z")));
  EXPECT_EQ(ti[0][8], Value("203.0.113.7"));
  EXPECT_EQ(ti[0][9], Value(""));
  EXPECT_EQ(ti[1][4], Value(int32_t{50}));
  EXPECT_EQ(ti[1][9], Value("login-example.test"));
}
