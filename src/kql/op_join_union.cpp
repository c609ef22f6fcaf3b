// join (the right side is materialised and hashed on its keys; the left side streams) and the
// union operator (this pipeline's rows, then each other table's).
#include <unordered_map>
#include <unordered_set>

#include "kql/plan.h"
#include "kql/values.h"

namespace intake::kql {

namespace {

class JoinOp final : public PlanOp {
 public:
  JoinSpec spec;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    auto side = [&](const std::vector<int>& pos, const std::vector<int>& keys, size_t width) {
      std::vector<bool> need(width, false);
      for (size_t c = 0; c < width && c < pos.size(); ++c) {
        size_t o = static_cast<size_t>(pos[c]);
        need[c] = pos[c] >= 0 && o < out.size() && out[o];
      }
      for (int k : keys) mark_column(need, k);
      return need;
    };
    in = side(spec.left_out, spec.left_keys, in.size());
    spec.right->require(side(spec.right_out, spec.right_keys, spec.right->schema().columns.size()));
  }

  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct S final : RowSink {
      const JoinOp* op;
      RowSink* next;
      ExecContext* ctx;
      std::vector<Row> right;
      std::unordered_map<std::vector<Value>, std::vector<size_t>, RowKeyHash, RowKeyEq> index;
      std::vector<bool> right_matched;
      std::unordered_set<std::vector<Value>, RowKeyHash, RowKeyEq> left_seen;  // innerunique
      bool ready = false;

      void load() {
        ready = true;
        auto rows = op->spec.right->collect(*ctx);
        if (!rows) return;
        right = std::move(*rows);
        right_matched.assign(right.size(), false);
        for (size_t i = 0; i < right.size(); ++i) {
          std::vector<Value> k;
          bool has_null = false;
          for (int c : op->spec.right_keys) {
            k.push_back(right[i][static_cast<size_t>(c)]);
            has_null |= k.back().is_null();
          }
          if (!has_null) index[std::move(k)].push_back(i);
        }
      }
      Row combine(const Row* l, const Row* r) const {
        Row out(op->output.columns.size());
        if (l)
          for (size_t c = 0; c < l->size(); ++c)
            if (op->spec.left_out[c] >= 0) out[static_cast<size_t>(op->spec.left_out[c])] = (*l)[c];
        if (r)
          for (size_t c = 0; c < r->size(); ++c)
            if (op->spec.right_out[c] >= 0) out[static_cast<size_t>(op->spec.right_out[c])] = (*r)[c];
        return out;
      }
      bool push(Row&& l) override {
        if (!ready) load();
        if (ctx->failed()) return false;
        const std::string& kind = op->spec.kind;
        std::vector<Value> k;
        bool has_null = false;
        for (int c : op->spec.left_keys) {
          k.push_back(l[static_cast<size_t>(c)]);
          has_null |= k.back().is_null();
        }
        if (kind == "innerunique") {
          if (has_null || !left_seen.insert(k).second) return true;
        }
        const std::vector<size_t>* matches = nullptr;
        if (!has_null) {
          auto it = index.find(k);
          if (it != index.end()) matches = &it->second;
        }
        if (kind == "leftsemi") return matches ? next->push(std::move(l)) : true;
        if (kind == "leftanti") return matches ? true : next->push(std::move(l));
        if (matches) {
          for (size_t ri : *matches) {
            right_matched[ri] = true;
            if (kind == "rightsemi" || kind == "rightanti") continue;
            if (!next->push(combine(&l, &right[ri]))) return false;
          }
        } else if (kind == "leftouter" || kind == "fullouter") {
          return next->push(combine(&l, nullptr));
        }
        return true;
      }
      void finish() override {
        if (!ready) load();
        if (ctx->failed()) return;
        const std::string& kind = op->spec.kind;
        bool emit_unmatched = kind == "rightouter" || kind == "fullouter" || kind == "rightanti";
        for (size_t i = 0; i < right.size(); ++i) {
          bool want = (kind == "rightsemi" && right_matched[i]) || (emit_unmatched && !right_matched[i]);
          if (want && !next->push(combine(nullptr, &right[i]))) return;
        }
      }
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->next = &next;
    s->ctx = &ctx;
    return s;
  }
};

class UnionOp final : public PlanOp {
 public:
  std::vector<PipelinePtr> others;
  std::vector<std::vector<int>> maps;
  std::vector<int> self_map;
  std::vector<std::string> names;
  bool with_source = false;
  void require(const std::vector<bool>& out, std::vector<bool>& in) const override {
    auto mapped = [&](const std::vector<int>& map, size_t width) {
      std::vector<bool> need(width, false);
      for (size_t c = 0; c < width && c < map.size(); ++c) {
        size_t o = static_cast<size_t>(map[c]);
        need[c] = o < out.size() && out[o];
      }
      return need;
    };
    in = mapped(self_map, in.size());
    for (size_t i = 0; i < others.size(); ++i) others[i]->require(mapped(maps[i], others[i]->schema().columns.size()));
  }

  std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const override {
    struct Mapper final : RowSink {
      RowSink* next = nullptr;
      const std::vector<int>* map = nullptr;
      size_t width = 0;
      Value source;
      bool ws = false;
      bool push(Row&& r) override {
        Row out(width);
        if (ws) out[0] = source;
        for (size_t c = 0; c < r.size() && c < map->size(); ++c) out[static_cast<size_t>((*map)[c])] = std::move(r[c]);
        return next->push(std::move(out));
      }
      void finish() override {}
    };
    struct S final : RowSink {
      const UnionOp* op;
      ExecContext* ctx;
      Mapper self;
      bool push(Row&& r) override { return self.push(std::move(r)); }
      void finish() override {
        for (size_t i = 0; i < op->others.size(); ++i) {
          Mapper m;
          m.next = self.next;
          m.map = &op->maps[i];
          m.width = self.width;
          m.source = Value(op->names[i + 1]);
          m.ws = op->with_source;
          op->others[i]->run(m, *ctx);
          if (ctx->failed()) return;
        }
      }
    };
    auto s = std::make_unique<S>();
    s->op = this;
    s->ctx = &ctx;
    s->self.next = &next;
    s->self.map = &self_map;
    s->self.width = output.columns.size();
    s->self.source = Value(names[0]);
    s->self.ws = with_source;
    return s;
  }
};

}  // namespace

PlanOpPtr make_join(JoinSpec spec, Schema out) {
  auto op = std::make_shared<JoinOp>();
  op->spec = std::move(spec);
  op->output = std::move(out);
  return op;
}
PlanOpPtr make_union_op(std::vector<PipelinePtr> others, std::vector<std::vector<int>> maps, std::vector<int> self_map,
                        std::vector<std::string> names, bool with_source, Schema out) {
  auto op = std::make_shared<UnionOp>();
  op->others = std::move(others);
  op->maps = std::move(maps);
  op->self_map = std::move(self_map);
  op->names = std::move(names);
  op->with_source = with_source;
  op->output = std::move(out);
  return op;
}

}  // namespace intake::kql
