// pagingType LinkHeader / PersistentLinkHeader: the next page is a URL, taken from the RFC 8288
// Link header (rel="next", or linkHeaderRelLinkName), from a body JSON path (HAL, OData
// @odata.nextLink, Qualys' XML-derived WARNING.URL), from a named header (Meraki writes "Link"),
// or from "<url prefix>$.path" (Snowflake: prefix + relative statement URL). The persistent form
// keeps the last link for the next window (a server-side cursor).
#include <set>

#include "http/url.h"
#include "poll/paging.h"

namespace intake::poll {

namespace {

class LinkHeaderPaging final : public Paginator {
 public:
  LinkHeaderPaging(const ccp::PagingSpec& spec, bool persistent) : spec_(spec), persistent_(persistent) {}

  Status begin(const std::string& state, const std::string& cursor) override {
    next_ = state;
    if (next_.empty() && persistent_) next_ = cursor;
    seen_.clear();
    return {};
  }

  void apply(PageRequest& request) const override {
    if (!next_.empty()) {
      request.url_override = next_;
      return;  // the link already carries the page size and position
    }
    if (spec_.page_size > 0 && !spec_.page_size_parameter.empty()) {
      paging::send_value(request, spec_, spec_.page_size_parameter, std::to_string(spec_.page_size), true);
    }
  }

  Result<bool> advance(const PageResult& page) override {
    auto link = find_link(page);
    if (!link || page.events == 0) {
      if (persistent_ && link) last_ = *link;
      next_.clear();
      return false;
    }
    std::string absolute = http::resolve_url(page.request_url, *link);
    if (!seen_.insert(absolute).second) {
      return fail("paging", "the server returned the same next link twice (" + http::redact_url(absolute) +
                                "); stopping instead of looping");
    }
    next_ = absolute;
    last_ = absolute;
    return true;
  }

  std::string state() const override { return next_; }
  std::string cursor() const override { return persistent_ ? last_ : std::string(); }

 private:
  std::optional<std::string> find_link(const PageResult& page) const {
    const std::string& where = spec_.link_header_token_json_path;
    if (where.empty()) {
      auto header = http::find_header(page.response.headers, "Link");
      return header ? paging::link_with_rel(*header, spec_.link_header_rel) : std::nullopt;
    }
    auto dollar = where.find('$');
    if (dollar == std::string::npos) {
      // A header name: a Link-style header, or a header holding the URL itself.
      auto header = http::find_header(page.response.headers, where);
      if (!header) return std::nullopt;
      if (auto rel = paging::link_with_rel(*header, spec_.link_header_rel)) return rel;
      if (header->find('<') != std::string_view::npos) return std::nullopt;  // Link header without a next
      return header->empty() ? std::nullopt : std::optional<std::string>(std::string(*header));
    }
    auto value = paging::text_at(page.body, where.substr(dollar));
    if (!value) return std::nullopt;
    return where.substr(0, dollar) + *value;
  }

  ccp::PagingSpec spec_;
  bool persistent_;
  std::string next_;
  std::string last_;
  std::set<std::string> seen_;
};

}  // namespace

std::unique_ptr<Paginator> make_link_header_paging(const ccp::PagingSpec& spec, bool persistent) {
  return std::make_unique<LinkHeaderPaging>(spec, persistent);
}

}  // namespace intake::poll
