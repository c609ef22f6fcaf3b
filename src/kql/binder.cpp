// Binding of tabular expressions: sources (tables, lets, stored and user functions, print,
// datatable, range, union), each operator's output schema, Kusto's output column names, the
// transformation subset, and scan pushdown (time range and take on a table).
#include "kql/binder.h"

#include <algorithm>
#include <unordered_set>

#include "kql/binder_internal.h"
#include "kql/parser.h"

namespace intake::kql {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (low(a[i - 1]) == low(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(std::string_view name, const std::vector<std::string>& candidates) {
  size_t best = std::string::npos;
  const std::string* pick = nullptr;
  for (const auto& c : candidates) {
    size_t d = edit_distance(name, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  size_t limit = std::max<size_t>(2, name.size() / 3);
  if (!pick || best > limit) return "";
  return " (did you mean '" + *pick + "')";
}

namespace {

bool glob_match(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == s[i]) {
      ++p;
      ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

std::vector<std::string> names_of(const Schema& s) {
  std::vector<std::string> out;
  for (const auto& c : s.columns) out.push_back(c.name);
  return out;
}

bool transform_allows(OpKind k) {
  switch (k) {
    case OpKind::Where:
    case OpKind::Extend:
    case OpKind::Project:
    case OpKind::ProjectAway:
    case OpKind::ProjectRename:
    case OpKind::ProjectKeep:
    case OpKind::ProjectReorder:
    case OpKind::Parse:
      return true;
    default:
      return false;
  }
}

// Columns referenced by an expression (names only), for the lenient project-rename.
void referenced_names(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == ExprKind::Name) out.push_back(e.name);
  for (const auto& a : e.args) referenced_names(*a, out);
}

// Unique output name: Kusto appends 1, 2, ... on collisions.
std::string unique_name(const Schema& s, std::string base) {
  if (s.index_of(base) < 0) return base;
  for (int k = 1;; ++k) {
    std::string n = base + std::to_string(k);
    if (s.index_of(n) < 0) return n;
  }
}

std::string aggregate_column_name(const Expr& call) {
  std::string f = call.name;
  if (f == "make_list" || f == "make_list_if" || f == "makelist") f = "list";
  else if (f == "make_set" || f == "make_set_if" || f == "makeset") f = "set";
  else if (f == "make_bag" || f == "make_bag_if") f = "bag";
  else if (f == "take_any" || f == "any" || f == "take_anyif") f = "any";
  if (call.name == "count" || call.name == "countif") return f + "_";
  std::string n = f + "_";
  if (!call.args.empty() && call.args[0]->kind == ExprKind::Name) n += call.args[0]->name;
  if ((call.name == "percentile" || call.name == "percentiles") && call.args.size() > 1 && call.args[1]->kind == ExprKind::Literal) {
    std::string p;
    const Value& v = call.args[1]->literal;
    if (v.kind() == Kind::Long) p = std::to_string(v.as_long());
    else if (v.kind() == Kind::Real) p = format_real(v.as_real());
    for (auto& ch : p)
      if (ch == '.') ch = '_';
    n += "_" + p;
  }
  return n;
}

}  // namespace

Status Binder::bind_lets(const std::vector<LetStmt>& lets, Scope& scope) {
  for (const auto& l : lets) {
    Binding b;
    if (l.function) {
      b.kind = Binding::Kind::Function;
      b.function = l.function;
      b.function_scope = &scope;
    } else if (l.tabular) {
      auto p = bind_tabular(*l.tabular, scope);
      if (!p) return std::unexpected(p.error());
      b.kind = Binding::Kind::Tabular;
      b.tabular = *p;
    } else {
      // `let T = OtherTable;` is an alias of a tabular name.
      if (l.scalar->kind == ExprKind::Name && scope.find(l.scalar->name) == nullptr) {
        Tabular t;
        t.pos = l.scalar->pos;
        t.name = l.scalar->name;
        if (catalog_.table_schema(t.name) || catalog_.function_body(t.name)) {
          auto p = bind_tabular(t, scope);
          if (!p) return std::unexpected(p.error());
          b.kind = Binding::Kind::Tabular;
          b.tabular = *p;
          scope.names.emplace_back(l.name, std::move(b));
          continue;
        }
      }
      if (l.scalar->kind == ExprKind::Name) {
        if (const Binding* other = scope.find(l.scalar->name); other && other->kind != Binding::Kind::Scalar) {
          scope.names.emplace_back(l.name, *other);
          continue;
        }
      }
      auto e = bind_expr(*l.scalar, Schema{}, scope);
      if (!e) return std::unexpected(e.error());
      b.scalar = *e;
    }
    scope.names.emplace_back(l.name, std::move(b));
  }
  return {};
}

Result<PipelinePtr> Binder::bind_query(const QueryAst& ast) {
  Scope root;
  if (auto st = bind_lets(ast.lets, root); !st) return std::unexpected(st.error());
  if (!ast.body) return fail_at(ast.end, "the query has no tabular expression (only let statements)");
  return bind_tabular(*ast.body, root);
}

Result<PipelinePtr> Binder::call_tabular_function(const Binding& b, const std::vector<ExprPtr>& args, Pos pos,
                                                  const Scope& scope, std::string_view name) {
  const FunctionBody& f = *b.function;
  if (!f.tabular) return fail_at(pos, "function '" + std::string(name) + "' returns a scalar, not a table");
  if (args.size() > f.params.size())
    return fail_at(pos, "function '" + std::string(name) + "' expects at most " + std::to_string(f.params.size()) + " arguments");
  if (function_depth_ > 32) return fail_at(pos, "function calls nested too deeply (recursive function '" + std::string(name) + "'?)");
  Scope inner{b.function_scope, {}};
  for (size_t i = 0; i < f.params.size(); ++i) {
    Binding pb;
    if (i < args.size()) {
      if (args[i]->kind == ExprKind::TabularArg) {
        auto p = bind_tabular(*args[i]->tabular, scope);
        if (!p) return std::unexpected(p.error());
        pb.kind = Binding::Kind::Tabular;
        pb.tabular = *p;
      } else if (args[i]->kind == ExprKind::Name && !f.params[i].type) {
        Tabular t;
        t.pos = args[i]->pos;
        t.name = args[i]->name;
        auto p = bind_tabular(t, scope);
        if (!p) return std::unexpected(p.error());
        pb.kind = Binding::Kind::Tabular;
        pb.tabular = *p;
      } else {
        auto a = bind_expr(*args[i], Schema{}, scope);
        if (!a) return std::unexpected(a.error());
        pb.scalar = f.params[i].type ? make_convert(*a, *f.params[i].type) : *a;
      }
    } else if (f.params[i].default_value) {
      auto a = bind_expr(*f.params[i].default_value, Schema{}, *b.function_scope);
      if (!a) return std::unexpected(a.error());
      pb.scalar = *a;
    } else {
      return fail_at(pos, "function '" + std::string(name) + "' is missing the argument '" + f.params[i].name + "'");
    }
    inner.names.emplace_back(f.params[i].name, std::move(pb));
  }
  ++function_depth_;
  auto st = bind_lets(f.lets, inner);
  auto r = st ? bind_tabular(*f.tabular, inner) : Result<PipelinePtr>(std::unexpected(st.error()));
  --function_depth_;
  return r;
}

namespace {

// Time bounds on TimeGenerated from a where predicate's conjuncts (pushdown hints only).
void time_bounds(const Expr& e, Binder& binder, const Schema& row, const Scope& scope, std::vector<TimeBound>& out) {
  if (e.kind == ExprKind::Binary && e.name == "and") {
    time_bounds(*e.args[0], binder, row, scope, out);
    time_bounds(*e.args[1], binder, row, scope, out);
    return;
  }
  int tg = row.index_of("TimeGenerated");
  if (tg < 0 || row.columns[static_cast<size_t>(tg)].type != ColumnType::DateTime) return;
  auto is_tg = [](const Expr& x) { return x.kind == ExprKind::Name && x.name == "TimeGenerated"; };
  auto value = [&](const Expr& x) -> BExprPtr {
    auto b = binder.bind_expr(x, Schema{}, scope);  // binds only when it references no column
    if (!b || (*b)->type != ColumnType::DateTime) return nullptr;
    return *b;
  };
  if (e.kind == ExprKind::Between && e.name == "between" && is_tg(*e.args[0])) {
    auto lo = value(*e.args[1]);
    auto hi = value(*e.args[2]);
    if (lo) out.push_back({true, 0, lo});
    if (hi) out.push_back({false, 0, hi});
    return;
  }
  if (e.kind != ExprKind::Binary) return;
  const std::string& op = e.name;
  if (op != ">" && op != ">=" && op != "<" && op != "<=") return;
  bool left = is_tg(*e.args[0]);
  if (!left && !is_tg(*e.args[1])) return;
  auto v = value(left ? *e.args[1] : *e.args[0]);
  if (!v) return;
  std::string o = op;
  if (!left) o = o[0] == '>' ? "<" + o.substr(1) : ">" + o.substr(1);  // flip: x < TG  ==  TG > x
  if (o == ">") out.push_back({true, 1, v});
  else if (o == ">=") out.push_back({true, 0, v});
  else if (o == "<") out.push_back({false, -1, v});
  else out.push_back({false, 0, v});
}

}  // namespace

Result<PipelinePtr> Binder::bind_tabular(const Tabular& t, const Scope& scope) {
  auto pipe = std::make_shared<Pipeline>();
  size_t first_op = 0;
  switch (t.kind) {
    case SourceKind::Nested: {
      auto p = bind_tabular(*t.nested, scope);
      if (!p) return p;
      pipe->source = make_pipeline_source(*p);
      break;
    }
    case SourceKind::Print: {
      Schema s;
      std::vector<BExprPtr> row;
      int k = 0;
      for (const auto& a : t.print) {
        auto b = bind_expr(*a.expr, Schema{}, scope);
        if (!b) return std::unexpected(b.error());
        std::string n = !a.name.empty() ? a.name : "print_" + std::to_string(k);
        ++k;
        s.columns.push_back({unique_name(s, n), (*b)->type});
        row.push_back(*b);
      }
      pipe->source = make_rows_source(std::move(s), {std::move(row)});
      break;
    }
    case SourceKind::Datatable: {
      Schema s;
      for (const auto& c : t.columns) {
        if (s.index_of(c.name) >= 0) return fail_at(c.pos, "duplicate column '" + c.name + "' in datatable");
        s.columns.push_back({c.name, c.type});
      }
      if (s.columns.empty()) return fail_at(t.pos, "datatable needs at least one column");
      if (t.values.size() % s.columns.size() != 0)
        return fail_at(t.pos, "datatable has " + std::to_string(t.values.size()) + " values, not a multiple of its " +
                                  std::to_string(s.columns.size()) + " columns");
      std::vector<std::vector<BExprPtr>> rows;
      for (size_t i = 0; i < t.values.size(); i += s.columns.size()) {
        std::vector<BExprPtr> r;
        for (size_t j = 0; j < s.columns.size(); ++j) {
          auto b = bind_expr(*t.values[i + j], Schema{}, scope);
          if (!b) return std::unexpected(b.error());
          if (!(*b)->constant()) return fail_at(t.values[i + j]->pos, "datatable values must be constants");
          r.push_back(make_constant(convert_to(*(*b)->constant(), s.columns[j].type), s.columns[j].type));
        }
        rows.push_back(std::move(r));
      }
      pipe->source = make_rows_source(std::move(s), std::move(rows));
      break;
    }
    case SourceKind::Range: {
      auto a = bind_expr(*t.range_from, Schema{}, scope);
      if (!a) return std::unexpected(a.error());
      auto b = bind_expr(*t.range_to, Schema{}, scope);
      if (!b) return std::unexpected(b.error());
      auto c = bind_expr(*t.range_step, Schema{}, scope);
      if (!c) return std::unexpected(c.error());
      Schema s;
      s.columns.push_back({t.name, (*a)->type});
      pipe->source = make_range_source(std::move(s), *a, *b, *c);
      break;
    }
    case SourceKind::Union: {
      std::vector<PipelinePtr> inputs;
      std::vector<std::string> names;
      for (const auto& u : t.unions) {
        auto p = bind_tabular(*u, scope);
        if (!p) return p;
        inputs.push_back(*p);
        names.push_back(u->name.empty() ? "union_arg" + std::to_string(names.size()) : u->name);
      }
      Schema s;
      if (!t.withsource.empty()) s.columns.push_back({t.withsource, ColumnType::String});
      std::vector<std::vector<int>> maps;
      for (const auto& p : inputs) {
        std::vector<int> m;
        for (const auto& c : p->schema().columns) {
          int at = s.index_of(c.name);
          if (at >= 0 && s.columns[static_cast<size_t>(at)].type != c.type) {
            std::string n = c.name + "_" + std::string(column_type_name(c.type));
            at = s.index_of(n);
            if (at < 0) {
              s.columns.push_back({n, c.type});
              at = static_cast<int>(s.columns.size()) - 1;
            }
          } else if (at < 0) {
            s.columns.push_back(c);
            at = static_cast<int>(s.columns.size()) - 1;
          }
          m.push_back(at);
        }
        maps.push_back(std::move(m));
      }
      pipe->source = make_union_source(std::move(s), std::move(inputs), std::move(maps), std::move(names), !t.withsource.empty());
      break;
    }
    case SourceKind::Name:
    case SourceKind::Call: {
      const Binding* b = scope.find(t.name);
      if (b && b->kind == Binding::Kind::Tabular && t.kind == SourceKind::Name) {
        pipe->source = make_pipeline_source(b->tabular);
        break;
      }
      if (b && b->kind == Binding::Kind::Function) {
        auto p = call_tabular_function(*b, t.call_args, t.pos, scope, t.name);
        if (!p) return p;
        pipe->source = make_pipeline_source(*p);
        break;
      }
      if (b && b->kind == Binding::Kind::Scalar) return fail_at(t.pos, "'" + t.name + "' is a scalar value, not a table");
      if (auto schema = catalog_.table_schema(t.name); schema && t.kind == SourceKind::Name) {
        std::vector<TimeBound> bounds;
        std::optional<int64_t> limit;
        if (!options_.transform) {
          size_t i = 0;
          for (; i < t.ops.size() && t.ops[i].kind == OpKind::Where; ++i) time_bounds(*t.ops[i].predicate, *this, *schema, scope, bounds);
          if (i == 0 && !t.ops.empty() && t.ops[0].kind == OpKind::Take) {
            auto n = bind_expr(*t.ops[0].count, Schema{}, scope);
            if (n && (*n)->constant()) {
              int64_t k = 0;
              if ((*n)->constant()->to_int64(k) && k >= 0) limit = k;
            }
          }
        }
        pipe->source = make_table_source(t.name, std::move(*schema), std::move(bounds), limit);
        break;
      }
      if (auto body = catalog_.function_body(t.name)) {
        if (function_depth_ > 32) return fail_at(t.pos, "stored functions nested too deeply ('" + t.name + "')");
        auto ast = parse_query(*body);
        if (!ast) return fail_at(t.pos, "in stored function '" + t.name + "': " + ast.error().str());
        ++function_depth_;
        Binder inner(catalog_, options_);
        inner.function_depth_ = function_depth_;
        auto p = inner.bind_query(*ast);
        --function_depth_;
        if (!p) return fail_at(t.pos, "in stored function '" + t.name + "': " + p.error().str());
        pipe->source = make_pipeline_source(*p);
        break;
      }
      std::vector<std::string> cands = catalog_.table_names();
      scope.all_names(cands);
      return fail_at(t.pos, "unknown table '" + t.name + "'" + suggestion(t.name, cands));
    }
  }

  // ----- operators
  for (size_t oi = first_op; oi < t.ops.size(); ++oi) {
    const Operator& op = t.ops[oi];
    if (options_.transform && !transform_allows(op.kind))
      return fail_at(op.pos, "'" + op.op_name + "' is not allowed in a transformation");
    const Schema& in = pipe->schema();
    PlanOpPtr bound;
    switch (op.kind) {
      case OpKind::Where: {
        auto p = bind_expr(*op.predicate, in, scope);
        if (!p) return std::unexpected(p.error());
        if ((*p)->type != ColumnType::Bool && (*p)->type != ColumnType::Dynamic)
          return fail_at(op.predicate->pos, "the 'where' predicate must be a bool, not " + std::string(column_type_name((*p)->type)));
        bound = make_where(*p, in);
        break;
      }
      case OpKind::Extend: {
        Schema out = in;
        std::vector<ExtendItem> items;
        for (const auto& a : op.items) {
          auto e = bind_expr(*a.expr, out, scope);
          if (!e) return std::unexpected(e.error());
          std::string n = a.name.empty() ? default_name(*a.expr) : a.name;
          int at = out.index_of(n);
          if (at < 0) {
            out.columns.push_back({n, (*e)->type});
            at = static_cast<int>(out.columns.size()) - 1;
          } else {
            out.columns[static_cast<size_t>(at)].type = (*e)->type;
          }
          items.push_back({*e, at});
        }
        bound = make_extend(std::move(items), std::move(out));
        break;
      }
      case OpKind::Project: {
        Schema out;
        std::vector<ProjectItem> items;
        for (const auto& a : op.items) {
          if (a.name.empty() && a.expr->kind == ExprKind::Name && in.index_of(a.expr->name) < 0 &&
              a.expr->name.find('*') != std::string::npos) {
            return fail_at(a.expr->pos, "wildcards are not allowed in project (use project-keep)");
          }
          auto e = bind_expr(*a.expr, in, scope);
          if (!e) return std::unexpected(e.error());
          std::string n = a.name.empty() ? default_name(*a.expr) : a.name;
          if (out.index_of(n) >= 0) {
            if (!a.name.empty()) return fail_at(a.name_pos, "column '" + n + "' is projected twice");
            n = unique_name(out, n);
          }
          out.columns.push_back({n, (*e)->type});
          items.push_back({*e, (*e)->column()});
        }
        bound = make_project(std::move(items), std::move(out));
        break;
      }
      case OpKind::ProjectAway:
      case OpKind::ProjectKeep:
      case OpKind::ProjectReorder: {
        std::vector<bool> hit(in.columns.size(), false);
        std::vector<int> order;
        for (size_t pi = 0; pi < op.patterns.size(); ++pi) {
          const std::string& pat = op.patterns[pi];
          bool any = false;
          for (size_t c = 0; c < in.columns.size(); ++c) {
            if (glob_match(pat, in.columns[c].name)) {
              any = true;
              if (!hit[c]) order.push_back(static_cast<int>(c));
              hit[c] = true;
            }
          }
          if (!any && pat.find('*') == std::string::npos) {
            Expr fake;
            fake.pos = op.pattern_pos[pi];
            fake.name = pat;
            return unknown_column(fake, in, Scope{});
          }
        }
        Schema out;
        std::vector<ProjectItem> items;
        auto keep = [&](size_t c) {
          out.columns.push_back(in.columns[c]);
          items.push_back({make_column(static_cast<int>(c), in.columns[c].type), static_cast<int>(c)});
        };
        if (op.kind == OpKind::ProjectReorder) {
          for (int c : order) keep(static_cast<size_t>(c));
          for (size_t c = 0; c < in.columns.size(); ++c)
            if (!hit[c]) keep(c);
        } else {
          bool away = op.kind == OpKind::ProjectAway;
          for (size_t c = 0; c < in.columns.size(); ++c)
            if (hit[c] != away) keep(c);
        }
        bound = make_project(std::move(items), std::move(out));
        break;
      }
      case OpKind::ProjectRename: {
        // Output: the input columns in order, renamed. Lenient for transformations: `new = expr`
        // (shipped by ZeroFox, invalid in Kusto) puts expr in place of the column it reads.
        std::vector<std::string> names = names_of(in);
        std::vector<BExprPtr> exprs(in.columns.size());
        std::vector<ColumnType> types;
        for (const auto& c : in.columns) types.push_back(c.type);
        std::vector<std::pair<std::string, BExprPtr>> appended;
        for (const auto& a : op.items) {
          if (a.name.empty()) return fail_at(a.name_pos, "project-rename expects 'NewName = ExistingName'");
          if (a.expr->kind == ExprKind::Name) {
            int c = in.index_of(a.expr->name);
            if (c < 0) return unknown_column(*a.expr, in, Scope{});
            names[static_cast<size_t>(c)] = a.name;
            continue;
          }
          if (!options_.transform) return fail_at(a.expr->pos, "project-rename expects a column name, not an expression");
          auto e = bind_expr(*a.expr, in, scope);
          if (!e) return std::unexpected(e.error());
          std::vector<std::string> refs;
          referenced_names(*a.expr, refs);
          int c = -1;
          for (const auto& r : refs)
            if ((c = in.index_of(r)) >= 0) break;
          if (c < 0) {
            appended.emplace_back(a.name, *e);
            continue;
          }
          names[static_cast<size_t>(c)] = a.name;
          exprs[static_cast<size_t>(c)] = *e;
          types[static_cast<size_t>(c)] = (*e)->type;
        }
        Schema out;
        std::vector<ProjectItem> items;
        for (size_t c = 0; c < in.columns.size(); ++c) {
          if (out.index_of(names[c]) >= 0) return fail_at(op.pos, "project-rename: column '" + names[c] + "' already exists");
          out.columns.push_back({names[c], types[c]});
          if (exprs[c]) items.push_back({exprs[c], -1});
          else items.push_back({make_column(static_cast<int>(c), types[c]), static_cast<int>(c)});
        }
        for (auto& [n, e] : appended) {
          out.columns.push_back({unique_name(out, n), e->type});
          items.push_back({e, -1});
        }
        // Renamed targets that collide with a later original name are caught above.
        bound = make_project(std::move(items), std::move(out));
        break;
      }
      case OpKind::Parse: {
        auto src = bind_expr(*op.source, in, scope);
        if (!src) return std::unexpected(src.error());
        Schema out = in;
        ParseSpec spec;
        spec.source = *src;
        int columns = 0;
        for (const auto& p : op.parts) {
          ParseSpec::Part part;
          part.literal = p.is_literal;
          part.star = p.is_star;
          part.text = p.text;
          if (!p.is_literal && !p.is_star) {
            if (++columns > 64) return fail_at(p.pos, "parse extracts too many columns");
            part.type = p.type.value_or(ColumnType::String);
            int at = out.index_of(p.text);
            if (at < 0) {
              out.columns.push_back({p.text, part.type});
              at = static_cast<int>(out.columns.size()) - 1;
            } else {
              out.columns[static_cast<size_t>(at)].type = part.type;
            }
            part.target = at;
          }
          spec.parts.push_back(std::move(part));
        }
        bound = make_parse(std::move(spec), static_cast<int>(in.columns.size()), std::move(out));
        break;
      }
      case OpKind::Take: {
        auto n = bind_expr(*op.count, Schema{}, scope);
        if (!n) return std::unexpected(n.error());
        int64_t k = 0;
        if (!(*n)->constant() || !(*n)->constant()->to_int64(k) || k < 0)
          return fail_at(op.count->pos, "'" + op.op_name + "' expects a non-negative constant number of rows");
        bound = make_take(k, in);
        break;
      }
      case OpKind::Top:
      case OpKind::Sort: {
        std::optional<int64_t> top;
        if (op.kind == OpKind::Top) {
          auto n = bind_expr(*op.count, Schema{}, scope);
          if (!n) return std::unexpected(n.error());
          int64_t k = 0;
          if (!(*n)->constant() || !(*n)->constant()->to_int64(k) || k < 0)
            return fail_at(op.count->pos, "'top' expects a non-negative constant number of rows");
          top = k;
        }
        std::vector<SortSpec> keys;
        for (const auto& k : op.sort) {
          auto e = bind_expr(*k.expr, in, scope);
          if (!e) return std::unexpected(e.error());
          keys.push_back({*e, k.asc, k.nulls_first.value_or(k.asc)});
        }
        bound = make_sort(std::move(keys), top, in);
        break;
      }
      case OpKind::Summarize: {
        Schema out;
        std::vector<BExprPtr> keys;
        for (const auto& a : op.by) {
          auto e = bind_expr(*a.expr, in, scope);
          if (!e) return std::unexpected(e.error());
          std::string n = a.name;
          if (n.empty()) {
            if (a.expr->kind == ExprKind::Call && !a.expr->args.empty() && a.expr->args[0]->kind == ExprKind::Name &&
                (a.expr->name == "bin" || a.expr->name == "floor" || a.expr->name == "bin_at"))
              n = a.expr->args[0]->name;
            else
              n = default_name(*a.expr);
          }
          if (out.index_of(n) >= 0) return fail_at(a.name_pos, "column '" + n + "' appears twice in summarize");
          out.columns.push_back({n, (*e)->type});
          keys.push_back(*e);
        }
        std::vector<std::shared_ptr<AggSpec>> aggs;
        for (const auto& a : op.items) {
          const Expr& call = *a.expr;
          if (call.kind != ExprKind::Call)
            return fail_at(call.pos, "summarize expects aggregation functions (count(), sum(x), ...)");
          auto spec = std::make_shared<AggSpec>();
          bool extreme = call.name == "arg_max" || call.name == "arg_min";
          if (extreme) {
            if (call.args.size() < 2) return fail_at(call.pos, "'" + call.name + "' expects at least 2 arguments");
            spec->arg_extreme = call.name == "arg_max" ? 1 : -1;
            auto e = bind_expr(*call.args[0], in, scope);
            if (!e) return std::unexpected(e.error());
            spec->args.push_back(*e);
            std::string first = a.name.empty() ? (call.args[0]->kind == ExprKind::Name ? call.args[0]->name
                                                                                       : std::string(call.name == "arg_max" ? "max_" : "min_"))
                                               : a.name;
            out.columns.push_back({unique_name(out, first), (*e)->type});
            std::vector<int> cols;
            for (size_t i = 1; i < call.args.size(); ++i) {
              if (call.args[i]->kind == ExprKind::Star) {
                for (size_t c = 0; c < in.columns.size(); ++c) {
                  if (out.index_of(in.columns[c].name) >= 0) continue;
                  cols.push_back(static_cast<int>(c));
                  out.columns.push_back(in.columns[c]);
                }
              } else if (call.args[i]->kind == ExprKind::Name && in.index_of(call.args[i]->name) >= 0) {
                int c = in.index_of(call.args[i]->name);
                cols.push_back(c);
                out.columns.push_back({unique_name(out, in.columns[static_cast<size_t>(c)].name), in.columns[static_cast<size_t>(c)].type});
              } else {
                return fail_at(call.args[i]->pos, "'" + call.name + "' returns columns by name or '*'");
              }
            }
            spec->extra_columns = std::move(cols);
            aggs.push_back(std::move(spec));
            continue;
          }
          const AggregateFunction* fn = find_aggregate_function(call.name);
          if (!fn) {
            if (find_scalar_function(call.name))
              return fail_at(call.pos, "'" + call.name + "' is not an aggregation function");
            std::vector<std::string> names;
            for (auto n : aggregate_function_names()) names.emplace_back(n);
            return fail_at(call.pos, "unknown aggregation function '" + call.name + "'" + suggestion(call.name, names));
          }
          int argc = static_cast<int>(call.args.size());
          if (argc < fn->min_args || (fn->max_args >= 0 && argc > fn->max_args))
            return fail_at(call.pos, "aggregation '" + call.name + "' got " + std::to_string(argc) + " arguments");
          spec->fn = fn;
          for (const auto& x : call.args) {
            if (x->kind == ExprKind::Star) {
              spec->args.push_back(make_constant(Value(true), ColumnType::Bool));
              continue;
            }
            auto e = bind_expr(*x, in, scope);
            if (!e) return std::unexpected(e.error());
            spec->args.push_back(*e);
          }
          spec->constants.reserve(spec->args.size());
          for (const auto& x : spec->args) {
            spec->constants.push_back(x->constant() ? *x->constant() : Value());
            spec->bound.push_back(BoundArg{x->type, x->constant() ? &spec->constants.back() : nullptr});
          }
          ColumnType rt = ColumnType::Dynamic;
          if (fn->bind) {
            auto r = fn->bind(spec->bound);
            if (!r) return fail_at(call.pos, "aggregation '" + call.name + "' " + r.error().message);
            rt = *r;
          }
          if (call.name == "percentiles" && call.args.size() > 2) {
            // One column per percentile, named percentile_x_P, typed as the input.
            spec->split = static_cast<int>(call.args.size()) - 1;
            ColumnType et = spec->args[0]->type;
            for (size_t i = 1; i < call.args.size(); ++i) {
              Expr one;
              one.name = "percentile";
              one.args.push_back(std::make_unique<Expr>());
              *one.args[0] = Expr{call.args[0]->kind, call.args[0]->pos, call.args[0]->name, Value(), ColumnType::Dynamic, {}, nullptr};
              one.args.push_back(std::make_unique<Expr>());
              one.args[1]->kind = ExprKind::Literal;
              one.args[1]->literal = call.args[i]->literal;
              out.columns.push_back({unique_name(out, aggregate_column_name(one)), et});
            }
            aggs.push_back(std::move(spec));
            continue;
          }
          std::string n = a.name.empty() ? aggregate_column_name(call) : a.name;
          if (out.index_of(n) >= 0) {
            if (!a.name.empty()) return fail_at(a.name_pos, "column '" + n + "' appears twice in summarize");
            n = unique_name(out, n);
          }
          out.columns.push_back({n, rt});
          aggs.push_back(std::move(spec));
        }
        if (keys.empty() && aggs.empty()) return fail_at(op.pos, "summarize needs aggregations or 'by' columns");
        bound = make_summarize(std::move(keys), std::move(aggs), std::move(out));
        break;
      }
      case OpKind::Distinct: {
        Schema out;
        std::vector<BExprPtr> keys;
        if (op.distinct_star) {
          out = in;
          for (size_t c = 0; c < in.columns.size(); ++c) keys.push_back(make_column(static_cast<int>(c), in.columns[c].type));
        } else {
          for (const auto& a : op.by) {
            auto e = bind_expr(*a.expr, in, scope);
            if (!e) return std::unexpected(e.error());
            std::string n = a.name.empty() ? default_name(*a.expr) : a.name;
            out.columns.push_back({unique_name(out, n), (*e)->type});
            keys.push_back(*e);
          }
        }
        bound = make_distinct(std::move(keys), std::move(out));
        break;
      }
      case OpKind::Count: {
        Schema out;
        out.columns.push_back({"Count", ColumnType::Long});
        bound = make_count(std::move(out));
        break;
      }
      case OpKind::GetSchema: {
        Schema out;
        out.columns = {{"ColumnName", ColumnType::String}, {"ColumnOrdinal", ColumnType::Int},
                       {"DataType", ColumnType::String}, {"ColumnType", ColumnType::String}};
        bound = make_getschema(in, std::move(out));
        break;
      }
      case OpKind::As:
      case OpKind::Serialize:
        continue;
      case OpKind::Union: {
        std::vector<PipelinePtr> others;
        std::vector<std::string> names{"union_arg0"};
        for (const auto& u : op.others) {
          auto p = bind_tabular(*u, scope);
          if (!p) return p;
          others.push_back(*p);
          names.push_back(u->name.empty() ? "union_arg" + std::to_string(names.size()) : u->name);
        }
        Schema out;
        bool ws = !op.withsource.empty();
        if (ws) out.columns.push_back({op.withsource, ColumnType::String});
        auto map_of = [&](const Schema& s) {
          std::vector<int> m;
          for (const auto& c : s.columns) {
            int at = out.index_of(c.name);
            if (at >= 0 && out.columns[static_cast<size_t>(at)].type != c.type) {
              std::string n = c.name + "_" + std::string(column_type_name(c.type));
              at = out.index_of(n);
              if (at < 0) {
                out.columns.push_back({n, c.type});
                at = static_cast<int>(out.columns.size()) - 1;
              }
            } else if (at < 0) {
              out.columns.push_back(c);
              at = static_cast<int>(out.columns.size()) - 1;
            }
            m.push_back(at);
          }
          return m;
        };
        std::vector<int> self = map_of(in);
        std::vector<std::vector<int>> maps;
        for (const auto& p : others) maps.push_back(map_of(p->schema()));
        bound = make_union_op(std::move(others), std::move(maps), std::move(self), std::move(names), ws, std::move(out));
        break;
      }
      case OpKind::Join: {
        static const std::unordered_set<std::string> kKinds{"inner", "innerunique", "leftouter", "rightouter", "fullouter",
                                                            "leftanti", "leftantisemi", "rightanti", "rightantisemi",
                                                            "leftsemi", "rightsemi", "anti"};
        if (!kKinds.count(op.join_kind)) return fail_at(op.pos, "unknown join kind '" + op.join_kind + "'");
        auto right = bind_tabular(*op.others[0], scope);
        if (!right) return right;
        const Schema& rs = (*right)->schema();
        JoinSpec spec;
        spec.kind = op.join_kind == "leftantisemi" || op.join_kind == "anti" ? "leftanti"
                    : op.join_kind == "rightantisemi"                         ? "rightanti"
                                                                              : op.join_kind;
        spec.right = *right;
        for (const auto& [l, r] : op.join_on) {
          std::string ln, rn;
          Pos lp = l->pos, rp = r ? r->pos : l->pos;
          auto side_name = [](const Expr& x, std::string_view side) -> std::string {
            if (x.kind == ExprKind::Member && x.args[0]->kind == ExprKind::Name && x.args[0]->name == side) return x.name;
            return "";
          };
          if (!r) {
            if (l->kind != ExprKind::Name) return fail_at(lp, "join keys must be column names or $left.x == $right.y");
            ln = rn = l->name;
          } else {
            ln = side_name(*l, "$left");
            rn = side_name(*r, "$right");
            if (ln.empty() && rn.empty()) {
              ln = side_name(*r, "$left");
              rn = side_name(*l, "$right");
            }
            if (ln.empty() || rn.empty()) return fail_at(lp, "join conditions must have the form $left.x == $right.y");
          }
          int li = in.index_of(ln), ri = rs.index_of(rn);
          if (li < 0) {
            Expr f;
            f.pos = lp;
            f.name = ln;
            return unknown_column(f, in, Scope{});
          }
          if (ri < 0) {
            Expr f;
            f.pos = rp;
            f.name = rn;
            return unknown_column(f, rs, Scope{});
          }
          spec.left_keys.push_back(li);
          spec.right_keys.push_back(ri);
        }
        Schema out;
        bool left_cols = spec.kind != "rightsemi" && spec.kind != "rightanti";
        bool right_cols = spec.kind != "leftsemi" && spec.kind != "leftanti";
        spec.left_out.assign(in.columns.size(), -1);
        spec.right_out.assign(rs.columns.size(), -1);
        if (left_cols) {
          for (size_t c = 0; c < in.columns.size(); ++c) {
            spec.left_out[c] = static_cast<int>(out.columns.size());
            out.columns.push_back(in.columns[c]);
          }
        }
        if (right_cols) {
          for (size_t c = 0; c < rs.columns.size(); ++c) {
            spec.right_out[c] = static_cast<int>(out.columns.size());
            out.columns.push_back({unique_name(out, rs.columns[c].name), rs.columns[c].type});
          }
        }
        bound = make_join(std::move(spec), std::move(out));
        break;
      }
      case OpKind::MvExpand: {
        Schema out = in;
        std::vector<MvExpandItem> items;
        for (const auto& a : op.items) {
          auto e = bind_expr(*a.expr, in, scope);
          if (!e) return std::unexpected(e.error());
          std::string n = a.name.empty() ? default_name(*a.expr) : a.name;
          ColumnType ty = op.to_type.value_or(ColumnType::Dynamic);
          int at = out.index_of(n);
          if (at < 0) {
            out.columns.push_back({n, ty});
            at = static_cast<int>(out.columns.size()) - 1;
          } else {
            out.columns[static_cast<size_t>(at)].type = ty;
          }
          items.push_back({*e, at, ty});
        }
        int index_col = -1;
        if (!op.withsource.empty()) {
          out.columns.push_back({unique_name(out, op.withsource), ColumnType::Long});
          index_col = static_cast<int>(out.columns.size()) - 1;
        }
        int64_t limit = -1;
        if (op.count) {
          auto n = bind_expr(*op.count, Schema{}, scope);
          if (!n) return std::unexpected(n.error());
          if (!(*n)->constant() || !(*n)->constant()->to_int64(limit)) return fail_at(op.count->pos, "mv-expand limit must be a constant");
        }
        bound = make_mv_expand(std::move(items), op.join_kind == "array", index_col, limit, static_cast<int>(in.columns.size()),
                               std::move(out));
        break;
      }
    }
    auto* mut = const_cast<PlanOp*>(bound.get());
    mut->name = op.op_name;
    mut->pos = op.pos;
    pipe->ops.push_back(std::move(bound));
  }
  return pipe;
}

Result<PipelinePtr> bind_query(const QueryAst& ast, const Catalog& catalog, const BindOptions& options) {
  Binder b(catalog, options);
  return b.bind_query(ast);
}

}  // namespace intake::kql
