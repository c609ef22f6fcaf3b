#include "http/url.h"

#include <charconv>

namespace intake::http {

namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// Removes "." and ".." segments (RFC 3986 section 5.2.4).
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  bool trailing_slash = false;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    bool last = next == path.size();
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = last;
    } else if (seg == ".") {
      trailing_slash = last;
    } else if (!(seg.empty() && pos == 0)) {
      out.push_back(seg);
      trailing_slash = false;
    }
    pos = next + 1;
  }
  std::string result;
  for (std::string_view seg : out) {
    result += '/';
    result += seg;
  }
  if (trailing_slash || result.empty()) result += '/';
  return result;
}

}  // namespace

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char c : s) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

std::string url_decode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (c == '+' && plus_as_space) ? ' ' : c;
  }
  return out;
}

QueryParams parse_query(std::string_view query) {
  QueryParams params;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(pos, amp - pos);
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        params.emplace_back(url_decode(item), "");
      } else {
        params.emplace_back(url_decode(item.substr(0, eq)), url_decode(item.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return params;
}

std::string build_query(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += url_encode(name);
    out += '=';
    out += url_encode(value);
  }
  return out;
}

std::string append_query(std::string_view url, const QueryParams& params) {
  if (params.empty()) return std::string(url);
  size_t hash = url.find('#');
  std::string_view fragment = hash == std::string_view::npos ? std::string_view() : url.substr(hash);
  std::string out(url.substr(0, hash));
  size_t q = out.find('?');
  if (q == std::string::npos) {
    out += '?';
  } else if (q + 1 < out.size() && out.back() != '&') {
    out += '&';
  }
  out += build_query(params);
  out += fragment;
  return out;
}

Result<UrlParts> split_url(std::string_view url) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) return fail(std::string(url), "not an absolute URL: expected http:// or https://");
  UrlParts parts;
  parts.scheme = lower(url.substr(0, colon));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return fail(redact_url(url), "unsupported scheme '" + parts.scheme + "': expected http or https");
  }
  std::string_view rest = url.substr(colon + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty()) return fail(redact_url(url), "the URL has no host");

  std::string_view host = authority;
  std::string_view port_text;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail(redact_url(url), "unterminated IPv6 address in the host");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(redact_url(url), "unexpected text after the IPv6 address");
      port_text = after.substr(1);
    }
  } else if (size_t c = authority.rfind(':'); c != std::string_view::npos) {
    host = authority.substr(0, c);
    port_text = authority.substr(c + 1);
  }
  if (host.empty()) return fail(redact_url(url), "the URL has no host");
  parts.host = lower(host);
  parts.port = default_port(parts.scheme);
  if (!port_text.empty()) {
    int port = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return fail(redact_url(url), "invalid port '" + std::string(port_text) + "': expected 1-65535");
    }
    parts.port = port;
  }
  parts.authority = port_text.empty() ? parts.host : parts.host + ":" + std::string(port_text);

  size_t hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  size_t q = tail.find('?');
  parts.path = std::string(tail.substr(0, q));
  if (parts.path.empty()) parts.path = "/";
  if (q != std::string_view::npos) parts.query = std::string(tail.substr(q + 1));
  return parts;
}

std::string resolve_url(std::string_view base, std::string_view ref) {
  if (ref.find("://") != std::string_view::npos && ref.find("://") < ref.find_first_of("/?#")) {
    return std::string(ref);
  }
  auto parts = split_url(base);
  if (!parts) return std::string(ref);
  std::string origin = parts->scheme + "://" + parts->authority;
  if (ref.starts_with("//")) return parts->scheme + ":" + std::string(ref);
  if (ref.empty()) return std::string(base.substr(0, base.find('#')));

  std::string_view ref_path = ref;
  std::string_view suffix;
  if (size_t q = ref.find_first_of("?#"); q != std::string_view::npos) {
    ref_path = ref.substr(0, q);
    suffix = ref.substr(q);
  }
  std::string path;
  if (ref_path.empty()) {
    path = parts->path;
    if (!suffix.empty() && suffix.front() == '#' && !parts->query.empty()) {
      return origin + path + "?" + parts->query + std::string(suffix);
    }
  } else if (ref_path.front() == '/') {
    path = remove_dot_segments(ref_path);
  } else {
    std::string dir = parts->path.substr(0, parts->path.rfind('/') + 1);
    path = remove_dot_segments(dir + std::string(ref_path));
  }
  return origin + path + std::string(suffix);
}

std::string redact_url(std::string_view url) {
  size_t cut = url.find_first_of("?#");
  std::string out(url.substr(0, cut));
  // userinfo may hold a password as well
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find('/', start);
    size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at >= start) out.erase(start, at + 1 - start);
  }
  return out;
}

}  // namespace intake::http
