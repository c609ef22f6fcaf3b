#include "sim/script.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/base64.h"
#include "core/time.h"
#include "json/value_json.h"
#include "sim/gen.h"

namespace intake::sim::script {

namespace {

// ---------------------------------------------------------------------------------------------
// Script reading helpers

std::string str_of(const Value& obj, std::string_view key, std::string fallback = {}) {
  const Value* v = obj.get(key);
  return v && v->is_string() ? v->as_string() : std::move(fallback);
}

int64_t int_of(const Value& obj, std::string_view key, int64_t fallback) {
  const Value* v = obj.get(key);
  int64_t out = fallback;
  if (v && v->to_int64(out)) return out;
  return fallback;
}

bool bool_of(const Value& obj, std::string_view key, bool fallback = false) {
  const Value* v = obj.get(key);
  return v && v->kind() == Kind::Bool ? v->as_bool() : fallback;
}

std::vector<std::pair<std::string, std::string>> pairs_of(const Value& obj, std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const Value* v = obj.get(key);
  if (!v || !v->is_object()) return out;
  for (const auto& [k, val] : v->as_object()) {
    out.emplace_back(k, val.is_string() ? val.as_string() : json::to_json(val));
  }
  return out;
}

// "$.data.items", "$['@odata'].next", "$" -> segments.
Result<std::vector<std::string>> path_segments(std::string_view path, std::string_view where) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  if (path.front() != '$') return fail(std::string(where), "a path must start with $");
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t j = i + 1;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (j == i + 1) return fail(std::string(where), "empty path segment");
      out.emplace_back(path.substr(i + 1, j - i - 1));
      i = j;
    } else if (path.substr(i).starts_with("['")) {
      size_t j = path.find("']", i + 2);
      if (j == std::string_view::npos) return fail(std::string(where), "unterminated ['...']");
      out.emplace_back(path.substr(i + 2, j - i - 2));
      i = j + 2;
    } else {
      return fail(std::string(where), "unsupported path syntax at '" + std::string(path.substr(i)) + "'");
    }
  }
  return out;
}

// Nested JSON objects assembled from (path, raw JSON) pairs, members in insertion order.
struct RawTree {
  std::vector<std::pair<std::string, RawTree>> members;
  std::optional<std::string> raw;

  void insert(const std::vector<std::string>& path, size_t depth, std::string json) {
    if (depth == path.size()) {
      raw = std::move(json);
      return;
    }
    for (auto& [k, child] : members) {
      if (k == path[depth]) return child.insert(path, depth + 1, std::move(json));
    }
    members.emplace_back(path[depth], RawTree{});
    members.back().second.insert(path, depth + 1, std::move(json));
  }
  void render(std::string& out) const {
    if (raw) {
      out += *raw;
      return;
    }
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, members[i].first);
      out += ':';
      members[i].second.render(out);
    }
    out += '}';
  }
};

