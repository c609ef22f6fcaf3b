// gzip for bodies that travel compressed: responses of vendor APIs (inflate), pushed requests
// (inflate, bounded: decompression bombs are an error) and uploads to the Logs Ingestion API
// (compress).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace intake::http {

// True when the bytes start with the gzip magic number.
bool is_gzip(std::string_view body);
// True when the bytes start with a valid zlib header (deflate, window <= 32 KiB, check bits).
bool is_zlib(std::string_view body);
// Spare capacity an inflated body keeps beyond its size (simdjson's padding, the client's
// kBodyPadding), so it is parsed where it lies.
inline constexpr size_t kInflateSpareBytes = 64;
// Inflates gzip (also several concatenated members) or zlib/deflate data. `max_bytes` bounds the
// output (decompression bombs are an error, not an allocation).
Result<std::string> inflate(std::string_view body, size_t max_bytes);
// Undoes a response's Content-Encoding (gzip, x-gzip, deflate, identity, or a list of them).
Result<std::string> decode_content(std::string body, std::string_view encoding, size_t max_bytes);
// gzip-compresses (RFC 1952) at zlib `level` (1 fastest .. 9 smallest).
Result<std::string> gzip(std::string_view data, int level = 6);

}  // namespace intake::http
