#include "auth/cisco_duo.h"

#include <algorithm>

#include "auth/common.h"
#include "auth/hmac.h"
#include "core/base64.h"

namespace intake::auth {

Result<std::string> duo_canonical_request(const http::Request& request, std::string_view date) {
  auto url = http::split_url(request.url);
  if (!url) return std::unexpected(url.error());
  std::string method = request.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  bool form_body = method != "GET" && method != "DELETE" && !request.body.empty();
  if (form_body) {
    auto ct = http::find_header(request.headers, "Content-Type");
    form_body = !ct || ct->find("x-www-form-urlencoded") != std::string_view::npos;
  }
  http::QueryParams params = http::parse_query(form_body ? std::string_view(request.body) : std::string_view(url->query));
  // Duo's reference clients sort by encoded key, then by encoded value.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [k, v] : params) pairs.emplace_back(http::url_encode(k), http::url_encode(v));
  std::sort(pairs.begin(), pairs.end());
  std::string canon_params;
  for (const auto& [k, v] : pairs) canon_params += (canon_params.empty() ? "" : "&") + k + "=" + v;
  std::string host = url->authority;
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::string(date) + "\n" + method + "\n" + host + "\n" + url->path + "\n" + canon_params;
}

namespace {

class CiscoDuo final : public Authenticator {
 public:
  CiscoDuo(const CiscoDuoSpec& spec, Clock clock) : spec_(spec), clock_(std::move(clock)) {}

  Status apply(http::Request& request) override {
    std::string date = http_date(clock_(), "-0000");
    auto canon = duo_canonical_request(request, date);
    if (!canon) return std::unexpected(canon.error());
    std::string sig = to_hex(hmac_sha1(spec_.secret_key, *canon));
    http::set_header(request.headers, "Date", date);
    http::set_header(request.headers, "Authorization", "Basic " + base64_encode(spec_.integration_key + ":" + sig));
    return {};
  }

 private:
  CiscoDuoSpec spec_;
  Clock clock_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> make_cisco_duo(const CiscoDuoSpec& spec, Clock clock) {
  if (spec.integration_key.empty()) return fail("auth/APIKey", "CiscoDuo needs the integration key (ikey) in APIKey");
  if (spec.secret_key.empty()) return fail("auth/ClientSecret", "CiscoDuo needs the secret key (skey) in ClientSecret");
  return std::make_unique<CiscoDuo>(spec, std::move(clock));
}

}  // namespace intake::auth
