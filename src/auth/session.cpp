#include "auth/session.h"

#include "auth/common.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::auth {

namespace {

// The value of cookie `name` in a Set-Cookie header ("sid=abc; Path=/; HttpOnly").
std::optional<std::string> cookie_value(std::string_view set_cookie, std::string_view name) {
  size_t eq = set_cookie.find('=');
  if (eq == std::string_view::npos || !iequals(set_cookie.substr(0, eq), name)) return std::nullopt;
  std::string_view value = set_cookie.substr(eq + 1);
  return std::string(value.substr(0, value.find(';')));
}

class Session final : public Authenticator {
 public:
  Session(const SessionSpec& spec, http::Client& client, Clock clock) : spec_(spec), client_(client), clock_(std::move(clock)) {}

  Status apply(http::Request& request) override {
    if (session_.empty() || clock_() >= expires_) {
      if (auto ok = login(); !ok) return ok;
    }
    http::set_header(request.headers, spec_.session_id_name, session_);
    if (from_cookie_) http::set_header(request.headers, "Cookie", spec_.session_id_name + "=" + session_);
    return {};
  }

  Result<bool> refresh() override {
    session_.clear();
    if (auto ok = login(); !ok) return std::unexpected(ok.error());
    return true;
  }

 private:
  Status login() {
    http::Request req;
    req.method = "POST";
    req.url = spec_.query.empty() ? spec_.login_uri : http::append_query(spec_.login_uri, spec_.query);
    req.headers = spec_.headers;
    req.body = encode_fields({{spec_.user.key, spec_.user.value}, {spec_.password.key, spec_.password.value}}, spec_.json_payload);
    if (!http::find_header(req.headers, "Content-Type")) {
      req.headers.emplace_back("Content-Type", spec_.json_payload ? "application/json" : "application/x-www-form-urlencoded");
    }
    std::vector<std::string> secrets{spec_.password.value};
    auto resp = send_credential_request(client_, req, spec_.timeout_seconds, "session login");
    if (!resp) return std::unexpected(resp.error());
    if (resp->status < 200 || resp->status >= 300) {
      bool rejected = resp->status == 400 || resp->status == 401 || resp->status == 403;
      return std::unexpected(credential_error(req, *resp, "session login", rejected ? "check the user name and password" : "", secrets));
    }
    std::optional<std::string> id;
    from_cookie_ = false;
    if (auto body = json::parse(resp->body); body) {
      const Value* v = nullptr;
      if (spec_.session_id_name.starts_with("$")) {
        if (auto p = json::JsonPath::compile(spec_.session_id_name)) v = p->first(*body);
      } else if (body->is_object()) {
        v = body->get_ci(spec_.session_id_name);
      }
      if (v && v->is_string() && !v->as_string().empty()) id = v->as_string();
      else if (v && v->is_number()) id = json::to_json(*v);
    }
    if (!id) {
      if (auto h = http::find_header(resp->headers, spec_.session_id_name); h && !h->empty()) id = std::string(*h);
    }
    if (!id) {
      for (const auto& [k, v] : resp->headers) {
        if (!iequals(k, "Set-Cookie")) continue;
        if ((id = cookie_value(v, spec_.session_id_name))) {
          from_cookie_ = true;
          break;
        }
      }
    }
    if (!id || id->empty()) {
      return std::unexpected(credential_error(req, *resp, "session login",
                                              "no session id '" + spec_.session_id_name + "' in the body, headers or cookies",
                                              secrets));
    }
    session_ = std::move(*id);
    expires_ = add_seconds(clock_(), spec_.timeout_minutes * 60);
    return {};
  }

  SessionSpec spec_;
  http::Client& client_;
  Clock clock_;
  std::string session_;
  bool from_cookie_ = false;
  DateTime expires_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> make_session(const SessionSpec& spec, http::Client& client, Clock clock) {
  if (auto ok = check_endpoint_url("auth/sessionLoginRequestUri", spec.login_uri); !ok) return std::unexpected(ok.error());
  if (spec.session_id_name.empty()) return fail("auth/sessionIdName", "Session needs the name of the session id");
  if (spec.user.key.empty() || spec.password.key.empty()) {
    return fail("auth", "Session needs userName and password {key, value} objects");
  }
  SessionSpec s = spec;
  if (s.timeout_minutes <= 0) s.timeout_minutes = 30;
  return std::make_unique<Session>(s, client, std::move(clock));
}

}  // namespace intake::auth
