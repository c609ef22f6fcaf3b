#include "auth/oauth2.h"

#include <algorithm>
#include <cctype>

#include "auth/common.h"
#include "core/base64.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::auth {

std::optional<OAuth2Grant> OAuth2Spec::grant() const {
  std::string g;
  for (char c : grant_type) {
    if (c != '_' && c != '-' && c != ' ') g += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (g.empty() || g == "clientcredentials") return OAuth2Grant::ClientCredentials;
  // FlowName "AuthCode" is the legacy spelling; "refresh_token" means the operator supplies one.
  if (g == "authorizationcode" || g == "authcode" || g == "refreshtoken") return OAuth2Grant::AuthorizationCode;
  if (g == "password") return OAuth2Grant::Password;
  // Interactive grants cannot run unattended.
  if (g == "implicit" || g == "devicecode" || g.find("devicecode") != std::string::npos) return std::nullopt;
  // Any other token-shaped name is a vendor grant (client credentials under another name).
  bool plain = !grant_type.empty() && std::all_of(grant_type.begin(), grant_type.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':';
  });
  if (plain) return OAuth2Grant::Custom;
  return std::nullopt;
}

namespace {

bool has_field(const http::QueryParams& fields, std::string_view name) {
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
}

class OAuth2 final : public Authenticator {
 public:
  OAuth2(const OAuth2Spec& spec, OAuth2Grant grant, http::Client& client, Clock clock)
      : spec_(spec), grant_(grant), client_(client), clock_(std::move(clock)), token_(spec.access_token),
        refresh_token_(spec.refresh_token) {}

  Status apply(http::Request& request) override {
    if (token_.empty() || (expires_ && clock_() >= *expires_)) {
      if (auto ok = fetch(); !ok) return ok;
    }
    http::set_header(request.headers, "Authorization",
                     spec_.access_token_prepend.empty() ? token_ : spec_.access_token_prepend + " " + token_);
    return {};
  }

  Result<bool> refresh() override {
    token_.clear();
    if (auto ok = fetch(); !ok) return std::unexpected(ok.error());
    return true;
  }

 private:
  std::vector<std::string> secrets() const {
    return {spec_.client_secret, refresh_token_, spec_.refresh_token, spec_.password, spec_.authorization_code};
  }

  // The grant-specific form fields and the hint shown when the endpoint rejects them.
  Result<std::pair<http::QueryParams, std::string>> grant_fields() {
    switch (grant_) {
      case OAuth2Grant::ClientCredentials:
        return std::pair{http::QueryParams{{"grant_type", "client_credentials"}}, std::string("check ClientId and ClientSecret")};
      case OAuth2Grant::Custom:
        return std::pair{http::QueryParams{{"grant_type", spec_.grant_type}}, std::string("check ClientId and ClientSecret")};
      case OAuth2Grant::Password:
        return std::pair{http::QueryParams{{"grant_type", "password"}, {"username", spec_.user}, {"password", spec_.password}},
                         std::string("check UserName, Password, ClientId and ClientSecret")};
      case OAuth2Grant::AuthorizationCode:
        if (!refresh_token_.empty()) {
          return std::pair{http::QueryParams{{"grant_type", "refresh_token"}, {"refresh_token", refresh_token_}},
                           std::string("the refresh token was rejected: it may be expired, revoked or already rotated; "
                                       "obtain a new one and pass it as parameter refreshToken")};
        }
        if (!spec_.authorization_code.empty() && !code_used_) {
          code_used_ = true;
          http::QueryParams f{{"grant_type", "authorization_code"}, {"code", spec_.authorization_code}};
          if (!spec_.redirect_uri.empty()) f.emplace_back("redirect_uri", spec_.redirect_uri);
          return std::pair{std::move(f), std::string("an authorization code is valid once and for minutes; pass a refresh "
                                                     "token as parameter refreshToken instead")};
        }
        return fail(http::redact_url(spec_.token_endpoint),
                    "authorization_code needs a refresh token to run unattended (pass --param refreshToken=...)");
    }
    return fail("unreachable grant");
  }

