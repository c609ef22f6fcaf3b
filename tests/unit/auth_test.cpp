// auth/: every scheme against an in-process token endpoint + API (OAuth2 grants, caching, expiry,
// 401 refresh, endpoint errors; JwtToken; Session), the Duo and SLS signatures recomputed here
// from the vendors' documented canonical strings, and the parsing of every corpus auth block.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>

#include "auth/authenticator.h"
#include "ccp/load.h"
#include "ccp/parse_internal.h"
#include "core/base64.h"
#include "core/time.h"
#include "http/server.h"
#include "json/value_json.h"
#include "testing/support.h"

using namespace intake;

namespace {

// A token endpoint and an API on one loopback server; each test installs its handler.
struct Fake {
  std::mutex mu;
  std::vector<http::ServerRequest> requests;
  std::function<http::ServerResponse(const http::ServerRequest&)> handler;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<http::Client> client;

  Fake() {
    server = http::HttpServer::start({}, [this](const http::ServerRequest& r) {
               std::function<http::ServerResponse(const http::ServerRequest&)> h;
               {
                 std::lock_guard lock(mu);
                 requests.push_back(r);
                 h = handler;
               }
               return h(r);
             }).value();
    client = http::Client::create({}).value();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(server->port()) + path; }
  int count(const std::string& path) {
    std::lock_guard lock(mu);
    return static_cast<int>(std::count_if(requests.begin(), requests.end(), [&](const auto& r) { return r.path == path; }));
  }
  std::vector<http::ServerRequest> to(const std::string& path) {
    std::lock_guard lock(mu);
    std::vector<http::ServerRequest> out;
    for (const auto& r : requests) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
};

std::string field(const std::string& form, const std::string& name) {
  for (const auto& [k, v] : http::parse_query(form)) {
    if (k == name) return v;
  }
  return "<absent>";
}

std::string header(const http::ServerRequest& r, std::string_view name) { return std::string(r.header(name).value_or("<absent>")); }

// What the poller does: apply, send, and after a 401 refresh once and retry.
Result<http::Response> call(auth::Authenticator& a, http::Client& client, const std::string& url) {
  bool refreshed = false;
  while (true) {
    http::Request req;
    req.url = url;
    if (auto ok = a.apply(req); !ok) return std::unexpected(ok.error());
    auto resp = client.send(req, std::chrono::seconds(10));
    if (!resp) return resp;
    if (resp->status != 401) return resp;
    if (refreshed) return fail(url, "HTTP 401 after refreshing the credentials");
    auto again = a.refresh();
    if (!again) return std::unexpected(again.error());
    if (!*again) return fail(url, "HTTP 401");
    refreshed = true;
  }
}

struct FakeClock {
  DateTime now = parse_datetime("2024-05-01T10:00:00Z").value();
  Clock clock() {
    return [this] { return now; };
  }
  void advance(int64_t seconds) { now.ticks += seconds * kTicksPerSecond; }
};

// Token endpoint issuing tok1, tok2, ... with the given lifetime; the API accepts only the newest.
http::ServerResponse token_or_api(const http::ServerRequest& r, int& issued, const std::string& expires_in = "3600") {
  if (r.path == "/token") {
    ++issued;
    return http::ServerResponse::json(200, R"({"token_type":"Bearer","access_token":"tok)" + std::to_string(issued) +
                                               R"(","expires_in":)" + expires_in + "}");
  }
  if (header(r, "Authorization") == "Bearer tok" + std::to_string(issued)) return http::ServerResponse::json(200, "{}");
  return http::ServerResponse::json(401, R"({"error":"invalid token"})");
}

auth::OAuth2Spec client_credentials(const Fake& f) {
  auth::OAuth2Spec s;
  s.client_id = "app-id";
  s.client_secret = "s3cr3t-value";
  s.token_endpoint = f.url("/token");
  s.scope = "https://monitor.azure.com/.default";
  return s;
}

std::string hmac_sha1_raw(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string hex(const std::string& raw) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

}  // namespace

// ---- OAuth2 ---------------------------------------------------------------------------------

TEST(OAuth2, ClientCredentialsTokenIsCachedAcrossRequests) {
  Fake f;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) { return token_or_api(r, issued); };
  auto a = auth::make_authenticator(client_credentials(f), *f.client).value();
  for (int i = 0; i < 5; ++i) {
    auto r = call(*a, *f.client, f.url("/api"));
    ASSERT_TRUE(r) << r.error().str();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(f.count("/token"), 1);
  EXPECT_EQ(f.count("/api"), 5);
  auto t = f.to("/token").at(0);
  EXPECT_EQ(t.method, "POST");
  EXPECT_EQ(header(t, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(field(t.body, "grant_type"), "client_credentials");
  EXPECT_EQ(field(t.body, "client_id"), "app-id");
  EXPECT_EQ(field(t.body, "client_secret"), "s3cr3t-value");
  EXPECT_EQ(field(t.body, "scope"), "https://monitor.azure.com/.default");
  EXPECT_EQ(header(t, "Authorization"), "<absent>");
}

TEST(OAuth2, TokenIsRenewedAMinuteBeforeExpiry) {
  Fake f;
  FakeClock clock;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) { return token_or_api(r, issued); };
  auto a = auth::make_authenticator(client_credentials(f), *f.client, clock.clock()).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  clock.advance(3600 - 61);
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(f.count("/token"), 1);
  clock.advance(2);
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(f.count("/token"), 2);
  EXPECT_EQ(header(f.to("/api").back(), "Authorization"), "Bearer tok2");
}

TEST(OAuth2, ExpiresInAsStringFromTheV1Endpoint) {
  Fake f;
  FakeClock clock;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) { return token_or_api(r, issued, R"("10")"); };
  auto a = auth::make_authenticator(client_credentials(f), *f.client, clock.clock()).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  clock.advance(4);
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(f.count("/token"), 1);
  clock.advance(2);  // short-lived tokens are renewed halfway
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(f.count("/token"), 2);
}

