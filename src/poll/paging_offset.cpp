// pagingType Offset: offset=<events received so far in the window>, 0-based as every real API in
// the corpus is (Jira, Dragos, Alibaba, Cortex XDR). Stops on an empty or short page, or when a
// "total" member at the root says everything was read. offsetEndParaName (Cortex XDR's
// search_to) receives the exclusive end of the page.
#include <charconv>

#include "poll/paging.h"

namespace intake::poll {

namespace {
class OffsetPaging final : public Paginator {
 public:
  explicit OffsetPaging(const ccp::PagingSpec& spec) : spec_(spec) {}

  Status begin(const std::string& state, const std::string&) override {
    offset_ = 0;
    if (state.empty()) return {};
    auto [p, ec] = std::from_chars(state.data(), state.data() + state.size(), offset_);
    if (ec != std::errc() || p != state.data() + state.size() || offset_ < 0) {
      return fail("checkpoint/window/paging", "expected a non-negative offset, found '" + state + "'");
    }
    return {};
  }

  void apply(PageRequest& request) const override {
    paging::send_value(request, spec_, spec_.offset_parameter, std::to_string(offset_), true);
    if (!spec_.offset_end_parameter.empty() && spec_.page_size > 0) {
      paging::send_value(request, spec_, spec_.offset_end_parameter, std::to_string(offset_ + spec_.page_size), true);
    }
    if (spec_.page_size > 0 && !spec_.page_size_parameter.empty()) {
      paging::send_value(request, spec_, spec_.page_size_parameter, std::to_string(spec_.page_size), true);
    }
  }

  Result<bool> advance(const PageResult& page) override {
    offset_ += static_cast<int64_t>(page.events);
    if (page.events == 0) return false;
    if (spec_.page_size > 0 && static_cast<int64_t>(page.events) < spec_.page_size) return false;
    if (page.body && page.body->is_object()) {
      int64_t total = 0;
      if (page.body->at_key("total").get(total) == simdjson::SUCCESS && offset_ >= total) return false;
    }
    return true;
  }

  std::string state() const override { return std::to_string(offset_); }

 private:
  ccp::PagingSpec spec_;
  int64_t offset_ = 0;
};
}  // namespace

std::unique_ptr<Paginator> make_offset_paging(const ccp::PagingSpec& spec) { return std::make_unique<OffsetPaging>(spec); }

}  // namespace intake::poll
