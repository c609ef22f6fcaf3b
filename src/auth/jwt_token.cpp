#include "auth/jwt_token.h"

#include "auth/common.h"
#include "core/base64.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::auth {

namespace {

class JwtToken final : public Authenticator {
 public:
  JwtToken(const JwtTokenSpec& spec, std::optional<json::JsonPath> path, http::Client& client, Clock clock)
      : spec_(spec), path_(std::move(path)), client_(client), clock_(std::move(clock)) {
    if (spec_.header.empty()) spec_.header = "Authorization";
    if (spec_.token_header_name.empty()) spec_.token_header_name = "Authorization";
  }

  Status apply(http::Request& request) override {
    if (token_.empty() || (expires_ && clock_() >= *expires_)) {
      if (auto ok = login(); !ok) return ok;
    }
    http::set_header(request.headers, spec_.header, spec_.no_access_token_prepend ? token_ : "Bearer " + token_);
    return {};
  }

  Result<bool> refresh() override {
    token_.clear();
    if (auto ok = login(); !ok) return std::unexpected(ok.error());
    return true;
  }

 private:
  Status login() {
    http::Request req;
    req.method = spec_.method.empty() ? "POST" : spec_.method;
    req.url = spec_.query.empty() ? spec_.token_endpoint : http::append_query(spec_.token_endpoint, spec_.query);
    req.headers = spec_.headers;
    std::string hint;
    if (!spec_.user_token.empty()) {
      http::set_header(req.headers, "Authorization",
                       spec_.user_token_prepend.empty() ? spec_.user_token : spec_.user_token_prepend + " " + spec_.user_token);
      hint = "check UserToken";
    } else if (spec_.credentials_in_headers) {
      http::set_header(req.headers, "Authorization", "Basic " + base64_encode(spec_.user.value + ":" + spec_.password.value));
      hint = "check the user name and password";
    } else {
      http::QueryParams fields{{spec_.user.key, spec_.user.value}, {spec_.password.key, spec_.password.value}};
      if (req.method == "GET") {
        req.url = http::append_query(req.url, fields);
      } else {
        req.body = encode_fields(fields, spec_.json_request);
        if (!http::find_header(req.headers, "Content-Type")) {
          req.headers.emplace_back("Content-Type", spec_.json_request ? "application/json" : "application/x-www-form-urlencoded");
        }
      }
      hint = "check the user name and password";
    }
    if (!http::find_header(req.headers, "Accept")) req.headers.emplace_back("Accept", "application/json");

    std::vector<std::string> secrets{spec_.password.value, spec_.user_token};
    auto resp = send_credential_request(client_, req, spec_.timeout_seconds, "token endpoint");
    if (!resp) return std::unexpected(resp.error());
    if (resp->status < 200 || resp->status >= 300) {
      bool rejected = resp->status == 400 || resp->status == 401 || resp->status == 403;
      return std::unexpected(credential_error(req, *resp, "token endpoint", rejected ? hint : "", secrets));
    }
    std::string token;
    if (spec_.token_in_response_header) {
      auto h = http::find_header(resp->headers, spec_.token_header_name);
      if (!h || h->empty()) {
        return std::unexpected(credential_error(req, *resp, "token endpoint",
                                                "no " + spec_.token_header_name + " header in the response", secrets));
      }
      token = std::string(*h);
    } else {
      auto body = json::parse(resp->body);
      const Value* v = nullptr;
      if (body && path_) {
        v = path_->first(*body);
      } else if (body && body->is_object()) {
        for (auto name : {"access_token", "token", "jwt"}) {
          if ((v = body->get_ci(name))) break;
        }
      }
      if (!v || !v->is_string() || v->as_string().empty()) {
        std::string where = path_ ? path_->source() : "access_token, token or jwt";
        return std::unexpected(credential_error(req, *resp, "token endpoint", "no token string at " + where, secrets));
      }
      token = v->as_string();
    }
    token_ = strip_identifier(token);
    expires_.reset();
    if (auto exp = jwt_expiry(token_)) expires_ = add_seconds(*exp, -kExpirySkewSeconds);
    return {};
  }

  // "Bearer abc" with JwtTokenIdentifier "Bearer" -> "abc".
  std::string strip_identifier(std::string token) const {
    const auto& id = spec_.token_identifier;
    if (!id.empty() && token.size() >= id.size() && iequals(std::string_view(token).substr(0, id.size()), id)) {
      token.erase(0, id.size());
      size_t start = token.find_first_not_of(' ');
      token.erase(0, start == std::string::npos ? token.size() : start);
    }
    return token;
  }

  JwtTokenSpec spec_;
  std::optional<json::JsonPath> path_;
  http::Client& client_;
  Clock clock_;
  std::string token_;
  std::optional<DateTime> expires_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> make_jwt_token(const JwtTokenSpec& spec, http::Client& client, Clock clock) {
  if (auto ok = check_endpoint_url("auth/TokenEndpoint", spec.token_endpoint); !ok) return std::unexpected(ok.error());
  if (spec.user_token.empty() && !spec.credentials_in_headers && (spec.user.key.empty() || spec.password.key.empty())) {
    return fail("auth", "JwtToken needs userName and password {key, value} objects, or UserToken");
  }
  std::optional<json::JsonPath> path;
  if (!spec.token_in_response_header && !spec.token_json_path.empty()) {
    auto p = json::JsonPath::compile(spec.token_json_path);
    if (!p) return fail("auth/JwtTokenJsonPath", p.error().str());
    path = std::move(*p);
  }
  return std::make_unique<JwtToken>(spec, std::move(path), client, std::move(clock));
}

}  // namespace intake::auth
