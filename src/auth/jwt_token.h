// JwtToken: log in at TokenEndpoint (user/password fields, Basic, or a user token exchanged for a
// system token, as BigID does), read the token from the JSON body or a response header, and send
// it on data requests in the ApiKeyName header. Re-login after a 401 or when the JWT's exp passes.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

Result<std::unique_ptr<Authenticator>> make_jwt_token(const JwtTokenSpec& spec, http::Client& client, Clock clock);

}  // namespace intake::auth