TEST(OAuth2, Unauthorized401FetchesANewTokenOnce) {
  Fake f;
  int issued = 0;
  bool revoked = false;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/api" && !revoked) {
      revoked = true;  // the first token is rejected (revoked server-side)
      return http::ServerResponse::json(401, "{}");
    }
    return token_or_api(r, issued);
  };
  auto a = auth::make_authenticator(client_credentials(f), *f.client).value();
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(f.count("/token"), 2);
  EXPECT_EQ(header(f.to("/api").back(), "Authorization"), "Bearer tok2");
}

TEST(OAuth2, Unauthorized401TwiceIsAnError) {
  Fake f;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/api") return http::ServerResponse::json(401, "{}");
    return token_or_api(r, issued);
  };
  auto a = auth::make_authenticator(client_credentials(f), *f.client).value();
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_FALSE(r);
  EXPECT_EQ(f.count("/token"), 2);
  EXPECT_EQ(f.count("/api"), 2);
}

TEST(OAuth2, EntraErrorBecomesAClearErrorWithoutTheSecret) {
  Fake f;
  f.handler = [&](const http::ServerRequest&) {
    return http::ServerResponse::json(
        401, R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'app-id'. Got s3cr3t-value.\r\nTrace ID: 255d1aef\r\nCorrelation ID: fb3d2015\r\nTimestamp: 2016-01-09 02:02:12Z","error_codes":[7000215]})");
  };
  auth::OAuth2Spec s = client_credentials(f);
  s.token_endpoint = f.url("/tenant/oauth2/v2.0/token?x=secret-in-query");
  auto a = auth::make_authenticator(s, *f.client).value();
  http::Request req;
  req.url = f.url("/api");
  auto ok = a->apply(req);
  ASSERT_FALSE(ok);
  std::string text = ok.error().str();
  EXPECT_NE(text.find("/tenant/oauth2/v2.0/token"), std::string::npos) << text;
  EXPECT_NE(text.find("HTTP 401"), std::string::npos) << text;
  EXPECT_NE(text.find("invalid_client: AADSTS7000215: Invalid client secret provided"), std::string::npos) << text;
  EXPECT_NE(text.find("check ClientId and ClientSecret"), std::string::npos) << text;
  EXPECT_EQ(text.find("s3cr3t-value"), std::string::npos) << text;
  EXPECT_EQ(text.find("secret-in-query"), std::string::npos) << text;
  EXPECT_EQ(text.find("Trace ID"), std::string::npos) << text;
}

TEST(OAuth2, TransientGatewayErrorIsRetriedOnce) {
  Fake f;
  int issued = 0;
  int token_calls = 0;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/token" && ++token_calls == 1) return http::ServerResponse::json(503, "{}");
    return token_or_api(r, issued);
  };
  auto a = auth::make_authenticator(client_credentials(f), *f.client).value();
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(token_calls, 2);
}

TEST(OAuth2, BadRequestScopeError) {
  Fake f;
  f.handler = [&](const http::ServerRequest&) {
    return http::ServerResponse::json(400, R"({"error":"invalid_scope","error_description":"AADSTS70011: The provided value for the input parameter 'scope' is not valid.\r\nTrace ID: x"})");
  };
  auto a = auth::make_authenticator(client_credentials(f), *f.client).value();
  auto r = a->refresh();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("HTTP 400: invalid_scope: AADSTS70011"), std::string::npos) << r.error().str();
}

TEST(OAuth2, CredentialsInHeadersUseBasicOnTheTokenRequest) {
  Fake f;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) { return token_or_api(r, issued); };
  auto s = client_credentials(f);
  s.credentials_in_headers = true;
  s.token_endpoint_headers = {{"Accept", "application/json"}, {"X-Extra", "1"}};
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  auto t = f.to("/token").at(0);
  EXPECT_EQ(header(t, "Authorization"), "Basic " + base64_encode("app-id:s3cr3t-value"));
  EXPECT_EQ(header(t, "X-Extra"), "1");
  EXPECT_EQ(field(t.body, "client_secret"), "<absent>");
  EXPECT_EQ(field(t.body, "client_id"), "<absent>");
  EXPECT_EQ(field(t.body, "grant_type"), "client_credentials");
}

TEST(OAuth2, TokenEndpointQueryParametersGoToTheUrlAndTheBody) {
  Fake f;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) { return token_or_api(r, issued); };
  auto s = client_credentials(f);
  s.token_endpoint = f.url("/token?grant_type=client_credentials");  // SAP's form
  s.token_endpoint_query = {{"audience", "https://tenant.auth0.com/api/v2/"}, {"box_subject_id", "42"}};
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  auto t = f.to("/token").at(0);
  EXPECT_EQ(t.param("grant_type").value_or(""), "client_credentials");
  EXPECT_EQ(t.param("audience").value_or(""), "https://tenant.auth0.com/api/v2/");
  EXPECT_EQ(t.param("box_subject_id").value_or(""), "42");
  EXPECT_EQ(field(t.body, "audience"), "https://tenant.auth0.com/api/v2/");
  EXPECT_EQ(field(t.body, "box_subject_id"), "42");
  EXPECT_EQ(field(t.body, "grant_type"), "client_credentials");
}

