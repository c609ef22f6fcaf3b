#include <zlib.h>

#include "http/gzip.h"

namespace intake::http {

bool is_gzip(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b;
}

Result<std::string> inflate(std::string_view body, size_t max_bytes) {
  std::string out;
  z_stream zs{};
  // 15 + 32: detect gzip or zlib headers automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return fail("gzip", "cannot initialise zlib");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(body.size());
  char buf[64 * 1024];
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = ::inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      return fail("gzip", "the body inflates to more than " + std::to_string(max_bytes >> 20) + " MiB; refusing it");
    }
    if (rc == Z_STREAM_END) {
      // Concatenated members (multi-gzip): continue with the next one.
      if (zs.avail_in == 0) break;
      inflateReset(&zs);
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return fail("gzip", "the compressed body is corrupt or truncated");
  return out;
}

Result<std::string> gzip(std::string_view data, int level) {
  z_stream zs{};
  // 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return fail("gzip", "cannot initialise zlib");
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return fail("gzip", "compression failed");
  return out;
}

}  // namespace intake::http
