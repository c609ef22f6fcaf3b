// The Paginator strategy: how the poller asks for the next page of a window. One implementation
// per CCP pagingType (paging_*.cpp); the built-in set is the explicit table in paging_factory.cpp.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>

#include "ccp/definition.h"
#include "core/error.h"
#include "http/message.h"
#include "http/url.h"

namespace intake::poll {

// What a paginator may change in the next request.
struct PageRequest {
  http::QueryParams query;  // appended to the URL (after the definition's own parameters)
  http::Headers headers;
  std::optional<std::string> url_override;  // next-page links replace the URL
};

// What a paginator sees of a page.
struct PageResult {
  const http::Response& response;
  std::optional<simdjson::dom::element> body;  // parsed JSON body, when there is one
  size_t events = 0;
};

class Paginator {
 public:
  virtual ~Paginator() = default;
  // Starts a window: from the first page, or from `state` saved after a committed page.
  virtual Status begin(const std::string& state) = 0;
  // Adds the paging parameters of the current page.
  virtual void apply(PageRequest& request) const = 0;
  // Moves past a received page. Returns false when the window has no further page. A server
  // that does not advance (same token twice) is an error, not a loop.
  virtual Result<bool> advance(const PageResult& page) = 0;
  // The state to save with the page just received (resume point for the next page).
  virtual std::string state() const = 0;
};

Result<std::unique_ptr<Paginator>> make_paginator(const ccp::PagingSpec& spec);

}  // namespace intake::poll
