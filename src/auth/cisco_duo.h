// CiscoDuo: Duo Admin API request signing (https://duo.com/docs/adminapi#authentication).
// Every request carries `Date: <RFC 2822 date>` and `Authorization: Basic base64(ikey:sig)` where
// sig = hex(HMAC-SHA1(skey, date \n METHOD \n host \n path \n canonical params)); the canonical
// params are the query (GET) or form body (POST) parameters, RFC 3986-encoded (only A-Z a-z 0-9
// - . _ ~ kept), sorted, joined as k=v&k=v. The host comes from the request URL.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

Result<std::unique_ptr<Authenticator>> make_cisco_duo(const CiscoDuoSpec& spec, Clock clock);

// The canonical string Duo signs for `request` dated `date` (exposed for tests and diagnostics).
Result<std::string> duo_canonical_request(const http::Request& request, std::string_view date);

}  // namespace intake::auth
