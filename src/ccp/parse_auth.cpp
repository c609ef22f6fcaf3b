// The `auth` block of a definition: one parser per scheme, dispatched by type. Every parser also
// accepts the legacy/internal field names that APIPolling files and nested child steps use
// (spec §7, §9): AuthType, APIKeyName, FlowName, IsClientSecretInHeader, RedirectionEndpoint,
// UsernameAttributeName/Value, ...
#include "ccp/parse_internal.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::ccp {

namespace {

// The first of several spellings that is present (all are marked as read).
std::optional<std::string> first_str(Reader& a, std::initializer_list<std::string_view> names) {
  std::optional<std::string> out;
  for (auto n : names) {
    auto v = a.str(n);
    if (v && !out) out = std::move(v);
  }
  return out;
}

std::optional<bool> first_bool(Reader& a, std::initializer_list<std::string_view> names) {
  std::optional<bool> out;
  for (auto n : names) {
    auto v = a.boolean(n);
    if (v && !out) out = v;
  }
  return out;
}

// Name/value object ({"Accept": "application/json"}); numbers and booleans become text.
std::vector<std::pair<std::string, std::string>> pairs(Reader& a, std::initializer_list<std::string_view> names,
                                                       Diagnostics& diag) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto name : names) {
    const Value* v = a.raw(name);
    if (!v || v->is_null()) continue;
    if (!v->is_object()) {
      diag.error(a.path_of(name), "expected an object of name/value pairs");
      continue;
    }
    for (const auto& [k, val] : v->as_object()) {
      if (val.is_null()) continue;
      out.emplace_back(k, val.is_string() ? val.as_string() : json::to_json(val));
    }
  }
  return out;
}

// `{ "key": <field name>, "value": <secret> }`, or the flat legacy pair <Prefix>AttributeName/Value.
std::optional<auth::KeyValue> key_value(Reader& a, std::string_view name, std::string_view legacy_prefix) {
  auth::KeyValue kv;
  Reader o = a.object(name);
  if (o.present()) {
    kv.key = o.str("key", true).value_or("");
    kv.value = o.str("value", true).value_or("");
    o.finish();
    return kv;
  }
  std::string prefix(legacy_prefix);
  auto key = a.str(prefix + "AttributeName");
  auto value = a.str(prefix + "AttributeValue");
  if (!key && !value) return std::nullopt;
  kv.key = key.value_or(std::string(name));
  kv.value = value.value_or("");
  return kv;
}

