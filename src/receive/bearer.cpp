#include "receive/bearer.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/hmac.h"
#include "core/base64.h"
#include "json/value_json.h"

namespace intake::receive {

struct BearerVerifier::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

BearerVerifier::BearerVerifier(BearerVerifier&&) noexcept = default;
BearerVerifier& BearerVerifier::operator=(BearerVerifier&&) noexcept = default;
BearerVerifier::~BearerVerifier() = default;

Result<BearerVerifier> BearerVerifier::create(std::vector<StaticToken> tokens, std::optional<JwtOptions> jwt) {
  BearerVerifier v;
  v.tokens_ = std::move(tokens);
  if (jwt) {
    if (jwt->hs256_secret.empty() == jwt->rs256_public_pem.empty()) {
      return fail("jwt", "give exactly one of hs256Secret and rs256PublicKey");
    }
    if (!jwt->rs256_public_pem.empty()) {
      BIO* bio = BIO_new_mem_buf(jwt->rs256_public_pem.data(), static_cast<int>(jwt->rs256_public_pem.size()));
      EVP_PKEY* pkey = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
      BIO_free(bio);
      if (!pkey) return fail("jwt.rs256PublicKey", "not a PEM public key (-----BEGIN PUBLIC KEY-----)");
      v.key_ = std::make_unique<Key>();
      v.key_->pkey = pkey;
    }
    v.jwt_ = std::move(jwt);
  }
  return v;
}

bool BearerVerifier::empty() const { return tokens_.empty() && !jwt_; }

namespace {

BearerVerdict verdict(BearerVerdict::Kind k, std::string m) { return BearerVerdict{k, std::move(m)}; }

bool rs256_ok(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::optional<int64_t> seconds_claim(const Value& claims, std::string_view name) {
  const Value* v = claims.get(name);
  int64_t n = 0;
  if (!v || !v->to_int64(n)) return std::nullopt;
  return n;
}

}  // namespace

BearerVerdict BearerVerifier::check(std::optional<std::string_view> authorization, std::string_view rule, DateTime now) const {
  using K = BearerVerdict::Kind;
  if (!authorization || authorization->size() < 7 || !iequals(authorization->substr(0, 7), "Bearer ")) {
    return verdict(K::Missing, "An 'Authorization: Bearer <token>' header is required.");
  }
  std::string_view token = authorization->substr(7);
  for (const auto& t : tokens_) {
    if (!auth::constant_time_equal(t.token, token)) continue;
    if (!t.rules.empty() && !t.rules.contains(std::string(rule))) {
      return verdict(K::Forbidden, "The authentication token provided does not have access to ingest data for the data "
                                   "collection rule with immutable Id '" + std::string(rule) + "'.");
    }
    return verdict(K::Ok, "");
  }
  if (!jwt_) return verdict(K::Invalid, "The bearer token is not one this receiver accepts.");
  size_t d1 = token.find('.'), d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return verdict(K::Invalid, "The bearer token is neither a configured token nor a JWT.");
  auto header = base64url_decode(token.substr(0, d1));
  auto payload = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto signature = base64url_decode(token.substr(d2 + 1));
  if (!header || !payload || !signature) return verdict(K::Invalid, "The JWT is not well formed (base64url).");
  auto h = json::parse(*header);
  auto claims = json::parse(*payload);
  if (!h || !claims || !h->is_object() || !claims->is_object()) return verdict(K::Invalid, "The JWT is not well formed (JSON).");
  const Value* alg = h->get("alg");
  std::string_view signed_part = token.substr(0, d2);
  bool good = false;
  if (alg && alg->is_string() && alg->as_string() == "HS256" && !jwt_->hs256_secret.empty()) {
    good = auth::constant_time_equal(auth::hmac_sha256(jwt_->hs256_secret, signed_part), *signature);
  } else if (alg && alg->is_string() && alg->as_string() == "RS256" && key_) {
    good = rs256_ok(key_->pkey, signed_part, *signature);
  } else {
    return verdict(K::Invalid, "The JWT is signed with an algorithm this receiver does not accept.");
  }
  if (!good) return verdict(K::Invalid, "The JWT signature does not verify.");
  int64_t now_s = now.ticks / kTicksPerSecond, leeway = jwt_->leeway_ticks / kTicksPerSecond;
  auto exp = seconds_claim(*claims, "exp");
  if (!exp || now_s > *exp + leeway) return verdict(K::Expired, "The token is expired or has no expiry (exp).");
  if (auto nbf = seconds_claim(*claims, "nbf"); nbf && now_s + leeway < *nbf) return verdict(K::Expired, "The token is not valid yet (nbf).");
  const Value* aud = claims->get("aud");
  std::string want = jwt_->audience, want_slash = want + "/";
  bool aud_ok = false;
  if (aud && aud->is_string()) aud_ok = aud->as_string() == want || aud->as_string() == want_slash;
  if (aud && aud->is_array()) {
    for (const auto& a : aud->as_array()) aud_ok = aud_ok || (a.is_string() && (a.as_string() == want || a.as_string() == want_slash));
  }
  if (!aud_ok) return verdict(K::WrongAudience, "The token's audience is not " + want + ".");
  if (!jwt_->issuer.empty()) {
    const Value* iss = claims->get("iss");
    if (!iss || !iss->is_string() || iss->as_string() != jwt_->issuer) return verdict(K::Invalid, "The token's issuer is not accepted.");
  }
  return verdict(K::Ok, "");
}

}  // namespace intake::receive
