#include "ccp/parse.h"

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
    out.push_back({&node, path});
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

void parse_basic(Reader& a, Definition& def, bool legacy) {
  auth::BasicSpec spec;
  // Legacy APIPolling files carry no credentials: the connect form supplied them (BasicAuth UI),
  // so they come from the instance parameters username/password.
  spec.user = a.str("UserName").value_or(legacy ? "{{username}}" : "");
  spec.password = a.str("Password").value_or(legacy ? "{{password}}" : "");
  if (!legacy && spec.user.empty()) a.str("UserName", true);
  if (!legacy && spec.password.empty()) a.str("Password", true);
  def.auth = spec;
}

void parse_api_key(Reader& a, Definition& def, bool legacy) {
  auth::ApiKeySpec spec;
  auto key = a.str("ApiKey");
  if (!key && !legacy) a.str("ApiKey", true);
  spec.key = key.value_or("{{apiKey}}");
  auto name = a.str("ApiKeyName");
  auto identifier = a.str("ApiKeyIdentifier");
  spec.header = name.value_or("Authorization");
  // The documented default prefix "token" only applies when neither field is given: real
  // definitions that name a header but no identifier expect the raw key.
  spec.identifier = identifier ? *identifier : (name ? "" : "token");
  spec.in_post_payload = a.boolean("IsApiKeyInPostPayload").value_or(false);
  spec.in_query = a.boolean("isApiKeyInQuery").value_or(false);
  def.auth = spec;
}

void parse_auth(Reader a, Definition& def, Diagnostics& diag, bool legacy) {
  if (!a.present()) {
    diag.error(a.path(), "required property is missing");
    return;
  }
  auto type = a.str(legacy ? "authType" : "type");
  if (!type) type = a.str(legacy ? "type" : "authType");
  if (!type) {
    diag.error(a.path_of(legacy ? "authType" : "type"), "required property is missing (expected one of Basic, APIKey, None)");
    return;
  }
  def.auth_type = *type;
  if (iequals(*type, "Basic")) {
    parse_basic(a, def, legacy);
  } else if (iequals(*type, "APIKey")) {
    parse_api_key(a, def, legacy);
  } else if (iequals(*type, "None")) {
    def.auth = auth::NoneSpec{};
  } else {
    static constexpr std::string_view kKnownLater[] = {"OAuth2", "JwtToken", "Session", "CiscoDuo", "AliCloudSlsV1",
                                                       "AWS", "GCP", "GitHub", "ServiceBus", "Oracle"};
    bool later = false;
    for (auto k : kKnownLater) later = later || iequals(k, *type);
    diag.error(a.path_of(legacy ? "authType" : "type"),
               later ? "auth type '" + *type + "' is not supported yet (supported: Basic, APIKey, None)"
                     : "unknown auth type '" + *type + "' (expected one of Basic, APIKey, OAuth2, JwtToken, Session, None)");
    return;
  }
  a.finish();
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
  if (*type == "None") s.type = PagingType::None;
  else if (*type == "Offset") s.type = PagingType::Offset;
  else {
    diag.error(p.path_of("pagingType"), "paging type '" + *type + "' is not supported yet (supported: None, Offset)");
    return;
  }
  if (auto n = p.integer("pageSize", 1, 1'000'000)) s.page_size = *n;
  s.page_size_parameter = p.str("pageSizeParameterName").value_or(p.str("pageSizeParaName").value_or(""));
  s.offset_parameter = p.str("offsetParaName").value_or("");
  if (auto m = p.integer("maxPagesPerWindow", 1, 10'000'000)) s.max_pages = *m;
  if (s.type == PagingType::Offset && s.offset_parameter.empty()) {
    diag.error(p.path_of("offsetParaName"), "required for Offset paging (the query parameter that carries the offset)");
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
  if (auto f = r.one_of("format", {"json", "jsonlines", "csv", "xml"})) {
    s.format = *f;
    if (s.format != "json") diag.error(r.path_of("format"), "response format '" + s.format + "' is not supported yet (supported: json)");
  }
  s.gzip = r.boolean("isGzipCompressed").value_or(false);
  s.success_status_json_path = r.str("successStatusJsonPath").value_or("");
  s.success_status_value = r.str("successStatusValue").value_or("");
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
  x.finish();
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
    props.ignore({"displayName"});
    for (auto later : {"stepInfo", "stepCollectorConfigs"}) {
      if (props.raw(later)) diag.error(props.path_of(later), "nested (multi-step) polling is not supported yet");
    }
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
