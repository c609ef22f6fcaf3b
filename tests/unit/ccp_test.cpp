// ccp/: parsing both definition forms, loose property names and types, placeholders, instantiation.
#include <gtest/gtest.h>

#include "ccp/arm.h"
#include "ccp/load.h"
#include "ccp/parse.h"
#include "ccp/placeholders.h"
#include "json/value_json.h"
#include "testing/support.h"

using namespace intake;
using namespace intake::ccp;

namespace {

std::optional<Definition> parse_text(const std::string& text, Diagnostics& diag) {
  auto v = json::parse(text);
  EXPECT_TRUE(v) << v.error().str();
  auto resources = find_connector_resources(*v);
  EXPECT_EQ(resources.size(), 1u);
  if (resources.empty()) return std::nullopt;
  return parse_definition(*resources[0].resource, resources[0].path, diag);
}

const char* kRest = R"({
  "name": "Example", "kind": "RestApiPoller",
  "properties": {
    "dcrConfig": {"streamName": "Custom-Example"},
    "auth": {"type": "APIKey", "ApiKey": "{{apiKey}}", "ApiKeyName": "X-Api-Key"},
    "request": {"apiEndpoint": "https://{{domain}}/v1/events?format=json", "httpMethod": "Get",
                "QueryWindowInMin": "15", "queryTimeFormat": "UnixTimestampInMills",
                "startTimeAttributeName": "since", "queryParameters": {"limit": 50, "kind": "audit"},
                "headers": {"Accept": "application/json"}, "rateLimitQps": "2.5", "RetryCount": 4},
    "Paging": {"PagingType": "Offset", "OffsetParaName": "skip", "PageSize": "200", "pageSizeParameterName": "take"},
    "response": {"EventsJsonPaths": ["$.data", "$.more[*]"], "isGzipCompressed": "False"},
    "displayName": "ignored"
  }})";

}  // namespace

TEST(CcpParse, RestApiPollerWithLooseNamesAndTypes) {
  Diagnostics diag("x.json");
  auto def = parse_text(kRest, diag);
  ASSERT_TRUE(def) << diag.first_error().str();
  EXPECT_EQ(def->kind, ConnectorKind::RestApiPoller);
  EXPECT_EQ(def->request.method, "GET");
  EXPECT_EQ(def->request.window_minutes, 15);
  EXPECT_EQ(def->request.retry_count, 4);
  EXPECT_DOUBLE_EQ(def->request.rate_limit_qps, 2.5);
  EXPECT_EQ(def->paging.type, PagingType::Offset);
  EXPECT_EQ(def->paging.page_size, 200);
  EXPECT_EQ(def->paging.offset_parameter, "skip");
  EXPECT_EQ(def->paging.page_size_parameter, "take");
  ASSERT_EQ(def->request.query_parameters.size(), 2u);
  EXPECT_EQ(def->request.query_parameters[0], (std::pair<std::string, std::string>{"limit", "50"}));
  EXPECT_EQ(def->response.events_json_paths.size(), 2u);
  EXPECT_FALSE(def->response.gzip);
  auto* key = std::get_if<auth::ApiKeySpec>(&def->auth);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->header, "X-Api-Key");
  EXPECT_EQ(key->identifier, "") << "a named header without identifier carries the raw key";
  // displayName is documentation: a warning at most, never an error.
  EXPECT_FALSE(diag.has_errors());
}

TEST(CcpParse, ApiKeyDefaultsToTokenPrefixOnlyWithoutHeaderName) {
  Diagnostics diag;
  std::string text = kRest;
  text.replace(text.find(R"(, "ApiKeyName": "X-Api-Key")"), std::string(R"(, "ApiKeyName": "X-Api-Key")").size(), "");
  auto def = parse_text(text, diag);
  ASSERT_TRUE(def);
  auto* key = std::get_if<auth::ApiKeySpec>(&def->auth);
  EXPECT_EQ(key->header, "Authorization");
  EXPECT_EQ(key->identifier, "token");
}

TEST(CcpParse, ErrorsNameTheJsonPathAndTheExpectation) {
  Diagnostics diag("def.json");
  std::string text = kRest;
  text.replace(text.find("\"Offset\""), 8, "\"Ofset\"");
  EXPECT_FALSE(parse_text(text, diag));
  ASSERT_TRUE(diag.has_errors());
  EXPECT_EQ(diag.first_error().str(),
            "def.json:/properties/Paging/PagingType: unknown value 'Ofset' (expected one of None, Offset, LinkHeader, "
            "PersistentLinkHeader, NextPageToken, PageToken, PersistentToken, NextPageUrl, CountBasedPaging)");
}

TEST(CcpParse, ReportsEveryProblemAtOnce) {
  Diagnostics diag("def.json");
  auto def = parse_text(R"({"kind": "RestApiPoller", "properties": {
      "auth": {"type": "Basic"}, "request": {"queryWindowInMin": 0}, "response": {}}})",
                        diag);
  EXPECT_FALSE(def);
  auto errors = diag.errors();
  std::string all;
  for (const auto& e : errors) all += e.str() + "\n";
  EXPECT_NE(all.find("/properties/auth/UserName: required property is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("/properties/auth/Password: required property is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("/properties/request/apiEndpoint: required property is missing"), std::string::npos) << all;
  EXPECT_NE(all.find("/properties/request/queryWindowInMin: value 0 is out of range"), std::string::npos) << all;
  EXPECT_NE(all.find("/properties/response/eventsJsonPaths: required property is missing"), std::string::npos) << all;
}

