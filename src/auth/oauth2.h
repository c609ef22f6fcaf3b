// OAuth2 (RFC 6749): client_credentials, password, and authorization_code run unattended from a
// refresh token. Tokens are cached until shortly before expires_in and renewed after a 401.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

// Errors name the missing field or the unknown grant type.
Result<std::unique_ptr<Authenticator>> make_oauth2(const OAuth2Spec& spec, http::Client& client, Clock clock);

}  // namespace intake::auth
