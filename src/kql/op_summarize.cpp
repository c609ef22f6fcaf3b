// summarize (hash aggregation: memory holds one entry per group, not the input) and distinct
// (streams first occurrences). Aggregates come from the function library; arg_max/arg_min
// return several columns, so they are native here.
#include <unordered_map>
#include <unordered_set>

#include "kql/plan.h"
#include "kql/values.h"

namespace intake::kql {

namespace {

struct Extreme {
  Value best;
  std::vector<Value> extras;
};

class SummarizeOp final : public PlanOp {
 public:
  std::vector<BExprPtr> keys;
  std::vector<std::shared_ptr<AggSpec>> aggs;
  void require(const std::vector<bool>&, std::vector<bool>& in) const override {
    for (const auto& k : keys) k->mark_columns(in);
    for (const auto& a : aggs) {
      for (const auto& x : a->args) x->mark_columns(in);
      for (int c : a->extra_columns) mark_column(in, c);
    }
  }

  struct Group {
    std::vector<std::unique_ptr<Accumulator>> accs;
    std::vector<Extreme> extremes;
  };

  Group new_group() const {
    Group g;
    g.accs.resize(aggs.size());
    g.extremes.resize(aggs.size());
    for (size_t i = 0; i < aggs.size(); ++i)
      if (aggs[i]->fn) g.accs[i] = aggs[i]->fn->make(aggs[i]->bound);
    return g;
  }

  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const SummarizeOp* op;
      RowSink* next;
      ExecContext* ctx;
      std::unordered_map<std::vector<Value>, size_t, RowKeyHash, RowKeyEq> index;
      std::vector<std::vector<Value>> group_keys;
      std::vector<Group> groups;
      std::vector<Value> probe;
      std::vector<Value> args;

      bool push(Row&& r) override {
        probe.clear();
        for (const auto& k : op->keys) probe.push_back(k->eval(r, ctx->eval));
        size_t gi;
        auto it = index.find(probe);
        if (it == index.end()) {
          gi = groups.size();
          index.emplace(probe, gi);
          group_keys.push_back(probe);
          groups.push_back(op->new_group());
        } else {
          gi = it->second;
        }
        Group& g = groups[gi];
        for (size_t a = 0; a < op->aggs.size(); ++a) {
          const AggSpec& spec = *op->aggs[a];
          if (spec.arg_extreme != 0) {
            Value v = spec.args[0]->eval(r, ctx->eval);
            if (v.is_null()) continue;
            Extreme& e = g.extremes[a];
            int c = e.best.is_null() ? 1 : compare_values(v, e.best) * spec.arg_extreme;
            if (c > 0) {
              e.best = std::move(v);
              e.extras.clear();
              for (int col : spec.extra_columns) e.extras.push_back(r[static_cast<size_t>(col)]);
            }
            continue;
          }
          args.clear();
          for (const auto& x : spec.args) args.push_back(x->eval(r, ctx->eval));
          g.accs[a]->add(args);
        }
        return true;
      }

      void finish() override {
        if (op->keys.empty() && groups.empty()) {
          group_keys.emplace_back();
          groups.push_back(op->new_group());
        }
        for (size_t gi = 0; gi < groups.size(); ++gi) {
          Row out;
          out.reserve(op->output.columns.size());
          for (auto& k : group_keys[gi]) out.push_back(std::move(k));
          for (size_t a = 0; a < op->aggs.size(); ++a) {
            const AggSpec& spec = *op->aggs[a];
            if (spec.arg_extreme != 0) {
              Extreme& e = groups[gi].extremes[a];
              out.push_back(e.best);
              for (size_t c = 0; c < spec.extra_columns.size(); ++c)
                out.push_back(c < e.extras.size() ? std::move(e.extras[c]) : Value());
              continue;
            }
            Value v = groups[gi].accs[a]->result();
            if (spec.split > 0) {
              for (int k = 0; k < spec.split; ++k) {
                const Value* e = v.at(static_cast<size_t>(k));
                ColumnType t = op->output.columns[out.size()].type;
                out.push_back(!e || e->is_null() ? Value() : kind_matches(*e, t) ? *e : convert_to(*e, t));
              }
              continue;
            }
            ColumnType t = op->output.columns[out.size()].type;
            out.push_back(t == ColumnType::Dynamic || v.is_null() || kind_matches(v, t) ? std::move(v) : convert_to(v, t));
          }
          if (!next->push(std::move(out))) break;
        }
        groups.clear();
        index.clear();
      }
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->next = &next;
    s->ctx = &ctx;
    return s;
  }
};

class DistinctOp final : public PlanOp {
 public:
  std::vector<BExprPtr> keys;
  void require(const std::vector<bool>&, std::vector<bool>& in) const override {
    for (const auto& k : keys) k->mark_columns(in);
  }
  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const DistinctOp* op;
      RowSink* next;
      ExecContext* ctx;
      std::unordered_set<std::vector<Value>, RowKeyHash, RowKeyEq> seen;
      bool push(Row&& r) override {
        std::vector<Value> k;
        k.reserve(op->keys.size());
        for (const auto& e : op->keys) k.push_back(e->eval(r, ctx->eval));
        auto [it, fresh] = seen.insert(k);
        if (!fresh) return true;
        return next->push(std::move(k));
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

PlanOpPtr make_summarize(std::vector<BExprPtr> keys, std::vector<std::shared_ptr<AggSpec>> aggs, Schema out) {
  auto op = std::make_shared<SummarizeOp>();
  op->keys = std::move(keys);
  op->aggs = std::move(aggs);
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_distinct(std::vector<BExprPtr> keys, Schema out) {
  auto op = std::make_shared<DistinctOp>();
  op->keys = std::move(keys);
  op->output = std::move(out);
  return op;
}

}  // namespace intake::kql