std::string hmac_sha1(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string md5_hex_upper(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

http::ServerResponse error_json(int status, std::string_view message) {
  std::string body = "{\"error\":";
  append_json_string(body, message);
  body += '}';
  return http::ServerResponse::json(status, std::move(body));
}

http::ServerResponse unauthorized(std::string_view message, std::string_view challenge) {
  http::ServerResponse r = error_json(401, message);
  if (!challenge.empty()) r.headers.emplace_back("WWW-Authenticate", std::string(challenge));
  return r;
}

// Page tokens: an opaque encoding of the position within the request's time range.
std::string encode_token(int64_t position);

struct Fault {
  int64_t at = 0;
  int status = 0;
  http::Headers headers;
  std::string body;
  int delay_ms = 0;
  bool drop = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The compiled script

struct Route {
  std::string method = "GET";
  std::string path;
  std::vector<std::pair<std::string, std::string>> expect_params, expect_headers;
  bool strict = false;
  std::string start_param, end_param, time_format = "iso";
  bool start_inclusive = true, end_inclusive = false;
  std::string paging = "none", param, size_param, token_header, request_header;
  std::vector<std::string> token_path, total_path, has_more_path;
  int64_t page_size = 100, max_page_size = 0, cap_page_size = 0;
  bool zero_based = false;
  bool relative_url = false;         // next_url: the link is path?query, not absolute
  bool token_from_events = false;    // next_token: the client reads the token from the events ({{cursor}})
  std::string loop;                  // "", "same_token" or "new_token": a server that never stops paging
  std::vector<std::pair<std::vector<std::string>, std::string>> fields;  // constant members of the body
  bool params_in_body = false;
  Value tmpl;
  std::unique_ptr<Timeline> timeline;
  std::vector<std::string> envelope;
  std::string format = "json";
  bool gzip = false, gzip_body = false;
  std::vector<Fault> faults;
  std::atomic<int64_t> requests{0};
};

struct Simulator::Impl {
  Options options;
  std::shared_ptr<Recorder> recorder;
  Value auth;
  std::string auth_type = "none";
  std::vector<std::unique_ptr<Route>> routes;
  std::mutex tokens_mutex;
  std::map<std::string, int64_t> tokens;          // issued access/session tokens -> expiry (ms)
  std::map<std::string, int> refresh_tokens;
  std::atomic<int64_t> issued{0};

  Status load();
  Status load_route(const Value& r, size_t n);
  http::ServerResponse handle(const http::ServerRequest& request);
  std::optional<http::ServerResponse> token_endpoint(const http::ServerRequest& request);
  std::optional<http::ServerResponse> check_auth(const http::ServerRequest& request);
  std::optional<http::ServerResponse> check_expectations(const Route& route, const http::ServerRequest& request,
                                                        const simdjson::dom::element* body);
  http::ServerResponse serve(Route& route, const http::ServerRequest& request);
  std::string issue(std::string_view prefix, int64_t ttl_s);
  // Replaces {{origin}} with this server's scheme://host:port as the request names it.
  std::string with_origin(std::string text, const http::ServerRequest& request) const;
  bool token_valid(const std::string& token);
  void render_event(const Route& route, const Value& v, int64_t index, uint64_t& salt, std::string& out) const;
  std::string render_string(const std::string& s, int64_t index, uint64_t& salt, const Route& route,
                            bool* numeric) const;
};

Status Simulator::Impl::load() {
  auto doc = json::parse(options.script_json, "script");
  if (!doc) return std::unexpected(doc.error());
  if (!doc->is_object()) return fail("script", "must be a JSON object");
  if (const Value* a = doc->get("auth")) {
    if (!a->is_object()) return fail("script:/auth", "must be an object");
    auth = *a;
    auth_type = lower(str_of(*a, "type", "none"));
    static constexpr std::array<std::string_view, 9> kTypes{"none", "basic",   "apikey",   "bearer",  "oauth2",
                                                            "jwt",  "session", "ciscoduo", "alicloud"};
    if (std::find(kTypes.begin(), kTypes.end(), auth_type) == kTypes.end()) {
      return fail("script:/auth/type", "unknown auth type '" + auth_type + "'");
    }
  }
  const Value* routes_v = doc->get("routes");
  if (!routes_v || !routes_v->is_array() || routes_v->as_array().empty()) {
    return fail("script:/routes", "needs at least one route");
  }
  for (size_t i = 0; i < routes_v->as_array().size(); ++i) {
    if (auto s = load_route(routes_v->as_array()[i], i); !s) return s;
  }
  return {};
}

Status Simulator::Impl::load_route(const Value& r, size_t n) {
  std::string where = "script:/routes/" + std::to_string(n);
  if (!r.is_object()) return fail(where, "must be an object");
  auto route = std::make_unique<Route>();
  route->method = str_of(r, "method", "GET");
  route->path = str_of(r, "path");
  if (route->path.empty() || route->path.front() != '/') return fail(where + "/path", "must start with /");
  if (const Value* e = r.get("expect")) {
    route->expect_params = pairs_of(*e, "params");
    route->expect_headers = pairs_of(*e, "headers");
    route->strict = bool_of(*e, "strict");
  }
  if (const Value* t = r.get("time_filter")) {
    route->start_param = str_of(*t, "start_param");
    route->end_param = str_of(*t, "end_param");
    route->time_format = str_of(*t, "format", "iso");
    route->start_inclusive = bool_of(*t, "start_inclusive", true);
    route->end_inclusive = bool_of(*t, "end_inclusive", false);
    if (route->time_format != "iso" && route->time_format != "epoch" && route->time_format != "epoch_ms") {
      return fail(where + "/time_filter/format", "must be iso, epoch or epoch_ms");
    }
  }
  if (const Value* p = r.get("paging")) {
    route->paging = str_of(*p, "type", "none");
    static const std::map<std::string, std::string> kDefaultParam{{"none", ""},          {"offset", "offset"},
                                                                  {"page_number", "page"}, {"next_token", "token"},
                                                                  {"next_url", "cursor"},  {"link_header", "cursor"}};
    auto it = kDefaultParam.find(route->paging);
    if (it == kDefaultParam.end()) return fail(where + "/paging/type", "unknown paging type '" + route->paging + "'");
    route->param = str_of(*p, "param", it->second);
    route->size_param = str_of(*p, "size_param");
    route->page_size = int_of(*p, "page_size", 100);
    route->max_page_size = int_of(*p, "max_page_size", 0);
    route->cap_page_size = int_of(*p, "cap_page_size", 0);
    route->relative_url = bool_of(*p, "relative");
    route->token_from_events = bool_of(*p, "token_from_events");
    route->loop = str_of(*p, "loop");
    if (!route->loop.empty() && route->loop != "same_token" && route->loop != "new_token") {
      return fail(where + "/paging/loop", "must be same_token or new_token");
    }
    if (!route->loop.empty() && (route->paging == "none" || route->paging == "offset" || route->paging == "page_number")) {
      return fail(where + "/paging/loop", "needs token or link paging");
    }
    route->zero_based = bool_of(*p, "zero_based");
    route->token_header = str_of(*p, "token_header");
    route->request_header = str_of(*p, "request_header");
    for (auto [key, target] : {std::pair{"token_path", &route->token_path}, std::pair{"total_path", &route->total_path},
                               std::pair{"has_more_path", &route->has_more_path}}) {
      auto segs = path_segments(str_of(*p, key), where + "/paging/" + key);
      if (!segs) return std::unexpected(segs.error());
      *target = std::move(*segs);
    }
    if (route->page_size < 1) return fail(where + "/paging/page_size", "must be positive");
    if (route->paging == "next_url" && route->token_path.empty()) {
      return fail(where + "/paging/token_path", "next_url paging needs the body path of the next URL");
    }
    if (route->paging == "next_token" && route->token_path.empty() && route->token_header.empty() &&
        !route->token_from_events) {
      return fail(where + "/paging", "next_token paging needs token_path, token_header or token_from_events");
    }
  }
  if (const Value* f = r.get("fields")) {
    if (!f->is_object()) return fail(where + "/fields", "must be an object of JSON path -> value");
    for (const auto& [path, value] : f->as_object()) {
      auto segs = path_segments(path, where + "/fields");
      if (!segs) return std::unexpected(segs.error());
      if (segs->empty()) return fail(where + "/fields", "a field path must name a member");
      route->fields.emplace_back(std::move(*segs), json::to_json(value));
    }
  }
  route->params_in_body = str_of(r, "params_in", "query") == "body";
  route->format = str_of(r, "format", "json");
  if (route->format != "json" && route->format != "ndjson" && route->format != "csv" && route->format != "xml") {
    return fail(where + "/format", "must be json, ndjson, csv or xml");
  }
  auto env = path_segments(str_of(r, "envelope", route->format == "xml" ? "$.events.event" : "$"), where + "/envelope");
  if (!env) return std::unexpected(env.error());
  route->envelope = std::move(*env);
  if (!route->fields.empty() && (route->envelope.empty() || route->format != "json")) {
    return fail(where + "/fields", "constant fields need a json body with an envelope path");
  }
  if (route->format == "xml" && route->envelope.size() < 2) {
    return fail(where + "/envelope", "xml needs a root and an item element, e.g. $.events.event");
  }
  const Value* g = r.get("gzip");
  route->gzip = g && g->kind() == Kind::Bool && g->as_bool();
  route->gzip_body = g && g->is_string() && g->as_string() == "body";

  int64_t count = 0;
  int64_t end = floor_div(options.now(), 60'000) * 60'000 * kTicksPerMillisecond;
  int64_t start = end - kTicksPerDay;
  if (const Value* e = r.get("events")) {
    count = int_of(*e, "count", 0);
    if (count < 0) return fail(where + "/events/count", "must not be negative");
    for (auto [key, target] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
      std::string text = str_of(*e, key);
      if (text.empty()) continue;
      auto t = parse_datetime(text);
      if (!t) return fail(where + "/events/" + key, "not an ISO 8601 date-time: " + text);
      *target = t->ticks;
    }
    if (end <= start) return fail(where + "/events/end", "must be after start");
    if (const Value* t = e->get("template")) route->tmpl = *t;
  }
  if (route->tmpl.is_null()) route->tmpl = Value(Object{{"id", Value("{{n}}")}, {"time", Value("{{time}}")}});
  if (route->format == "csv" && !route->tmpl.is_object()) {
    return fail(where + "/events/template", "csv needs a flat object template");
  }
  route->timeline = std::make_unique<Timeline>(count, start, end, hash2(options.seed, n), kTicksPerMillisecond);
  if (const Value* f = r.get("faults")) {
    if (!f->is_array()) return fail(where + "/faults", "must be an array");
    for (const Value& fv : f->as_array()) {
      Fault fault;
      fault.at = int_of(fv, "at", 0);
      fault.status = static_cast<int>(int_of(fv, "status", 0));
      for (auto& [k, v] : pairs_of(fv, "headers")) fault.headers.emplace_back(k, v);
      fault.body = str_of(fv, "body");
      fault.delay_ms = static_cast<int>(int_of(fv, "delay_ms", 0));
      fault.drop = bool_of(fv, "drop");
      if (fault.at < 1) return fail(where + "/faults", "every fault needs \"at\" >= 1");
      route->faults.push_back(std::move(fault));
    }
  }
  routes.push_back(std::move(route));
  return {};
}

std::string Simulator::Impl::with_origin(std::string text, const http::ServerRequest& request) const {
  const std::string_view kOrigin = "{{origin}}";
  for (size_t at = text.find(kOrigin); at != std::string::npos; at = text.find(kOrigin, at)) {
    std::string origin = options.scheme + "://" + std::string(request.header("Host").value_or("127.0.0.1"));
    text.replace(at, kOrigin.size(), origin);
    at += origin.size();
  }
  return text;
}

std::string Simulator::Impl::issue(std::string_view prefix, int64_t ttl_s) {
  int64_t n = issued.fetch_add(1) + 1;
  std::string token = std::string(prefix) + hex(hash2(options.seed ^ 0x70CE, static_cast<uint64_t>(n)), 16) + "." +
                      std::to_string(n);
  std::lock_guard lock(tokens_mutex);
  tokens[token] = options.now() + ttl_s * 1000;
  return token;
}

bool Simulator::Impl::token_valid(const std::string& token) {
  std::lock_guard lock(tokens_mutex);
  auto it = tokens.find(token);
  return it != tokens.end() && options.now() < it->second;
}

namespace {

// Form or JSON fields of a token/login request.
std::map<std::string, std::string> request_fields(const http::ServerRequest& request, bool json_body) {
  std::map<std::string, std::string> out;
  if (json_body) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(simdjson::padded_string(request.body)).get(obj) != simdjson::SUCCESS) return out;
    for (auto [k, v] : obj) {
      std::string_view s;
      if (v.get(s) == simdjson::SUCCESS) out[std::string(k)] = std::string(s);
    }
    return out;
  }
  for (auto& [k, v] : http::parse_query(request.body)) out.emplace(k, v);
  return out;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(const http::ServerRequest& request) {
  auto h = request.header("Authorization");
  if (!h || h->size() < 6 || !iequals(h->substr(0, 6), "Basic ")) return std::nullopt;
  auto decoded = base64_decode(h->substr(6));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace

std::optional<http::ServerResponse> Simulator::Impl::token_endpoint(const http::ServerRequest& request) {
  std::string path;
  if (auth_type == "oauth2") path = str_of(auth, "token_path", "/oauth2/token");
  if (auth_type == "jwt") path = str_of(auth, "token_path", "/api/login");
  if (auth_type == "session") path = str_of(auth, "login_path", "/api/session");
  if (path.empty() || request.path != path) return std::nullopt;
  if (request.method != "POST" && !(auth_type == "jwt" && request.method == str_of(auth, "method", "POST"))) {
    return error_json(405, "the token endpoint takes POST");
  }
  bool json_body = bool_of(auth, "json_request");
  auto fields = request_fields(request, json_body);
  auto field = [&](const std::string& k) { return fields.contains(k) ? fields[k] : std::string(); };
  int64_t ttl = int_of(auth, "ttl", auth_type == "session" ? 1800 : 3600);

  if (auth_type == "oauth2") {
    auto oauth_error = [](int status, std::string_view error, std::string_view description) {
      std::string body = "{\"error\":\"" + std::string(error) + "\",\"error_description\":";
      append_json_string(body, description);
      body += '}';
      return http::ServerResponse::json(status, std::move(body));
    };
    std::string credentials = str_of(auth, "credentials", "either");
    auto basic = basic_credentials(request);
    std::string id = field("client_id"), secret = field("client_secret");
    if (basic && credentials != "body") {
      id = basic->first;
      secret = basic->second;
    } else if (credentials == "basic") {
      return oauth_error(401, "invalid_client", "client credentials must be sent with HTTP Basic");
    } else if (!basic && credentials == "body" && id.empty()) {
      return oauth_error(400, "invalid_request", "client_id is missing");
    }
    if (id != str_of(auth, "client_id") || secret != str_of(auth, "client_secret")) {
      return oauth_error(401, "invalid_client", "client authentication failed");
    }
    for (auto [name, want] : pairs_of(auth, "expect_fields")) {
      want = with_origin(want, request);
      std::string got = fields.contains(name) ? fields[name] : std::string(request.param(name).value_or(""));
      if (got != want) return oauth_error(400, "invalid_request", name + " must be '" + want + "', got '" + got + "'");
    }
    std::string grant = field("grant_type");
    if (grant == "refresh_token") {
      std::lock_guard lock(tokens_mutex);
      std::string preset = str_of(auth, "refresh_token");
      if (!refresh_tokens.contains(field("refresh_token")) && (preset.empty() || field("refresh_token") != preset)) {
        return oauth_error(400, "invalid_grant", "the refresh token is invalid or expired");
      }
    } else if (grant == "password") {
      if (field("username") != str_of(auth, "username") || field("password") != str_of(auth, "password")) {
        return oauth_error(400, "invalid_grant", "invalid username or password");
      }
    } else if (grant != "client_credentials") {
      return oauth_error(400, "unsupported_grant_type", "grant_type '" + grant + "' is not supported");
    }
    std::string scope = str_of(auth, "scope");
    if (!scope.empty() && grant != "refresh_token" && field("scope") != scope) {
      return oauth_error(400, "invalid_scope", "the scope must be '" + scope + "'");
    }
    std::string token = issue("sim-at-", ttl);
    std::string refresh = "sim-rt-" + hex(hash2(options.seed, static_cast<uint64_t>(issued.load())), 16);
    {
      std::lock_guard lock(tokens_mutex);
      refresh_tokens[refresh] = 1;
    }
    return http::ServerResponse::json(200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":" +
                                               std::to_string(ttl) + ",\"refresh_token\":\"" + refresh + "\"}");
  }

  if (auth_type == "jwt" && !str_of(auth, "user_token").empty()) {
    // A user token exchanged for a session JWT (BigID): the user token is the Authorization header.
    std::string prefix = str_of(auth, "user_token_prefix");
    std::string want = prefix.empty() ? str_of(auth, "user_token") : prefix + " " + str_of(auth, "user_token");
    if (request.header("Authorization").value_or("") != want) return unauthorized("invalid user token", "");
  } else {
    // jwt and session logins: user/password in the body (or the query string of a GET), or HTTP Basic.
    std::string user_field = str_of(auth, "username_field", "username");
    std::string password_field = str_of(auth, "password_field", "password");
    std::string user = fields.contains(user_field) ? fields[user_field] : std::string(request.param(user_field).value_or(""));
    std::string password =
        fields.contains(password_field) ? fields[password_field] : std::string(request.param(password_field).value_or(""));
    if (auto basic = basic_credentials(request); basic && str_of(auth, "credentials", "body") == "basic") {
      user = basic->first;
      password = basic->second;
    }
    if (user != str_of(auth, "username") || password != str_of(auth, "password")) {
      return unauthorized("invalid username or password", "");
    }
  }
  if (auth_type == "jwt") {
    // Three base64url-looking parts, so clients that peek at the shape are satisfied.
    std::string token = issue("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzaW0ifQ.", ttl);
    std::string header = str_of(auth, "token_in_header");
    if (!header.empty()) {
      http::ServerResponse r = http::ServerResponse::json(200, "{}");
      r.headers.emplace_back(header, token);
      return r;
    }
    std::string body = "{";
    append_json_string(body, str_of(auth, "token_field", "access_token"));
    body += ":\"" + token + "\",\"expires_in\":" + std::to_string(ttl) + "}";
    return http::ServerResponse::json(200, std::move(body));
  }
  std::string name = str_of(auth, "session_header", "X-Session-Id");
  std::string session = issue("sess-", ttl);
  std::string body = "{";
  append_json_string(body, name);
  body += ":\"" + session + "\"}";
  http::ServerResponse r = http::ServerResponse::json(200, std::move(body));
  r.headers.emplace_back(name, session);
  return r;
}

std::optional<http::ServerResponse> Simulator::Impl::check_auth(const http::ServerRequest& request) {
  auto header = [&](std::string_view name) { return std::string(request.header(name).value_or("")); };
  if (auth_type == "none") return std::nullopt;
  if (auth_type == "basic") {
    auto basic = basic_credentials(request);
    if (!basic || basic->first != str_of(auth, "username") || basic->second != str_of(auth, "password")) {
      return unauthorized("invalid basic credentials", "Basic realm=\"sim\"");
    }
    return std::nullopt;
  }
  if (auth_type == "apikey") {
    std::string key = str_of(auth, "key");
    std::string query = str_of(auth, "query");
    if (!query.empty()) {
      if (request.param(query) != key) return unauthorized("invalid API key in query parameter " + query, "");
      return std::nullopt;
    }
    std::string prefix = str_of(auth, "prefix");
    std::string expected = prefix.empty() ? key : prefix + " " + key;
    if (header(str_of(auth, "header", "Authorization")) != expected) return unauthorized("invalid API key", "");
    return std::nullopt;
  }
  if (auth_type == "bearer") {
    if (header("Authorization") != "Bearer " + str_of(auth, "token")) {
      return unauthorized("invalid bearer token", "Bearer error=\"invalid_token\"");
    }
    return std::nullopt;
  }
  if (auth_type == "oauth2" || auth_type == "jwt") {
    std::string name = auth_type == "jwt" ? str_of(auth, "header", "Authorization") : "Authorization";
    std::string prefix = str_of(auth, "prefix", "Bearer");
    std::string value = header(name);
    if (!prefix.empty()) {
      if (!value.starts_with(prefix + " ")) return unauthorized("missing " + prefix + " token in " + name, "Bearer");
      value = value.substr(prefix.size() + 1);
    }
    if (!token_valid(value)) {
      return unauthorized("the access token is invalid or expired", "Bearer error=\"invalid_token\"");
    }
    return std::nullopt;
  }
  if (auth_type == "session") {
    if (!token_valid(header(str_of(auth, "session_header", "X-Session-Id")))) {
      return unauthorized("the session is invalid or expired", "");
    }
    return std::nullopt;
  }
  if (auth_type == "ciscoduo") {
    std::string date = header("Date");
    if (date.empty()) return unauthorized("missing Date header", "Basic realm=\"Duo\"");
    bool form = request.method != "GET" && request.method != "DELETE" && !request.body.empty();
    http::QueryParams params = form ? http::parse_query(request.body) : request.query;
    std::vector<std::pair<std::string, std::string>> encoded;
    for (const auto& [k, v] : params) encoded.emplace_back(http::url_encode(k), http::url_encode(v));
    std::sort(encoded.begin(), encoded.end());
    std::string canon_params;
    for (const auto& [k, v] : encoded) canon_params += (canon_params.empty() ? "" : "&") + k + "=" + v;
    std::string canonical =
        date + "\n" + request.method + "\n" + lower(header("Host")) + "\n" + request.path + "\n" + canon_params;
    std::string expected = str_of(auth, "ikey") + ":" + to_hex(hmac_sha1(str_of(auth, "skey"), canonical));
    auto basic = basic_credentials(request);
    if (!basic || basic->first + ":" + basic->second != expected) {
      return unauthorized("invalid Duo signature", "Basic realm=\"Duo\"");
    }
    return std::nullopt;
  }
  // alicloud (SLS): recompute the documented string to sign.
  std::string sign = request.method + "\n" + header("Content-MD5") + "\n" + header("Content-Type") + "\n" +
                     header("Date") + "\n";
  if (!request.body.empty() && header("Content-MD5") != md5_hex_upper(request.body)) {
    return unauthorized("Content-MD5 does not match the body", "");
  }
  std::vector<std::pair<std::string, std::string>> log_headers;
  for (const auto& [k, v] : request.headers) {
    std::string name = lower(k);
    if (name.starts_with("x-log-") || name.starts_with("x-acs-")) {
      std::string_view t = v;
      while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
      while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
      log_headers.emplace_back(name, std::string(t));
    }
  }
  std::sort(log_headers.begin(), log_headers.end());
  for (const auto& [k, v] : log_headers) sign += k + ":" + v + "\n";
  sign += request.path;
  if (!request.query.empty()) {
    auto params = request.query;
    std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string q;
    for (const auto& [k, v] : params) q += (q.empty() ? "" : "&") + k + "=" + v;
    sign += "?" + q;
  }
  std::string expected = "LOG " + str_of(auth, "access_key_id") + ":" +
                         base64_encode(hmac_sha1(str_of(auth, "access_key_secret"), sign));
  if (header("Authorization") != expected) return unauthorized("invalid SLS signature", "");
  return std::nullopt;
}

namespace {

// A paging or time parameter: the query string, or a member of the JSON body.
std::optional<std::string> param_of(const Route& route, const http::ServerRequest& request,
                                    const simdjson::dom::element* body, const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (auto v = request.param(name)) return v;
  if (!route.params_in_body || !body) return std::nullopt;
  simdjson::dom::element e;
  if ((*body)[name].get(e) != simdjson::SUCCESS) return std::nullopt;
  if (e.is_string()) return std::string(std::string_view(e.get_string()));
  if (e.is_int64()) return std::to_string(int64_t(e.get_int64()));
  if (e.is_null()) return std::nullopt;
  return simdjson::minify(e);
}

}  // namespace

std::optional<http::ServerResponse> Simulator::Impl::check_expectations(const Route& route,
                                                                       const http::ServerRequest& request,
                                                                       const simdjson::dom::element* body) {
  for (auto [name, want] : route.expect_headers) {
    want = with_origin(want, request);
    auto got = request.header(name);
    if (!got) return error_json(400, "missing header " + name);
    if (want != "*" && *got != want) return error_json(400, "header " + name + " must be '" + want + "', got '" + std::string(*got) + "'");
  }
  for (auto [name, want] : route.expect_params) {
    want = with_origin(want, request);
    auto got = param_of(route, request, body, name);
    if (!got) return error_json(400, "missing parameter " + name);
    if (want != "*" && *got != want) return error_json(400, "parameter " + name + " must be '" + want + "', got '" + *got + "'");
  }
  if (route.strict) {
    for (const auto& [name, value] : request.query) {
      bool known = name == route.param || name == route.size_param || name == route.start_param ||
                   name == route.end_param || (auth_type == "apikey" && name == str_of(auth, "query"));
      for (const auto& [n, w] : route.expect_params) known = known || n == name;
      if (!known) return error_json(400, "unexpected parameter " + name);
    }
  }
  return std::nullopt;
}

std::string Simulator::Impl::render_string(const std::string& s, int64_t index, uint64_t& salt, const Route& route,
                                           bool* numeric) const {
  int64_t t = route.timeline->at(index);
  int64_t ms = floor_div(t, kTicksPerMillisecond);
  auto expand = [&](std::string_view name) -> std::string {
    if (name == "i") return std::to_string(index);
    if (name == "n") return std::to_string(index + 1);
    if (name == "time") return iso_time(t, 3);
    if (name == "epoch") return std::to_string(floor_div(ms, 1000));
    if (name == "epoch_ms") return std::to_string(ms);
    if (name == "cursor") return encode_token(index + 1);
    if (name == "uuid") {
      uint64_t k = salt++;
      return uuid(hash2(options.seed ^ k, static_cast<uint64_t>(index)), hash2(options.seed ^ ~k, static_cast<uint64_t>(index)));
    }
    if (name == "hex") return hex(hash2(options.seed ^ salt++, static_cast<uint64_t>(index)), 16);
    if (name.starts_with("choice:")) {
      std::string_view list = name.substr(7);
      std::vector<std::string_view> items;
      for (size_t p = 0;;) {
        size_t bar = list.find('|', p);
        items.push_back(list.substr(p, bar - p));
        if (bar == std::string_view::npos) break;
        p = bar + 1;
      }
      return std::string(items[hash2(options.seed ^ salt++, static_cast<uint64_t>(index)) % items.size()]);
    }
    return "{{" + std::string(name) + "}}";
  };
  if (numeric) {
    *numeric = s == "{{i}}" || s == "{{n}}" || s == "{{epoch}}" || s == "{{epoch_ms}}";
  }
  std::string out;
  for (size_t p = 0; p < s.size();) {
    size_t open = s.find("{{", p);
    if (open == std::string::npos) {
      out.append(s, p);
      break;
    }
    size_t close = s.find("}}", open + 2);
    if (close == std::string::npos) {
      out.append(s, p);
      break;
    }
    out.append(s, p, open - p);
    out += expand(std::string_view(s).substr(open + 2, close - open - 2));
    p = close + 2;
  }
  return out;
}

void Simulator::Impl::render_event(const Route& route, const Value& v, int64_t index, uint64_t& salt,
                                   std::string& out) const {
  switch (v.kind()) {
    case Kind::String: {
      bool numeric = false;
      std::string s = render_string(v.as_string(), index, salt, route, &numeric);
      if (numeric) out += s; else append_json_string(out, s);
      return;
    }
    case Kind::Array: {
      out += '[';
      for (size_t i = 0; i < v.as_array().size(); ++i) {
        if (i) out += ',';
        render_event(route, v.as_array()[i], index, salt, out);
      }
      out += ']';
      return;
    }
    case Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [k, member] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, k);
        out += ':';
        render_event(route, member, index, salt, out);
      }
      out += '}';
      return;
    }
    default: json::append_json(out, v);
  }
}

namespace {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void append_xml(std::string& out, std::string_view name, simdjson::dom::element e) {
  if (e.is_array()) {
    for (auto item : e.get_array()) append_xml(out, name, item);
    return;
  }
  out += "<" + std::string(name) + ">";
  if (e.is_object()) {
    for (auto [k, v] : e.get_object()) append_xml(out, k, v);
  } else if (e.is_string()) {
    out += xml_escape(e.get_string().value());
  } else if (!e.is_null()) {
    out += simdjson::minify(e);
  }
  out += "</" + std::string(name) + ">";
}

std::string encode_token(int64_t position) { return base64_encode("pos:" + std::to_string(position)); }

std::optional<int64_t> decode_token(std::string_view token) {
  auto d = base64_decode(token);
  if (!d || !d->starts_with("pos:")) return std::nullopt;
  return parse_int(std::string_view(*d).substr(4));
}

}  // namespace

http::ServerResponse Simulator::Impl::serve(Route& route, const http::ServerRequest& request) {
  simdjson::dom::parser parser;
  simdjson::dom::element body_doc;
  const simdjson::dom::element* body = nullptr;
  if (!request.body.empty() && parser.parse(simdjson::padded_string(request.body)).get(body_doc) == simdjson::SUCCESS) {
    body = &body_doc;
  }
  if (auto r = check_expectations(route, request, body)) return *r;
  const Timeline& tl = *route.timeline;

  // Time window.
  int64_t lo = 0, hi = tl.count();
  auto bound = [&](const std::string& name) -> Result<std::optional<int64_t>> {
    auto text = param_of(route, request, body, name);
    if (!text) return std::optional<int64_t>{};
    if (route.time_format == "iso") {
      auto t = parse_datetime(*text);
      if (!t) return fail("parameter " + name + " is not an ISO 8601 date-time: " + *text);
      return std::optional<int64_t>{t->ticks};
    }
    auto n = parse_int(*text);
    if (!n) return fail("parameter " + name + " is not an integer: " + *text);
    return std::optional<int64_t>{*n * (route.time_format == "epoch" ? kTicksPerSecond : kTicksPerMillisecond)};
  };
  auto start = bound(route.start_param);
  if (!start) return error_json(400, start.error().message);
  auto end = bound(route.end_param);
  if (!end) return error_json(400, end.error().message);
  if (*start) lo = tl.lower(**start, route.start_inclusive);
  if (*end) hi = std::max(lo, tl.lower(**end, !route.end_inclusive));
  int64_t total = hi - lo;

  // Page size and position.
  int64_t size = route.paging == "none" ? std::max<int64_t>(total, 1) : route.page_size;
  if (auto v = param_of(route, request, body, route.size_param)) {
    auto n = parse_int(*v);
    if (!n || *n < 1) return error_json(400, "parameter " + route.size_param + " must be a positive integer");
    if (route.max_page_size > 0 && *n > route.max_page_size) {
      return error_json(400, "parameter " + route.size_param + " must not exceed " + std::to_string(route.max_page_size));
    }
    size = *n;
  }
  if (route.cap_page_size > 0) size = std::min(size, route.cap_page_size);
  int64_t pos = 0;
  int64_t page = 0;
  if (route.paging == "offset") {
    if (auto v = param_of(route, request, body, route.param)) {
      auto n = parse_int(*v);
      if (!n || *n < 0) return error_json(400, "parameter " + route.param + " must be a non-negative integer");
      pos = *n;
    }
  } else if (route.paging == "page_number") {
    int64_t base = route.zero_based ? 0 : 1;
    page = base;
    if (auto v = param_of(route, request, body, route.param)) {
      auto n = parse_int(*v);
      if (!n || *n < base) return error_json(400, "parameter " + route.param + " must be an integer >= " + std::to_string(base));
      page = *n;
    }
    pos = (page - base) * size;
  } else if (route.paging != "none") {
    std::optional<std::string> token;
    if (route.paging == "next_token" && !route.request_header.empty()) {
      if (auto h = request.header(route.request_header)) token = std::string(*h);
    } else {
      token = param_of(route, request, body, route.param);
    }
    if (token && !token->empty()) {
      auto p = decode_token(*token);
      if (!p || *p < 0 || (*p > total && route.loop != "new_token")) {
        return error_json(400, "invalid page token '" + *token + "'");
      }
      pos = *p;
    }
  }
  std::vector<int64_t> indices;
  bool more = false;
  int64_t next_pos = 0;
  if (route.loop == "new_token") {
    // A server that never runs out: the position keeps advancing, the events wrap around.
    for (int64_t k = 0; total > 0 && k < size; ++k) indices.push_back(lo + (pos + k) % total);
    more = total > 0;
    next_pos = pos + size;
  } else {
    int64_t first = lo + std::min(pos, total);
    int64_t last = std::min(first + size, hi);
    for (int64_t i = first; i < last; ++i) indices.push_back(i);
    more = last < hi;
    next_pos = last - lo;
    if (route.loop == "same_token" && total > 0) {
      // A server stuck on one cursor: every page points at the second page again.
      more = true;
      next_pos = std::min(size, total);
    }
  }
  recorder->add_records_served(static_cast<int64_t>(indices.size()));

  // Next page reference.
  std::string next_token = more ? encode_token(next_pos) : std::string();
  std::string next_url;
  if (more && (route.paging == "next_url" || route.paging == "link_header")) {
    http::QueryParams q;
    for (const auto& [k, v] : request.query) {
      if (k != route.param) q.emplace_back(k, v);
    }
    q.emplace_back(route.param, next_token);
    std::string host = std::string(request.header("Host").value_or("127.0.0.1"));
    next_url = request.path + "?" + http::build_query(q);
    if (!route.relative_url) next_url = options.scheme + "://" + host + next_url;
  }

  uint64_t salt = 0;
  std::string events;
  http::ServerResponse response;
  if (route.format == "json") {
    events = "[";
    for (size_t k = 0; k < indices.size(); ++k) {
      if (k) events += ',';
      salt = 0;
      render_event(route, route.tmpl, indices[k], salt, events);
    }
    events += ']';
    std::string out;
    if (route.envelope.empty()) {
      out = std::move(events);
    } else {
      RawTree tree;
      tree.insert(route.envelope, 0, std::move(events));
      if (!route.token_path.empty()) {
        std::string value = route.paging == "next_url" || route.paging == "link_header" ? next_url : next_token;
        std::string raw = "null";
        if (!value.empty()) {
          raw.clear();
          append_json_string(raw, value);
        }
        tree.insert(route.token_path, 0, raw);
      }
      if (!route.total_path.empty()) tree.insert(route.total_path, 0, std::to_string(total));
      if (!route.has_more_path.empty()) tree.insert(route.has_more_path, 0, more ? "true" : "false");
      for (const auto& [path, raw] : route.fields) tree.insert(path, 0, raw);
      tree.render(out);
    }
    response = http::ServerResponse::json(200, std::move(out));
  } else if (route.format == "ndjson") {
    for (int64_t i : indices) {
      salt = 0;
      render_event(route, route.tmpl, i, salt, events);
      events += '\n';
    }
    response = http::ServerResponse::text(200, std::move(events));
    http::set_header(response.headers, "Content-Type", "application/x-ndjson");
  } else {
    simdjson::dom::parser row_parser;
    std::string out;
    if (route.format == "csv") {
      for (size_t c = 0; c < route.tmpl.as_object().size(); ++c) {
        out += (c ? "," : "") + csv_field(route.tmpl.as_object()[c].first);
      }
      out += "\r\n";
    } else {
      out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><" + route.envelope[0] + ">";
    }
    for (int64_t i : indices) {
      std::string json_row;
      salt = 0;
      render_event(route, route.tmpl, i, salt, json_row);
      simdjson::dom::element row = row_parser.parse(simdjson::padded_string(json_row));
      if (route.format == "csv") {
        bool first_col = true;
        for (auto [k, v] : row.get_object()) {
          out += first_col ? "" : ",";
          first_col = false;
          out += csv_field(v.is_string() ? std::string(v.get_string().value()) : simdjson::minify(v));
        }
        out += "\r\n";
      } else {
        std::string inner;
        append_xml(inner, route.envelope.back(), row);
        for (size_t d = route.envelope.size() - 2; d >= 1; --d) inner = "<" + route.envelope[d] + ">" + inner;
        out += inner;
      }
    }
    if (route.format == "xml") out += "</" + route.envelope[0] + ">";
    response = http::ServerResponse::text(200, std::move(out));
    http::set_header(response.headers, "Content-Type", route.format == "csv" ? "text/csv" : "application/xml");
  }
  if (route.paging == "next_token" && !route.token_header.empty() && more) {
    response.headers.emplace_back(route.token_header, next_token);
  }
  if (route.paging == "link_header" && more) {
    response.headers.emplace_back("Link", "<" + next_url + ">; rel=\"next\"");
  }
  if (route.gzip || route.gzip_body) {
    if (auto z = gzip(response.body)) {
      response.body = std::move(*z);
      if (route.gzip) response.headers.emplace_back("Content-Encoding", "gzip");
      else http::set_header(response.headers, "Content-Type", "application/gzip");
    }
  }
  return response;
}

http::ServerResponse Simulator::Impl::handle(const http::ServerRequest& request) {
  if (auto r = token_endpoint(request)) return *r;
  Route* route = nullptr;
  bool path_found = false;
  for (auto& r : routes) {
    if (r->path != request.path) continue;
    path_found = true;
    if (r->method == request.method) route = r.get();
  }
  if (!route) return error_json(path_found ? 405 : 404, path_found ? "method not allowed" : "no route for " + request.path);
  int64_t n = route->requests.fetch_add(1) + 1;
  for (const Fault& f : route->faults) {
    if (f.at != n) continue;
    http::ServerResponse r;
    r.drop_connection = f.drop;
    r.delay_ms = f.delay_ms;
    if (f.status == 0) break;  // only a delay: serve normally below
    r.status = f.status;
    r.headers = f.headers;
    r.body = f.body;
    if (!http::find_header(r.headers, "Content-Type")) r.headers.emplace_back("Content-Type", "application/json");
    return r;
  }
  if (auto r = check_auth(request)) return *r;
  http::ServerResponse response = serve(*route, request);
  for (const Fault& f : route->faults) {
    if (f.at == n && f.status == 0) {
      response.delay_ms = f.delay_ms;
      response.drop_connection = f.drop;
    }
  }
  return response;
}

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  auto impl = std::make_unique<Impl>();
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  impl->options = std::move(options);
  impl->recorder = std::move(recorder);
  if (auto s = impl->load(); !s) return std::unexpected(s.error());
  return std::unique_ptr<Simulator>(new Simulator(std::move(impl)));
}

Simulator::Simulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulator::~Simulator() = default;

http::ServerResponse Simulator::handle(const http::ServerRequest& request) { return impl_->handle(request); }

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

class ScriptCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("file", file_, "Script (JSON) describing auth, routes, paging, events and faults")
        ->required()
        ->check(CLI::ExistingFile);
    app.footer("The script format is documented in sim/script.h. GET /_sim/stats and /_sim/requests as usual.");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    std::ifstream in(file_, std::ios::binary);
    if (!in) return fail(file_, "cannot read the script");
    std::stringstream ss;
    ss << in.rdbuf();
    Options o;
    o.script_json = ss.str();
    o.scheme = common.tls_cert.empty() ? "http" : "https";
    o.seed = common.seed;
    auto sim = Simulator::create(std::move(o), std::move(recorder));
    if (!sim) return std::unexpected(sim.error().within(file_));
    return share_handler(std::move(*sim));
  }

 private:
  std::string file_;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<ScriptCommand>(); }

}  // namespace intake::sim::script
