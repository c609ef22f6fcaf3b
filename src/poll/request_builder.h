// Builds the HTTP request of one page: endpoint, query parameters with the window bounds
// formatted by queryTimeFormat, the runtime built-ins, the body for POST, headers, paging.
#pragma once

#include "auth/authenticator.h"
#include "ccp/definition.h"
#include "core/time.h"
#include "poll/checkpoint.h"
#include "poll/paginator.h"

namespace intake::poll {

class RequestBuilder {
 public:
  // `def` must be instantiated (no placeholders left) and outlive the builder.
  static Result<RequestBuilder> create(const ccp::Definition& def);

  // The request for one page of `window`; the authenticator adds credentials afterwards.
  // Errors: a paging value that must go into a body that is not JSON.
  Result<http::Request> build(const Window& window, const PageRequest& paging, const auth::Authenticator& auth) const;

  // Text substituted for {_QueryWindowStartTime} / {_QueryWindowEndTime}.
  std::string format_time(DateTime t) const { return format_.format(t); }

 private:
  RequestBuilder(const ccp::Definition& def, TimeFormat format) : def_(&def), format_(std::move(format)) {}
  std::string expand(std::string_view text, const Window& window, const auth::Authenticator& auth) const;
  const ccp::Definition* def_;
  TimeFormat format_;
};

}  // namespace intake::poll
