// The SharedKey signature of the Azure Monitor HTTP Data Collector API (POST /api/logs): an
// HMAC-SHA256, under the base64-decoded workspace key, of the method, the body's byte length, the
// content type, the x-ms-date header and the resource. Senders sign with it; a receiver rebuilds it
// from the headers it got and compares.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace intake::auth {

// "POST\n<content_length>\n<content_type>\nx-ms-date:<x_ms_date>\n/api/logs". `content_length` is
// the number of body bytes sent (UTF-8 bytes, not characters).
std::string shared_key_string_to_sign(size_t content_length, std::string_view x_ms_date,
                                      std::string_view content_type = "application/json");

// The base64 signature. Fails (naming the key, never showing it) when the key is not base64.
Result<std::string> shared_key_signature(std::string_view workspace_key_base64, size_t content_length,
                                         std::string_view x_ms_date,
                                         std::string_view content_type = "application/json");

// The Authorization header value: "SharedKey <workspace_id>:<signature>".
Result<std::string> shared_key_authorization(std::string_view workspace_id, std::string_view workspace_key_base64,
                                             size_t content_length, std::string_view x_ms_date);

}  // namespace intake::auth
