// mv-expand: one output row per element of the expanded arrays (expanded in parallel, shorter
// ones padded with null); a property bag expands to one {"key": value} bag per member, or to
// [key, value] arrays with bagexpansion=array. Non-dynamic or null values yield one row.
#include <algorithm>

#include "kql/plan.h"

namespace intake::kql {

namespace {

class MvExpandOp final : public PlanOp {
 public:
  std::vector<MvExpandItem> items;
  bool bag_as_array = false;
  int index_column = -1;
  int64_t limit = -1;
  int input_width = 0;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    for (size_t i = 0; i < in.size() && i < out.size(); ++i) in[i] = out[i];
    for (const auto& it : items) it.expr->mark_columns(in);
  }

  std::vector<Value> elements(const Value& v) const {
    std::vector<Value> out;
    if (v.is_array()) {
      out = v.as_array();
    } else if (v.is_object()) {
      for (const auto& [k, x] : v.as_object()) {
        if (bag_as_array) out.emplace_back(Array{Value(k), x});
        else out.emplace_back(Object{{k, x}});
      }
    } else {
      out.push_back(v);
    }
    return out;
  }

  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const MvExpandOp* op;
      RowSink* next;
      ExecContext* ctx;
      bool push(Row&& r) override {
        std::vector<std::vector<Value>> lists;
        size_t n = 0;
        for (const auto& it : op->items) {
          lists.push_back(op->elements(it.expr->eval(r, ctx->eval)));
          n = std::max(n, lists.back().size());
        }
        if (op->limit >= 0) n = std::min(n, static_cast<size_t>(op->limit));
        r.resize(op->output.columns.size());
        for (size_t i = 0; i < n; ++i) {
          Row out = (i + 1 == n) ? std::move(r) : r;
          for (size_t k = 0; k < op->items.size(); ++k) {
            Value v = i < lists[k].size() ? lists[k][i] : Value();
            const auto& item = op->items[k];
            out[static_cast<size_t>(item.target)] = item.type == ColumnType::Dynamic ? std::move(v) : convert_to(v, item.type);
          }
          if (op->index_column >= 0) out[static_cast<size_t>(op->index_column)] = Value(static_cast<int64_t>(i));
          if (!next->push(std::move(out))) return false;
        }
        return true;
      }
      void finish() override {}
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->next = &next;
    s->ctx = &ctx;
    return s;
  }
};

}  // namespace

PlanOpPtr make_mv_expand(std::vector<MvExpandItem> items, bool bag_as_array, int index_column, int64_t limit, int input_width,
                         Schema out) {
  auto op = std::make_shared<MvExpandOp>();
  op->items = std::move(items);
  op->bag_as_array = bag_as_array;
  op->index_column = index_column;
  op->limit = limit;
  op->input_width = input_width;
  op->output = std::move(out);
  return op;
}

}  // namespace intake::kql
