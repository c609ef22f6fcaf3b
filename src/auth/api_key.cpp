#include "auth/api_key.h"

#include "http/url.h"

namespace intake::auth {

namespace {
class ApiKey final : public Authenticator {
 public:
  explicit ApiKey(const ApiKeySpec& spec) : spec_(spec) {
    if (spec_.header.empty()) spec_.header = "Authorization";
  }
  Status apply(http::Request& request) override {
    if (spec_.in_post_payload) return {};
    if (spec_.in_query) {
      request.url = http::append_query(request.url, {{spec_.header, spec_.key}});
      return {};
    }
    http::set_header(request.headers, spec_.header,
                     spec_.identifier.empty() ? spec_.key : spec_.identifier + " " + spec_.key);
    return {};
  }
  std::pair<std::string, std::string> template_key() const override { return {spec_.header, spec_.key}; }

 private:
  ApiKeySpec spec_;
};
}  // namespace

std::unique_ptr<Authenticator> make_api_key(const ApiKeySpec& spec) { return std::make_unique<ApiKey>(spec); }

}  // namespace intake::auth
