// Constructors of the built-in paginators (one file each), used by the table in paging_factory.cpp.
#pragma once

#include "poll/paginator.h"

namespace intake::poll {

std::unique_ptr<Paginator> make_no_paging(const ccp::PagingSpec& spec);
std::unique_ptr<Paginator> make_offset_paging(const ccp::PagingSpec& spec);
std::unique_ptr<Paginator> make_link_header_paging(const ccp::PagingSpec& spec, bool persistent);
std::unique_ptr<Paginator> make_token_paging(const ccp::PagingSpec& spec, bool persistent);
std::unique_ptr<Paginator> make_next_url_paging(const ccp::PagingSpec& spec);
std::unique_ptr<Paginator> make_count_paging(const ccp::PagingSpec& spec);

}  // namespace intake::poll
