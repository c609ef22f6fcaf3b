// Running a pipeline: operator states chained back to front, the source pushes rows in, then
// finish flushes the blocking operators. Also the plain sources (table scan with hints, rows of
// constants, range, nested pipeline, union).
#include <algorithm>

#include "kql/plan.h"

namespace intake::kql {

namespace {

class ForwardSink final : public RowSink {
 public:
  explicit ForwardSink(RowSink& t) : t_(t) {}
  bool push(Row&& r) override { return t_.push(std::move(r)); }
  void finish() override {}

 private:
  RowSink& t_;
};

class CollectSink final : public RowSink {
 public:
  CollectSink(std::vector<Row>& out, ExecContext& ctx) : out_(out), ctx_(ctx) {}
  bool push(Row&& r) override {
    if (static_cast<int64_t>(out_.size()) >= ctx_.max_rows)
      return ctx_.fail_with("kql", "the result exceeds " + std::to_string(ctx_.max_rows) + " rows (QueryOptions::max_rows)");
    out_.push_back(std::move(r));
    return true;
  }
  void finish() override {}

 private:
  std::vector<Row>& out_;
  ExecContext& ctx_;
};

class TableSource final : public PlanSource {
 public:
  std::vector<TimeBound> bounds;
  std::optional<int64_t> limit;
  // Set at compile time by require(); a plan shared by several branches gets their union.
  mutable std::vector<bool> needed;
  mutable bool has_needed = false;
  mutable std::vector<std::string> columns;

  void require(const std::vector<bool>& out) const override {
    size_t width = output.columns.size();
    if (!has_needed) needed.assign(width, false);
    has_needed = true;
    for (size_t i = 0; i < width && i < out.size(); ++i)
      if (out[i]) needed[i] = true;
    columns.clear();
    for (size_t i = 0; i < width; ++i)
      if (needed[i]) columns.push_back(output.columns[i].name);
    if (columns.size() == width) {
      columns.clear();
    } else if (columns.empty() && width > 0) {
      // No column is read (count, take of nothing): an empty list would mean "all", so ask for
      // the cheapest one that is always there.
      int tg = output.index_of("TimeGenerated");
      columns.push_back(output.columns[tg >= 0 ? static_cast<size_t>(tg) : 0].name);
    }
  }
  const std::vector<bool>* required() const override { return has_needed ? &needed : nullptr; }

  void run(RowSink& sink, ExecContext& ctx) const override {
    ScanHints h;
    h.limit = limit;
    h.columns = columns;
    Row none;
    for (const auto& b : bounds) {
      Value v = b.value->eval(none, ctx.eval);
      if (v.kind() != Kind::DateTime) continue;
      DateTime d{v.as_datetime().ticks + b.adjust};
      if (b.is_from) h.time_from = h.time_from ? std::max(*h.time_from, d) : d;
      else h.time_to = h.time_to ? std::min(*h.time_to, d) : d;
    }
    bool stopped = false;
    auto st = ctx.catalog->scan(table, h, [&](Row&& r) {
      if (stopped) return false;
      if (!sink.push(std::move(r))) stopped = true;
      return !stopped;
    });
    if (!st) ctx.fail_with(st.error().where, st.error().message);
  }
};

class RowsSource final : public PlanSource {
 public:
  std::vector<std::vector<BExprPtr>> rows;
  void run(RowSink& sink, ExecContext& ctx) const override {
    Row none;
    for (const auto& r : rows) {
      Row out;
      out.reserve(r.size());
      for (const auto& e : r) out.push_back(e->eval(none, ctx.eval));
      if (!sink.push(std::move(out))) return;
    }
  }
};

class RangeSource final : public PlanSource {
 public:
  BExprPtr from, to, step;
  void run(RowSink& sink, ExecContext& ctx) const override {
    Row none;
    Value a = from->eval(none, ctx.eval), b = to->eval(none, ctx.eval), s = step->eval(none, ctx.eval);
    if (a.kind() == Kind::DateTime && b.kind() == Kind::DateTime && s.kind() == Kind::TimeSpan) {
      int64_t st = s.as_timespan().ticks;
      if (st == 0) return;
      for (int64_t t = a.as_datetime().ticks; st > 0 ? t <= b.as_datetime().ticks : t >= b.as_datetime().ticks; t += st)
        if (!sink.push(Row{Value(DateTime{t})})) return;
      return;
    }
    if (a.kind() == Kind::Real || b.kind() == Kind::Real || s.kind() == Kind::Real) {
      double x = 0, y = 0, d = 0;
      if (!a.to_double(x) || !b.to_double(y) || !s.to_double(d) || d == 0) return;
      for (int64_t i = 0; i < 10'000'000; ++i) {
        double v = x + static_cast<double>(i) * d;
        if (d > 0 ? v > y : v < y) return;
        Row row(1);
        if (output.columns[0].type == ColumnType::Real) row[0] = Value(v);
        else row[0] = Value(static_cast<int64_t>(v));
        if (!sink.push(std::move(row))) return;
      }
      return;
    }
    int64_t x = 0, y = 0, d = 0;
    if (!a.to_int64(x) || !b.to_int64(y) || !s.to_int64(d) || d == 0) return;
    for (int64_t v = x; d > 0 ? v <= y : v >= y; v += d) {
      Value out = output.columns[0].type == ColumnType::Int ? Value(static_cast<int32_t>(v)) : Value(v);
      if (!sink.push(Row{std::move(out)})) return;
      if ((d > 0 && v > INT64_MAX - d) || (d < 0 && v < INT64_MIN - d)) return;
    }
  }
};

class NestedSource final : public PlanSource {
 public:
  PipelinePtr inner;
  void require(const std::vector<bool>& out) const override { inner->require(out); }
  void run(RowSink& sink, ExecContext& ctx) const override { inner->run(sink, ctx); }
};

class UnionSource final : public PlanSource {
 public:
  std::vector<PipelinePtr> inputs;
  std::vector<std::vector<int>> maps;
  std::vector<std::string> names;
  bool with_source = false;
  void require(const std::vector<bool>& out) const override {
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<bool> in(inputs[i]->schema().columns.size(), false);
      for (size_t c = 0; c < in.size() && c < maps[i].size(); ++c) {
        size_t o = static_cast<size_t>(maps[i][c]);
        in[c] = o < out.size() && out[o];
      }
      inputs[i]->require(in);
    }
  }
  void run(RowSink& sink, ExecContext& ctx) const override {
    size_t width = output.columns.size();
    for (size_t i = 0; i < inputs.size(); ++i) {
      struct Mapper final : RowSink {
        RowSink* next;
        const std::vector<int>* map;
        size_t width;
        Value source;
        bool ws;
        bool push(Row&& r) override {
          Row out(width);
          if (ws) out[0] = source;
          for (size_t c = 0; c < r.size() && c < map->size(); ++c) out[static_cast<size_t>((*map)[c])] = std::move(r[c]);
          return next->push(std::move(out));
        }
        void finish() override {}
      } m;
      m.next = &sink;
      m.map = &maps[i];
      m.width = width;
      m.source = Value(names[i]);
      m.ws = with_source;
      inputs[i]->run(m, ctx);
      if (ctx.failed()) return;
    }
  }
};

}  // namespace

