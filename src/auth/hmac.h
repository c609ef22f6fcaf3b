// Digests for request-signing schemes (OpenSSL): HMAC-SHA1, HMAC-SHA256, MD5, hex rendering.
#pragma once

#include <string>
#include <string_view>

namespace intake::auth {

// Raw 20-byte HMAC-SHA1 of `data` under `key`.
std::string hmac_sha1(std::string_view key, std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
// Raw 16-byte MD5 of `data`.
std::string md5(std::string_view data);
// Hex rendering of raw bytes ("0a1b..." or "0A1B...").
std::string to_hex(std::string_view bytes, bool upper = false);

}  // namespace intake::auth
