// sort/order by and top: Kusto's defaults (descending; nulls last when descending, first when
// ascending). Sort is stable; top keeps only the best N rows while reading.
#include <algorithm>

#include "kql/plan.h"
#include "kql/values.h"

namespace intake::kql {

namespace {

class SortOp final : public PlanOp {
 public:
  std::vector<SortSpec> keys;
  std::optional<int64_t> top;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    for (size_t i = 0; i < in.size() && i < out.size(); ++i) in[i] = out[i];
    for (const auto& k : keys) k.key->mark_columns(in);
  }

  struct Item {
    std::vector<Value> key;
    Row row;
    size_t seq;
  };

  bool less(const Item& a, const Item& b) const {
    for (size_t i = 0; i < keys.size(); ++i) {
      const Value& x = a.key[i];
      const Value& y = b.key[i];
      bool xn = x.is_null(), yn = y.is_null();
      if (xn || yn) {
        if (xn && yn) continue;
        return xn == keys[i].nulls_first;
      }
      int c = compare_values(x, y);
      if (c == 0) continue;
      return keys[i].asc ? c < 0 : c > 0;
    }
    return a.seq < b.seq;
  }

  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const SortOp* op;
      RowSink* next;
      ExecContext* ctx;
      std::vector<Item> items;
      size_t seq = 0;
      bool push(Row&& r) override {
        Item it;
        it.key.reserve(op->keys.size());
        for (const auto& k : op->keys) it.key.push_back(k.key->eval(r, ctx->eval));
        it.row = std::move(r);
        it.seq = seq++;
        items.push_back(std::move(it));
        if (op->top && items.size() > 2 * static_cast<size_t>(*op->top) + 1024) trim();
        return true;
      }
      void trim() {
        size_t n = static_cast<size_t>(*op->top);
        auto cmp = [this](const Item& a, const Item& b) { return op->less(a, b); };
        if (items.size() > n) {
          std::nth_element(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(n), items.end(), cmp);
          items.resize(n);
        }
      }
      void finish() override {
        auto cmp = [this](const Item& a, const Item& b) { return op->less(a, b); };
        if (op->top) trim();
        std::sort(items.begin(), items.end(), cmp);
        for (auto& it : items)
          if (!next->push(std::move(it.row))) break;
        items.clear();
      }
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->next = &next;
    s->ctx = &ctx;
    return s;
  }
};

}  // namespace

PlanOpPtr make_sort(std::vector<SortSpec> keys, std::optional<int64_t> top, Schema out) {
  auto op = std::make_shared<SortOp>();
  op->keys = std::move(keys);
  op->top = top;
  op->output = std::move(out);
  return op;
}

}  // namespace intake::kql
