#include "ccp/parse.h"

#include "ccp/parse_internal.h"

#include "ccp/placeholders.h"
#include "ccp/reader.h"
#include "core/time.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::ccp {

std::string_view paging_type_name(PagingType t) {
  switch (t) {
    case PagingType::None: return "None";
    case PagingType::Offset: return "Offset";
    case PagingType::LinkHeader: return "LinkHeader";
    case PagingType::PersistentLinkHeader: return "PersistentLinkHeader";
    case PagingType::NextPageToken: return "NextPageToken";
    case PagingType::PersistentToken: return "PersistentToken";
    case PagingType::NextPageUrl: return "NextPageUrl";
    case PagingType::CountBasedPaging: return "CountBasedPaging";
  }
  return "?";
}

bool is_polling_kind(std::string_view kind) { return iequals(kind, "RestApiPoller") || iequals(kind, "APIPolling"); }

namespace {

void collect_resources(const Value& node, const std::string& path, std::vector<LocatedResource>& out, int depth) {
  if (depth > 6) return;
  if (node.is_array()) {
    const auto& a = node.as_array();
    for (size_t i = 0; i < a.size(); ++i) collect_resources(a[i], path + "/" + std::to_string(i), out, depth + 1);
    return;
  }
  if (!node.is_object()) return;
  if (const Value* kind = node.get_ci("kind"); kind && kind->is_string() && node.get_ci("properties")) {
    // DCRs ("kind": "Direct") and other Azure resources also carry a kind: only data connectors
    // and connector definitions count.
    const Value* type = node.get_ci("type");
    std::string t = type && type->is_string() ? type->as_string() : "";
    for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (t.empty() || t.find("dataconnector") != std::string::npos) out.push_back({&node, path});
    return;
  }
  if (const Value* res = node.get_ci("resources")) collect_resources(*res, path + "/resources", out, depth + 1);
  // Template specs nest the deployable template under properties.mainTemplate.
  if (const Value* props = node.get_ci("properties")) {
    if (const Value* main = props->get_ci("mainTemplate")) collect_resources(*main, path + "/properties/mainTemplate", out, depth + 1);
  }
}

std::string text_of(const Value& v) {
  if (v.is_string()) return v.as_string();
  return json::to_json(v);
}

std::vector<std::pair<std::string, std::string>> string_map(Reader& r, std::string_view key, Diagnostics& diag) {
  std::vector<std::pair<std::string, std::string>> out;
  const Value* v = r.raw(key);
  if (!v || v->is_null()) return out;
  if (!v->is_object()) {
    diag.error(r.path_of(key), "expected an object of name/value pairs");
    return out;
  }
  for (const auto& [k, val] : v->as_object()) {
    if (val.is_null()) continue;
    out.emplace_back(k, text_of(val));
  }
  return out;
}

void parse_request(Reader r, Definition& def, Diagnostics& diag, bool legacy) {
  if (!r.present()) {
    diag.error(r.path(), "required property is missing");
    return;
  }
  RequestSpec& q = def.request;
  q.api_endpoint = r.str("apiEndpoint", true).value_or("");
  for (char c : {'\'', '"', ' '}) {
    if (q.api_endpoint.find(c) != std::string::npos && !q.api_endpoint.starts_with("[")) {
      diag.warning(r.path_of("apiEndpoint"), std::string("the URL contains ") + (c == ' ' ? "a space" : c == '"' ? "a double quote" : "a stray quote (')") +
                                                 ", which is not allowed in a URL: requests will fail until the definition is corrected");
      break;
    }
  }
  if (auto m = r.one_of("httpMethod", {"GET", "POST"})) q.method = *m;
  // Legacy definitions had a minimum window of 5 minutes; newer ones allow 1.
  if (auto w = r.integer("queryWindowInMin", 1, 7 * 24 * 60)) q.window_minutes = static_cast<int>(*w);
  if (auto d = r.integer("queryWindowDelayInMin", 0, 7 * 24 * 60)) q.window_delay_minutes = static_cast<int>(*d);
  if (auto f = r.str("queryTimeFormat")) {
    q.time_format = *f;
    if (auto compiled = TimeFormat::compile(*f); !compiled) diag.error(r.path_of("queryTimeFormat"), compiled.error().message);
  }
  q.start_attribute = r.str("startTimeAttributeName").value_or("");
  q.end_attribute = r.str("endTimeAttributeName").value_or("");
  q.interval_attribute = r.str("queryTimeIntervalAttributeName").value_or("");
  q.interval_prepend = r.str("queryTimeIntervalPrepend").value_or("");
  q.interval_delimiter = r.str("queryTimeIntervalDelimiter").value_or("");
  q.query_parameters = string_map(r, "queryParameters", diag);
  q.query_parameters_template = r.str("queryParametersTemplate");
  q.post_payload_json = r.boolean("isPostPayloadJson").value_or(false);
  for (auto& [k, v] : string_map(r, "headers", diag)) q.headers.emplace_back(k, v);
  if (auto qps = r.number("rateLimitQPS", 0, 10'000)) q.rate_limit_qps = *qps;
  if (auto retries = r.integer("retryCount", 0, 10)) q.retry_count = static_cast<int>(*retries);
  if (auto t = r.integer("timeoutInSeconds", 1, 180)) q.timeout_seconds = static_cast<int>(*t);
  r.ignore({"logResponseContent"});
  for (auto later : {"rateLimitConfig", "paginatedCallsPerSecond"}) {
    if (r.raw(later)) diag.warning(r.path_of(later), "not supported yet; ignored");
  }
  (void)legacy;
  r.finish();
}

void parse_paging(Reader p, Definition& def, Diagnostics& diag) {
  if (!p.present()) return;  // no paging: one request per window
  auto type = p.one_of("pagingType",
                       {"None", "Offset", "LinkHeader", "PersistentLinkHeader", "NextPageToken", "PageToken",
                        "PersistentToken", "NextPageUrl", "CountBasedPaging"},
                       true);
  if (!type) return;
  PagingSpec& s = def.paging;
  static const std::pair<std::string_view, PagingType> kTypes[] = {
      {"None", PagingType::None}, {"Offset", PagingType::Offset}, {"LinkHeader", PagingType::LinkHeader},
      {"PersistentLinkHeader", PagingType::PersistentLinkHeader}, {"NextPageToken", PagingType::NextPageToken},
      {"PageToken", PagingType::NextPageToken}, {"PersistentToken", PagingType::PersistentToken},
      {"NextPageUrl", PagingType::NextPageUrl}, {"CountBasedPaging", PagingType::CountBasedPaging}};
  for (const auto& [name, t] : kTypes) {
    if (*type == name) s.type = t;
  }
  if (auto n = p.integer("pageSize", 1, 1'000'000)) s.page_size = *n;
  s.page_size_parameter = p.str("pageSizeParameterName").value_or(p.str("pageSizeParaName").value_or(""));
  if (auto m = p.integer("maxPagesPerWindow", 1, 10'000'000)) s.max_pages = *m;
  if (auto placement = p.one_of("pagingInfoPlacement", {"QueryString", "RequestBody"})) s.info_in_body = *placement == "RequestBody";
  s.query_param_only = p.boolean("pagingQueryParamOnly").value_or(false);
  s.offset_parameter = p.str("offsetParaName").value_or("");
  s.offset_end_parameter = p.str("offsetEndParaName").value_or("");
  s.link_header_token_json_path = p.str("linkHeaderTokenJsonPath").value_or("");
  s.link_header_rel = p.str("linkHeaderRelLinkName").value_or("next");
  s.next_page_token_json_path = p.str("nextPageTokenJsonPath").value_or("");
  if (s.next_page_token_json_path == "null") s.next_page_token_json_path.clear();  // seen in the wild: "none"
  s.next_page_token_response_header = p.str("nextPageTokenResponseHeader").value_or("");
  s.next_page_parameter = p.str("nextPageParaName").value_or("");
  s.next_page_request_header = p.str("nextPageRequestHeader").value_or("");
  s.has_next_flag_json_path = p.str("hasNextFlagJsonPath").value_or("");
  s.next_page_url = p.str("nextPageUrl").value_or("");
  s.next_page_url_query_parameters = string_map(p, "nextPageUrlQueryParameters", diag);
  s.next_page_token_is_relative_url = p.boolean("isNextPageTokenRelativeUrl").value_or(false);
  s.page_number_parameter = p.str("pageNumberParaName").value_or("");
  s.zero_based = p.boolean("zeroBasedIndexing").value_or(false);
  s.total_results_json_path = p.str("totalResultsJsonPath").value_or("");
  s.page_number_json_path = p.str("pageNumberJsonPath").value_or("");
  s.page_count_json_path = p.str("pageCountJsonPath").value_or("");
  Reader transform = p.object("tokenTransform");
  if (transform.present()) {
    transform.one_of("TransformType", {"SplitOnDelimiter"}, true);
    s.token_split_delimiter = transform.str("SliceDelimiter", true).value_or("");
    s.token_split_index = static_cast<int>(transform.integer("StringIndex", 0, 100).value_or(0));
    transform.finish();
  }
  // Slack's undocumented JavaScript conditions only say "stop when the cursor is empty", which
  // is what every token paginator does anyway.
  p.ignore({"condition", "nextPageUrlQueryParametersTemplate"});
  for (std::string_view path_key : {"nextPageTokenJsonPath", "hasNextFlagJsonPath", "totalResultsJsonPath",
                                    "pageNumberJsonPath", "pageCountJsonPath"}) {
    auto v = p.str(path_key);
    if (v && !v->empty() && !is_template_expression(*v)) {
      if (auto compiled = json::JsonPath::compile(*v); !compiled) {
        diag.error(p.path_of(path_key), "invalid JSONPath '" + *v + "': " + compiled.error().str());
      }
    }
  }
  auto require = [&](bool ok, std::string_view key, const char* why) {
    if (!ok) diag.error(p.path_of(key), std::string("required for ") + std::string(paging_type_name(s.type)) + " paging (" + why + ")");
  };
  switch (s.type) {
    case PagingType::Offset: require(!s.offset_parameter.empty(), "offsetParaName", "the parameter that carries the offset"); break;
    case PagingType::NextPageToken:
    case PagingType::PersistentToken:
      if (s.next_page_token_json_path.empty() && s.next_page_token_response_header.empty()) {
        // Published definitions write "NextPageTokenJsonPath": "null" to mean "no paging".
        diag.warning(p.path_of("nextPageTokenJsonPath"), "no token path: every window is a single page");
        s.type = PagingType::None;
        break;
      }
      require(!s.next_page_parameter.empty() || !s.next_page_request_header.empty(), "nextPageParaName",
              "where the token is sent: a parameter or nextPageRequestHeader");
      break;
    case PagingType::NextPageUrl:
      require(!s.next_page_token_json_path.empty() || !s.next_page_token_response_header.empty(), "nextPageTokenJsonPath",
              "where the next page's URL or token is read");
      break;
    case PagingType::CountBasedPaging: require(!s.page_number_parameter.empty(), "pageNumberParaName", "the page number parameter"); break;
    default: break;
  }
  p.finish();
}

void parse_response(Reader r, Definition& def, Diagnostics& diag) {
  if (!r.present()) {
    diag.error(r.path(), "required property is missing");
    return;
  }
  ResponseSpec& s = def.response;
  auto paths = r.strings("eventsJsonPaths", true);
  if (paths) {
    for (size_t i = 0; i < paths->size(); ++i) {
      if (auto compiled = json::JsonPath::compile((*paths)[i]); !compiled) {
        diag.error(r.path_of("eventsJsonPaths") + "/" + std::to_string(i),
                   "invalid JSONPath '" + (*paths)[i] + "': " + compiled.error().str());
      }
    }
    s.events_json_paths = *paths;
  }
  if (auto f = r.one_of("format", {"json", "jsonlines", "csv", "xml"})) s.format = *f;
  s.gzip = r.boolean("isGzipCompressed").value_or(false);
  r.one_of("compressionAlgo", {"gzip", "multi-gzip", "deflate"});  // all three are inflated alike
  s.success_status_json_path = r.str("successStatusJsonPath").value_or("");
  s.success_status_value = r.str("successStatusValue").value_or("");
  auto one_char = [&](std::string_view key, char& out) {
    if (auto v = r.str(key)) {
      if (*v == "\\t" || *v == "\t") out = '\t';
      else if (v->size() == 1) out = (*v)[0];
      else diag.error(r.path_of(key), "expected a single character, found '" + *v + "'");
    }
  };
  one_char("csvDelimiter", s.csv_delimiter);
  one_char("csvEscape", s.csv_quote);
  s.csv_header = r.boolean("hasCsvHeader").value_or(true);
  s.convert_child_properties_to_array = r.boolean("convertChildPropertiesToArray").value_or(false);
  r.ignore({"hasCsvBoundary", "isMultilineCsv", "successStatusCodes"});
  r.finish();
}

void parse_intake_extension(Reader x, Definition& def, Diagnostics& diag) {
  if (!x.present()) return;
  if (auto key = x.str("dedupKeyJsonPath")) {
    if (auto compiled = json::JsonPath::compile(*key); !compiled) {
      diag.error(x.path_of("dedupKeyJsonPath"), "invalid JSONPath '" + *key + "': " + compiled.error().str());
    }
    def.dedup_key_json_path = *key;
  }
  if (auto r = x.integer("dedupRetentionInMin", 0, 31 * 24 * 60)) def.dedup_retention_minutes = static_cast<int>(*r);
  if (auto w = x.integer("maxWindowInMin", 1, 7 * 24 * 60)) def.max_window_minutes = static_cast<int>(*w);
  if (auto a = x.integer("maxAgeInMin", 1, 366 * 24 * 60)) def.max_age_minutes = static_cast<int>(*a);
  if (const Value* ensure = x.raw("ensure")) {
    if (!ensure->is_array()) {
      diag.error(x.path_of("ensure"), "expected an array of {\"action\": \"...\", \"parameters\": {...}}");
    } else {
      for (size_t i = 0; i < ensure->as_array().size(); ++i) {
        Reader e(&ensure->as_array()[i], x.path_of("ensure") + "/" + std::to_string(i), diag);
        EnsureAction a;
        a.action = e.str("action", true).value_or("");
        a.parameters = string_map(e, "parameters", diag);
        e.finish();
        def.ensure.push_back(std::move(a));
      }
    }
  }
  x.finish();
}

// A step's config is looked up in its own level's stepCollectorConfigs, then in the enclosing
// ones (BigID declares a second-level step beside the first).
struct ConfigScope {
  Reader* configs;  // lives in an enclosing call's frame
};

// stepInfo + stepCollectorConfigs of `props` into `def.steps`; `depth` counts the levels below
// the connection (CCP allows two).
void parse_steps(Reader& props, Definition& def, Diagnostics& diag, int depth, std::vector<ConfigScope> scopes = {}) {
  const Value* info = props.raw("stepInfo");
  Reader configs = props.object("stepCollectorConfigs");
  if (configs.present()) scopes.insert(scopes.begin(), ConfigScope{&configs});
  if (!info) {
    if (configs.present()) diag.warning(configs.path(), "stepCollectorConfigs without stepInfo: no step runs");
    return;
  }
  Reader si(info, props.path_of("stepInfo"), diag);
  auto type = si.str("stepType").value_or("Nested");
  if (!iequals(type, "Nested")) diag.error(si.path_of("stepType"), "unknown value '" + type + "' (expected Nested)");
  const Value* next = si.raw("nextSteps");
  if (!next || !next->is_array() || next->as_array().empty()) {
    diag.error(si.path_of("nextSteps"), "expected a non-empty array of {stepId, stepPlaceholdersParsingKql}");
    return;
  }
  if (next->as_array().size() > 3) diag.warning(si.path_of("nextSteps"), "more than 3 steps (CCP allows 3)");
  if (depth > 2) {
    diag.error(si.path(), "steps nest more than two levels deep (CCP allows two)");
    return;
  }
  si.finish();
  for (size_t i = 0; i < next->as_array().size(); ++i) {
    Reader n(&next->as_array()[i], si.path_of("nextSteps") + "/" + std::to_string(i), diag);
    Step step;
    step.id = n.str("stepId", true).value_or("");
    step.placeholders_kql = n.str("stepPlaceholdersParsingKql").value_or("source");
    n.finish();
    const Value* cfg = nullptr;
    std::string cpath = configs.path_of(step.id);
    for (const auto& scope : scopes) {
      if (const Value* found = scope.configs->raw(step.id)) {
        cfg = found;
        cpath = scope.configs->path_of(step.id);
        break;
      }
    }
    if (!cfg || !cfg->is_object()) {
      diag.error(cpath, "no stepCollectorConfigs entry for step '" + step.id + "'");
      continue;
    }
    Reader c(cfg, cpath, diag);
    auto child = std::make_shared<Definition>();
    child->kind = def.kind;
    child->name = def.name + "/" + step.id;
    child->source = def.source;
    child->json_path = cpath;
    child->auth = def.auth;
    child->auth_type = def.auth_type;
    child->parameters = def.parameters;
    child->max_parallelism = def.max_parallelism;
    step.join = c.boolean("shouldJoinNestedData").value_or(false);
    step.join_name = c.str("joinedDataStepName").value_or(step.id);
    Reader auth = c.object("auth");
    step.own_auth = auth.present();
    if (step.own_auth) parse_auth(auth, *child, diag, true);
    parse_request(c.object("request"), *child, diag, true);
    parse_paging(c.object("paging"), *child, diag);
    parse_response(c.object("response"), *child, diag);
    if (auto par = c.integer("maxParallelism", 1, 100)) child->max_parallelism = static_cast<int>(*par);
    parse_steps(c, *child, diag, depth + 1, scopes);
    c.ignore({"extra"});
    c.finish();
    step.config = std::move(child);
    def.steps.push_back(std::move(step));
  }
  // Records either replace their parent or are joined into it; both at once has no one meaning.
  for (const auto& st : def.steps) {
    if (st.join != def.steps.front().join) {
      diag.error(si.path_of("nextSteps"), "steps '" + def.steps.front().id + "' and '" + st.id +
                                              "' disagree on shouldJoinNestedData (all steps of one request must join, or none)");
      break;
    }
  }
  configs.finish();
}

// Legacy connect forms declare their inputs as userRequestPlaceHoldersInput entries.
void collect_legacy_parameters(const Value& ui, Definition& def) {
  const Value* steps = ui.get_ci("instructionSteps");
  if (!steps || !steps->is_array()) return;
  for (const auto& step : steps->as_array()) {
    const Value* instructions = step.get_ci("instructions");
    if (!instructions || !instructions->is_array()) continue;
    for (const auto& ins : instructions->as_array()) {
      const Value* type = ins.get_ci("type");
      std::string t = type && type->is_string() ? type->as_string() : "";
      if (iequals(t, "BasicAuth")) {
        def.parameters.push_back({"username", "User name", false});
        def.parameters.push_back({"password", "Password", true});
      } else if (iequals(t, "APIKey")) {
        def.parameters.push_back({"apiKey", "API key", true});
      }
      const Value* params = ins.get_ci("parameters");
      const Value* inputs = params ? params->get_ci("userRequestPlaceHoldersInput") : nullptr;
      if (!inputs || !inputs->is_array()) continue;
      for (const auto& in : inputs->as_array()) {
        const Value* name = in.get_ci("placeHolderName");
        const Value* label = in.get_ci("displayText");
        if (!name || !name->is_string()) continue;
        for (const auto& n : placeholders_in(name->as_string())) {
          def.parameters.push_back({n, label && label->is_string() ? label->as_string() : n, false});
        }
      }
    }
  }
}

std::string legacy_table(const Value& ui) {
  const Value* types = ui.get_ci("dataTypes");
  const Value* first = types ? types->at(0) : nullptr;
  const Value* name = first ? first->get_ci("name") : nullptr;
  if (!name || !name->is_string()) return "";
  std::string table = name->as_string();
  if (const Value* g = ui.get_ci("graphQueriesTableName"); g && g->is_string()) {
    Params p{{"graphQueriesTableName", g->as_string()}};
    table = substitute(table, p);
  }
  return table;
}

}  // namespace

std::vector<LocatedResource> find_connector_resources(const Value& root) {
  std::vector<LocatedResource> out;
  collect_resources(root, "", out, 0);
  return out;
}

std::optional<Definition> parse_definition(const Value& resource, const std::string& path, Diagnostics& diag) {
  size_t errors_before = diag.errors().size();
  Reader top(&resource, path, diag);
  Definition def;
  def.source = diag.file();
  def.json_path = path;
  auto kind = top.str("kind", true).value_or("");
  def.name = top.str("name").value_or("");
  Reader props = top.object("properties");
  top.ignore({"type", "apiVersion", "location", "etag", "condition", "dependsOn", "id", "systemData"});
  if (iequals(kind, "RestApiPoller")) {
    def.kind = ConnectorKind::RestApiPoller;
    def.connector_definition_name = props.str("connectorDefinitionName").value_or("");
    def.data_type = props.str("dataType").value_or("");
    def.active = props.boolean("isActive").value_or(true);
    Reader dcr = props.object("dcrConfig");
    def.dcr.stream_name = dcr.str("streamName").value_or("");
    def.dcr.data_collection_endpoint = dcr.str("dataCollectionEndpoint").value_or("");
    def.dcr.data_collection_rule_immutable_id = dcr.str("dataCollectionRuleImmutableId").value_or("");
    dcr.finish();
    parse_auth(props.object("auth"), def, diag, false);
    parse_request(props.object("request"), def, diag, false);
    parse_paging(props.object("paging"), def, diag);
    parse_response(props.object("response"), def, diag);
    def.add_on_attributes = string_map(props, "addOnAttributes", diag);
    parse_intake_extension(props.object("intake"), def, diag);
    props.ignore({"displayName", "extra"});
    // A connection's maxParallelism is the default of its steps (each may set its own).
    if (auto par = props.integer("maxParallelism", 1, 100)) def.max_parallelism = static_cast<int>(*par);
    parse_steps(props, def, diag, 1);
    // Some files put shouldJoinNestedData/joinedDataStepName on the connection itself, where they
    // describe nothing CCP runs; each step carries its own.
    props.ignore({"shouldJoinNestedData", "joinedDataStepName"});
    props.finish();
  } else if (iequals(kind, "APIPolling")) {
    def.kind = ConnectorKind::APIPolling;
    const Value* ui = props.raw("connectorUiConfig");
    if (ui && ui->is_object()) {
      if (const Value* id = ui->get_ci("id"); id && id->is_string()) def.name = id->as_string();
      def.table_hint = legacy_table(*ui);
      def.data_type = def.table_hint;
      collect_legacy_parameters(*ui, def);
    } else {
      diag.error(props.path_of("connectorUiConfig"), "required property is missing");
    }
    Reader polling = props.object("pollingConfig");
    if (!polling.present()) diag.error(polling.path(), "required property is missing");
    parse_auth(polling.object("auth"), def, diag, true);
    parse_request(polling.object("request"), def, diag, true);
    parse_paging(polling.object("paging"), def, diag);
    parse_response(polling.object("response"), def, diag);
    polling.ignore({"owner", "version", "source", "templateFilePath", "templateFileName"});
    polling.finish();
    props.finish();
  } else if (!kind.empty()) {
    diag.error(top.path_of("kind"), "kind '" + kind + "' is not a polling connector (intake polls RestApiPoller and APIPolling)");
    return std::nullopt;
  }
  top.finish();
  if (diag.errors().size() != errors_before) return std::nullopt;
  return def;
}

}  // namespace intake::ccp
