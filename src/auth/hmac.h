// Digests for request-signing schemes and signature checks (OpenSSL): HMAC-SHA1/SHA256, SHA-256,
// MD5, hex rendering, constant-time comparison.
#pragma once

#include <string>
#include <string_view>

namespace intake::auth {

// Raw 20-byte HMAC-SHA1 of `data` under `key`.
std::string hmac_sha1(std::string_view key, std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key` (Azure's SharedKey signatures, JWT HS256).
std::string hmac_sha256(std::string_view key, std::string_view data);
// Raw 32-byte SHA-256 of `data`.
std::string sha256(std::string_view data);
// Equal length and equal bytes, in time that does not depend on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// Raw 16-byte MD5 of `data`.
std::string md5(std::string_view data);
// Hex rendering of raw bytes ("0a1b..." or "0A1B...").
std::string to_hex(std::string_view bytes, bool upper = false);

}  // namespace intake::auth
