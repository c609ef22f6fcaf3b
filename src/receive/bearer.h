// Bearer tokens the Logs Ingestion receiver accepts: static tokens from the configuration
// (optionally limited to some DCRs), and JWTs verified with a configured key — HS256 with a
// shared secret or RS256 with an RSA public key (PEM) — whose audience, issuer and lifetime are
// checked as Azure Monitor checks its Entra tokens.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace intake::receive {

struct StaticToken {
  std::string token;
  std::set<std::string> rules;  // DCR immutable ids it may write; empty = all
};

struct JwtOptions {
  std::string hs256_secret;       // either this
  std::string rs256_public_pem;   // or this (the PEM text)
  std::string audience = "https://monitor.azure.com";  // also accepted with a trailing '/'
  std::string issuer;             // "" = any
  int64_t leeway_ticks = 5 * kTicksPerMinute;
};

// Outcome of a check, shaped for Azure's answers.
struct BearerVerdict {
  enum class Kind { Ok, Missing, Invalid, Expired, WrongAudience, Forbidden };
  Kind kind = Kind::Missing;
  std::string message;  // why, for the error body (never the token)
};

class BearerVerifier {
 public:
  // Errors: a JWT key that does not load.
  static Result<BearerVerifier> create(std::vector<StaticToken> tokens, std::optional<JwtOptions> jwt);
  BearerVerifier(BearerVerifier&&) noexcept;
  BearerVerifier& operator=(BearerVerifier&&) noexcept;
  ~BearerVerifier();

  // Checks the Authorization header value for a write to the DCR `rule`. Thread-safe.
  BearerVerdict check(std::optional<std::string_view> authorization, std::string_view rule, DateTime now) const;
  bool empty() const;

 private:
  struct Key;
  BearerVerifier() = default;
  std::vector<StaticToken> tokens_;
  std::optional<JwtOptions> jwt_;
  std::unique_ptr<Key> key_;
};

}  // namespace intake::receive
