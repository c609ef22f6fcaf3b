// pagingType NextPageUrl: the first page comes from apiEndpoint; follow-ups go to nextPageUrl
// with the token from the previous page as nextPageParaName (plus nextPageUrlQueryParameters), or,
// when the token itself is a URL (Salesforce nextRecordsUrl, isNextPageTokenRelativeUrl), to that
// URL resolved against the API host.
#include <set>

#include "http/url.h"
#include "poll/paging.h"

namespace intake::poll {

namespace {

class NextUrlPaging final : public Paginator {
 public:
  explicit NextUrlPaging(const ccp::PagingSpec& spec) : spec_(spec) {}

  Status begin(const std::string& state, const std::string&) override {
    token_ = state;
    seen_.clear();
    return {};
  }

  void apply(PageRequest& request) const override {
    if (spec_.page_size > 0 && !spec_.page_size_parameter.empty()) {
      paging::send_value(request, spec_, spec_.page_size_parameter, std::to_string(spec_.page_size), true);
    }
    if (token_.empty()) return;
    if (looks_like_url()) {
      request.url_override = token_;
      request.query.clear();
      return;
    }
    request.url_override = http::append_query(spec_.next_page_url, spec_.next_page_url_query_parameters);
    request.paging_params_only = true;
    if (!spec_.next_page_parameter.empty()) paging::send_value(request, spec_, spec_.next_page_parameter, token_, false);
    if (!spec_.next_page_request_header.empty()) request.headers.emplace_back(spec_.next_page_request_header, token_);
  }

  Result<bool> advance(const PageResult& page) override {
    std::optional<std::string> next;
    if (!spec_.next_page_token_response_header.empty()) {
      if (auto h = http::find_header(page.response.headers, spec_.next_page_token_response_header); h && !h->empty()) {
        next = std::string(*h);
      }
    } else {
      next = paging::text_at(page.body, spec_.next_page_token_json_path);
    }
    if (!next || page.events == 0 || !paging::has_next(page.body, spec_.has_next_flag_json_path)) {
      token_.clear();
      return false;
    }
    std::string value = *next;
    if (spec_.next_page_token_is_relative_url || value.starts_with("/")) {
      std::string base = spec_.next_page_url.empty() ? page.request_url : spec_.next_page_url;
      value = http::resolve_url(base, value);
    }
    if (!seen_.insert(value).second) {
      return fail("paging", "the server returned the same next page twice; stopping instead of looping");
    }
    token_ = value;
    return true;
  }

  std::string state() const override { return token_; }

 private:
  bool looks_like_url() const { return token_.starts_with("http://") || token_.starts_with("https://"); }
  ccp::PagingSpec spec_;
  std::string token_;
  std::set<std::string> seen_;
};

}  // namespace

std::unique_ptr<Paginator> make_next_url_paging(const ccp::PagingSpec& spec) { return std::make_unique<NextUrlPaging>(spec); }

}  // namespace intake::poll
