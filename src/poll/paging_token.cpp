// pagingType NextPageToken / PersistentToken: a cursor read from the body (nextPageTokenJsonPath)
// or a response header (nextPageTokenResponseHeader, optionally split by tokenTransform), sent
// back as a parameter (nextPageParaName: a query parameter, or a JSON path into the POST body) or
// a header (nextPageRequestHeader). The window ends on a missing/empty token, hasNextFlag false
// or an empty page. PersistentToken carries the last token into the next window and never
// replaces it with nothing (Auth0's `from`, Box's stream_position).
#include <set>

#include "http/url.h"
#include "poll/paging.h"

namespace intake::poll {

namespace {

class TokenPaging final : public Paginator {
 public:
  TokenPaging(const ccp::PagingSpec& spec, bool persistent) : spec_(spec), persistent_(persistent) {}

  Status begin(const std::string& state, const std::string& cursor) override {
    token_ = state;
    if (token_.empty() && persistent_) token_ = cursor;
    last_ = persistent_ ? cursor : std::string();
    seen_.clear();
    first_ = state.empty();
    return {};
  }

  void apply(PageRequest& request) const override {
    if (spec_.page_size > 0 && !spec_.page_size_parameter.empty()) {
      paging::send_value(request, spec_, spec_.page_size_parameter, std::to_string(spec_.page_size), true);
    }
    if (token_.empty()) return;
    if (!spec_.next_page_request_header.empty()) {
      request.headers.emplace_back(spec_.next_page_request_header, token_);
    } else {
      paging::send_value(request, spec_, spec_.next_page_parameter, token_, false);
    }
    request.paging_params_only = spec_.query_param_only && !first_;
  }

  Result<bool> advance(const PageResult& page) override {
    first_ = false;
    auto next = read_token(page);
    if (next) last_ = *next;
    if (!next || page.events == 0 || !paging::has_next(page.body, spec_.has_next_flag_json_path)) {
      token_.clear();
      return false;
    }
    if (*next == token_ || !seen_.insert(*next).second) {
      return fail("paging", "the server returned the same next-page token twice ('" + next->substr(0, 64) +
                                "'); stopping instead of looping");
    }
    token_ = *next;
    return true;
  }

  std::string state() const override { return token_; }
  std::string cursor() const override { return persistent_ ? last_ : std::string(); }

 private:
  std::optional<std::string> read_token(const PageResult& page) const {
    if (!spec_.next_page_token_response_header.empty()) {
      auto h = http::find_header(page.response.headers, spec_.next_page_token_response_header);
      if (!h || h->empty()) return std::nullopt;
      std::string value(*h);
      if (!spec_.token_split_delimiter.empty()) {
        // tokenTransform SplitOnDelimiter: take piece StringIndex of the header value.
        std::vector<std::string> pieces;
        size_t pos = 0;
        while (true) {
          size_t d = value.find(spec_.token_split_delimiter, pos);
          pieces.push_back(value.substr(pos, d == std::string::npos ? std::string::npos : d - pos));
          if (d == std::string::npos) break;
          pos = d + spec_.token_split_delimiter.size();
        }
        if (spec_.token_split_index >= static_cast<int>(pieces.size())) return std::nullopt;
        value = pieces[spec_.token_split_index];
      }
      return value.empty() ? std::nullopt : std::optional<std::string>(value);
    }
    return paging::text_at(page.body, spec_.next_page_token_json_path);
  }

  ccp::PagingSpec spec_;
  bool persistent_;
  bool first_ = true;
  std::string token_;
  std::string last_;
  std::set<std::string> seen_;
};

}  // namespace

std::unique_ptr<Paginator> make_token_paging(const ccp::PagingSpec& spec, bool persistent) {
  return std::make_unique<TokenPaging>(spec, persistent);
}

}  // namespace intake::poll
