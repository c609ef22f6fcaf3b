// An Authenticator shared by several threads (a connection's requests and its nested steps'
// parallel requests): every call holds one mutex, so a token is fetched or refreshed once.
#pragma once

#include <mutex>

#include "auth/authenticator.h"

namespace intake::auth {

class LockedAuthenticator final : public Authenticator {
 public:
  explicit LockedAuthenticator(Authenticator& inner) : inner_(inner) {}
  Status apply(http::Request& request) override {
    std::lock_guard lock(mutex_);
    return inner_.apply(request);
  }
  Result<bool> refresh() override {
    std::lock_guard lock(mutex_);
    return inner_.refresh();
  }
  std::pair<std::string, std::string> template_key() const override {
    std::lock_guard lock(mutex_);
    return inner_.template_key();
  }

 private:
  Authenticator& inner_;
  mutable std::mutex mutex_;
};

}  // namespace intake::auth
