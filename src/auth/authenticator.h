// The Authenticator interface: one implementation per CCP auth scheme, chosen from the
// definition's auth block. The built-in set is the explicit table in factory.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "http/client.h"
#include "http/message.h"
#include "http/url.h"

namespace intake::auth {

// Parsed auth blocks (ccp/ fills these from RestApiPoller `auth` or APIPolling `auth` +
// instance parameters).
struct NoneSpec {};
struct BasicSpec {
  std::string user;
  std::string password;
};
struct ApiKeySpec {
  std::string key;
  std::string header = "Authorization";  // ApiKeyName ("" means Authorization)
  std::string identifier;                // prefix before the key, "" = raw key
  bool in_post_payload = false;          // IsApiKeyInPostPayload: key travels in the body template
  bool in_query = false;                 // isApiKeyInQuery (intake extension): ?<ApiKeyName>=<key>
};

// OAuth2 grants as intake runs them. AuthorizationCode runs unattended from an operator-supplied
// refresh token (or a one-time authorization code exchanged on first use).
// Custom: a vendor's own grant name (Dataminr's api_key) sent as grant_type with the client credentials.
enum class OAuth2Grant { ClientCredentials, AuthorizationCode, Password, Custom };

struct OAuth2Spec {
  std::string client_id;
  std::string client_secret;
  std::string grant_type = "client_credentials";  // as configured (client_credentials, authorization_code, password,
                                                  // legacy FlowName ClientCredentials/AuthCode); read by grant()
  std::string token_endpoint;                     // may carry its own query string
  http::Headers token_endpoint_headers;           // TokenEndpointHeaders
  http::QueryParams token_endpoint_query;         // TokenEndpointQueryParameters: sent in the URL and the body
  std::string scope;
  bool credentials_in_headers = false;            // IsCredentialsInHeaders / IsClientSecretInHeader: Basic on the token request
  bool json_request = false;                      // IsTokenEndpointPostPayloadJson (legacy): JSON token request body
  std::string access_token_prepend = "Bearer";    // AccessTokenPrepend
  std::string refresh_token;                      // RefreshToken field or instance parameter refreshToken
  std::string authorization_code;                 // AuthorizationCode, exchanged once when no refresh token is given
  std::string redirect_uri;                       // redirectUri / RedirectionEndpoint (sent with the code exchange)
  std::string user;                               // password grant
  std::string password;
  std::string access_token;                       // legacy AccessToken: a pre-issued token used until it fails
  int timeout_seconds = 100;                      // RequestTimeoutInSeconds
  std::string token_json_path;                    // intake extension accessTokenJsonPath: token outside access_token

  // The grant named by grant_type; nullopt for an unknown value.
  std::optional<OAuth2Grant> grant() const;
};

// A credential field of JwtToken/Session: the form/JSON field name and its value.
struct KeyValue {
  std::string key;
  std::string value;
};

struct JwtTokenSpec {
  std::string token_endpoint;
  std::string method = "POST";        // TokenEndpointHttpMethod
  KeyValue user;                      // userName {key, value}
  KeyValue password;                  // password {key, value}
  std::string user_token;             // UserToken: exchanged for a system token (sent in Authorization)
  std::string user_token_prepend;     // UserTokenPrepend
  bool credentials_in_headers = false;  // IsCredentialsInHeaders: Basic user:password on the login
  bool json_request = false;          // IsJsonRequest: JSON login body instead of a form
  std::string token_json_path;        // JwtTokenJsonPath ("" = $.access_token, $.token or $.jwt)
  bool token_in_response_header = false;    // JwtTokenInResponseHeader
  std::string token_header_name = "Authorization";  // JwtTokenHeaderName
  std::string token_identifier;       // JwtTokenIdentifier: prefix stripped from the obtained token
  bool no_access_token_prepend = false;     // NoAccessTokenPrepend: send the bare token
  std::string header = "Authorization";     // ApiKeyName: header carrying the token on data requests
  http::Headers headers;              // Headers for the login request
  http::QueryParams query;            // QueryParameters for the login request
  int timeout_seconds = 100;          // RequestTimeoutInSeconds (max 180)
};

struct SessionSpec {
  std::string login_uri;              // sessionLoginRequestUri
  KeyValue user;
  KeyValue password;
  std::string session_id_name;        // sessionIdName: read from the login response, sent as this header
  int64_t timeout_minutes = 30;       // sessionTimeoutInMinutes: log in again after this
  http::Headers headers;
  http::QueryParams query;
  bool json_payload = false;          // isPostPayloadJson
  int timeout_seconds = 100;
};

struct CiscoDuoSpec {
  std::string integration_key;  // APIKey (Duo "ikey")
  std::string secret_key;       // ClientSecret (Duo "skey")
};

struct AliCloudSlsSpec {
  std::string access_key_id;
  std::string access_key_secret;
};

using AuthSpec = std::variant<NoneSpec, BasicSpec, ApiKeySpec, OAuth2Spec, JwtTokenSpec, SessionSpec, CiscoDuoSpec,
                              AliCloudSlsSpec>;

// Name of the scheme as CCP spells it ("Basic", "APIKey", "OAuth2", ..., "None").
std::string scheme_name(const AuthSpec& spec);

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Adds credentials to a data request (a header, a query parameter, a signature over the final
  // request), obtaining a token first when the scheme needs one.
  virtual Status apply(http::Request& request) = 0;
  // After a 401: obtains fresh credentials when the scheme can (tokens). True means "retry the
  // request once"; static credentials return false, and the 401 is final.
  virtual Result<bool> refresh() { return false; }
  // Values for {_APIKeyName} / {_APIKey} in body templates; empty for other schemes.
  virtual std::pair<std::string, std::string> template_key() const { return {}; }
};

// Builds the authenticator for a spec. `client` is used by token-based schemes; it must outlive
// the authenticator. `clock` dates signatures and times token expiry.
Result<std::unique_ptr<Authenticator>> make_authenticator(const AuthSpec& spec, http::Client& client,
                                                          Clock clock = system_now);

// Every secret value in a spec (passwords, keys, client secrets, refresh tokens), so callers can
// redact them from any text.
std::vector<std::string> secrets_of(const AuthSpec& spec);

}  // namespace intake::auth
