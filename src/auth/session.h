// Session: log in at sessionLoginRequestUri with user/password fields, read the session id named
// sessionIdName from the login response (JSON body member, response header, or cookie), send it
// as a header of that name, and log in again after sessionTimeoutInMinutes or a 401.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

Result<std::unique_ptr<Authenticator>> make_session(const SessionSpec& spec, http::Client& client, Clock clock);

}  // namespace intake::auth