TEST(OAuth2, RefreshTokenGrantKeepsTheRotatedToken) {
  Fake f;
  int issued = 0;
  std::vector<std::string> seen;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/token") {
      seen.push_back(field(r.body, "grant_type") + ":" + field(r.body, "refresh_token"));
      ++issued;
      return http::ServerResponse::json(200, R"({"access_token":"tok)" + std::to_string(issued) +
                                                 R"(","expires_in":3600,"refresh_token":"rt)" + std::to_string(issued + 1) + "\"}");
    }
    return token_or_api(r, issued);
  };
  auto s = client_credentials(f);
  s.grant_type = "authorization_code";
  s.refresh_token = "rt1";
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  ASSERT_TRUE(a->refresh());
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(seen, (std::vector<std::string>{"refresh_token:rt1", "refresh_token:rt2"}));
  EXPECT_EQ(field(f.to("/token").at(0).body, "client_secret"), "s3cr3t-value");
}

TEST(OAuth2, LegacyAuthCodeFlowNameAndRejectedRefreshToken) {
  Fake f;
  f.handler = [&](const http::ServerRequest&) {
    return http::ServerResponse::json(400, R"({"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired. rt-old-secret"})");
  };
  auto s = client_credentials(f);
  s.grant_type = "AuthCode";
  s.refresh_token = "rt-old-secret";
  auto a = auth::make_authenticator(s, *f.client).value();
  auto r = a->refresh();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("refreshToken"), std::string::npos) << r.error().str();
  EXPECT_EQ(r.error().message.find("rt-old-secret"), std::string::npos) << r.error().str();
  EXPECT_EQ(field(f.to("/token").at(0).body, "grant_type"), "refresh_token");
}

TEST(OAuth2, AuthorizationCodeWithoutRefreshTokenIsRejectedUpFront) {
  Fake f;
  auto s = client_credentials(f);
  s.grant_type = "authorization_code";
  auto a = auth::make_authenticator(s, *f.client);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("refreshToken"), std::string::npos);
}

TEST(OAuth2, PasswordGrant) {
  Fake f;
  int issued = 0;
  f.handler = [&](const http::ServerRequest& r) { return token_or_api(r, issued); };
  auto s = client_credentials(f);
  s.grant_type = "password";
  s.user = "ops@example.com";
  s.password = "pw&=1";
  s.scope.clear();
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  auto t = f.to("/token").at(0);
  EXPECT_EQ(field(t.body, "grant_type"), "password");
  EXPECT_EQ(field(t.body, "username"), "ops@example.com");
  EXPECT_EQ(field(t.body, "password"), "pw&=1");
  EXPECT_EQ(field(t.body, "scope"), "<absent>");
}

TEST(OAuth2, AccessTokenPrependAndMissingTokenInResponse) {
  Fake f;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/token") return http::ServerResponse::json(200, R"({"access_token":"abc","expires_in":3600})");
    return http::ServerResponse::json(200, "{}");
  };
  auto s = client_credentials(f);
  s.access_token_prepend = "Token";
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(header(f.to("/api").at(0), "Authorization"), "Token abc");

  f.handler = [&](const http::ServerRequest&) { return http::ServerResponse::json(200, R"({"token":"leaky-token-value"})"); };
  auto b = auth::make_authenticator(client_credentials(f), *f.client).value();
  auto r = b->refresh();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no access_token"), std::string::npos) << r.error().str();
  EXPECT_NE(r.error().message.find("fields: token"), std::string::npos) << r.error().str();
  EXPECT_EQ(r.error().message.find("leaky-token-value"), std::string::npos) << r.error().str();
}

TEST(OAuth2, UnknownGrantAndBadEndpointFailAtCreation) {
  Fake f;
  auto s = client_credentials(f);
  s.grant_type = "device_code";
  EXPECT_FALSE(auth::make_authenticator(s, *f.client));
  s = client_credentials(f);
  s.token_endpoint = "[[concat(parameters('x'),'/token')]";
  auto a = auth::make_authenticator(s, *f.client);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().where, "auth/TokenEndpoint");
}

// ---- JwtToken -------------------------------------------------------------------------------

namespace {
auth::JwtTokenSpec jwt(const Fake& f) {
  auth::JwtTokenSpec s;
  s.token_endpoint = f.url("/login");
  s.user = {"username", "alice"};
  s.password = {"password", "pa ss"};
  s.token_json_path = "$.token";
  return s;
}

http::ServerResponse login_or_api(const http::ServerRequest& r, int& logins, const std::string& expect) {
  if (r.path == "/login") {
    ++logins;
    return http::ServerResponse::json(200, R"({"token":"jwt)" + std::to_string(logins) + R"("})");
  }
  return http::ServerResponse::json(header(r, "Authorization") == expect + std::to_string(logins) ? 200 : 401, "{}");
}
}  // namespace

TEST(JwtToken, FormLoginAndBearerToken) {
  Fake f;
  int logins = 0;
  f.handler = [&](const http::ServerRequest& r) { return login_or_api(r, logins, "Bearer jwt"); };
  auto s = jwt(f);
  s.headers = {{"X-Tenant", "t1"}};
  s.query = {{"v", "2"}};
  auto a = auth::make_authenticator(s, *f.client).value();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(f.count("/login"), 1);
  auto l = f.to("/login").at(0);
  EXPECT_EQ(l.method, "POST");
  EXPECT_EQ(header(l, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(field(l.body, "username"), "alice");
  EXPECT_EQ(field(l.body, "password"), "pa ss");
  EXPECT_EQ(header(l, "X-Tenant"), "t1");
  EXPECT_EQ(l.param("v").value_or(""), "2");
}

TEST(JwtToken, JsonLoginAndReloginAfter401) {
  Fake f;
  int logins = 0;
  bool rejected = false;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/api" && !rejected) {
      rejected = true;
      return http::ServerResponse::json(401, "{}");
    }
    return login_or_api(r, logins, "Bearer jwt");
  };
  auto s = jwt(f);
  s.user.key = "clientId";
  s.password.key = "secret";
  s.json_request = true;
  s.token_json_path = "$.token";
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(f.count("/login"), 2);
  auto l = f.to("/login").at(0);
  EXPECT_EQ(header(l, "Content-Type"), "application/json");
  auto body = json::parse(l.body).value();
  EXPECT_EQ(body.get("clientId")->as_string(), "alice");
  EXPECT_EQ(body.get("secret")->as_string(), "pa ss");
}

