// The built-in paging strategies: one explicit table.
#include "poll/paging.h"

namespace intake::poll {

Result<std::unique_ptr<Paginator>> make_paginator(const ccp::PagingSpec& spec) {
  switch (spec.type) {
    case ccp::PagingType::None: return make_no_paging(spec);
    case ccp::PagingType::Offset: return make_offset_paging(spec);
    case ccp::PagingType::LinkHeader: return make_link_header_paging(spec, false);
    case ccp::PagingType::PersistentLinkHeader: return make_link_header_paging(spec, true);
    case ccp::PagingType::NextPageToken: return make_token_paging(spec, false);
    case ccp::PagingType::PersistentToken: return make_token_paging(spec, true);
    case ccp::PagingType::NextPageUrl: return make_next_url_paging(spec);
    case ccp::PagingType::CountBasedPaging: return make_count_paging(spec);
  }
  return fail("paging", "unknown paging type");
}

}  // namespace intake::poll
