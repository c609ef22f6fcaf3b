// pagingType None (or no paging block): one request per window.
#include "poll/paging.h"

namespace intake::poll {

namespace {
class NoPaging final : public Paginator {
 public:
  explicit NoPaging(const ccp::PagingSpec& spec) : spec_(spec) {}
  Status begin(const std::string&, const std::string&) override { return {}; }
  void apply(PageRequest& request) const override {
    if (spec_.page_size > 0 && !spec_.page_size_parameter.empty()) {
      paging::send_value(request, spec_, spec_.page_size_parameter, std::to_string(spec_.page_size), true);
    }
  }
  Result<bool> advance(const PageResult&) override { return false; }
  std::string state() const override { return ""; }

 private:
  ccp::PagingSpec spec_;
};
}  // namespace

std::unique_ptr<Paginator> make_no_paging(const ccp::PagingSpec& spec) { return std::make_unique<NoPaging>(spec); }

}  // namespace intake::poll