TEST(JwtToken, CredentialsInHeadersAndCustomDataHeader) {
  Fake f;
  int logins = 0;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/login") return login_or_api(r, logins, "");
    return http::ServerResponse::json(header(r, "X-Auth") == "Bearer jwt1" ? 200 : 401, "{}");
  };
  auto s = jwt(f);
  s.credentials_in_headers = true;
  s.header = "X-Auth";
  auto a = auth::make_authenticator(s, *f.client).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  auto l = f.to("/login").at(0);
  EXPECT_EQ(header(l, "Authorization"), "Basic " + base64_encode("alice:pa ss"));
  EXPECT_TRUE(l.body.empty());
}

TEST(JwtToken, TokenFromResponseHeaderWithIdentifierStripped) {
  Fake f;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/login") {
      auto resp = http::ServerResponse::json(200, "{}");
      resp.headers.emplace_back("X-Token", "JWT abc.def");
      return resp;
    }
    return http::ServerResponse::json(header(r, "Authorization") == "abc.def" ? 200 : 401, "{}");
  };
  auto s = jwt(f);
  s.token_in_response_header = true;
  s.token_header_name = "X-Token";
  s.token_identifier = "JWT";
  s.no_access_token_prepend = true;
  auto a = auth::make_authenticator(s, *f.client).value();
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->status, 200);
}

TEST(JwtToken, UserTokenExchangeByGet) {
  Fake f;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/api/v1/refresh-access-token") {
      if (r.method != "GET" || header(r, "Authorization") != "user-tok") return http::ServerResponse::json(401, R"({"message":"bad"})");
      return http::ServerResponse::json(200, R"({"success":true,"systemToken":"sys-1"})");
    }
    return http::ServerResponse::json(header(r, "Authorization") == "sys-1" ? 200 : 401, "{}");
  };
  auth::JwtTokenSpec s;
  s.token_endpoint = f.url("/api/v1/refresh-access-token");
  s.method = "GET";
  s.user_token = "user-tok";
  s.no_access_token_prepend = true;
  s.token_json_path = "$.systemToken";
  auto a = auth::make_authenticator(s, *f.client).value();
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->status, 200);
}

TEST(JwtToken, ExpiredJwtIsRenewedAndLoginErrorsHideThePassword) {
  Fake f;
  FakeClock clock;
  int logins = 0;
  // A JWT whose exp is 10 minutes after the fake clock's start.
  int64_t exp = clock.now.ticks / kTicksPerSecond + 600;
  std::string payload = base64_encode(R"({"sub":"a","exp":)" + std::to_string(exp) + "}");
  while (!payload.empty() && payload.back() == '=') payload.pop_back();
  std::string token = "eyJhbGciOiJub25lIn0." + payload + ".sig";
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/login") {
      ++logins;
      return http::ServerResponse::json(200, R"({"token":")" + token + "\"}");
    }
    return http::ServerResponse::json(200, "{}");
  };
  auto a = auth::make_authenticator(jwt(f), *f.client, clock.clock()).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  clock.advance(500);
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(logins, 1);
  clock.advance(60);
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(logins, 2);

  f.handler = [&](const http::ServerRequest&) { return http::ServerResponse::json(401, R"({"message":"bad password pa ss-long"})"); };
  auto s = jwt(f);
  s.password.value = "pa ss-long";
  auto b = auth::make_authenticator(s, *f.client).value();
  auto r = b->refresh();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().str().find("pa ss-long"), std::string::npos) << r.error().str();
  EXPECT_NE(r.error().str().find("HTTP 401"), std::string::npos) << r.error().str();
}

// ---- Session --------------------------------------------------------------------------------

TEST(Session, LoginSendsTheSessionIdAndLogsInAgainAfterTheTimeout) {
  Fake f;
  FakeClock clock;
  int logins = 0;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/session") {
      ++logins;
      return http::ServerResponse::json(200, R"({"sessionId":"sid)" + std::to_string(logins) + R"("})");
    }
    return http::ServerResponse::json(header(r, "sessionId") == "sid" + std::to_string(logins) ? 200 : 401, "{}");
  };
  auth::SessionSpec s;
  s.login_uri = f.url("/session");
  s.user = {"user", "bob"};
  s.password = {"pass", "hunter2"};
  s.session_id_name = "sessionId";
  s.timeout_minutes = 10;
  s.json_payload = true;
  auto a = auth::make_authenticator(s, *f.client, clock.clock()).value();
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  clock.advance(9 * 60);
  ASSERT_TRUE(call(*a, *f.client, f.url("/api")));
  EXPECT_EQ(logins, 1);
  clock.advance(61);
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(logins, 2);
  auto body = json::parse(f.to("/session").at(0).body).value();
  EXPECT_EQ(body.get("user")->as_string(), "bob");
  EXPECT_EQ(body.get("pass")->as_string(), "hunter2");
}

