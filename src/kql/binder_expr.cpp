// Binding of scalar expressions: column references to indexes, static types with Kusto's
// promotion rules, function lookup in the library, lazy conditionals, constant folding.
#include <algorithm>
#include <array>

#include "kql/binder_internal.h"

namespace intake::kql {

namespace {

bool is_numeric(ColumnType t) { return t == ColumnType::Int || t == ColumnType::Long || t == ColumnType::Real; }

bool is_null_literal(const BExprPtr& e) { return e->constant() && e->constant()->is_null(); }

// The common type of conditional branches: equal types, the widest number, dynamic when one is
// dynamic; nullopt (an error, as in Kusto) for other mixes.
std::optional<ColumnType> unify(const std::vector<BExprPtr>& branches) {
  std::optional<ColumnType> t;
  for (const auto& b : branches) {
    if (is_null_literal(b) && b->type == ColumnType::Dynamic) continue;
    if (!t) {
      t = b->type;
      continue;
    }
    if (*t == b->type) continue;
    if (is_numeric(*t) && is_numeric(b->type)) {
      t = (*t == ColumnType::Real || b->type == ColumnType::Real) ? ColumnType::Real : ColumnType::Long;
      continue;
    }
    if (*t == ColumnType::Dynamic || b->type == ColumnType::Dynamic) {
      t = ColumnType::Dynamic;
      continue;
    }
    return std::nullopt;
  }
  return t.value_or(ColumnType::Dynamic);
}

bool comparable(ColumnType a, ColumnType b) {
  if (a == b || a == ColumnType::Dynamic || b == ColumnType::Dynamic) return true;
  return is_numeric(a) && is_numeric(b);
}

bool all_constant(const std::vector<BExprPtr>& v) {
  return std::all_of(v.begin(), v.end(), [](const BExprPtr& e) { return e->constant() != nullptr; });
}

}  // namespace

std::unexpected<Error> unknown_column(const Expr& e, const Schema& row, const Scope& scope) {
  std::vector<std::string> cands;
  for (const auto& c : row.columns) cands.push_back(c.name);
  std::vector<std::string> lets;
  scope.all_names(lets);
  cands.insert(cands.end(), lets.begin(), lets.end());
  return fail_at(e.pos, "unknown column '" + e.name + "'" + suggestion(e.name, cands));
}

std::string Binder::default_name(const Expr& e) {
  if (e.kind == ExprKind::Name) return e.name;
  if (e.kind == ExprKind::Member || (e.kind == ExprKind::Index && e.args[1]->kind == ExprKind::Literal && e.args[1]->literal.is_string())) {
    std::vector<std::string> parts;
    const Expr* x = &e;
    while (x->kind == ExprKind::Member || (x->kind == ExprKind::Index && x->args[1]->kind == ExprKind::Literal && x->args[1]->literal.is_string())) {
      parts.push_back(x->kind == ExprKind::Member ? x->name : x->args[1]->literal.as_string());
      x = x->args[0].get();
    }
    if (x->kind == ExprKind::Name) {
      std::string n = x->name;
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) n += "_" + *it;
      return n;
    }
  }
  return "Column" + std::to_string(++column_counter_);
}

namespace {

bool is_chain_link(const Expr& e) {
  return e.kind == ExprKind::Member || e.kind == ExprKind::Index || e.kind == ExprKind::Binary;
}

}  // namespace

// Left-deep chains (a + b + c ..., x or y or z ..., d.a.b.c, d[0][1]) bind bottom-up in a loop, so
// their length costs no stack depth; only their right operands recurse.
Result<BExprPtr> Binder::bind_chain(const Expr& top, const Schema& row, const Scope& scope) {
  std::vector<const Expr*> spine;
  for (const Expr* x = &top; is_chain_link(*x); x = x->args[0].get()) spine.push_back(x);
  auto cur = bind_expr(*spine.back()->args[0], row, scope);
  if (!cur) return cur;
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) {
    auto next = bind_link(**it, std::move(*cur), row, scope);
    if (!next) return next;
    cur = std::move(next);
  }
  return cur;
}