int timeout_of(Reader& a, int fallback) {
  auto t = a.integer("RequestTimeoutInSeconds", 1, 180);
  return t ? static_cast<int>(*t) : fallback;
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

void parse_oauth2(Reader& a, Definition& def, Diagnostics& diag, bool legacy) {
  auth::OAuth2Spec spec;
  // Legacy OAuthForm connections took the client credentials from the connect form.
  auto id = a.str("ClientId");
  auto secret = a.str("ClientSecret");
  if (!id && !legacy) a.str("ClientId", true);
  if (!secret && !legacy) a.str("ClientSecret", true);
  spec.client_id = id.value_or(legacy ? "{{clientId}}" : "");
  spec.client_secret = secret.value_or(legacy ? "{{clientSecret}}" : "");
  if (auto g = first_str(a, {"GrantType", "FlowName"})) {
    spec.grant_type = *g;
    if (!is_template_expression(*g) && !spec.grant()) {
      diag.error(a.path_of(a.raw("GrantType") ? "GrantType" : "FlowName"),
                 "unknown grant type '" + *g + "' (expected client_credentials, authorization_code, password or a vendor grant name)");
    }
  }
  spec.token_endpoint = a.str("TokenEndpoint", true).value_or("");
  spec.token_endpoint_headers = pairs(a, {"TokenEndpointHeaders"}, diag);
  spec.token_endpoint_query = pairs(a, {"TokenEndpointQueryParameters"}, diag);
  spec.scope = a.str("Scope").value_or("");
  spec.credentials_in_headers = first_bool(a, {"IsCredentialsInHeaders", "IsClientSecretInHeader"}).value_or(false);
  spec.json_request = a.boolean("IsTokenEndpointPostPayloadJson").value_or(false);
  if (auto p = a.str("AccessTokenPrepend")) spec.access_token_prepend = *p;
  spec.refresh_token = a.str("RefreshToken").value_or("");
  spec.token_json_path = a.str("accessTokenJsonPath").value_or("");
  spec.authorization_code = a.str("AuthorizationCode").value_or("");
  spec.redirect_uri = first_str(a, {"RedirectUri", "RedirectionEndpoint"}).value_or("");
  spec.user = first_str(a, {"UserName", "Username"}).value_or("");
  spec.password = a.str("Password").value_or("");
  spec.access_token = a.str("AccessToken").value_or("");
  spec.timeout_seconds = timeout_of(a, spec.timeout_seconds);
  if (a.boolean("IsJwtBearerFlow").value_or(false)) {
    diag.error(a.path_of("IsJwtBearerFlow"), "the OAuth2 JWT-bearer assertion flow is not supported (use client_credentials)");
  }
  // The consent step happens in a browser, and intake runs from a refresh token instead; the
  // remaining fields steer token bookkeeping of the hosted service.
  a.ignore({"AuthorizationEndpoint", "AuthorizationEndpointHeaders", "AuthorizationEndpointQueryParameters",
            "RefreshTokenLifetimeinSecAttributeName", "AccessTokenExpirationDateTimeInUtc",
            "RefreshTokenExpirationDateTimeInUtc", "JwtHeaderInJson", "JwtClaimsInJson", "JwtPem"});
  def.auth = std::move(spec);
}

void parse_jwt_token(Reader& a, Definition& def, Diagnostics& diag) {
  auth::JwtTokenSpec spec;
  spec.token_endpoint = a.str("TokenEndpoint", true).value_or("");
  if (auto m = a.one_of("TokenEndpointHttpMethod", {"GET", "POST"})) spec.method = *m;
  spec.user_token = a.str("UserToken").value_or("");
  spec.user_token_prepend = a.str("UserTokenPrepend").value_or("");
  auto user = key_value(a, "userName", "Username");
  auto password = key_value(a, "password", "Password");
  if (!a.raw("UserToken")) {
    if (!user) diag.error(a.path_of("userName"), "required property is missing (an object {\"key\": ..., \"value\": ...}, or UserToken)");
    if (!password) diag.error(a.path_of("password"), "required property is missing (an object {\"key\": ..., \"value\": ...}, or UserToken)");
  }
  if (user) spec.user = *user;
  if (password) spec.password = *password;
  spec.credentials_in_headers = a.boolean("IsCredentialsInHeaders").value_or(false);
  spec.json_request = first_bool(a, {"IsJsonRequest", "IsTokenEndpointPostPayloadJson"}).value_or(false);
  spec.token_json_path = a.str("JwtTokenJsonPath").value_or("");
  if (!spec.token_json_path.empty() && !is_template_expression(spec.token_json_path)) {
    if (auto p = json::JsonPath::compile(spec.token_json_path); !p) diag.error(a.path_of("JwtTokenJsonPath"), p.error().str());
  }
  spec.token_in_response_header = a.boolean("JwtTokenInResponseHeader").value_or(false);
  if (auto h = a.str("JwtTokenHeaderName"); h && !h->empty()) spec.token_header_name = *h;
  spec.token_identifier = a.str("JwtTokenIdentifier").value_or("");
  spec.no_access_token_prepend = a.boolean("NoAccessTokenPrepend").value_or(false);
  if (auto h = a.str("ApiKeyName"); h && !h->empty()) spec.header = *h;
  spec.headers = pairs(a, {"Headers"}, diag);
  spec.query = pairs(a, {"QueryParameters", "TokenEndpointQueryParameters"}, diag);
  spec.timeout_seconds = timeout_of(a, spec.timeout_seconds);
  def.auth = std::move(spec);
}

void parse_session(Reader& a, Definition& def, Diagnostics& diag, bool legacy) {
  auth::SessionSpec spec;
  spec.login_uri = a.str("sessionLoginRequestUri", true).value_or("");
  auto user = key_value(a, "userName", "Username");
  auto password = key_value(a, "password", "Password");
  // Legacy connections took the credentials from the connect form.
  if (!user && legacy) user = auth::KeyValue{"username", "{{username}}"};
  if (!password && legacy) password = auth::KeyValue{"password", "{{password}}"};
  if (!user) diag.error(a.path_of("userName"), "required property is missing (an object {\"key\": ..., \"value\": ...})");
  if (!password) diag.error(a.path_of("password"), "required property is missing (an object {\"key\": ..., \"value\": ...})");
  if (user) spec.user = *user;
  if (password) spec.password = *password;
  spec.session_id_name = a.str("sessionIdName", true).value_or("");
  if (auto t = a.integer("sessionTimeoutInMinutes", 1, 7 * 24 * 60)) spec.timeout_minutes = *t;
  spec.headers = pairs(a, {"headers"}, diag);
  spec.query = pairs(a, {"queryParameters"}, diag);
  spec.json_payload = a.boolean("isPostPayloadJson").value_or(false);
  spec.timeout_seconds = timeout_of(a, spec.timeout_seconds);
  def.auth = std::move(spec);
}

void parse_cisco_duo(Reader& a, Definition& def) {
  auth::CiscoDuoSpec spec;
  spec.integration_key = a.str("APIKey", true).value_or("");
  spec.secret_key = a.str("ClientSecret", true).value_or("");
  def.auth = std::move(spec);
}

void parse_ali_cloud_sls(Reader& a, Definition& def) {
  auth::AliCloudSlsSpec spec;
  spec.access_key_id = a.str("AccessKeyId", true).value_or("");
  spec.access_key_secret = a.str("AccessKeySecret", true).value_or("");
  def.auth = std::move(spec);
}

}  // namespace

