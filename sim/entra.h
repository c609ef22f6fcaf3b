// Microsoft Entra ID token endpoint for the simulators of Microsoft APIs: client-credentials
// grants on POST /{tenant}/oauth2/v2.0/token (scope) and /{tenant}/oauth2/token (v1, resource),
// secrets in the form or via HTTP Basic, AADSTS errors shaped as Entra sends them, short-lived
// tokens on an injectable clock, and the bearer checks resource handlers call: verify() says what
// is wrong with a presented token, check_bearer() answers it as Graph does (401 with
// WWW-Authenticate and Graph's error body when a token is unknown, expired or for another resource).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/server.h"
#include "sim/common.h"

namespace CLI {
class App;
}

namespace intake::sim::entra {

struct Options {
  std::string tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  std::string tenant_domain = "contoso.onmicrosoft.com";  // also accepted in the URL
  std::string client_id = "3f1c4b0e-6a2d-4c8e-9a57-1b2c3d4e5f60";
  std::string client_secret = "sim-secret";
  std::string resource = "https://graph.microsoft.com";  // v2 scope must be <resource>/.default
  // Further resources tokens are issued for (as Entra issues them for any API of the tenant), so
  // a client that asks for the wrong scope gets a token the simulated API refuses by audience.
  std::vector<std::string> other_resources;
  std::vector<std::string> roles = {"SecurityAlert.Read.All"};  // the token's application roles
  int64_t token_ttl_s = 3599;
  bool jwt_tokens = true;  // JWT-looking tokens (header.payload.signature); otherwise opaque
  uint64_t seed = 1;
  NowMs now = system_now_ms;
};

// Registers --tenant, --client-id, --client-secret and --token-ttl.
void add_options(CLI::App& app, Options& options);

// What a presented bearer token is, as a resource server sees it.
struct BearerCheck {
  enum class State { Valid, Missing, NotBearer, Unknown, Expired, WrongAudience };
  State state = State::Missing;
  std::string audience;    // of an issued token
  int64_t expires_ms = 0;  // of an issued token
};

class TokenService {
 public:
  explicit TokenService(Options options) : options_(std::move(options)) {}

  // Answers the token endpoints; nullopt when the request is for another path.
  std::optional<http::ServerResponse> handle(const http::ServerRequest& request);
  // Looks up the request's `Authorization: Bearer` token; Valid only when this service issued it
  // for options().resource and it has not expired on the injected clock. Thread-safe.
  BearerCheck verify(const http::ServerRequest& request);
  // nullopt when the request carries a live token issued for our resource; otherwise Graph's 401.
  std::optional<http::ServerResponse> check_bearer(const http::ServerRequest& request);
  // Makes the bearer token the request carries expire now (an early expiry; see
  // FaultOptions::expire_token_at). Unknown tokens are left alone.
  void expire(const http::ServerRequest& request);
  int64_t tokens_issued() const { return issued_.load(); }
  const Options& options() const { return options_; }

 private:
  struct Issued {
    int64_t expires_ms;
    std::string audience;
  };
  http::ServerResponse error(int status, std::string_view code, int64_t aadsts, const std::string& description) const;
  Options options_;
  std::atomic<int64_t> issued_{0};
  std::mutex mutex_;
  std::map<std::string, Issued> tokens_;
};

// Graph's error body: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}.
http::ServerResponse graph_error(int status, std::string_view code, std::string_view message, int64_t now_ms,
                                 uint64_t request_key);

}  // namespace intake::sim::entra
