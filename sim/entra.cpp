#include "sim/entra.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/base64.h"
#include "core/time.h"
#include "sim/gen.h"

namespace intake::sim::entra {

namespace {

std::string base64url(std::string_view data) {
  std::string s = base64_encode(data);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

// "2016-01-09 02:02:12Z", as Entra's error bodies write it.
std::string entra_timestamp(int64_t ms) {
  std::string iso = iso_time(ticks_from_ms(ms), 0);
  iso[10] = ' ';
  return iso;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(const http::ServerRequest& request) {
  auto h = request.header("Authorization");
  if (!h || h->size() < 6 || !iequals(h->substr(0, 6), "Basic ")) return std::nullopt;
  auto decoded = base64_decode(h->substr(6));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{http::url_decode(decoded->substr(0, colon)), http::url_decode(decoded->substr(colon + 1))};
}

}  // namespace

void add_options(CLI::App& app, Options& o) {
  app.add_option("--tenant", o.tenant, "Entra tenant id accepted in token URLs")->capture_default_str();
  app.add_option("--client-id", o.client_id, "Application (client) id accepted by the token endpoint")
      ->capture_default_str();
  app.add_option("--client-secret", o.client_secret, "Client secret accepted by the token endpoint")
      ->capture_default_str();
  app.add_option("--token-ttl", o.token_ttl_s, "Lifetime of issued access tokens in seconds (expires_in)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

http::ServerResponse TokenService::error(int status, std::string_view code, int64_t aadsts,
                                         const std::string& description) const {
  int64_t now = options_.now();
  uint64_t key = hash2(options_.seed ^ 0xAAD5ULL, static_cast<uint64_t>(now) ^ static_cast<uint64_t>(aadsts));
  std::string trace = uuid(key, hash2(key, 1));
  std::string correlation = uuid(hash2(key, 2), hash2(key, 3));
  std::string ts = entra_timestamp(now);
  std::string text = "AADSTS" + std::to_string(aadsts) + ": " + description + "\r\nTrace ID: " + trace +
                     "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + ts;
  std::string body;
  JsonOut j(body);
  j.begin_object()
      .str("error", code)
      .str("error_description", text)
      .begin_array("error_codes").num({}, aadsts).end_array()
      .str("timestamp", ts)
      .str("trace_id", trace)
      .str("correlation_id", correlation)
      .str("error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(aadsts))
      .end_object();
  return http::ServerResponse::json(status, std::move(body));
}

std::optional<http::ServerResponse> TokenService::handle(const http::ServerRequest& request) {
  const std::string& path = request.path;
  bool v2 = path.ends_with("/oauth2/v2.0/token");
  bool v1 = !v2 && path.ends_with("/oauth2/token");
  if (!v1 && !v2) return std::nullopt;
  std::string tenant = path.substr(1, path.find('/', 1) - 1);
  if (request.method != "POST") {
    return error(400, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a " +
                                                     request.method + " request.");
  }
  if (tenant != options_.tenant && !iequals(tenant, options_.tenant_domain)) {
    return error(400, "invalid_request", 90002, "Tenant '" + tenant +
                                                    "' not found. Check to make sure you have the correct tenant ID "
                                                    "and are signing into the correct cloud.");
  }
  std::map<std::string, std::string> form;
  for (auto& [k, v] : http::parse_query(request.body)) form.emplace(k, v);
  auto field = [&](const char* k) { return form.contains(k) ? form[k] : std::string(); };
  auto basic = basic_credentials(request);
  std::string client_id = basic ? basic->first : field("client_id");
  std::string secret = basic ? basic->second : field("client_secret");
  auto missing = [&](const char* name) {
    return error(400, "invalid_request", 900144,
                 std::string("The request body must contain the following parameter: '") + name + "'.");
  };
  if (field("grant_type").empty()) return missing("grant_type");
  if (field("grant_type") != "client_credentials") {
    return error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" +
                                                           field("grant_type") + "'.");
  }
  if (client_id.empty()) return missing("client_id");
  if (v2 && field("scope").empty()) return missing("scope");
  if (client_id != options_.client_id) {
    return error(400, "unauthorized_client", 700016, "Application with identifier '" + client_id +
                                                         "' was not found in the directory '" + tenant +
                                                         "'. This can happen if the application has not been "
                                                         "installed by the administrator of the tenant or consented "
                                                         "to by any user in the tenant.");
  }
  if (secret.empty() && field("client_assertion").empty()) {
    return error(401, "invalid_client", 7000218,
                 "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (secret != options_.client_secret) {
    return error(401, "invalid_client", 7000215,
                 "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                 "value, not the client secret ID, for a secret added to app '" + options_.client_id + "'.");
  }
  // The resource the token is for: v2 names it in the scope (the JS SDK writes "<resource>//.default"),
  // v1 in `resource` (with or without the trailing slash).
  std::string resource;
  auto matches = [&](const std::string& r, const std::string& asked) {
    return v2 ? asked == r + "/.default" || asked == r + "//.default" : asked == r || asked == r + "/";
  };
  std::string asked = v2 ? field("scope") : field("resource");
  if (!v2 && asked.empty()) return missing("resource");
  if (matches(options_.resource, asked)) resource = options_.resource;
  for (const auto& r : options_.other_resources) {
    if (resource.empty() && matches(r, asked)) resource = r;
  }
  if (resource.empty() && v2) {
    return error(400, "invalid_scope", 70011,
                 "The provided request must include a 'scope' input parameter. The provided value for the input "
                 "parameter 'scope' is not valid. The scope " + asked + " is not valid.");
  }
  if (resource.empty()) {
    return error(400, "invalid_resource", 500011, "The resource principal named " + asked +
                                                      " was not found in the tenant named " + tenant + ".");
  }

  int64_t now = options_.now();
  int64_t n = issued_.fetch_add(1) + 1;
  int64_t exp_s = now / 1000 + options_.token_ttl_s;
  std::string token;
  if (options_.jwt_tokens) {
    std::string roles;
    for (const auto& role : options_.roles) roles += (roles.empty() ? "\"" : ",\"") + role + "\"";
    std::string payload = "{\"aud\":\"" + resource + "\",\"iss\":\"https://sts.windows.net/" + options_.tenant +
                          "/\",\"iat\":" + std::to_string(now / 1000) + ",\"nbf\":" + std::to_string(now / 1000) +
                          ",\"exp\":" + std::to_string(exp_s) + ",\"appid\":\"" + options_.client_id +
                          "\",\"tid\":\"" + options_.tenant + "\",\"roles\":[" + roles + "],\"uti\":\"" +
                          std::to_string(n) + "\"}";
    token = base64url(R"({"typ":"JWT","alg":"RS256","kid":"sim"})") + "." + base64url(payload) + "." +
            base64url(hex(hash2(options_.seed, static_cast<uint64_t>(n)), 16) + hex(mix64(n), 16));
  } else {
    token = "sim-entra-" + hex(hash2(options_.seed, static_cast<uint64_t>(n)), 16) + std::to_string(n);
  }
  {
    std::lock_guard lock(mutex_);
    tokens_[token] = Issued{now + options_.token_ttl_s * 1000, resource};
  }
  std::string ttl = std::to_string(options_.token_ttl_s);
  std::string body;
  if (v2) {
    body = "{\"token_type\":\"Bearer\",\"expires_in\":" + ttl + ",\"ext_expires_in\":" + ttl +
           ",\"access_token\":\"" + token + "\"}";
  } else {
    // v1 writes its numbers as strings.
    body = "{\"token_type\":\"Bearer\",\"expires_in\":\"" + ttl + "\",\"ext_expires_in\":\"" + ttl +
           "\",\"expires_on\":\"" + std::to_string(exp_s) + "\",\"not_before\":\"" + std::to_string(now / 1000) +
           "\",\"resource\":\"" + resource + "/\",\"access_token\":\"" + token + "\"}";
  }
  http::ServerResponse r = http::ServerResponse::json(200, std::move(body));
  r.headers.emplace_back("Cache-Control", "no-store, no-cache");
  return r;
}

BearerCheck TokenService::verify(const http::ServerRequest& request) {
  using State = BearerCheck::State;
  auto h = request.header("Authorization");
  if (!h || h->empty()) return {State::Missing, {}, 0};
  if (h->size() < 7 || !iequals(h->substr(0, 7), "Bearer ")) return {State::NotBearer, {}, 0};
  std::string token(h->substr(7));
  int64_t now = options_.now();
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return {State::Unknown, {}, 0};
  BearerCheck c{State::Valid, it->second.audience, it->second.expires_ms};
  if (c.audience != options_.resource) c.state = State::WrongAudience;
  else if (now >= c.expires_ms) c.state = State::Expired;
  return c;
}

std::optional<http::ServerResponse> TokenService::check_bearer(const http::ServerRequest& request) {
  int64_t now = options_.now();
  auto unauthorized = [&](std::string_view message) {
    http::ServerResponse r = graph_error(401, "InvalidAuthenticationToken", message, now,
                                         hash2(options_.seed, static_cast<uint64_t>(now)));
    r.headers.emplace_back("WWW-Authenticate",
                           "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/"
                           "authorize\", client_id=\"00000003-0000-0000-c000-000000000000\", error=\"invalid_token\"");
    return r;
  };
  using State = BearerCheck::State;
  switch (verify(request).state) {
    case State::Valid: return std::nullopt;
    case State::Missing:
    case State::NotBearer: return unauthorized("Access token is empty.");
    case State::Unknown: {
      std::string_view token = request.header("Authorization")->substr(7);
      return unauthorized(token.find('.') == std::string_view::npos
                              ? "IDX14100: JWT is not well formed, there are no dots (.)."
                              : "Access token validation failure. Invalid audience.");
    }
    case State::WrongAudience: return unauthorized("Access token validation failure. Invalid audience.");
    case State::Expired: return unauthorized("Access token has expired or is not yet valid.");
  }
  return unauthorized("Access token validation failure.");
}

void TokenService::expire(const http::ServerRequest& request) {
  auto h = request.header("Authorization");
  if (!h || h->size() < 7 || !iequals(h->substr(0, 7), "Bearer ")) return;
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(std::string(h->substr(7)));
  if (it != tokens_.end()) it->second.expires_ms = std::min(it->second.expires_ms, options_.now());
}

http::ServerResponse graph_error(int status, std::string_view code, std::string_view message, int64_t now_ms,
                                 uint64_t request_key) {
  std::string body;
  JsonOut j(body);
  std::string date = iso_time(ticks_from_ms(now_ms), 0);
  date.pop_back();  // Graph writes innerError.date without the zone
  j.begin_object()
      .begin_object("error")
      .str("code", code)
      .str("message", message)
      .begin_object("innerError")
      .str("date", date)
      .str("request-id", uuid(request_key, hash2(request_key, 1)))
      .str("client-request-id", uuid(hash2(request_key, 2), hash2(request_key, 3)))
      .end_object()
      .end_object()
      .end_object();
  return http::ServerResponse::json(status, std::move(body));
}

}  // namespace intake::sim::entra
