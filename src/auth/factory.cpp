// The built-in auth schemes: one explicit table, no static self-registration.
#include "auth/ali_cloud_sls.h"
#include "auth/api_key.h"
#include "auth/authenticator.h"
#include "auth/basic.h"
#include "auth/cisco_duo.h"
#include "auth/jwt_token.h"
#include "auth/oauth2.h"
#include "auth/session.h"

namespace intake::auth {

namespace {
class NoAuth final : public Authenticator {
 public:
  Status apply(http::Request&) override { return {}; }
};

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

using Made = Result<std::unique_ptr<Authenticator>>;

// Header values of a token request that carry credentials (Druva puts Basic id:secret there).
void add_credential_headers(const http::Headers& headers, std::vector<std::string>& out) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, "Authorization")) out.push_back(v);
  }
}
}  // namespace

std::string scheme_name(const AuthSpec& spec) {
  return std::visit(Overloaded{[](const NoneSpec&) { return std::string("None"); },
                               [](const BasicSpec&) { return std::string("Basic"); },
                               [](const ApiKeySpec&) { return std::string("APIKey"); },
                               [](const OAuth2Spec&) { return std::string("OAuth2"); },
                               [](const JwtTokenSpec&) { return std::string("JwtToken"); },
                               [](const SessionSpec&) { return std::string("Session"); },
                               [](const CiscoDuoSpec&) { return std::string("CiscoDuo"); },
                               [](const AliCloudSlsSpec&) { return std::string("AliCloudSlsV1"); }},
                    spec);
}

Result<std::unique_ptr<Authenticator>> make_authenticator(const AuthSpec& spec, http::Client& client, Clock clock) {
  if (!clock) clock = system_now;
  return std::visit(Overloaded{[](const NoneSpec&) -> Made { return std::make_unique<NoAuth>(); },
                               [](const BasicSpec& s) -> Made { return make_basic(s); },
                               [](const ApiKeySpec& s) -> Made { return make_api_key(s); },
                               [&](const OAuth2Spec& s) -> Made { return make_oauth2(s, client, clock); },
                               [&](const JwtTokenSpec& s) -> Made { return make_jwt_token(s, client, clock); },
                               [&](const SessionSpec& s) -> Made { return make_session(s, client, clock); },
                               [&](const CiscoDuoSpec& s) -> Made { return make_cisco_duo(s, clock); },
                               [&](const AliCloudSlsSpec& s) -> Made { return make_ali_cloud_sls(s, clock); }},
                    spec);
}

std::vector<std::string> secrets_of(const AuthSpec& spec) {
  std::vector<std::string> out = std::visit(
      Overloaded{[](const NoneSpec&) { return std::vector<std::string>{}; },
                 [](const BasicSpec& s) { return std::vector<std::string>{s.password}; },
                 [](const ApiKeySpec& s) { return std::vector<std::string>{s.key}; },
                 [](const OAuth2Spec& s) {
                   std::vector<std::string> v{s.client_secret, s.refresh_token, s.authorization_code, s.password, s.access_token};
                   add_credential_headers(s.token_endpoint_headers, v);
                   return v;
                 },
                 [](const JwtTokenSpec& s) {
                   std::vector<std::string> v{s.password.value, s.user_token};
                   add_credential_headers(s.headers, v);
                   return v;
                 },
                 [](const SessionSpec& s) {
                   std::vector<std::string> v{s.password.value};
                   add_credential_headers(s.headers, v);
                   return v;
                 },
                 [](const CiscoDuoSpec& s) { return std::vector<std::string>{s.secret_key}; },
                 [](const AliCloudSlsSpec& s) { return std::vector<std::string>{s.access_key_secret}; }},
      spec);
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  return out;
}

}  // namespace intake::auth