  Status fetch() {
    auto grant = grant_fields();
    if (!grant) return std::unexpected(grant.error());
    auto& [fields, hint] = *grant;
    http::Request req;
    req.method = "POST";
    req.url = spec_.token_endpoint;
    if (!spec_.token_endpoint_query.empty()) req.url = http::append_query(req.url, spec_.token_endpoint_query);
    req.headers = spec_.token_endpoint_headers;
    bool json = spec_.json_request;
    if (auto ct = http::find_header(req.headers, "Content-Type"); ct && ct->find("json") != std::string_view::npos) json = true;
    if (!http::find_header(req.headers, "Content-Type")) {
      req.headers.emplace_back("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded");
    }
    if (!http::find_header(req.headers, "Accept")) req.headers.emplace_back("Accept", "application/json");
    if (spec_.credentials_in_headers) {
      // Most token endpoints take the raw id:secret; the ids and secrets seen use unreserved characters,
      // for which RFC 6749 §2.3.1's form-encoding changes nothing.
      if (!http::find_header(req.headers, "Authorization")) {
        req.headers.emplace_back("Authorization", "Basic " + base64_encode(spec_.client_id + ":" + spec_.client_secret));
      }
    } else {
      fields.emplace_back("client_id", spec_.client_id);
      if (!spec_.client_secret.empty()) fields.emplace_back("client_secret", spec_.client_secret);
    }
    if (!spec_.scope.empty()) fields.emplace_back("scope", spec_.scope);
    // Auth0 (audience) and Box (box_subject_*) read these from the body, others from the URL.
    for (const auto& q : spec_.token_endpoint_query) {
      if (!has_field(fields, q.first)) fields.push_back(q);
    }
    req.body = encode_fields(fields, json);

    auto resp = send_credential_request(client_, req, spec_.timeout_seconds, "token endpoint");
    if (!resp) return std::unexpected(resp.error());
    if (resp->status < 200 || resp->status >= 300) {
      bool rejected = resp->status == 400 || resp->status == 401 || resp->status == 403;
      return std::unexpected(credential_error(req, *resp, "token endpoint", rejected ? hint : "", secrets()));
    }
    auto body = json::parse(resp->body);
    const Value* token = nullptr;
    if (body && !spec_.token_json_path.empty()) {
      if (auto path = json::JsonPath::compile(spec_.token_json_path)) token = path->first(*body);
    } else if (body && body->is_object()) {
      token = body->get_ci("access_token");
    }
    if (!token || !token->is_string() || token->as_string().empty()) {
      std::string where = spec_.token_json_path.empty() ? "access_token" : spec_.token_json_path;
      return std::unexpected(credential_error(req, *resp, "token endpoint", "no " + where + " in the response", secrets()));
    }
    token_ = token->as_string();
    DateTime now = clock_();
    expires_.reset();
    if (auto in = integer_of(body->get_ci("expires_in"))) {
      // Renew a minute early, or halfway for very short-lived tokens.
      expires_ = add_seconds(now, *in - std::min<int64_t>(kExpirySkewSeconds, *in / 2));
    } else if (auto on = integer_of(body->get_ci("expires_on"))) {
      expires_ = add_seconds(DateTime{0}, *on - kExpirySkewSeconds);
    } else if (auto exp = jwt_expiry(token_)) {
      expires_ = add_seconds(*exp, -kExpirySkewSeconds);
    }
    if (const Value* rt = body->get_ci("refresh_token"); rt && rt->is_string() && !rt->as_string().empty()) {
      refresh_token_ = rt->as_string();
    }
    return {};
  }

  OAuth2Spec spec_;
  OAuth2Grant grant_;
  http::Client& client_;
  Clock clock_;
  std::string token_;
  std::optional<DateTime> expires_;
  std::string refresh_token_;
  bool code_used_ = false;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> make_oauth2(const OAuth2Spec& spec, http::Client& client, Clock clock) {
  auto grant = spec.grant();
  if (!grant) {
    return fail("auth", "unknown OAuth2 grant type '" + spec.grant_type +
                            "' (expected client_credentials, authorization_code or password)");
  }
  if (auto ok = check_endpoint_url("auth/TokenEndpoint", spec.token_endpoint); !ok) return std::unexpected(ok.error());
  if (spec.client_id.empty()) return fail("auth/ClientId", "OAuth2 needs a client id");
  if (*grant == OAuth2Grant::Password && (spec.user.empty() || spec.password.empty())) {
    return fail("auth", "the OAuth2 password grant needs UserName and Password");
  }
  if (*grant == OAuth2Grant::AuthorizationCode && spec.refresh_token.empty() && spec.authorization_code.empty() &&
      spec.access_token.empty()) {
    return fail("auth", "authorization_code needs a refresh token to run unattended (pass --param refreshToken=...)");
  }
  return std::make_unique<OAuth2>(spec, *grant, client, std::move(clock));
}

}  // namespace intake::auth