void parse_auth(Reader a, Definition& def, Diagnostics& diag, bool legacy) {
  if (!a.present()) {
    diag.error(a.path(), "required property is missing");
    return;
  }
  auto type = a.str(legacy ? "authType" : "type");
  if (!type) type = a.str(legacy ? "type" : "authType");
  if (!type) {
    diag.error(a.path_of(legacy ? "authType" : "type"),
               "required property is missing (expected one of Basic, APIKey, OAuth2, JwtToken, Session, CiscoDuo, "
               "AliCloudSlsV1, None)");
    return;
  }
  def.auth_type = *type;
  if (iequals(*type, "Basic")) {
    parse_basic(a, def, legacy);
  } else if (iequals(*type, "APIKey")) {
    parse_api_key(a, def, legacy);
  } else if (iequals(*type, "OAuth2")) {
    parse_oauth2(a, def, diag, legacy);
  } else if (iequals(*type, "JwtToken")) {
    parse_jwt_token(a, def, diag);
  } else if (iequals(*type, "Session")) {
    parse_session(a, def, diag, legacy);
  } else if (iequals(*type, "CiscoDuo")) {
    parse_cisco_duo(a, def);
  } else if (iequals(*type, "AliCloudSlsV1")) {
    parse_ali_cloud_sls(a, def);
  } else if (iequals(*type, "None")) {
    def.auth = auth::NoneSpec{};
  } else {
    static constexpr std::string_view kOtherKinds[] = {"AWS", "GCP", "GitHub", "ServiceBus", "GenericBlobSbs", "Oracle",
                                                       "ServicePrincipal", "Push"};
    bool other = false;
    for (auto k : kOtherKinds) other = other || iequals(k, *type);
    diag.error(a.path_of(legacy ? "authType" : "type"),
               other ? "auth type '" + *type + "' belongs to a connector kind intake does not poll (supported: Basic, APIKey, "
                                               "OAuth2, JwtToken, Session, CiscoDuo, AliCloudSlsV1, None)"
                     : "unknown auth type '" + *type + "' (expected one of Basic, APIKey, OAuth2, JwtToken, Session, "
                                                       "CiscoDuo, AliCloudSlsV1, None)");
    return;
  }
  a.finish();
}

}  // namespace intake::ccp
