// HTTP Basic: Authorization: Basic base64(user:password) on every data request.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

std::unique_ptr<Authenticator> make_basic(const BasicSpec& spec);

}  // namespace intake::auth
