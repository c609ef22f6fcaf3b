// The built-in auth schemes: one explicit table, no static self-registration.
#include "auth/api_key.h"
#include "auth/authenticator.h"
#include "auth/basic.h"

namespace intake::auth {

namespace {
class NoAuth final : public Authenticator {
 public:
  Status apply(http::Request&) override { return {}; }
};

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
}  // namespace

std::string scheme_name(const AuthSpec& spec) {
  return std::visit(Overloaded{[](const NoneSpec&) { return std::string("None"); },
                               [](const BasicSpec&) { return std::string("Basic"); },
                               [](const ApiKeySpec&) { return std::string("APIKey"); }},
                    spec);
}

Result<std::unique_ptr<Authenticator>> make_authenticator(const AuthSpec& spec, http::Client&) {
  return std::visit(Overloaded{[](const NoneSpec&) -> std::unique_ptr<Authenticator> { return std::make_unique<NoAuth>(); },
                               [](const BasicSpec& s) { return make_basic(s); },
                               [](const ApiKeySpec& s) { return make_api_key(s); }},
                    spec);
}

std::vector<std::string> secrets_of(const AuthSpec& spec) {
  return std::visit(Overloaded{[](const NoneSpec&) { return std::vector<std::string>{}; },
                               [](const BasicSpec& s) { return std::vector<std::string>{s.password}; },
                               [](const ApiKeySpec& s) { return std::vector<std::string>{s.key}; }},
                    spec);
}

}  // namespace intake::auth
