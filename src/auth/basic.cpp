#include "auth/basic.h"

#include "core/base64.h"

namespace intake::auth {

namespace {
class Basic final : public Authenticator {
 public:
  explicit Basic(const BasicSpec& spec) : header_("Basic " + base64_encode(spec.user + ":" + spec.password)) {}
  Status apply(http::Request& request) override {
    http::set_header(request.headers, "Authorization", header_);
    return {};
  }

 private:
  std::string header_;
};
}  // namespace

std::unique_ptr<Authenticator> make_basic(const BasicSpec& spec) { return std::make_unique<Basic>(spec); }

}  // namespace intake::auth