TEST(Session, SessionIdFromCookieAndReloginOn401) {
  Fake f;
  int logins = 0;
  f.handler = [&](const http::ServerRequest& r) {
    if (r.path == "/session") {
      ++logins;
      auto resp = http::ServerResponse::json(200, "{}");
      resp.headers.emplace_back("Set-Cookie", "JSESSIONID=c" + std::to_string(logins) + "; Path=/; HttpOnly");
      return resp;
    }
    // The first session is rejected, the second accepted.
    return http::ServerResponse::json(header(r, "Cookie") == "JSESSIONID=c2" ? 200 : 401, "{}");
  };
  auth::SessionSpec s;
  s.login_uri = f.url("/session");
  s.user = {"username", "bob"};
  s.password = {"password", "hunter2"};
  s.session_id_name = "JSESSIONID";
  auto a = auth::make_authenticator(s, *f.client).value();
  auto r = call(*a, *f.client, f.url("/api"));
  ASSERT_TRUE(r) << r.error().str();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(logins, 2);
  EXPECT_EQ(header(f.to("/api").back(), "JSESSIONID"), "c2");
  EXPECT_EQ(field(f.to("/session").at(0).body, "password"), "hunter2");
}

// ---- Request signing ------------------------------------------------------------------------

TEST(CiscoDuo, SignatureOverTheDocumentedCanonicalString) {
  Fake f;
  FakeClock clock;
  clock.now = parse_datetime("2012-08-21T17:29:18Z").value();
  const std::string ikey = "DIWJ8X6AEYOR5OMC6TQ1";
  const std::string skey = "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep";
  f.handler = [&](const http::ServerRequest&) { return http::ServerResponse::json(200, R"({"stat":"OK"})"); };
  auto a = auth::make_authenticator(auth::CiscoDuoSpec{ikey, skey}, *f.client, clock.clock()).value();
  std::string host = "127.0.0.1:" + std::to_string(f.server->port());
  ASSERT_TRUE(call(*a, *f.client, f.url("/admin/v2/logs/authentication?mintime=1346000000000&limit=1000&z=a%20b~%2F&Key=x")));
  auto r = f.to("/admin/v2/logs/authentication").at(0);
  // Duo Admin API: date, METHOD, lower-case host, path, params sorted and RFC 3986-encoded.
  std::string canonical = "Tue, 21 Aug 2012 17:29:18 -0000\nGET\n" + host +
                          "\n/admin/v2/logs/authentication\nKey=x&limit=1000&mintime=1346000000000&z=a%20b~%2F";
  EXPECT_EQ(header(r, "Date"), "Tue, 21 Aug 2012 17:29:18 -0000");
  EXPECT_EQ(header(r, "Authorization"), "Basic " + base64_encode(ikey + ":" + hex(hmac_sha1_raw(skey, canonical))));
}

TEST(CiscoDuo, PostSignsTheFormBody) {
  FakeClock clock;
  auto a = auth::make_authenticator(auth::CiscoDuoSpec{"IKEY", "SKEY"}, *http::Client::create({}).value(), clock.clock()).value();
  http::Request req;
  req.method = "post";
  req.url = "https://API-XXXXXXXX.duosecurity.com/accounts/v1/account/list";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = "username=root&realname=First%20Last";
  ASSERT_TRUE(a->apply(req));
  std::string date = "Wed, 01 May 2024 10:00:00 -0000";
  std::string canonical = date + "\nPOST\napi-xxxxxxxx.duosecurity.com\n/accounts/v1/account/list\nrealname=First%20Last&username=root";
  EXPECT_EQ(*http::find_header(req.headers, "Date"), date);
  EXPECT_EQ(*http::find_header(req.headers, "Authorization"), "Basic " + base64_encode("IKEY:" + hex(hmac_sha1_raw("SKEY", canonical))));
}

TEST(AliCloudSls, SignatureOverTheDocumentedSignString) {
  Fake f;
  FakeClock clock;
  clock.now = parse_datetime("2015-11-09T06:11:16Z").value();
  const std::string id = "bear";
  const std::string secret = "4fdO2fTDDnZPU/L7CHNdemB2Nsk=";
  f.handler = [&](const http::ServerRequest&) { return http::ServerResponse::json(200, "[]"); };
  auto a = auth::make_authenticator(auth::AliCloudSlsSpec{id, secret}, *f.client, clock.clock()).value();
  http::Request req;
  req.url = f.url("/logstores/app_log?type=log&to=1447049476&from=1447049376&query=a%20b");
  req.headers = {{"Accept", "application/json"}, {"X-Log-ApiVersion", "0.6.0"}};
  ASSERT_TRUE(a->apply(req));
  auto resp = f.client->send(req, std::chrono::seconds(10));
  ASSERT_TRUE(resp);
  auto r = f.to("/logstores/app_log").at(0);
  EXPECT_EQ(header(r, "Date"), "Mon, 09 Nov 2015 06:11:16 GMT");
  EXPECT_EQ(header(r, "x-log-apiversion"), "0.6.0");
  EXPECT_EQ(header(r, "x-log-signaturemethod"), "hmac-sha1");
  EXPECT_EQ(header(r, "x-log-bodyrawsize"), "0");
  // SLS: VERB, Content-MD5, Content-Type, Date, x-log-* headers sorted, resource + sorted raw params.
  std::string sign = "GET\n\n\nMon, 09 Nov 2015 06:11:16 GMT\n"
                     "x-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n"
                     "/logstores/app_log?from=1447049376&query=a b&to=1447049476&type=log";
  EXPECT_EQ(header(r, "Authorization"), "LOG " + id + ":" + base64_encode(hmac_sha1_raw(secret, sign)));
}

