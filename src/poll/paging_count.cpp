// pagingType CountBasedPaging: page numbers from 0 or 1 (zeroBasedIndexing). Stops when
// hasNextFlag is false, the page number reaches pageCount, page x pageSize reaches totalResults,
// or a page is short or empty.
#include <charconv>

#include "poll/paging.h"

namespace intake::poll {

namespace {

std::optional<int64_t> number_at(std::optional<simdjson::dom::element> body, const std::string& path) {
  auto text = paging::text_at(body, path);
  if (!text) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

class CountPaging final : public Paginator {
 public:
  explicit CountPaging(const ccp::PagingSpec& spec) : spec_(spec) {}

  Status begin(const std::string& state, const std::string&) override {
    page_ = spec_.zero_based ? 0 : 1;
    read_ = 0;
    if (!state.empty()) {
      auto [p, ec] = std::from_chars(state.data(), state.data() + state.size(), page_);
      if (ec != std::errc()) return fail("checkpoint/window/paging", "expected a page number, found '" + state + "'");
    }
    return {};
  }

  void apply(PageRequest& request) const override {
    paging::send_value(request, spec_, spec_.page_number_parameter, std::to_string(page_), true);
    if (spec_.page_size > 0 && !spec_.page_size_parameter.empty()) {
      paging::send_value(request, spec_, spec_.page_size_parameter, std::to_string(spec_.page_size), true);
    }
  }

  Result<bool> advance(const PageResult& page) override {
    read_ += static_cast<int64_t>(page.events);
    int64_t current = number_at(page.body, spec_.page_number_json_path).value_or(page_);
    ++page_;
    if (page.events == 0) return false;
    if (spec_.page_size > 0 && static_cast<int64_t>(page.events) < spec_.page_size) return false;
    if (!paging::has_next(page.body, spec_.has_next_flag_json_path)) return false;
    if (auto count = number_at(page.body, spec_.page_count_json_path)) {
      int64_t pages_seen = spec_.zero_based ? current + 1 : current;
      if (pages_seen >= *count) return false;
    }
    if (auto total = number_at(page.body, spec_.total_results_json_path)) {
      int64_t pages_seen = spec_.zero_based ? current + 1 : current;
      if (spec_.page_size > 0 ? pages_seen * spec_.page_size >= *total : read_ >= *total) return false;
    }
    return true;
  }

  std::string state() const override { return std::to_string(page_); }

 private:
  ccp::PagingSpec spec_;
  int64_t page_ = 1;
  int64_t read_ = 0;
};

}  // namespace

std::unique_ptr<Paginator> make_count_paging(const ccp::PagingSpec& spec) { return std::make_unique<CountPaging>(spec); }

}  // namespace intake::poll