TEST(CcpParse, UnknownPropertiesAreWarnings) {
  Diagnostics diag("def.json");
  std::string text = kRest;
  text.replace(text.find("\"displayName\""), 13, "\"somethingNew\"");
  auto def = parse_text(text, diag);
  ASSERT_TRUE(def);
  bool warned = false;
  for (const auto& d : diag.items()) {
    warned = warned || (d.severity == Diagnostic::Severity::Warning &&
                        d.error.str() == "def.json:/properties/somethingNew: unknown property (ignored)");
  }
  EXPECT_TRUE(warned);
}

TEST(CcpParse, LegacyApiPollingTakesCredentialsAndPlaceholdersFromTheConnectForm) {
  Diagnostics diag;
  auto def = parse_text(R"({"kind": "APIPolling", "properties": {
    "connectorUiConfig": {"id": "Legacy", "graphQueriesTableName": "Legacy_CL",
      "dataTypes": [{"name": "{{graphQueriesTableName}}"}],
      "instructionSteps": [{"instructions": [{"type": "BasicAuth", "parameters": {"enable": "true",
         "userRequestPlaceHoldersInput": [{"displayText": "Domain", "requestObjectKey": "apiEndpoint",
                                            "placeHolderName": "{{domain}}"}]}}]}]},
    "pollingConfig": {"auth": {"authType": "Basic"},
      "request": {"apiEndpoint": "https://{{domain}}/api", "httpMethod": "Get", "queryTimeFormat": "yyyy-MM-ddTHH:mm:ssZ",
                  "queryWindowInMin": 5},
      "paging": {"pagingType": "None"}, "response": {"eventsJsonPaths": ["$..records"]}}}})",
                        diag);
  ASSERT_TRUE(def) << diag.first_error().str();
  EXPECT_EQ(def->kind, ConnectorKind::APIPolling);
  EXPECT_EQ(def->name, "Legacy");
  EXPECT_EQ(def->table_hint, "Legacy_CL");
  std::vector<std::string> names;
  for (const auto& p : def->parameters) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"username", "password", "domain"}));

  auto missing = instantiate(*def, {{"domain", "example.net"}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("parameters password, username not set (pass --param password=... --param username=...)"),
            std::string::npos)
      << missing.error().str();
  auto inst = instantiate(*def, {{"DOMAIN", "example.net"}, {"username", "u"}, {"password", "p"}});
  ASSERT_TRUE(inst) << inst.error().str();
  EXPECT_EQ(inst->request.api_endpoint, "https://example.net/api");
  auto* basic = std::get_if<auth::BasicSpec>(&inst->auth);
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->user, "u");
}

TEST(CcpPlaceholders, ArmParametersAndDoubleBraces) {
  Params p{{"apikey", "K"}, {"domain", "d.example"}};
  EXPECT_EQ(substitute("[[parameters('apiKey')]", p), "K");
  EXPECT_EQ(substitute("[parameters('domain')]", p), "d.example");
  EXPECT_EQ(substitute("https://{{domain}}/x/{{domain}}", p), "https://d.example/x/d.example");
  std::set<std::string> missing;
  EXPECT_EQ(substitute("{{nope}} {{location}}", p, &missing), "{{nope}} {{location}}");
  EXPECT_EQ(missing, (std::set<std::string>{"nope"})) << "system placeholders are not user parameters";
  EXPECT_EQ(substitute("{_QueryWindowStartTime}", p), "{_QueryWindowStartTime}");
}

TEST(CcpInstantiate, RejectsEndpointsThatAreNotUrls) {
  Diagnostics diag("j.json");
  auto def = parse_text(R"({"kind": "RestApiPoller", "properties": {
      "auth": {"type": "Basic", "UserName": "u", "Password": "p"},
      "request": {"apiEndpoint": "https://{{site}}/rest/api/3/auditing/record'"},
      "response": {"eventsJsonPaths": ["$.records"]}}})",
                        diag);
  ASSERT_TRUE(def);
  auto inst = instantiate(*def, {{"site", "jira.example"}});
  ASSERT_FALSE(inst);
  EXPECT_EQ(inst.error().str(),
            "j.json:/properties/request/apiEndpoint: apiEndpoint 'https://jira.example/rest/api/3/auditing/record'' contains a "
            "stray quote (') at position 48, which is not allowed in a URL; the definition likely has a typo there");
}

TEST(CcpLoad, FindsResourcesInArraysAndArmTemplates) {
  auto v = json::parse(R"({"resources": [{"type": "Microsoft.SecurityInsights/dataConnectors", "kind": "RestApiPoller", "properties": {}},
                                         {"type": "y", "properties": {"mainTemplate": {"resources": [
                                           {"kind": "APIPolling", "properties": {}}]}}}]})");
  ASSERT_TRUE(v);
  auto r = find_connector_resources(*v);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].path, "/resources/0");
  EXPECT_EQ(r[1].path, "/resources/1/properties/mainTemplate/resources/0");
}