TEST(AliCloudSls, BodySignsContentMd5AndType) {
  FakeClock clock;
  auto a = auth::make_authenticator(auth::AliCloudSlsSpec{"id", "key"}, *http::Client::create({}).value(), clock.clock()).value();
  http::Request req;
  req.method = "POST";
  req.url = "https://p.cn-hangzhou.log.aliyuncs.com/logstores/s/shards/lb";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"a":1})";
  ASSERT_TRUE(a->apply(req));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(req.body.data(), req.body.size(), md, &len, EVP_md5(), nullptr);
  std::string md5 = hex(std::string(reinterpret_cast<char*>(md), len));
  std::transform(md5.begin(), md5.end(), md5.begin(), [](unsigned char c) { return std::toupper(c); });
  EXPECT_EQ(*http::find_header(req.headers, "Content-MD5"), md5);
  std::string sign = "POST\n" + md5 + "\napplication/json\nWed, 01 May 2024 10:00:00 GMT\n"
                     "x-log-apiversion:0.6.0\nx-log-bodyrawsize:7\nx-log-signaturemethod:hmac-sha1\n/logstores/s/shards/lb";
  EXPECT_EQ(*http::find_header(req.headers, "Authorization"), "LOG id:" + base64_encode(hmac_sha1_raw("key", sign)));
}

// ---- Secrets --------------------------------------------------------------------------------

TEST(Secrets, EverySchemeListsItsSecrets) {
  auth::OAuth2Spec o;
  o.client_secret = "cs";
  o.refresh_token = "rt";
  o.token_endpoint_headers = {{"Authorization", "Basic xyz"}};
  EXPECT_EQ(auth::secrets_of(o), (std::vector<std::string>{"cs", "rt", "Basic xyz"}));
  auth::JwtTokenSpec j;
  j.password = {"password", "pw"};
  j.user_token = "ut";
  EXPECT_EQ(auth::secrets_of(j), (std::vector<std::string>{"pw", "ut"}));
  auth::SessionSpec s;
  s.password = {"p", "spw"};
  EXPECT_EQ(auth::secrets_of(s), (std::vector<std::string>{"spw"}));
  EXPECT_EQ(auth::secrets_of(auth::CiscoDuoSpec{"ikey", "skey"}), (std::vector<std::string>{"skey"}));
  EXPECT_EQ(auth::secrets_of(auth::AliCloudSlsSpec{"id", "sec"}), (std::vector<std::string>{"sec"}));
  EXPECT_EQ(auth::scheme_name(auth::AliCloudSlsSpec{}), "AliCloudSlsV1");
}

// ---- Parsing --------------------------------------------------------------------------------

namespace {
struct Parsed {
  ccp::Definition def;
  ccp::Diagnostics diag{"t.json"};
  bool has_auth_errors() const {
    return std::any_of(diag.items().begin(), diag.items().end(),
                       [](const auto& d) { return d.severity == ccp::Diagnostic::Severity::Error; });
  }
  std::string errors() const {
    std::string out;
    for (const auto& d : diag.items()) out += d.error.str() + "\n";
    return out;
  }
};

std::unique_ptr<Parsed> parse_auth_text(const std::string& text, bool legacy = false) {
  auto p = std::make_unique<Parsed>();
  auto v = json::parse(text);
  EXPECT_TRUE(v) << v.error().str();
  p->def.source = "t.json";
  ccp::parse_auth(ccp::Reader(&*v, "/auth", p->diag), p->def, p->diag, legacy);
  return p;
}
}  // namespace

TEST(ParseAuth, OAuth2ModernAndLegacyNames) {
  auto p = parse_auth_text(R"({"type": "OAuth2", "clientId": "id", "ClientSecret": "s", "grantType": "client_credentials",
      "TokenEndpoint": "https://login/x?grant_type=client_credentials", "tokenEndpointHeaders": {"Accept": "application/json"},
      "TokenEndpointQueryParameters": {"audience": "a", "n": 5}, "scope": "x/.default", "IsCredentialsInHeaders": "true"})");
  ASSERT_FALSE(p->has_auth_errors()) << p->errors();
  auto& o = std::get<auth::OAuth2Spec>(p->def.auth);
  EXPECT_EQ(o.client_id, "id");
  EXPECT_TRUE(o.credentials_in_headers);
  EXPECT_EQ(o.token_endpoint_query, (http::QueryParams{{"audience", "a"}, {"n", "5"}}));
  EXPECT_EQ(o.token_endpoint_headers.size(), 1u);

  // Child-step / legacy spelling (§7, §9).
  auto q = parse_auth_text(R"({"AuthType": "OAuth2", "ClientId": "id", "ClientSecret": "s", "FlowName": "AuthCode",
      "TokenEndpoint": "https://t", "IsClientSecretInHeader": "True", "RedirectionEndpoint": "https://r",
      "RefreshToken": "rt", "AccessTokenPrepend": "Token", "IsTokenEndpointPostPayloadJson": false,
      "RequestTimeoutInSeconds": 180, "AuthorizationEndpoint": "https://a", "RefreshTokenLifetimeinSecAttributeName": "x"})");
  ASSERT_FALSE(q->has_auth_errors()) << q->errors();
  auto& l = std::get<auth::OAuth2Spec>(q->def.auth);
  EXPECT_EQ(l.grant(), auth::OAuth2Grant::AuthorizationCode);
  EXPECT_TRUE(l.credentials_in_headers);
  EXPECT_EQ(l.redirect_uri, "https://r");
  EXPECT_EQ(l.refresh_token, "rt");
  EXPECT_EQ(l.access_token_prepend, "Token");
  EXPECT_EQ(l.timeout_seconds, 180);
  EXPECT_TRUE(q->diag.items().empty()) << q->errors();

  auto bad = parse_auth_text(R"({"type": "OAuth2", "ClientId": "id", "ClientSecret": "s", "GrantType": "implicit", "TokenEndpoint": "https://t"})");
  EXPECT_TRUE(bad->has_auth_errors());
  EXPECT_NE(bad->errors().find("/auth/GrantType"), std::string::npos) << bad->errors();
  auto missing = parse_auth_text(R"({"type": "OAuth2", "ClientId": "id"})");
  EXPECT_NE(missing->errors().find("/auth/TokenEndpoint"), std::string::npos) << missing->errors();
  EXPECT_NE(missing->errors().find("/auth/ClientSecret"), std::string::npos) << missing->errors();
}

