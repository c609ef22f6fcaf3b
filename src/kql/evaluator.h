// Bound scalar expressions: a tree of nodes with resolved column indexes and static types,
// evaluated per row. `ref` lets column, constant and member nodes hand out a reference instead
// of a copy (dynamic objects and strings are not copied on the hot path).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/value.h"
#include "kql/functions.h"

namespace intake::kql {

struct BExpr;
using BExprPtr = std::shared_ptr<const BExpr>;

struct BExpr {
  ColumnType type = ColumnType::Dynamic;
  virtual ~BExpr() = default;
  virtual Value eval(const Row& row, const EvalContext& ctx) const = 0;
  virtual const Value& ref(const Row& row, const EvalContext& ctx, Value& scratch) const {
    scratch = eval(row, ctx);
    return scratch;
  }
  // Set for literals and folded constant expressions.
  virtual const Value* constant() const { return nullptr; }
  // Column index when the node is a bare column reference, else -1.
  virtual int column() const { return -1; }
  // Sets used[i] for every input column the expression reads (projection pushdown).
  virtual void mark_columns(std::vector<bool>& used) const = 0;
};

// Sets used[index], growing `used` when needed.
void mark_column(std::vector<bool>& used, int index);

BExprPtr make_constant(Value v, ColumnType type);
BExprPtr make_column(int index, ColumnType type);
BExprPtr make_member(BExprPtr base, std::string key);
BExprPtr make_index(BExprPtr base, BExprPtr index);
BExprPtr make_negate(BExprPtr a, ColumnType type);
// Arithmetic + - * / % with the result type chosen by the binder (see arithmetic_type).
BExprPtr make_arith(char op, BExprPtr a, BExprPtr b, ColumnType type);
// == != < <= > >= =~ !~ ; string_null_empty: a null string operand reads as "" (Kusto strings are never null).
BExprPtr make_compare(std::string_view op, BExprPtr a, BExprPtr b);
BExprPtr make_logical(bool is_and, BExprPtr a, BExprPtr b);
// contains/has/startswith/endswith/hasprefix/hassuffix (+ _cs, ! variants), like; false when unknown.
BExprPtr make_string_op(std::string_view op, BExprPtr a, BExprPtr b);
// matches regex; the pattern is compiled once when constant. Returns nullptr + error text on a bad pattern.
BExprPtr make_regex_match(BExprPtr a, BExprPtr pattern, std::string& error);
// in / !in / in~ / !in~ / has_any / has_all.
BExprPtr make_in(std::string_view op, BExprPtr a, std::vector<BExprPtr> list);
BExprPtr make_between(bool negate, BExprPtr a, BExprPtr lo, BExprPtr hi);
BExprPtr make_call(const ScalarFunction* fn, std::vector<BExprPtr> args, ColumnType type);
// Lazy conditionals: iff(c, a, b); case(c1, v1, ..., else); coalesce(a, b, ...).
BExprPtr make_iff(BExprPtr c, BExprPtr a, BExprPtr b, ColumnType type);
BExprPtr make_case(std::vector<BExprPtr> args, ColumnType type);
BExprPtr make_coalesce(std::vector<BExprPtr> args, ColumnType type);
BExprPtr make_not(BExprPtr a);
// Converts the child's value to `type` when its kind differs (typed outputs of dynamic inputs).
BExprPtr make_convert(BExprPtr a, ColumnType type);

// Result type of `a op b`, or nullopt when Kusto rejects the combination.
std::optional<ColumnType> arithmetic_type(char op, ColumnType a, ColumnType b);
// The kind a column type stores (Dynamic: any).
bool kind_matches(const Value& v, ColumnType t);

// Folds a node whose inputs are all constant (deterministic functions only) into a constant.
BExprPtr fold(BExprPtr e);

}  // namespace intake::kql
