// Query: parse, bind against the catalog, run with the query's clock fixed once.
#include "kql/binder.h"
#include "kql/compiled.h"
#include "kql/parser.h"

namespace intake::kql {

Result<Query> Query::compile(std::string_view text, const Catalog& catalog) {
  auto ast = parse_query(text);
  if (!ast) return std::unexpected(ast.error());
  auto p = bind_query(*ast, catalog, BindOptions{});
  if (!p) return std::unexpected(p.error());
  auto c = std::make_shared<CompiledQuery>();
  c->pipeline = std::move(*p);
  c->pipeline->require_all();  // fills ScanHints::columns of every table scan
  c->catalog = &catalog;
  Query q;
  q.impl_ = std::move(c);
  return q;
}

Result<Table> Query::run(const QueryOptions& options) const {
  ExecContext ctx;
  ctx.eval.now = options.clock ? options.clock() : system_now();
  ctx.catalog = impl_->catalog;
  ctx.max_rows = options.max_rows;
  auto rows = impl_->pipeline->collect(ctx);
  if (!rows) return std::unexpected(rows.error());
  Table t;
  t.schema = impl_->pipeline->schema();
  t.rows = std::move(*rows);
  return t;
}

const Schema& Query::output_schema() const { return impl_->pipeline->schema(); }

}  // namespace intake::kql