TEST(ParseAuth, JwtSessionDuoAliAndUnknown) {
  auto j = parse_auth_text(R"({"type": "JwtToken", "TokenEndpoint": "https://t", "UsernameAttributeName": "u",
      "UsernameAttributeValue": "alice", "PasswordAttributeName": "p", "PasswordAttributeValue": "pw",
      "IsTokenEndpointPostPayloadJson": true, "TokenEndpointQueryParameters": {"a": "1"}, "APIKeyName": "X-Auth",
      "JwtTokenJsonPath": "$.data.token"})");
  ASSERT_FALSE(j->has_auth_errors()) << j->errors();
  auto& js = std::get<auth::JwtTokenSpec>(j->def.auth);
  EXPECT_EQ(js.user.key, "u");
  EXPECT_EQ(js.password.value, "pw");
  EXPECT_TRUE(js.json_request);
  EXPECT_EQ(js.header, "X-Auth");
  EXPECT_EQ(js.query.size(), 1u);
  auto badpath = parse_auth_text(R"({"type": "JwtToken", "TokenEndpoint": "https://t", "UserToken": "u", "JwtTokenJsonPath": "$.["})");
  EXPECT_NE(badpath->errors().find("/auth/JwtTokenJsonPath"), std::string::npos) << badpath->errors();
  auto nocreds = parse_auth_text(R"({"type": "JwtToken", "TokenEndpoint": "https://t"})");
  EXPECT_NE(nocreds->errors().find("/auth/userName"), std::string::npos) << nocreds->errors();

  auto s = parse_auth_text(R"({"type": "Session", "sessionLoginRequestUri": "https://t/login",
      "userName": {"key": "u", "value": "x"}, "password": {"key": "p", "value": "y"}, "sessionIdName": "sid",
      "sessionTimeoutInMinutes": "15", "headers": {"A": "b"}, "queryParameters": {"q": "1"}, "isPostPayloadJson": true})");
  ASSERT_FALSE(s->has_auth_errors()) << s->errors();
  EXPECT_EQ(std::get<auth::SessionSpec>(s->def.auth).timeout_minutes, 15);

  auto d = parse_auth_text(R"({"type": "CiscoDuo", "APIKey": "ik", "ClientSecret": "sk"})");
  ASSERT_FALSE(d->has_auth_errors()) << d->errors();
  EXPECT_EQ(std::get<auth::CiscoDuoSpec>(d->def.auth).integration_key, "ik");
  auto a = parse_auth_text(R"({"type": "AliCloudSlsV1", "AccessKeyId": "id"})");
  EXPECT_NE(a->errors().find("/auth/AccessKeySecret"), std::string::npos) << a->errors();
  auto u = parse_auth_text(R"({"type": "Kerberos"})");
  EXPECT_NE(u->errors().find("unknown auth type 'Kerberos'"), std::string::npos) << u->errors();
  auto legacy = parse_auth_text(R"({"authType": "OAuth2", "TokenEndpoint": "https://t"})", true);
  ASSERT_FALSE(legacy->has_auth_errors()) << legacy->errors();
  EXPECT_EQ(std::get<auth::OAuth2Spec>(legacy->def.auth).client_secret, "{{clientSecret}}");
}

TEST(ParseAuth, EveryCorpusAuthBlockParses) {
  INTAKE_REQUIRE_CORPUS(corpus);
  int blocks = 0;
  std::map<std::string, int> by_type;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (entry.path().extension() != ".json") continue;
    std::string text = intake::testing::read_file(entry.path());
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    auto root = json::parse(text);
    if (!root) continue;
    // Every `auth` object of a polling connection (RestApiPoller properties, APIPolling pollingConfig).
    std::function<void(const Value&, const std::string&, bool)> walk = [&](const Value& v, const std::string& path, bool legacy) {
      if (v.is_array()) {
        for (size_t i = 0; i < v.as_array().size(); ++i) walk(v.as_array()[i], path + "/" + std::to_string(i), legacy);
        return;
      }
      if (!v.is_object()) return;
      for (const auto& [k, child] : v.as_object()) {
        bool child_legacy = legacy || iequals(k, "pollingConfig");
        if (iequals(k, "auth") && child.is_object()) {
          const Value* t = child.get_ci(child_legacy ? "authType" : "type");
          if (!t) t = child.get_ci(child_legacy ? "type" : "authType");
          if (!t || !t->is_string()) continue;
          static const std::set<std::string> kPolled = {"basic", "apikey", "oauth2", "jwttoken", "session", "ciscoduo",
                                                         "alicloudslsv1", "none"};
          std::string lower = t->as_string();
          std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
          if (!kPolled.count(lower)) continue;  // OCI, ServicePrincipal: kinds intake does not poll
          ccp::Definition def;
          ccp::Diagnostics diag(entry.path().string());
          ccp::parse_auth(ccp::Reader(&child, path + "/" + k, diag), def, diag, child_legacy);
          for (const auto& d : diag.items()) {
            EXPECT_NE(d.severity, ccp::Diagnostic::Severity::Error) << d.error.str();
            EXPECT_EQ(d.error.message.find("unknown property"), std::string::npos) << entry.path() << ": " << d.error.str();
          }
          EXPECT_EQ(auth::scheme_name(def.auth), lower == "apikey" ? "APIKey" : t->as_string());
          ++blocks;
          ++by_type[auth::scheme_name(def.auth)];
          continue;
        }
        walk(child, path + "/" + k, child_legacy);
      }
    };
    walk(*root, "", false);
  }
  EXPECT_GE(blocks, 91);
  EXPECT_GE(by_type["OAuth2"], 18);
  EXPECT_GE(by_type["JwtToken"], 7);
  EXPECT_EQ(by_type["CiscoDuo"], 2);
  EXPECT_EQ(by_type["AliCloudSlsV1"], 1);
}

