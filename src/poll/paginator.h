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
  // Members set in the request body: a plain name, or a JSON path such as
  // "$.request_data.search_from" into a JSON body (values are JSON text: numbers stay numbers).
  std::vector<std::pair<std::string, std::string>> body_fields;
  std::optional<std::string> url_override;  // next-page links replace the URL (and its query)
  bool paging_params_only = false;          // pagingQueryParamOnly on follow-up pages
};

// What a paginator sees of a page.
struct PageResult {
  const http::Response& response;
  std::optional<simdjson::dom::element> body;  // parsed JSON body, when there is one
  size_t events = 0;
  std::string request_url;                     // the URL the page was fetched from
};

class Paginator {
 public:
  virtual ~Paginator() = default;
  // Starts a window: from its first page, or from `window_state` saved after a committed page.
  // `cursor` is the state persisted across windows (PersistentToken, PersistentLinkHeader).
  virtual Status begin(const std::string& window_state, const std::string& cursor) = 0;
  // Adds the paging parameters of the current page.
  virtual void apply(PageRequest& request) const = 0;
  // Moves past a received page. Returns false when the window has no further page. A server
  // that does not advance (same token twice) is an error, not a loop.
  virtual Result<bool> advance(const PageResult& page) = 0;
  // The state to save with the page just received (resume point for the next page).
  virtual std::string state() const = 0;
  // The state that survives into the next window ("" for per-window paging).
  virtual std::string cursor() const { return {}; }
};

Result<std::unique_ptr<Paginator>> make_paginator(const ccp::PagingSpec& spec);

// Helpers shared by the paginators.
namespace paging {
// Text of the node at a JSON path of the body (strings unquoted, arrays joined with commas,
// other values as JSON); nullopt when missing, null or empty.
std::optional<std::string> text_at(std::optional<simdjson::dom::element> body, const std::string& json_path);
// hasNextFlagJsonPath: false only when the flag is present and false (or "false").
bool has_next(std::optional<simdjson::dom::element> body, const std::string& json_path);
// Sends a paging value where the definition says: a JSON path or RequestBody placement → body
// field; otherwise a query parameter.
void send_value(PageRequest& request, const ccp::PagingSpec& spec, const std::string& name, const std::string& value,
                bool numeric);
// The URL of the `rel` link in an RFC 8288 Link header, or nullopt.
std::optional<std::string> link_with_rel(std::string_view header, std::string_view rel);
}  // namespace paging

}  // namespace intake::poll
