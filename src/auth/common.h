// Pieces shared by the token-based and signing schemes: sending a credential request, turning a
// failed one into a clear Error without secrets, reading token lifetimes, HTTP dates.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/value.h"
#include "http/client.h"
#include "http/message.h"
#include "http/url.h"

namespace intake::auth {

// Seconds taken off every token lifetime so that a token is renewed before the server rejects it.
constexpr int64_t kExpirySkewSeconds = 60;

// Body for credential fields: form-encoded (a=1&b=x%20y) or a flat JSON object of strings.
std::string encode_fields(const http::QueryParams& fields, bool json);

// Sends a credential request (token, login). Transport failures become Errors naming `what`
// ("token endpoint") and the URL without its query string.
Result<http::Response> send_credential_request(http::Client& client, const http::Request& request, int timeout_seconds,
                                               std::string_view what);

// The Error for a credential request answered with a non-2xx status: where = the URL without
// query, message = "<what> returned HTTP <status>: <error>: <first line of error_description>"
// plus `hint`. Every value of `secrets` is masked in the server's text.
Error credential_error(const http::Request& request, const http::Response& response, std::string_view what,
                       std::string_view hint, const std::vector<std::string>& secrets);

// Masks every secret (4 characters or more) in `text`.
// Checks that `url` (a token or login endpoint) is a URL; the error names `where` and shows the
// URL with its credentials redacted.
Status check_endpoint_url(std::string_view where, const std::string& url);

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets);

// A JSON number or numeric string (Entra v1 sends "3599") as an integer.
std::optional<int64_t> integer_of(const Value* v);

// The `exp` claim of a JWT (base64url JSON payload), or nullopt when the token is not a JWT.
std::optional<DateTime> jwt_expiry(std::string_view token);

// "Tue, 21 Aug 2012 17:29:18 <zone>" (RFC 2822 / RFC 1123 shape, UTC); zone "GMT" or "-0000".
std::string http_date(DateTime t, std::string_view zone);

DateTime add_seconds(DateTime t, int64_t seconds);

}  // namespace intake::auth
