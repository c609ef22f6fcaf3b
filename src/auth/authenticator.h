// The Authenticator interface: one implementation per CCP auth scheme, chosen from the
// definition's auth block. The built-in set is the explicit table in factory.cpp.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"
#include "http/client.h"
#include "http/message.h"

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
using AuthSpec = std::variant<NoneSpec, BasicSpec, ApiKeySpec>;

// Name of the scheme as CCP spells it ("Basic", "APIKey", "None").
std::string scheme_name(const AuthSpec& spec);

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Adds credentials to a data request (a header, a query parameter).
  virtual Status apply(http::Request& request) = 0;
  // After a 401: obtains fresh credentials when the scheme can (tokens). True means "retry the
  // request once"; static credentials return false, and the 401 is final.
  virtual Result<bool> refresh() { return false; }
  // Values for {_APIKeyName} / {_APIKey} in body templates; empty for other schemes.
  virtual std::pair<std::string, std::string> template_key() const { return {}; }
};

// Builds the authenticator for a spec. `client` is used by token-based schemes; it must outlive
// the authenticator.
Result<std::unique_ptr<Authenticator>> make_authenticator(const AuthSpec& spec, http::Client& client);

// Every secret value in a spec (passwords, keys), so callers can redact them from any text.
std::vector<std::string> secrets_of(const AuthSpec& spec);

}  // namespace intake::auth
