// Transform: a query over the virtual table `source`, restricted to row-by-row operators. Each
// apply() serves `source` from the batch through a one-table catalog, so the same pipeline code
// runs queries and transformations.
#include <algorithm>
#include <cctype>

#include "kql/binder.h"
#include "kql/compiled.h"
#include "kql/parser.h"

namespace intake::kql {

namespace {

// The compile-time catalog: `source` with the stream's schema.
class SourceSchemaCatalog final : public Catalog {
 public:
  explicit SourceSchemaCatalog(const Schema& s) : schema_(s) {}
  std::optional<Schema> table_schema(std::string_view name) const override {
    if (name == "source") return schema_;
    return std::nullopt;
  }
  Status scan(std::string_view, const ScanHints&, const std::function<bool(Row&&)>&) const override { return {}; }
  std::vector<std::string> table_names() const override { return {"source"}; }

 private:
  const Schema& schema_;
};

// Serves `source` from the batch. Only the columns the transform reads or outputs are copied
// (the others stay null), into rows with room for the columns the operators append. A batch the
// caller gives up (`consume`) has its cells moved instead of copied.
class BatchCatalog final : public Catalog {
 public:
  BatchCatalog(const std::vector<Row>& rows, std::vector<Row>* movable, const std::vector<bool>* needed, size_t capacity)
      : rows_(rows), movable_(movable), needed_(needed), capacity_(capacity) {}
  std::optional<Schema> table_schema(std::string_view) const override { return std::nullopt; }
  Status scan(std::string_view, const ScanHints&, const std::function<bool(Row&&)>& sink) const override {
    for (size_t n = 0; n < rows_.size(); ++n) {
      const Row& r = rows_[n];
      Row* src = movable_ ? &(*movable_)[n] : nullptr;
      Row out;
      out.reserve(std::max(capacity_, r.size()));
      out.resize(r.size());
      for (size_t i = 0; i < r.size(); ++i) {
        if (needed_ && (i >= needed_->size() || !(*needed_)[i])) continue;
        if (src) {
          out[i] = std::move((*src)[i]);
        } else {
          out[i] = r[i];
        }
      }
      if (!sink(std::move(out))) break;
    }
    return {};
  }

 private:
  const std::vector<Row>& rows_;
  std::vector<Row>* movable_;
  const std::vector<bool>* needed_;
  size_t capacity_;
};

class AppendSink final : public RowSink {
 public:
  explicit AppendSink(std::vector<Row>& out) : out_(out) {}
  bool push(Row&& r) override {
    out_.push_back(std::move(r));
    return true;
  }
  void finish() override {}

 private:
  std::vector<Row>& out_;
};

bool is_source_only(std::string_view text) {
  auto b = std::find_if_not(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  auto e = std::find_if_not(text.rbegin(), text.rend(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }).base();
  return b < e && std::string_view(&*b, static_cast<size_t>(e - b)) == "source";
}

}  // namespace

Result<Transform> Transform::compile(std::string_view text, const Schema& source_schema) {
  auto ast = parse_query(text);
  if (!ast) return std::unexpected(ast.error());
  SourceSchemaCatalog cat(source_schema);
  auto p = bind_query(*ast, cat, BindOptions{.transform = true});
  if (!p) return std::unexpected(p.error());
  auto c = std::make_shared<CompiledQuery>();
  c->pipeline = std::move(*p);
  c->pipeline->require_all();
  c->identity = is_source_only(text);
  c->row_capacity = c->pipeline->source->output.columns.size();
  for (const auto& op : c->pipeline->ops) c->row_capacity = std::max(c->row_capacity, op->output.columns.size());
  Transform t;
  t.impl_ = std::move(c);
  return t;
}

const Schema& Transform::output_schema() const { return impl_->pipeline->schema(); }

bool Transform::is_identity() const { return impl_->identity; }

Status Transform::apply(const std::vector<Row>& input, std::vector<Row>& output, DateTime now) const {
  if (impl_->identity) {
    output.insert(output.end(), input.begin(), input.end());
    return {};
  }
  return run(input, nullptr, output, now);
}

Status Transform::apply(std::vector<Row>&& input, std::vector<Row>& output, DateTime now) const {
  if (impl_->identity) {
    output.insert(output.end(), std::make_move_iterator(input.begin()), std::make_move_iterator(input.end()));
    return {};
  }
  return run(input, &input, output, now);
}

Status Transform::run(const std::vector<Row>& input, std::vector<Row>* movable, std::vector<Row>& output,
                      DateTime now) const {
  BatchCatalog cat(input, movable, impl_->pipeline->source->required(), impl_->row_capacity);
  ExecContext ctx;
  ctx.eval.now = now;
  ctx.catalog = &cat;
  ctx.max_rows = INT64_MAX;
  AppendSink sink(output);
  impl_->pipeline->run(sink, ctx);
  if (ctx.failed()) return std::unexpected(ctx.error.error());
  return {};
}

}  // namespace intake::kql
