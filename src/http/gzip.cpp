#include "http/gzip.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "core/value.h"

namespace intake::http {

namespace {

struct FreeDecompressor {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

enum class Wrapper { Gzip, Zlib, Raw };

// The gzip trailer's ISIZE: the size of the last member's data, modulo 2^32.
size_t gzip_trailer_size(std::string_view b) {
  if (b.size() < 18) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + b.size() - 4);
  return size_t{p[0]} | size_t{p[1]} << 8 | size_t{p[2]} << 16 | size_t{p[3]} << 24;
}

// libdeflate inflates a whole buffer two to three times as fast as zlib's streaming inflate, and
// the bodies are in memory anyway. Its one demand is room for the output: the gzip trailer tells
// the size of a single member, and the room doubles (up to max_bytes) when that was not enough.
// Appends one stream's data to `out`; returns the input bytes it used.
Result<size_t> inflate_one(libdeflate_decompressor* d, Wrapper w, std::string_view in, size_t max_bytes, std::string& out) {
  const size_t start = out.size();
  size_t room = w == Wrapper::Gzip ? gzip_trailer_size(in) : 0;
  if (room < in.size()) room = in.size() * 4;
  room = std::min(std::max<size_t>(room, 64), max_bytes - start + 1);
  while (true) {
    // The spare bytes stay as capacity after the final resize: the JSON parser reads its padding
    // there, so the inflated page is parsed in place instead of being copied once more.
    out.resize(start + room + kInflateSpareBytes);
    size_t used_in = 0, used_out = 0;
    libdeflate_result rc;
    switch (w) {
      case Wrapper::Gzip:
        rc = libdeflate_gzip_decompress_ex(d, in.data(), in.size(), out.data() + start, room, &used_in, &used_out);
        break;
      case Wrapper::Zlib:
        rc = libdeflate_zlib_decompress_ex(d, in.data(), in.size(), out.data() + start, room, &used_in, &used_out);
        break;
      default:
        rc = libdeflate_deflate_decompress_ex(d, in.data(), in.size(), out.data() + start, room, &used_in, &used_out);
        break;
    }
    if (rc == LIBDEFLATE_SUCCESS) {
      out.resize(start + used_out);
      if (out.size() > max_bytes) break;
      return used_in;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) return fail("gzip", "the compressed body is corrupt or truncated");
    if (start + room > max_bytes) break;
    room = std::min(room * 2, max_bytes - start + 1);
  }
  return fail("gzip", "the body inflates to more than " + std::to_string(max_bytes >> 20) + " MiB; refusing it");
}

Result<std::string> inflate_as(std::string_view body, size_t max_bytes, bool raw_fallback) {
  std::unique_ptr<libdeflate_decompressor, FreeDecompressor> d(libdeflate_alloc_decompressor());
  if (!d) return fail("gzip", "cannot allocate a decompressor");
  std::string out;
  size_t pos = 0;
  do {
    std::string_view member = body.substr(pos);
    Wrapper w = is_gzip(member) ? Wrapper::Gzip : is_zlib(member) ? Wrapper::Zlib : Wrapper::Raw;
    if (w == Wrapper::Raw && (!raw_fallback || pos > 0)) return fail("gzip", "the compressed body is corrupt or truncated");
    auto used = inflate_one(d.get(), w, member, max_bytes, out);
    if (!used) return std::unexpected(used.error());
    pos += *used;
    // Concatenated members (multi-gzip) continue with the next one.
  } while (pos < body.size());
  return out;
}

}  // namespace

bool is_gzip(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b;
}

bool is_zlib(std::string_view b) {
  if (b.size() < 2) return false;
  auto cmf = static_cast<unsigned char>(b[0]), flg = static_cast<unsigned char>(b[1]);
  return (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0;
}

Result<std::string> inflate(std::string_view body, size_t max_bytes) { return inflate_as(body, max_bytes, false); }

Result<std::string> decode_content(std::string body, std::string_view encoding, size_t max_bytes) {
  // Codings are listed in the order they were applied: undone from the last.
  while (!encoding.empty()) {
    size_t comma = encoding.rfind(',');
    std::string_view coding = comma == std::string_view::npos ? encoding : encoding.substr(comma + 1);
    encoding = comma == std::string_view::npos ? std::string_view() : encoding.substr(0, comma);
    while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
    if (coding.empty() || iequals(coding, "identity")) continue;
    bool gzip_coding = iequals(coding, "gzip") || iequals(coding, "x-gzip");
    if (!gzip_coding && !iequals(coding, "deflate")) {
      std::string message(1, '\'');
      message.append(coding).append("' is not a supported coding (gzip, deflate)");
      return fail("Content-Encoding", std::move(message));
    }
    // "deflate" is zlib-wrapped by the standard, and raw deflate from some servers.
    auto out = inflate_as(body, max_bytes, !gzip_coding);
    if (!out) return std::unexpected(out.error());
    body = std::move(*out);
  }
  return body;
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
