// The built-in paging strategies: one explicit table.
#include "poll/paging.h"

namespace intake::poll {

Result<std::unique_ptr<Paginator>> make_paginator(const ccp::PagingSpec& spec) {
  switch (spec.type) {
    case ccp::PagingType::None: return make_no_paging(spec);
    case ccp::PagingType::Offset: return make_offset_paging(spec);
    default:
      return fail("paging", "paging type '" + std::string(ccp::paging_type_name(spec.type)) + "' is not supported yet");
  }
}

}  // namespace intake::poll
