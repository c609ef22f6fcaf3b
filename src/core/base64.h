// Base64 (RFC 4648, standard alphabet with padding), used by auth schemes and signatures.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace intake {

std::string base64_encode(std::string_view data);
// nullopt on characters outside the alphabet or bad padding; whitespace is not accepted.
std::optional<std::string> base64_decode(std::string_view text);

// The URL-safe alphabet without padding (RFC 4648 section 5), as JWTs use it.
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace intake