// One link of a chain: `e` applied to its already bound left operand or base `left`.
Result<BExprPtr> Binder::bind_link(const Expr& e, BExprPtr left, const Schema& row, const Scope& scope) {
  Result<BExprPtr> a = std::move(left);
  switch (e.kind) {
    case ExprKind::Member: {
      bool c = (*a)->constant() != nullptr;
      auto n = make_member(std::move(*a), e.name);
      return c ? fold(n) : n;
    }
    case ExprKind::Index: {
      auto idx = bind_expr(*e.args[1], row, scope);
      if (!idx) return idx;
      bool fold_it = (*a)->constant() && (*idx)->constant();
      auto n = make_index(std::move(*a), std::move(*idx));
      return fold_it ? fold(n) : n;
    }
    default: {
      auto b = bind_expr(*e.args[1], row, scope);
      if (!b) return b;
      bool c = (*a)->constant() && (*b)->constant();
      BExprPtr n;
      const std::string& op = e.name;
      ColumnType ta = (*a)->type, tb = (*b)->type;
      if (op == "and" || op == "or") {
        n = make_logical(op == "and", std::move(*a), std::move(*b));
      } else if (op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=" || op == "=~" || op == "!~") {
        if (!comparable(ta, tb) && !is_null_literal(*a) && !is_null_literal(*b))
          return fail_at(e.pos, "cannot compare " + std::string(column_type_name(ta)) + " and " +
                                    std::string(column_type_name(tb)) + " with '" + op + "'");
        n = make_compare(op, std::move(*a), std::move(*b));
      } else if (op == "+" || op == "-" || op == "*" || op == "/" || op == "%") {
        auto t = arithmetic_type(op[0], ta, tb);
        if (!t) {
          if (is_null_literal(*a) || is_null_literal(*b)) t = ColumnType::Dynamic;
          else
            return fail_at(e.pos, "operator '" + op + "' cannot be applied to " + std::string(column_type_name(ta)) + " and " +
                                      std::string(column_type_name(tb)));
        }
        n = make_arith(op[0], std::move(*a), std::move(*b), *t);
      } else if (op == "matches regex") {
        std::string err;
        n = make_regex_match(std::move(*a), std::move(*b), err);
        if (!n) return fail_at(e.args[1]->pos, err);
      } else {
        n = make_string_op(op, std::move(*a), std::move(*b));
        if (!n) return fail_at(e.pos, "unknown operator '" + op + "'");
      }
      return c ? fold(n) : n;
    }
  }
}