TEST(CcpArm, EvaluatesTheExpressionsCorpusFilesUse) {
  Params p{{"managementUrl", "https://s1.example"}, {"queryWindow", "15"}, {"XIngestion", "[\"Yes\"]"}, {"name", "O'Brien"}};
  EXPECT_EQ(substitute("[[concat(parameters('managementUrl'), '/web/api/','v2.1', '/', 'threats')]", p),
            "https://s1.example/web/api/v2.1/threats");
  auto tree = substitute_tree(Value("[[int(parameters('queryWindow'))]"), p);
  EXPECT_EQ(tree, Value(int64_t{15})) << "an expression keeps the type it evaluates to";
  EXPECT_EQ(substitute("[[if(equals(parameters('XIngestion')[0], 'Yes'), 'on', 'off')]", p), "on");
  EXPECT_EQ(substitute("[[concat('filter=', parameters('name'), ' and x==''y''')]", p), "filter=O'Brien and x=='y'");
  EXPECT_EQ(substitute("[[base64(concat('a', ':', 'b'))]", p), "YTpi");
  std::set<std::string> missing;
  EXPECT_EQ(substitute("[[parameters('apitoken')]", p, &missing), "[[parameters('apitoken')]");
  EXPECT_EQ(missing, (std::set<std::string>{"apitoken"}));
  auto bad = eval_arm("[[concat('a', ]", p);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().str().find("arm:"), std::string::npos);
  EXPECT_FALSE(eval_arm("[[frobnicate('x')]", p));
}

namespace {

std::string nested_definition(const std::string& connection_extra, const std::string& steps, const std::string& configs) {
  return R"({"name": "Nested", "kind": "RestApiPoller", "properties": {)" + connection_extra + R"(
    "dcrConfig": {"streamName": "Custom-Nested"},
    "auth": {"type": "Basic", "UserName": "u", "Password": "p"},
    "request": {"apiEndpoint": "https://api.example.com/list", "httpMethod": "GET", "queryWindowInMin": 60},
    "response": {"eventsJsonPaths": ["$.items"]},
    "stepInfo": {"stepType": "Nested", "nextSteps": [)" + steps + R"(]},
    "stepCollectorConfigs": {)" + configs + R"(}}})";
}

const char* kFetchStep = R"j({"stepId": "fetch", "stepPlaceholdersParsingKql": "source | project uri = tostring(parse_json(data).uri)"})j";
const char* kFetchConfig = R"("fetch": {"shouldJoinNestedData": true, "joinedDataStepName": "Details",
    "request": {"apiEndpoint": "$uri$", "httpMethod": "GET"}, "response": {"eventsJsonPaths": ["$"]}})";

}  // namespace

TEST(CcpParse, NestedStepsTakeTheParentsAuthAndTheConnectionsParallelism) {
  Diagnostics diag("nested.json");
  auto def = parse_text(nested_definition(R"("maxParallelism": 4,)", kFetchStep, kFetchConfig), diag);
  ASSERT_TRUE(def) << diag.first_error().str();
  EXPECT_FALSE(diag.has_errors()) << diag.first_error().str();
  ASSERT_EQ(def->steps.size(), 1u);
  const Step& st = def->steps[0];
  EXPECT_EQ(st.id, "fetch");
  EXPECT_TRUE(st.join);
  EXPECT_EQ(st.join_name, "Details");
  ASSERT_TRUE(st.config);
  EXPECT_EQ(st.config->request.api_endpoint, "$uri$");
  EXPECT_EQ(st.config->max_parallelism, 4) << "a step without its own maxParallelism takes the connection's";
  EXPECT_TRUE(std::holds_alternative<auth::BasicSpec>(st.config->auth)) << "a step without auth uses its parent's";
}

TEST(CcpParse, NestedStepsThatDisagreeOnJoiningOrLackAConfigAreErrors) {
  std::string second = R"({"stepId": "other", "stepPlaceholdersParsingKql": "source"})";
  std::string other = R"("other": {"shouldJoinNestedData": false, "request": {"apiEndpoint": "https://api.example.com/x"}, "response": {"eventsJsonPaths": ["$"]}})";
  Diagnostics mixed("nested.json");
  parse_text(nested_definition("", std::string(kFetchStep) + "," + second, std::string(kFetchConfig) + "," + other), mixed);
  ASSERT_TRUE(mixed.has_errors());
  EXPECT_NE(mixed.first_error().str().find("/properties/stepInfo/nextSteps: steps 'fetch' and 'other' disagree on shouldJoinNestedData"),
            std::string::npos)
      << mixed.first_error().str();
  Diagnostics missing("nested.json");
  parse_text(nested_definition("", kFetchStep, ""), missing);
  ASSERT_TRUE(missing.has_errors());
  EXPECT_NE(missing.first_error().str().find("no stepCollectorConfigs entry for step 'fetch'"), std::string::npos)
      << missing.first_error().str();
}