TEST(Instantiate, AuthorizationCodeNeedsARefreshTokenParameter) {
  ccp::Definition def;
  def.source = "t.json";
  def.request.api_endpoint = "https://api.example/v1";
  auth::OAuth2Spec o;
  o.client_id = "{{clientId}}";
  o.client_secret = "[[parameters('clientSecret')]";
  o.grant_type = "authorization_code";
  o.token_endpoint = "https://login.example/token";
  o.authorization_code = "{{authorizationCode}}";
  def.auth = o;
  auto inst = ccp::instantiate(def, {{"clientId", "id"}, {"clientSecret", "sec"}});
  ASSERT_FALSE(inst);
  EXPECT_NE(inst.error().message.find("refreshToken"), std::string::npos) << inst.error().str();
  EXPECT_EQ(inst.error().message.find("authorizationCode"), std::string::npos) << inst.error().str();

  inst = ccp::instantiate(def, {{"clientId", "id"}, {"clientSecret", "sec"}, {"RefreshToken", "rt"}});
  ASSERT_TRUE(inst) << inst.error().str();
  auto& got = std::get<auth::OAuth2Spec>(inst->auth);
  EXPECT_EQ(got.client_secret, "sec");
  EXPECT_EQ(got.refresh_token, "rt");
  EXPECT_TRUE(got.authorization_code.empty());
  EXPECT_EQ(auth::secrets_of(inst->auth), (std::vector<std::string>{"sec", "rt"}));
}

TEST(Instantiate, SalesforcePasswordGrantFallsBackToUserParameters) {
  ccp::Definition def;
  def.source = "t.json";
  def.request.api_endpoint = "https://api.example/v1";
  auth::OAuth2Spec o;
  o.client_id = "[[parameters('clientId')]";
  o.client_secret = "[[parameters('clientSecret')]";
  o.grant_type = "[[parameters('salesforceGrantType')]";
  o.token_endpoint = "https://sf.example/services/oauth2/token";
  o.user = "[[if(equals(parameters('salesforceGrantType'), 'password'), parameters('username'), '')]";
  o.password = "[[if(equals(parameters('salesforceGrantType'), 'password'), parameters('password'), '')]";
  def.auth = o;
  ccp::Params params{{"clientId", "id"}, {"clientSecret", "sec"}, {"salesforceGrantType", "password"},
                     {"username", "u@x"}, {"password", "pw"}};
  auto inst = ccp::instantiate(def, params);
  ASSERT_TRUE(inst) << inst.error().str();
  auto& got = std::get<auth::OAuth2Spec>(inst->auth);
  EXPECT_EQ(got.grant(), auth::OAuth2Grant::Password);
  EXPECT_EQ(got.user, "u@x");
  EXPECT_EQ(got.password, "pw");

  params["salesforceGrantType"] = "client_credentials";
  params.erase("username");
  inst = ccp::instantiate(def, params);
  ASSERT_TRUE(inst) << inst.error().str();
  EXPECT_TRUE(std::get<auth::OAuth2Spec>(inst->auth).user.empty());
}

TEST(Instantiate, JwtSessionDuoAliPlaceholders) {
  ccp::Definition def;
  def.source = "t.json";
  def.request.api_endpoint = "https://api.example/v1";
  auth::JwtTokenSpec j;
  j.token_endpoint = "https://{{host}}/login";
  j.user = {"username", "[parameters('username')]"};
  j.password = {"password", "[[parameters('password')]"};
  def.auth = j;
  auto inst = ccp::instantiate(def, {{"host", "h"}, {"username", "u"}});
  ASSERT_FALSE(inst);
  EXPECT_NE(inst.error().message.find("password"), std::string::npos);
  inst = ccp::instantiate(def, {{"host", "h"}, {"username", "u"}, {"password", "p"}});
  ASSERT_TRUE(inst);
  EXPECT_EQ(std::get<auth::JwtTokenSpec>(inst->auth).token_endpoint, "https://h/login");
  EXPECT_EQ(std::get<auth::JwtTokenSpec>(inst->auth).password.value, "p");

  def.auth = auth::CiscoDuoSpec{"[[parameters('ikey')]", "[[parameters('skey')]"};
  inst = ccp::instantiate(def, {{"ikey", "I"}, {"skey", "S"}});
  ASSERT_TRUE(inst);
  EXPECT_EQ(std::get<auth::CiscoDuoSpec>(inst->auth).secret_key, "S");
  def.auth = auth::AliCloudSlsSpec{"{{accessKeyId}}", "{{accessKeySecret}}"};
  inst = ccp::instantiate(def, {{"accessKeyId", "I"}, {"accessKeySecret", "S"}});
  ASSERT_TRUE(inst);
  EXPECT_EQ(std::get<auth::AliCloudSlsSpec>(inst->auth).access_key_secret, "S");
}