void Pipeline::run(RowSink& sink, ExecContext& ctx) const {
  ForwardSink tail(sink);
  std::vector<std::unique_ptr<RowSink>> states;
  RowSink* next = &tail;
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    states.push_back((*it)->instantiate(*next, ctx));
    next = states.back().get();
  }
  source->run(*next, ctx);
  // Finish front to back: each operator flushes into the next, then the next finishes.
  for (auto it = states.rbegin(); it != states.rend(); ++it) (*it)->finish();
}

void PlanOp::require(const std::vector<bool>&, std::vector<bool>& in) const { in.assign(in.size(), true); }

void Pipeline::require(const std::vector<bool>& out) const {
  std::vector<bool> need = out;
  for (size_t i = ops.size(); i-- > 0;) {
    const Schema& input = i == 0 ? source->output : ops[i - 1]->output;
    std::vector<bool> in(input.columns.size(), false);
    need.resize(ops[i]->output.columns.size(), false);
    ops[i]->require(need, in);
    need = std::move(in);
  }
  need.resize(source->output.columns.size(), false);
  source->require(need);
}

Result<std::vector<Row>> Pipeline::collect(ExecContext& ctx) const {
  std::vector<Row> rows;
  CollectSink sink(rows, ctx);
  run(sink, ctx);
  if (ctx.failed()) return std::unexpected(ctx.error.error());
  return rows;
}

PlanSourcePtr make_table_source(std::string table, Schema schema, std::vector<TimeBound> bounds, std::optional<int64_t> limit) {
  auto s = std::make_shared<TableSource>();
  s->output = std::move(schema);
  s->table = std::move(table);
  s->bounds = std::move(bounds);
  s->limit = limit;
  return s;
}
PlanSourcePtr make_rows_source(Schema schema, std::vector<std::vector<BExprPtr>> rows) {
  auto s = std::make_shared<RowsSource>();
  s->output = std::move(schema);
  s->rows = std::move(rows);
  return s;
}
PlanSourcePtr make_range_source(Schema schema, BExprPtr from, BExprPtr to, BExprPtr step) {
  auto s = std::make_shared<RangeSource>();
  s->output = std::move(schema);
  s->from = std::move(from);
  s->to = std::move(to);
  s->step = std::move(step);
  return s;
}
PlanSourcePtr make_pipeline_source(PipelinePtr p) {
  auto s = std::make_shared<NestedSource>();
  s->output = p->schema();
  s->inner = std::move(p);
  return s;
}
PlanSourcePtr make_union_source(Schema schema, std::vector<PipelinePtr> inputs, std::vector<std::vector<int>> maps,
                                std::vector<std::string> source_names, bool with_source) {
  auto s = std::make_shared<UnionSource>();
  s->output = std::move(schema);
  s->inputs = std::move(inputs);
  s->maps = std::move(maps);
  s->names = std::move(source_names);
  s->with_source = with_source;
  return s;
}

}  // namespace intake::kql
