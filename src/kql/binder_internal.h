// The binder's shared state, split across binder.cpp (tabular operators) and binder_expr.cpp
// (scalar expressions).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kql/binder.h"

namespace intake::kql {

struct Binding {
  enum class Kind { Scalar, Tabular, Function } kind = Kind::Scalar;
  BExprPtr scalar;
  PipelinePtr tabular;
  std::shared_ptr<FunctionBody> function;
  const struct Scope* function_scope = nullptr;
};

struct Scope {
  const Scope* parent = nullptr;
  std::vector<std::pair<std::string, Binding>> names;
  const Binding* find(std::string_view n) const {
    for (auto it = names.rbegin(); it != names.rend(); ++it)
      if (it->first == n) return &it->second;
    return parent ? parent->find(n) : nullptr;
  }
  void all_names(std::vector<std::string>& out) const {
    for (const auto& [n, b] : names) out.push_back(n);
    if (parent) parent->all_names(out);
  }
};

class Binder {
 public:
  Binder(const Catalog& catalog, BindOptions options) : catalog_(catalog), options_(options) {}

  Result<PipelinePtr> bind_query(const QueryAst& ast);

  // binder_expr.cpp
  Result<BExprPtr> bind_expr(const Expr& e, const Schema& row, const Scope& scope);
  Result<BExprPtr> bind_chain(const Expr& top, const Schema& row, const Scope& scope);
  Result<BExprPtr> bind_link(const Expr& e, BExprPtr left, const Schema& row, const Scope& scope);
  // A name for an unnamed output expression (column name, d_a_b for members, else ColumnN).
  std::string default_name(const Expr& e);

  // binder.cpp
  Result<PipelinePtr> bind_tabular(const Tabular& t, const Scope& scope);
  Status bind_lets(const std::vector<LetStmt>& lets, Scope& scope);
  Result<PipelinePtr> call_tabular_function(const Binding& b, const std::vector<ExprPtr>& args, Pos pos, const Scope& scope,
                                            std::string_view name);

  const Catalog& catalog_;
  BindOptions options_;
  int function_depth_ = 0;
  int expr_depth_ = 0;
  static constexpr int kMaxExprDepth = 160;  // above the parser's kMaxNesting
  int column_counter_ = 0;
};

std::unexpected<Error> unknown_column(const Expr& e, const Schema& row, const Scope& scope);

}  // namespace intake::kql
