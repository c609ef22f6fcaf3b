#include "auth/ali_cloud_sls.h"

#include <algorithm>

#include "auth/common.h"
#include "auth/hmac.h"
#include "core/base64.h"

namespace intake::auth {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

Result<std::string> sls_sign_string(const http::Request& request) {
  auto url = http::split_url(request.url);
  if (!url) return std::unexpected(url.error());
  auto header = [&](std::string_view name) { return std::string(http::find_header(request.headers, name).value_or("")); };
  std::string out = request.method + "\n" + header("Content-MD5") + "\n" + header("Content-Type") + "\n" + header("Date") + "\n";
  std::vector<std::pair<std::string, std::string>> log_headers;
  for (const auto& [k, v] : request.headers) {
    std::string name = lower(k);
    if (name.starts_with("x-log-") || name.starts_with("x-acs-")) log_headers.emplace_back(name, trim(v));
  }
  std::sort(log_headers.begin(), log_headers.end());
  for (const auto& [k, v] : log_headers) out += k + ":" + v + "\n";
  out += http::url_decode(url->path, false);
  auto params = http::parse_query(url->query);
  if (!params.empty()) {
    std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string query;
    for (const auto& [k, v] : params) query += (query.empty() ? "" : "&") + k + "=" + v;
    out += "?" + query;
  }
  return out;
}

namespace {

class AliCloudSls final : public Authenticator {
 public:
  AliCloudSls(const AliCloudSlsSpec& spec, Clock clock) : spec_(spec), clock_(std::move(clock)) {}

  Status apply(http::Request& request) override {
    http::set_header(request.headers, "Date", http_date(clock_(), "GMT"));
    http::set_header(request.headers, "x-log-apiversion", "0.6.0");
    http::set_header(request.headers, "x-log-signaturemethod", "hmac-sha1");
    http::set_header(request.headers, "x-log-bodyrawsize", std::to_string(request.body.size()));
    if (!request.body.empty()) {
      http::set_header(request.headers, "Content-MD5", to_hex(md5(request.body), true));
    }
    auto sign = sls_sign_string(request);
    if (!sign) return std::unexpected(sign.error());
    http::set_header(request.headers, "Authorization",
                     "LOG " + spec_.access_key_id + ":" + base64_encode(hmac_sha1(spec_.access_key_secret, *sign)));
    return {};
  }

 private:
  AliCloudSlsSpec spec_;
  Clock clock_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> make_ali_cloud_sls(const AliCloudSlsSpec& spec, Clock clock) {
  if (spec.access_key_id.empty()) return fail("auth/AccessKeyId", "AliCloudSlsV1 needs AccessKeyId");
  if (spec.access_key_secret.empty()) return fail("auth/AccessKeySecret", "AliCloudSlsV1 needs AccessKeySecret");
  return std::make_unique<AliCloudSls>(spec, std::move(clock));
}

}  // namespace intake::auth
