// Streaming row operators: where, extend, project (and the project-* family, which bind to
// project), take, count, getschema. None of them holds more than one row.
#include "kql/plan.h"

namespace intake::kql {

namespace {

class WhereOp final : public PlanOp {
 public:
  BExprPtr pred;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    for (size_t i = 0; i < in.size() && i < out.size(); ++i) in[i] = out[i];
    pred->mark_columns(in);
  }
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const WhereOp* op;
      RowSink* next;
      ExecContext* ctx;
      bool push(Row&& r) override {
        Value scratch;
        if (!is_true(op->pred->ref(r, ctx->eval, scratch))) return true;
        return next->push(std::move(r));
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

class ExtendOp final : public PlanOp {
 public:
  std::vector<ExtendItem> items;
  // Items run in order and may read columns set by earlier ones, so liveness walks them back.
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    std::vector<bool> live = out;
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      size_t t = static_cast<size_t>(it->target);
      if (t < live.size() && !live[t]) continue;  // nobody reads it: its inputs need not be loaded
      if (t < live.size()) live[t] = false;
      it->expr->mark_columns(live);
    }
    for (size_t i = 0; i < in.size() && i < live.size(); ++i) in[i] = live[i];
  }
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const ExtendOp* op;
      RowSink* next;
      ExecContext* ctx;
      bool push(Row&& r) override {
        r.reserve(op->output.columns.size());
        for (const auto& it : op->items) {
          Value v = it.expr->eval(r, ctx->eval);
          if (static_cast<size_t>(it.target) < r.size()) r[static_cast<size_t>(it.target)] = std::move(v);
          else r.push_back(std::move(v));
        }
        return next->push(std::move(r));
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

class ProjectOp final : public PlanOp {
 public:
  std::vector<ProjectItem> items;
  std::vector<bool> movable;  // the item's source column is used by no other plain item
  bool in_place = false;      // plain columns in increasing order: compact the row, no new one
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i < out.size() && !out[i]) continue;
      if (items[i].source_column >= 0) mark_column(in, items[i].source_column);
      else items[i].expr->mark_columns(in);
    }
  }
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const ProjectOp* op;
      RowSink* next;
      ExecContext* ctx;
      bool push(Row&& r) override {
        if (op->in_place) {
          for (size_t i = 0; i < op->items.size(); ++i) {
            size_t c = static_cast<size_t>(op->items[i].source_column);
            if (c != i) r[i] = std::move(r[c]);
          }
          r.resize(op->items.size());
          return next->push(std::move(r));
        }
        Row out(op->items.size());
        for (size_t i = 0; i < op->items.size(); ++i)
          if (op->items[i].source_column < 0) out[i] = op->items[i].expr->eval(r, ctx->eval);
        for (size_t i = 0; i < op->items.size(); ++i) {
          int c = op->items[i].source_column;
          if (c < 0) continue;
          if (op->movable[i]) out[i] = std::move(r[static_cast<size_t>(c)]);
          else out[i] = r[static_cast<size_t>(c)];
        }
        return next->push(std::move(out));
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

class TakeOp final : public PlanOp {
 public:
  int64_t n = 0;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    for (size_t i = 0; i < in.size() && i < out.size(); ++i) in[i] = out[i];
  }
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext&) const override {
    struct S final : RowSink {
      int64_t left;
      RowSink* next;
      bool push(Row&& r) override {
        if (left <= 0) return false;
        --left;
        bool more = next->push(std::move(r));
        return more && left > 0;
      }
      void finish() override {}
    };
    auto s = std::make_unique<S>();
    s->left = n;
    s->next = &next;
    return s;
  }
};

class CountOp final : public PlanOp {
 public:
  void require(const std::vector<bool>&, std::vector<bool>&) const override {}
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext&) const override {
    struct S final : RowSink {
      int64_t n = 0;
      RowSink* next;
      bool push(Row&&) override {
        ++n;
        return true;
      }
      void finish() override { next->push(Row{Value(n)}); }
    };
    auto s = std::make_unique<S>();
    s->next = &next;
    return s;
  }
};

std::string_view dotnet_type(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return "System.SByte";
    case ColumnType::Int: return "System.Int32";
    case ColumnType::Long: return "System.Int64";
    case ColumnType::Real: return "System.Double";
    case ColumnType::String: return "System.String";
    case ColumnType::DateTime: return "System.DateTime";
    case ColumnType::TimeSpan: return "System.TimeSpan";
    case ColumnType::Guid: return "System.Guid";
    case ColumnType::Dynamic: return "System.Object";
  }
  return "System.Object";
}

class GetSchemaOp final : public PlanOp {
 public:
  Schema input;
  void require(const std::vector<bool>&, std::vector<bool>&) const override {}
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext&) const override {
    struct S final : RowSink {
      const GetSchemaOp* op;
      RowSink* next;
      bool push(Row&&) override { return true; }
      void finish() override {
        int k = 0;
        for (const auto& c : op->input.columns) {
          Row r{Value(c.name), Value(static_cast<int32_t>(k++)), Value(dotnet_type(c.type)), Value(column_type_name(c.type))};
          if (!next->push(std::move(r))) return;
        }
      }
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->next = &next;
    return s;
  }
};

}  // namespace

PlanOpPtr make_where(BExprPtr predicate, Schema out) {
  auto op = std::make_shared<WhereOp>();
  op->pred = std::move(predicate);
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_extend(std::vector<ExtendItem> items, Schema out) {
  auto op = std::make_shared<ExtendOp>();
  op->items = std::move(items);
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_project(std::vector<ProjectItem> items, Schema out) {
  auto op = std::make_shared<ProjectOp>();
  op->movable.assign(items.size(), true);
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].source_column < 0) continue;
    for (size_t j = 0; j < items.size(); ++j)
      if (j != i && items[j].source_column == items[i].source_column) op->movable[i] = false;
  }
  op->in_place = true;
  for (size_t i = 0; i < items.size(); ++i) {
    int prev = i == 0 ? -1 : items[i - 1].source_column;
    if (items[i].source_column <= prev) op->in_place = false;
  }
  op->items = std::move(items);
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_take(int64_t n, Schema out) {
  auto op = std::make_shared<TakeOp>();
  op->n = n;
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_count(Schema out) {
  auto op = std::make_shared<CountOp>();
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_getschema(Schema input, Schema out) {
  auto op = std::make_shared<GetSchemaOp>();
  op->input = std::move(input);
  op->output = std::move(out);
  return op;
}

}  // namespace intake::kql