Result<BExprPtr> Binder::bind_expr(const Expr& e, const Schema& row, const Scope& scope) {
  // Chains bind in a loop (bind_chain); other nesting recurses, and its depth is bounded so that
  // no input overflows the stack, even with a sanitizer's large frames.
  struct DepthGuard {
    int& d;
    explicit DepthGuard(int& x) : d(++x) {}
    ~DepthGuard() { --d; }
  } guard(expr_depth_);
  if (expr_depth_ > kMaxExprDepth) return fail_at(e.pos, "expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)");
  auto bind_args = [&](size_t from) -> Result<std::vector<BExprPtr>> {
    std::vector<BExprPtr> out;
    for (size_t i = from; i < e.args.size(); ++i) {
      if (e.args[i]->kind == ExprKind::Star) return fail_at(e.args[i]->pos, "'*' is not allowed here");
      if (e.args[i]->kind == ExprKind::TabularArg)
        return fail_at(e.args[i]->pos, "a tabular expression is not supported as a scalar argument");
      auto b = bind_expr(*e.args[i], row, scope);
      if (!b) return std::unexpected(b.error());
      out.push_back(std::move(*b));
    }
    return out;
  };

  switch (e.kind) {
    case ExprKind::Literal:
      return make_constant(e.literal, e.literal_type);
    case ExprKind::Star:
      return fail_at(e.pos, "'*' is not allowed here");
    case ExprKind::TabularArg:
      return fail_at(e.pos, "a tabular expression is not allowed here");
    case ExprKind::Name: {
      int idx = row.index_of(e.name);
      if (idx >= 0) return make_column(idx, row.columns[static_cast<size_t>(idx)].type);
      if (const Binding* b = scope.find(e.name)) {
        if (b->kind == Binding::Kind::Scalar) return b->scalar;
        return fail_at(e.pos, "'" + e.name + "' is a " + (b->kind == Binding::Kind::Tabular ? "tabular expression" : "function") +
                                  ", not a scalar value");
      }
      return unknown_column(e, row, scope);
    }
    case ExprKind::Member:
    case ExprKind::Index:
    case ExprKind::Binary:
      return bind_chain(e, row, scope);
    case ExprKind::Unary: {
      auto a = bind_expr(*e.args[0], row, scope);
      if (!a) return a;
      if (e.name == "+") return a;
      ColumnType t = (*a)->type;
      if (!is_numeric(t) && t != ColumnType::TimeSpan && t != ColumnType::Dynamic)
        return fail_at(e.pos, "unary '-' cannot be applied to " + std::string(column_type_name(t)));
      bool c = (*a)->constant() != nullptr;
      auto n = make_negate(std::move(*a), t);
      return c ? fold(n) : n;
    }
    case ExprKind::In: {
      auto a = bind_expr(*e.args[0], row, scope);
      if (!a) return a;
      auto list = bind_args(1);
      if (!list) return std::unexpected(list.error());
      bool c = (*a)->constant() && all_constant(*list);
      auto n = make_in(e.name, std::move(*a), std::move(*list));
      return c ? fold(n) : n;
    }
    case ExprKind::Between: {
      auto all = bind_args(0);
      if (!all) return std::unexpected(all.error());
      auto& v = *all;
      if (!comparable(v[0]->type, v[1]->type) && !is_null_literal(v[1]))
        return fail_at(e.pos, "cannot compare " + std::string(column_type_name(v[0]->type)) + " and " +
                                  std::string(column_type_name(v[1]->type)) + " in 'between'");
      bool c = all_constant(v);
      auto n = make_between(e.name == "!between", v[0], v[1], v[2]);
      return c ? fold(n) : n;
    }
    case ExprKind::Call:
      break;
  }

  // ----- calls
  const std::string& fname = e.name;
  auto argc_error = [&](std::string want) { return fail_at(e.pos, "function '" + fname + "' expects " + want); };
  if (fname == "typeof") {
    if (e.args.size() != 1 || e.args[0]->kind != ExprKind::Name || !parse_column_type(e.args[0]->name))
      return fail_at(e.pos, "typeof expects a type name, e.g. typeof(long)");
    return make_constant(Value(e.args[0]->name), ColumnType::String);
  }
  if (fname == "iff" || fname == "iif") {
    if (e.args.size() != 3) return argc_error("3 arguments");
    auto v = bind_args(0);
    if (!v) return std::unexpected(v.error());
    auto t = unify({(*v)[1], (*v)[2]});
    if (!t) return fail_at(e.pos, "'" + fname + "' branches have different types (" + std::string(column_type_name((*v)[1]->type)) +
                                      " and " + std::string(column_type_name((*v)[2]->type)) + ")");
    bool c = all_constant(*v);
    auto n = make_iff((*v)[0], (*v)[1], (*v)[2], *t);
    return c ? fold(n) : n;
  }
  if (fname == "case") {
    if (e.args.size() < 3 || e.args.size() % 2 == 0) return argc_error("an odd number of arguments (at least 3)");
    auto v = bind_args(0);
    if (!v) return std::unexpected(v.error());
    std::vector<BExprPtr> values;
    for (size_t i = 1; i < v->size(); i += 2) values.push_back((*v)[i]);
    values.push_back(v->back());
    auto t = unify(values);
    if (!t) return fail_at(e.pos, "'case' values have different types");
    bool c = all_constant(*v);
    auto n = make_case(std::move(*v), *t);
    return c ? fold(n) : n;
  }
  if (fname == "coalesce") {
    if (e.args.empty()) return argc_error("at least 1 argument");
    auto v = bind_args(0);
    if (!v) return std::unexpected(v.error());
    auto t = unify(*v);
    if (!t) return fail_at(e.pos, "'coalesce' arguments have different types");
    bool c = all_constant(*v);
    auto n = make_coalesce(std::move(*v), *t);
    return c ? fold(n) : n;
  }
  if (fname == "not") {
    if (e.args.size() != 1) return argc_error("1 argument");
    auto v = bind_args(0);
    if (!v) return std::unexpected(v.error());
    bool c = all_constant(*v);
    auto n = make_not((*v)[0]);
    return c ? fold(n) : n;
  }
  if (fname == "columnifexists" || fname == "column_ifexists") {
    if (e.args.size() != 2) return argc_error("2 arguments");
    if (e.args[0]->kind != ExprKind::Literal || !e.args[0]->literal.is_string())
      return fail_at(e.args[0]->pos, "function '" + fname + "' expects a constant column name");
    int idx = row.index_of(e.args[0]->literal.as_string());
    if (idx >= 0) return make_column(idx, row.columns[static_cast<size_t>(idx)].type);
    return bind_expr(*e.args[1], row, scope);
  }
  if (const Binding* b = scope.find(fname); b && b->kind == Binding::Kind::Function) {
    const FunctionBody& f = *b->function;
    if (!f.scalar) return fail_at(e.pos, "function '" + fname + "' returns a table and cannot be used as a scalar");
    if (e.args.size() > f.params.size()) return argc_error("at most " + std::to_string(f.params.size()) + " arguments");
    if (function_depth_ > 32) return fail_at(e.pos, "function calls nested too deeply (recursive function '" + fname + "'?)");
    Scope inner{b->function_scope, {}};
    for (size_t i = 0; i < f.params.size(); ++i) {
      Binding pb;
      if (i < e.args.size()) {
        auto a = bind_expr(*e.args[i], row, scope);
        if (!a) return a;
        pb.scalar = f.params[i].type ? make_convert(*a, *f.params[i].type) : *a;
      } else if (f.params[i].default_value) {
        auto a = bind_expr(*f.params[i].default_value, Schema{}, *b->function_scope);
        if (!a) return a;
        pb.scalar = *a;
      } else {
        return fail_at(e.pos, "function '" + fname + "' is missing the argument '" + f.params[i].name + "'");
      }
      inner.names.emplace_back(f.params[i].name, std::move(pb));
    }
    ++function_depth_;
    auto st = bind_lets(f.lets, inner);
    Result<BExprPtr> r = st ? bind_expr(*f.scalar, row, inner) : Result<BExprPtr>(std::unexpected(st.error()));
    --function_depth_;
    return r;
  }
  const ScalarFunction* fn = find_scalar_function(fname);
  if (!fn) {
    if (find_aggregate_function(fname) || fname == "arg_max" || fname == "arg_min")
      return fail_at(e.pos, "'" + fname + "' is an aggregation function and is only allowed in summarize");
    std::vector<std::string> names;
    for (auto n : scalar_function_names()) names.emplace_back(n);
    return fail_at(e.pos, "unknown function '" + fname + "'" + suggestion(fname, names));
  }
  int argc = static_cast<int>(e.args.size());
  if (argc < fn->min_args || (fn->max_args >= 0 && argc > fn->max_args)) {
    std::string want = fn->min_args == fn->max_args ? std::to_string(fn->min_args)
                       : fn->max_args < 0          ? "at least " + std::to_string(fn->min_args)
                                                   : std::to_string(fn->min_args) + " to " + std::to_string(fn->max_args);
    return argc_error(want + (fn->max_args == 1 && fn->min_args == 1 ? " argument" : " arguments") + ", got " + std::to_string(argc));
  }
  auto v = bind_args(0);
  if (!v) return std::unexpected(v.error());
  std::vector<BoundArg> bound;
  for (const auto& a : *v) bound.push_back(BoundArg{a->type, a->constant()});
  ColumnType t = ColumnType::Dynamic;
  if (fn->bind) {
    auto r = fn->bind(bound);
    if (!r) return fail_at(e.pos, "function '" + fname + "' " + r.error().message);
    t = *r;
  }
  bool c = fn->deterministic && all_constant(*v);
  auto n = make_call(fn, std::move(*v), t);
  return c ? fold(n) : n;
}

}  // namespace intake::kql
