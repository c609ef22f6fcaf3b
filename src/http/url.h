// URL pieces: percent-encoding, query strings, and splitting an absolute URL.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace intake::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string url_encode(std::string_view s);
// Decodes %XX and, when plus_as_space, '+' (form encoding). Malformed escapes are kept as text.
std::string url_decode(std::string_view s, bool plus_as_space = true);

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}}; a name without '=' gets an empty value.
QueryParams parse_query(std::string_view query);
// {{"a","1"},{"b","x y"}} -> "a=1&b=x%20y"
std::string build_query(const QueryParams& params);

// Appends parameters to a URL that may already carry a query string (merged, not replaced).
std::string append_query(std::string_view url, const QueryParams& params);

struct UrlParts {
  std::string scheme;     // "https"
  std::string authority;  // "host:port" (userinfo removed)
  std::string host;
  int port = 0;           // explicit port or the scheme's default
  std::string path;       // "/rest/api/3/auditing/record" (at least "/")
  std::string query;      // without '?'
};
// Splits an absolute http(s) URL; the error says what is malformed.
Result<UrlParts> split_url(std::string_view url);

// Resolves a possibly relative reference (a next-page link) against a base URL.
std::string resolve_url(std::string_view base, std::string_view ref);

// A URL with the query string removed, for logs and errors (query values may carry secrets).
std::string redact_url(std::string_view url);

}  // namespace intake::http
