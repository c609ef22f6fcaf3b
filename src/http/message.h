// HTTP message types shared by the client (libcurl) and the server (Boost.Beast).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/value.h"

namespace intake::http {

// Ordered header list; names compare case-insensitively, duplicates are kept.
using Headers = std::vector<std::pair<std::string, std::string>>;

// First header with this name (ASCII case-insensitive), or nullopt.
inline std::optional<std::string_view> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

// Replaces every header of that name with one value (or adds it).
inline void set_header(Headers& headers, std::string_view name, std::string value) {
  for (auto it = headers.begin(); it != headers.end();) {
    if (iequals(it->first, name)) it = headers.erase(it); else ++it;
  }
  headers.emplace_back(std::string(name), std::move(value));
}

struct Request {
  std::string method = "GET";
  std::string url;  // absolute URL (client) or request target (server)
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;  // decoded (gzip/deflate removed) by the client
};

}  // namespace intake::http
