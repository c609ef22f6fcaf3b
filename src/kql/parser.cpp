// Precedence, lowest first: or; and; comparisons and string/in/between operators; + -; * / %;
// unary - +; postfix (.member, [index], call); primary.
#include "kql/parser.h"

#include <array>

#include "core/time.h"
#include "json/value_json.h"

namespace intake::kql {
namespace {

bool is_string_op(std::string_view s) {
  static constexpr std::array<std::string_view, 24> kOps{
      "contains", "contains_cs", "has", "has_cs", "startswith", "startswith_cs", "endswith", "endswith_cs",
      "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "!contains", "!contains_cs", "!has", "!has_cs",
      "!startswith", "!startswith_cs", "!endswith", "!endswith_cs", "!hasprefix", "!hasprefix_cs", "!hassuffix",
      "!hassuffix_cs"};
  for (auto o : kOps)
    if (o == s) return true;
  return s == "like" || s == "notlike";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : t_(std::move(toks)) {}

  Result<QueryAst> run() {
    QueryAst q;
    for (;;) {
      while (is_punct(";")) ++i_;
      if (at_end()) break;
      if (is_ident("let")) {
        auto l = let_stmt();
        if (!l) return std::unexpected(l.error());
        q.lets.push_back(std::move(*l));
        continue;
      }
      if (q.body) return fail_at(cur().pos, "expected ';' or the end of the query, found " + describe(cur()));
      auto b = tabular();
      if (!b) return std::unexpected(b.error());
      q.body = std::move(*b);
      if (!at_end() && !is_punct(";")) return fail_at(cur().pos, "unexpected " + describe(cur()));
    }
    q.end = cur().pos;
    return q;
  }

 private:
  // ----- token helpers
  // Clamped to the End token: a lookahead step (`i_ += 3` over `name = value`) may overshoot it.
  const Token& cur() const { return t_[std::min(i_, t_.size() - 1)]; }
  const Token& ahead(size_t k) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  bool at_end() const { return cur().kind == Tok::End; }
  bool is_punct(std::string_view p) const { return cur().kind == Tok::Punct && cur().text == p; }
  bool is_ident(std::string_view p) const { return cur().kind == Tok::Ident && cur().text == p; }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::End: return "the end of the query";
      case Tok::String: return "a string literal";
      default: return "'" + t.text + "'";
    }
  }
  Status expect_punct(std::string_view p) {
    if (!is_punct(p)) return fail_at(cur().pos, "expected '" + std::string(p) + "', found " + describe(cur()));
    ++i_;
    return {};
  }
  Status expect_ident(std::string_view p) {
    if (!is_ident(p)) return fail_at(cur().pos, "expected '" + std::string(p) + "', found " + describe(cur()));
    ++i_;
    return {};
  }
  // A column or entity name: identifier or ['quoted'] / ["quoted"].
  Result<std::string> name() {
    if (cur().kind == Tok::Ident && cur().text[0] != '!') return t_[i_++].text;
    if (is_punct("[") && ahead(1).kind == Tok::String && ahead(2).kind == Tok::Punct && ahead(2).text == "]") {
      std::string n = ahead(1).text;
      i_ += 3;
      return n;
    }
    return fail_at(cur().pos, "expected a name, found " + describe(cur()));
  }
  bool at_name() const {
    return (cur().kind == Tok::Ident && cur().text[0] != '!') ||
           (is_punct("[") && ahead(1).kind == Tok::String && ahead(2).kind == Tok::Punct && ahead(2).text == "]");
  }

  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) { ++d; }
    ~Depth() { --d; }
  };
  Status check_depth(Pos p) {
    if (depth_ > kMaxNesting) return fail_at(p, "query nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
    return {};
  }

  // Does a tabular expression start at token k? (`T | ...`, `T(...) | ...`, print, datatable, ...)
  bool looks_tabular(size_t k, int guard = 0) const {
    if (guard > kMaxNesting) return false;
    const Token& a = t_[std::min(k, t_.size() - 1)];
    if (a.kind == Tok::Punct && a.text == "(") return looks_tabular(k + 1, guard + 1);
    if (a.kind != Tok::Ident) {
      if (a.kind == Tok::Punct && a.text == "[") {  // ['name'] | ...
        const Token& n = t_[std::min(k + 3, t_.size() - 1)];
        return t_[std::min(k + 1, t_.size() - 1)].kind == Tok::String && n.kind == Tok::Punct && n.text == "|";
      }
      return false;
    }
    const Token& b = t_[std::min(k + 1, t_.size() - 1)];
    if (a.text == "print" || a.text == "datatable" || a.text == "union") return true;
    if (a.text == "range" && b.kind == Tok::Ident) return true;
    if (b.kind == Tok::Punct && b.text == "|") return true;
    if (b.kind == Tok::Punct && b.text == "(") {
      size_t j = k + 1;
      int depth = 0;
      for (; j < t_.size(); ++j) {
        if (t_[j].kind == Tok::End) return false;
        if (t_[j].kind != Tok::Punct) continue;
        if (t_[j].text == "(") ++depth;
        if (t_[j].text == ")" && --depth == 0) break;
      }
      const Token& n = t_[std::min(j + 1, t_.size() - 1)];
      return n.kind == Tok::Punct && n.text == "|";
    }
    return false;
  }

  // ----- statements
  Result<LetStmt> let_stmt() {
    ++i_;  // let
    LetStmt l;
    l.pos = cur().pos;
    auto n = name();
    if (!n) return std::unexpected(n.error());
    l.name = *n;
    if (auto st = expect_punct("="); !st) return std::unexpected(st.error());
    bool is_function = is_punct("(") && ((ahead(1).kind == Tok::Punct && ahead(1).text == ")") ||
                                         (ahead(1).kind == Tok::Ident && ahead(2).kind == Tok::Punct && ahead(2).text == ":"));
    if (is_function) {
      auto f = function_def();
      if (!f) return std::unexpected(f.error());
      l.function = std::move(*f);
    } else if (looks_tabular(i_)) {
      auto t = tabular();
      if (!t) return std::unexpected(t.error());
      l.tabular = std::move(*t);
    } else {
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      l.scalar = std::move(*e);
    }
    if (!at_end() && !is_punct(";")) return fail_at(cur().pos, "expected ';' after the let statement, found " + describe(cur()));
    return l;
  }

  Result<std::shared_ptr<FunctionBody>> function_def() {
    auto f = std::make_shared<FunctionBody>();
    ++i_;  // (
    while (!is_punct(")")) {
      Param p;
      p.pos = cur().pos;
      auto n = name();
      if (!n) return std::unexpected(n.error());
      p.name = *n;
      if (auto st = expect_punct(":"); !st) return std::unexpected(st.error());
      if (is_punct("(")) {  // tabular parameter T:(*) or T:(a:long, ...)
        int depth = 0;
        do {
          if (at_end()) return fail_at(cur().pos, "unterminated tabular parameter");
          if (is_punct("(")) ++depth;
          if (is_punct(")")) --depth;
          ++i_;
        } while (depth > 0);
      } else {
        if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a parameter type");
        auto ty = parse_column_type(cur().text);
        if (!ty) return fail_at(cur().pos, "unknown type '" + cur().text + "'");
        p.type = *ty;
        ++i_;
        if (is_punct("=")) {
          ++i_;
          auto d = expr();
          if (!d) return std::unexpected(d.error());
          p.default_value = std::move(*d);
        }
      }
      f->params.push_back(std::move(p));
      if (is_punct(",")) {
        ++i_;
        continue;
      }
      if (!is_punct(")")) return fail_at(cur().pos, "expected ',' or ')' in the parameter list, found " + describe(cur()));
    }
    ++i_;  // )
    if (auto st = expect_punct("{"); !st) return std::unexpected(st.error());
    for (;;) {
      while (is_punct(";")) ++i_;
      if (is_ident("let")) {
        auto l = let_stmt();
        if (!l) return std::unexpected(l.error());
        f->lets.push_back(std::move(*l));
        continue;
      }
      break;
    }
    if (looks_tabular(i_)) {
      auto t = tabular();
      if (!t) return std::unexpected(t.error());
      f->tabular = std::move(*t);
    } else {
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      f->scalar = std::move(*e);
    }
    while (is_punct(";")) ++i_;
    if (auto st = expect_punct("}"); !st) return std::unexpected(st.error());
    return f;
  }

  // ----- tabular
  Result<TabularPtr> tabular() {
    Depth dg(depth_);
    if (auto st = check_depth(cur().pos); !st) return std::unexpected(st.error());
    auto t = std::make_unique<Tabular>();
    t->pos = cur().pos;
    if (is_punct("(")) {
      ++i_;
      auto inner = tabular();
      if (!inner) return std::unexpected(inner.error());
      if (auto st = expect_punct(")"); !st) return std::unexpected(st.error());
      t->kind = SourceKind::Nested;
      t->nested = std::move(*inner);
    } else if (is_ident("print")) {
      ++i_;
      t->kind = SourceKind::Print;
      auto items = assignments();
      if (!items) return std::unexpected(items.error());
      t->print = std::move(*items);
    } else if (is_ident("datatable")) {
      if (auto st = datatable(*t); !st) return std::unexpected(st.error());
    } else if (is_ident("union")) {
      ++i_;
      t->kind = SourceKind::Union;
      if (auto st = union_sources(t->unions, t->withsource); !st) return std::unexpected(st.error());
    } else if (is_ident("range") && ahead(1).kind == Tok::Ident) {
      ++i_;
      t->kind = SourceKind::Range;
      t->name = t_[i_++].text;
      if (auto st = expect_ident("from"); !st) return std::unexpected(st.error());
      auto a = expr();
      if (!a) return std::unexpected(a.error());
      if (auto st = expect_ident("to"); !st) return std::unexpected(st.error());
      auto b = expr();
      if (!b) return std::unexpected(b.error());
      if (auto st = expect_ident("step"); !st) return std::unexpected(st.error());
      auto c = expr();
      if (!c) return std::unexpected(c.error());
      t->range_from = std::move(*a);
      t->range_to = std::move(*b);
      t->range_step = std::move(*c);
    } else if (at_name()) {
      auto n = name();
      if (!n) return std::unexpected(n.error());
      t->name = *n;
      if (is_punct("(")) {
        ++i_;
        t->kind = SourceKind::Call;
        while (!is_punct(")")) {
          auto e = expr();
          if (!e) return std::unexpected(e.error());
          t->call_args.push_back(std::move(*e));
          if (is_punct(",")) ++i_;
          else if (!is_punct(")")) return fail_at(cur().pos, "expected ',' or ')', found " + describe(cur()));
        }
        ++i_;
      }
    } else {
      return fail_at(cur().pos, "expected a table name or a tabular expression, found " + describe(cur()));
    }
    while (is_punct("|")) {
      ++i_;
      auto op = operator_();
      if (!op) return std::unexpected(op.error());
      t->ops.push_back(std::move(*op));
    }
    return t;
  }

  Status datatable(Tabular& t) {
    ++i_;
    t.kind = SourceKind::Datatable;
    if (auto st = expect_punct("("); !st) return st;
    while (!is_punct(")")) {
      ColumnDecl c;
      c.pos = cur().pos;
      auto n = name();
      if (!n) return std::unexpected(n.error());
      c.name = *n;
      if (auto st = expect_punct(":"); !st) return st;
      if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a column type");
      auto ty = parse_column_type(cur().text);
      if (!ty) return fail_at(cur().pos, "unknown type '" + cur().text + "'");
      c.type = *ty;
      ++i_;
      t.columns.push_back(std::move(c));
      if (is_punct(",")) ++i_;
      else if (!is_punct(")")) return fail_at(cur().pos, "expected ',' or ')', found " + describe(cur()));
    }
    ++i_;
    if (auto st = expect_punct("["); !st) return st;
    while (!is_punct("]")) {
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      t.values.push_back(std::move(*e));
      if (is_punct(",")) ++i_;
      else if (!is_punct("]")) return fail_at(cur().pos, "expected ',' or ']', found " + describe(cur()));
    }
    ++i_;
    return {};
  }

  Status union_sources(std::vector<TabularPtr>& out, std::string& withsource) {
    while (cur().kind == Tok::Ident && ahead(1).kind == Tok::Punct && ahead(1).text == "=" &&
           (cur().text == "withsource" || cur().text == "kind" || cur().text == "isfuzzy")) {
      std::string opt = cur().text;
      i_ += 2;
      if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a value for union " + opt);
      if (opt == "withsource") withsource = cur().text;
      ++i_;
    }
    for (;;) {
      TabularPtr s;
      if (is_punct("(")) {
        ++i_;
        auto inner = tabular();
        if (!inner) return std::unexpected(inner.error());
        if (auto st = expect_punct(")"); !st) return st;
        s = std::move(*inner);
      } else {
        s = std::make_unique<Tabular>();
        s->pos = cur().pos;
        auto n = name();
        if (!n) return std::unexpected(n.error());
        s->name = *n;
      }
      out.push_back(std::move(s));
      if (!is_punct(",")) break;
      ++i_;
    }
    return {};
  }

  Result<std::vector<Assignment>> assignments() {
    std::vector<Assignment> out;
    for (;;) {
      Assignment a;
      a.name_pos = cur().pos;
      bool named = false;
      if (at_name()) {
        size_t save = i_;
        auto n = name();
        if (n && is_punct("=")) {
          ++i_;
          a.name = *n;
          named = true;
        } else {
          i_ = save;
        }
      }
      (void)named;
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      a.expr = std::move(*e);
      out.push_back(std::move(a));
      if (!is_punct(",")) break;
      ++i_;
    }
    return out;
  }

  Result<std::vector<std::string>> name_patterns(Operator& op) {
    std::vector<std::string> out;
    for (;;) {
      std::string pat;
      Pos p = cur().pos;
      // A pattern is a run of name pieces and '*' without spaces: a*, *_s, ['x'].
      bool any = false;
      for (;;) {
        if (is_punct("*") && (!any || !cur().space_before)) {
          pat += "*";
          ++i_;
          any = true;
          continue;
        }
        if (at_name() && (!any || !cur().space_before)) {
          auto n = name();
          pat += *n;
          any = true;
          continue;
        }
        break;
      }
      if (!any) return fail_at(cur().pos, "expected a column name, found " + describe(cur()));
      out.push_back(pat);
      op.pattern_pos.push_back(p);
      if (!is_punct(",")) break;
      ++i_;
    }
    return out;
  }

  Status sort_keys(std::vector<SortKey>& out) {
    for (;;) {
      SortKey k;
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      k.expr = std::move(*e);
      if (is_ident("asc")) {
        k.asc = true;
        ++i_;
      } else if (is_ident("desc")) {
        ++i_;
      }
      if (is_ident("nulls")) {
        ++i_;
        if (is_ident("first")) k.nulls_first = true;
        else if (is_ident("last")) k.nulls_first = false;
        else return fail_at(cur().pos, "expected 'first' or 'last' after 'nulls'");
        ++i_;
      }
      out.push_back(std::move(k));
      if (!is_punct(",")) break;
      ++i_;
    }
    return {};
  }

  // Skips `hint.x = y` and similar `name = value` options before an operator's arguments.
  void skip_hints() {
    while (cur().kind == Tok::Ident && cur().text.starts_with("hint") && ahead(1).kind == Tok::Punct && ahead(1).text == ".") {
      i_ += 2;
      while (cur().kind == Tok::Ident || (cur().kind == Tok::Punct && cur().text == ".")) {
        if (ahead(1).kind == Tok::Punct && ahead(1).text == "=") break;
        ++i_;
      }
      if (is_punct("=")) i_ += 2;
    }
  }

  Result<Operator> operator_() {
    Operator op;
    op.pos = cur().pos;
    if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected an operator after '|', found " + describe(cur()));
    std::string w = cur().text;
    op.op_name = w;
    ++i_;
    if (w == "where" || w == "filter") {
      op.kind = OpKind::Where;
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      op.predicate = std::move(*e);
    } else if (w == "extend" || w == "project") {
      op.kind = w == "extend" ? OpKind::Extend : OpKind::Project;
      auto a = assignments();
      if (!a) return std::unexpected(a.error());
      op.items = std::move(*a);
    } else if (w == "project-away" || w == "project-keep" || w == "project-reorder") {
      op.kind = w == "project-away" ? OpKind::ProjectAway : w == "project-keep" ? OpKind::ProjectKeep : OpKind::ProjectReorder;
      auto p = name_patterns(op);
      if (!p) return std::unexpected(p.error());
      op.patterns = std::move(*p);
      if (op.kind == OpKind::ProjectReorder) {  // trailing asc/desc/granny-asc are accepted and ignored
        while (is_ident("asc") || is_ident("desc")) ++i_;
      }
    } else if (w == "project-rename") {
      op.kind = OpKind::ProjectRename;
      auto a = assignments();
      if (!a) return std::unexpected(a.error());
      op.items = std::move(*a);
    } else if (w == "parse") {
      if (auto st = parse_op(op); !st) return std::unexpected(st.error());
    } else if (w == "take" || w == "limit") {
      op.kind = OpKind::Take;
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      op.count = std::move(*e);
    } else if (w == "top") {
      op.kind = OpKind::Top;
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      op.count = std::move(*e);
      if (auto st = expect_ident("by"); !st) return std::unexpected(st.error());
      if (auto st = sort_keys(op.sort); !st) return std::unexpected(st.error());
    } else if (w == "sort" || w == "order") {
      op.kind = OpKind::Sort;
      skip_hints();
      if (auto st = expect_ident("by"); !st) return std::unexpected(st.error());
      if (auto st = sort_keys(op.sort); !st) return std::unexpected(st.error());
    } else if (w == "summarize") {
      op.kind = OpKind::Summarize;
      skip_hints();
      if (!is_ident("by")) {
        auto a = assignments();
        if (!a) return std::unexpected(a.error());
        op.items = std::move(*a);
      }
      if (is_ident("by")) {
        ++i_;
        auto b = assignments();
        if (!b) return std::unexpected(b.error());
        op.by = std::move(*b);
      }
    } else if (w == "distinct") {
      op.kind = OpKind::Distinct;
      if (is_punct("*")) {
        ++i_;
        op.distinct_star = true;
      } else {
        auto a = assignments();
        if (!a) return std::unexpected(a.error());
        op.by = std::move(*a);
      }
    } else if (w == "count") {
      op.kind = OpKind::Count;
    } else if (w == "getschema") {
      op.kind = OpKind::GetSchema;
    } else if (w == "serialize") {
      op.kind = OpKind::Serialize;
    } else if (w == "as") {
      op.kind = OpKind::As;
      while (cur().kind == Tok::Ident && ahead(1).kind == Tok::Punct && ahead(1).text == "=") i_ += 3;
      auto n = name();
      if (!n) return std::unexpected(n.error());
      op.withsource = *n;
    } else if (w == "union") {
      op.kind = OpKind::Union;
      if (auto st = union_sources(op.others, op.withsource); !st) return std::unexpected(st.error());
    } else if (w == "join" || w == "lookup") {
      if (auto st = join_op(op, w == "lookup"); !st) return std::unexpected(st.error());
    } else if (w == "mv-expand" || w == "mvexpand") {
      if (auto st = mv_expand(op); !st) return std::unexpected(st.error());
    } else {
      return fail_at(op.pos, "unknown operator '" + w + "'");
    }
    return op;
  }

  Status parse_op(Operator& op) {
    op.kind = OpKind::Parse;
    if (is_ident("kind") && ahead(1).kind == Tok::Punct && ahead(1).text == "=") {
      i_ += 2;
      if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a parse kind");
      if (cur().text != "simple") return fail_at(cur().pos, "parse kind=" + cur().text + " is not supported (only simple)");
      ++i_;
    }
    auto e = expr();
    if (!e) return std::unexpected(e.error());
    op.source = std::move(*e);
    if (auto st = expect_ident("with"); !st) return st;
    while (!at_end() && !is_punct("|") && !is_punct(";") && !is_punct(")")) {
      ParsePart p;
      p.pos = cur().pos;
      if (cur().kind == Tok::String) {
        p.is_literal = true;
        p.text = cur().text;
        ++i_;
      } else if (is_punct("*")) {
        p.is_star = true;
        ++i_;
      } else if (at_name()) {
        p.text = *name();
        if (is_punct(":")) {
          ++i_;
          if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a type after ':'");
          auto ty = parse_column_type(cur().text);
          if (!ty) return fail_at(cur().pos, "unknown type '" + cur().text + "'");
          p.type = *ty;
          ++i_;
        }
      } else {
        return fail_at(cur().pos, "unexpected " + describe(cur()) + " in the parse pattern");
      }
      op.parts.push_back(std::move(p));
    }
    if (op.parts.empty()) return fail_at(op.pos, "parse needs a pattern after 'with'");
    return {};
  }

  Status join_op(Operator& op, bool lookup) {
    op.kind = OpKind::Join;
    op.join_kind = lookup ? "leftouter" : "innerunique";
    while (cur().kind == Tok::Ident && ahead(1).kind == Tok::Punct && (ahead(1).text == "=" || ahead(1).text == ".")) {
      if (cur().text == "kind" && ahead(1).text == "=") {
        i_ += 2;
        if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a join kind");
        op.join_kind = cur().text;
        ++i_;
      } else {
        size_t before = i_;
        skip_hints();
        if (cur().kind == Tok::Ident && ahead(1).kind == Tok::Punct && ahead(1).text == "=") i_ += 3;
        if (i_ == before) break;  // not a parameter: `name.x` is the right side's business
      }
    }
    TabularPtr right;
    if (is_punct("(")) {
      ++i_;
      auto inner = tabular();
      if (!inner) return std::unexpected(inner.error());
      if (auto st = expect_punct(")"); !st) return st;
      right = std::move(*inner);
    } else {
      right = std::make_unique<Tabular>();
      right->pos = cur().pos;
      auto n = name();
      if (!n) return std::unexpected(n.error());
      right->name = *n;
    }
    op.others.push_back(std::move(right));
    if (auto st = expect_ident("on"); !st) return st;
    for (;;) {
      auto e = unary_chain();
      if (!e) return std::unexpected(e.error());
      if (is_punct("==")) {
        ++i_;
        auto r = unary_chain();
        if (!r) return std::unexpected(r.error());
        op.join_on.emplace_back(std::move(*e), std::move(*r));
      } else {
        op.join_on.emplace_back(std::move(*e), nullptr);
      }
      if (is_punct(",") || is_ident("and")) {
        ++i_;
        continue;
      }
      break;
    }
    return {};
  }

  Status mv_expand(Operator& op) {
    op.kind = OpKind::MvExpand;
    while (cur().kind == Tok::Ident && ahead(1).kind == Tok::Punct && ahead(1).text == "=" &&
           (cur().text == "bagexpansion" || cur().text == "with_itemindex" || cur().text == "kind")) {
      std::string opt = cur().text;
      i_ += 2;
      if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a value for " + opt);
      if (opt == "with_itemindex") op.withsource = cur().text;
      else if (opt == "bagexpansion") op.join_kind = cur().text;
      ++i_;
    }
    for (;;) {
      auto a = assignments_one();
      if (!a) return std::unexpected(a.error());
      op.items.push_back(std::move(*a));
      if (is_ident("to")) {
        ++i_;
        if (auto st = expect_ident("typeof"); !st) return st;
        if (auto st = expect_punct("("); !st) return st;
        if (cur().kind != Tok::Ident) return fail_at(cur().pos, "expected a type name");
        auto ty = parse_column_type(cur().text);
        if (!ty) return fail_at(cur().pos, "unknown type '" + cur().text + "'");
        op.to_type = *ty;
        ++i_;
        if (auto st = expect_punct(")"); !st) return st;
      }
      if (!is_punct(",")) break;
      ++i_;
    }
    if (is_ident("limit")) {
      ++i_;
      auto e = expr();
      if (!e) return std::unexpected(e.error());
      op.count = std::move(*e);
    }
    return {};
  }

  Result<Assignment> assignments_one() {
    Assignment a;
    a.name_pos = cur().pos;
    if (at_name()) {
      size_t save = i_;
      auto n = name();
      if (n && is_punct("=")) {
        ++i_;
        a.name = *n;
      } else {
        i_ = save;
      }
    }
    auto e = expr();
    if (!e) return std::unexpected(e.error());
    a.expr = std::move(*e);
    return a;
  }

  // ----- expressions
  ExprPtr node(ExprKind k, Pos p, std::string n = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->pos = p;
    e->name = std::move(n);
    return e;
  }

  Result<ExprPtr> expr() {
    Depth dg(depth_);
    if (auto st = check_depth(cur().pos); !st) return std::unexpected(st.error());
    return or_expr();
  }

  Result<ExprPtr> or_expr() {
    auto l = and_expr();
    if (!l) return l;
    while (is_ident("or")) {
      Pos p = cur().pos;
      ++i_;
      auto r = and_expr();
      if (!r) return r;
      auto n = node(ExprKind::Binary, p, "or");
      n->args.push_back(std::move(*l));
      n->args.push_back(std::move(*r));
      *l = std::move(n);
      if (++chain_ > 4096) return fail_at(p, "expression too long");
    }
    return l;
  }

  Result<ExprPtr> and_expr() {
    auto l = cmp_expr();
    if (!l) return l;
    while (is_ident("and")) {
      Pos p = cur().pos;
      ++i_;
      auto r = cmp_expr();
      if (!r) return r;
      auto n = node(ExprKind::Binary, p, "and");
      n->args.push_back(std::move(*l));
      n->args.push_back(std::move(*r));
      *l = std::move(n);
      if (++chain_ > 4096) return fail_at(p, "expression too long");
    }
    return l;
  }

  Result<ExprPtr> cmp_expr() {
    auto l = add_expr();
    if (!l) return l;
    for (;;) {
      Pos p = cur().pos;
      if (cur().kind == Tok::Punct) {
        static constexpr std::array<std::string_view, 10> kCmp{"==", "!=", "<", "<=", ">", ">=", "=~", "!~", "<>", "="};
        bool found = false;
        for (auto c : kCmp)
          if (cur().text == c && c != "=") found = true;
        if (!found) return l;
        std::string op = cur().text == "<>" ? "!=" : cur().text;
        ++i_;
        auto r = add_expr();
        if (!r) return r;
        auto n = node(ExprKind::Binary, p, op);
        n->args.push_back(std::move(*l));
        n->args.push_back(std::move(*r));
        *l = std::move(n);
        continue;
      }
      if (cur().kind != Tok::Ident) return l;
      const std::string& w = cur().text;
      if (is_string_op(w)) {
        std::string op = w;
        ++i_;
        auto r = add_expr();
        if (!r) return r;
        auto n = node(ExprKind::Binary, p, op);
        n->args.push_back(std::move(*l));
        n->args.push_back(std::move(*r));
        *l = std::move(n);
        continue;
      }
      if (w == "matches" && ahead(1).kind == Tok::Ident && ahead(1).text == "regex") {
        i_ += 2;
        auto r = add_expr();
        if (!r) return r;
        auto n = node(ExprKind::Binary, p, "matches regex");
        n->args.push_back(std::move(*l));
        n->args.push_back(std::move(*r));
        *l = std::move(n);
        continue;
      }
      if (w == "in" || w == "!in" || w == "in~" || w == "!in~" || w == "has_any" || w == "has_all" || w == "has_any~" || w == "has_all~") {
        std::string op = w;
        ++i_;
        auto n = node(ExprKind::In, p, op);
        n->args.push_back(std::move(*l));
        if (auto st = expect_punct("("); !st) return std::unexpected(st.error());
        while (!is_punct(")")) {
          if (looks_tabular(i_)) {
            auto t = tabular();
            if (!t) return std::unexpected(t.error());
            auto a = node(ExprKind::TabularArg, p);
            a->tabular = std::move(*t);
            n->args.push_back(std::move(a));
          } else {
            auto e = expr();
            if (!e) return e;
            n->args.push_back(std::move(*e));
          }
          if (is_punct(",")) ++i_;
          else if (!is_punct(")")) return fail_at(cur().pos, "expected ',' or ')', found " + describe(cur()));
        }
        ++i_;
        *l = std::move(n);
        continue;
      }
      if (w == "between" || w == "!between") {
        std::string op = w;
        ++i_;
        if (auto st = expect_punct("("); !st) return std::unexpected(st.error());
        auto a = add_expr();
        if (!a) return a;
        if (auto st = expect_punct(".."); !st) return std::unexpected(st.error());
        auto b = add_expr();
        if (!b) return b;
        if (auto st = expect_punct(")"); !st) return std::unexpected(st.error());
        auto n = node(ExprKind::Between, p, op);
        n->args.push_back(std::move(*l));
        n->args.push_back(std::move(*a));
        n->args.push_back(std::move(*b));
        *l = std::move(n);
        continue;
      }
      return l;
    }
  }

  Result<ExprPtr> add_expr() {
    auto l = mul_expr();
    if (!l) return l;
    while (is_punct("+") || is_punct("-")) {
      Pos p = cur().pos;
      std::string op = t_[i_++].text;
      auto r = mul_expr();
      if (!r) return r;
      auto n = node(ExprKind::Binary, p, op);
      n->args.push_back(std::move(*l));
      n->args.push_back(std::move(*r));
      *l = std::move(n);
      if (++chain_ > 4096) return fail_at(p, "expression too long");
    }
    return l;
  }

  Result<ExprPtr> mul_expr() {
    auto l = unary_chain();
    if (!l) return l;
    while (is_punct("*") || is_punct("/") || is_punct("%")) {
      Pos p = cur().pos;
      std::string op = t_[i_++].text;
      auto r = unary_chain();
      if (!r) return r;
      auto n = node(ExprKind::Binary, p, op);
      n->args.push_back(std::move(*l));
      n->args.push_back(std::move(*r));
      *l = std::move(n);
      if (++chain_ > 4096) return fail_at(p, "expression too long");
    }
    return l;
  }

  Result<ExprPtr> unary_chain() {
    Depth dg(depth_);
    if (auto st = check_depth(cur().pos); !st) return std::unexpected(st.error());
    if (is_punct("-") || is_punct("+")) {
      Pos p = cur().pos;
      std::string op = t_[i_++].text;
      auto e = unary_chain();
      if (!e) return e;
      // Fold negative numeric literals so -9223372036854775808 and -1d read as literals.
      if (op == "-" && (*e)->kind == ExprKind::Literal) {
        Value& v = (*e)->literal;
        // Wrapping negation, as at run time: - -9223372036854775808 stays itself.
        auto neg = [](int64_t x) { return static_cast<int64_t>(0ull - static_cast<uint64_t>(x)); };
        if (v.kind() == Kind::Long) { v = Value(neg(v.as_long())); (*e)->pos = p; return e; }
        if (v.kind() == Kind::Real) { v = Value(-v.as_real()); (*e)->pos = p; return e; }
        if (v.kind() == Kind::TimeSpan) { v = Value(TimeSpan{neg(v.as_timespan().ticks)}); (*e)->pos = p; return e; }
      }
      auto n = node(ExprKind::Unary, p, op);
      n->args.push_back(std::move(*e));
      return n;
    }
    return postfix();
  }

  Result<ExprPtr> postfix() {
    auto e = primary();
    if (!e) return e;
    for (;;) {
      if (is_punct(".") ) {
        Pos p = cur().pos;
        ++i_;
        std::string member;
        if (cur().kind == Tok::Ident) {
          member = t_[i_++].text;
        } else if (is_punct("[") && ahead(1).kind == Tok::String) {
          member = *name();
        } else if (cur().kind == Tok::Long) {
          member = t_[i_++].text;
        } else {
          return fail_at(cur().pos, "expected a member name after '.', found " + describe(cur()));
        }
        auto n = node(ExprKind::Member, p, member);
        n->args.push_back(std::move(*e));
        *e = std::move(n);
      } else if (is_punct("[")) {
        Pos p = cur().pos;
        ++i_;
        auto idx = expr();
        if (!idx) return idx;
        if (auto st = expect_punct("]"); !st) return std::unexpected(st.error());
        auto n = node(ExprKind::Index, p);
        n->args.push_back(std::move(*e));
        n->args.push_back(std::move(*idx));
        *e = std::move(n);
      } else {
        return e;
      }
      if (++chain_ > 4096) return fail_at(cur().pos, "expression too long");
    }
  }

  Result<ExprPtr> literal_of(const Token& tk) {
    auto n = node(ExprKind::Literal, tk.pos);
    std::string raw = tk.raw;
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.pop_back();
    size_t b = 0;
    while (b < raw.size() && std::isspace(static_cast<unsigned char>(raw[b]))) ++b;
    raw = raw.substr(b);
    const std::string& ty = tk.text;
    auto bad = [&](std::string what) { return fail_at(tk.pos, "invalid " + what + " literal '" + tk.raw + "'"); };
    bool is_null = raw == "null";
    if (ty == "dynamic") {
      n->literal_type = ColumnType::Dynamic;
      if (raw.empty() || is_null) return n;
      auto v = json::parse(raw);
      if (!v) return bad("dynamic");
      n->literal = std::move(*v);
      return n;
    }
    auto ct = parse_column_type(ty == "int64" ? "long" : ty == "decimal" ? "real" : ty);
    if (!ct) return bad(ty);
    n->literal_type = *ct;
    if (is_null) return n;
    if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'') && raw.back() == raw.front()) raw = raw.substr(1, raw.size() - 2);
    switch (*ct) {
      case ColumnType::DateTime: {
        auto d = parse_datetime(raw);
        if (!d) return bad("datetime");
        n->literal = Value(*d);
        return n;
      }
      case ColumnType::TimeSpan: {
        auto toks = lex(raw);
        if (toks && toks->size() == 2 && (*toks)[0].kind == Tok::TimeSpan) {
          n->literal = Value(TimeSpan{(*toks)[0].ticks});
          return n;
        }
        if (toks && toks->size() == 3 && (*toks)[0].kind == Tok::Punct && (*toks)[0].text == "-" && (*toks)[1].kind == Tok::TimeSpan) {
          n->literal = Value(TimeSpan{-(*toks)[1].ticks});
          return n;
        }
        auto s = parse_timespan(raw);
        if (!s) {
          int64_t ticks = 0;
          if (toks && toks->size() == 2 && (*toks)[0].kind == Tok::Long &&  // timespan(2) = 2 days
              !__builtin_mul_overflow((*toks)[0].long_value, kTicksPerDay, &ticks)) {
            n->literal = Value(TimeSpan{ticks});
            return n;
          }
          return bad("timespan");
        }
        n->literal = Value(*s);
        return n;
      }
      case ColumnType::Guid: {
        auto g = parse_guid(raw);
        if (!g) return bad("guid");
        n->literal = Value(*g);
        return n;
      }
      default: {
        Value v = convert_to(Value(raw), *ct);
        if (v.is_null()) return bad(ty);
        n->literal = std::move(v);
        return n;
      }
    }
  }

  Result<ExprPtr> primary() {
    const Token& tk = cur();
    Pos p = tk.pos;
    switch (tk.kind) {
      case Tok::Long: {
        auto n = node(ExprKind::Literal, p);
        n->literal = Value(tk.long_value);
        n->literal_type = ColumnType::Long;
        ++i_;
        return n;
      }
      case Tok::Real: {
        auto n = node(ExprKind::Literal, p);
        n->literal = Value(tk.real_value);
        n->literal_type = ColumnType::Real;
        ++i_;
        return n;
      }
      case Tok::TimeSpan: {
        auto n = node(ExprKind::Literal, p);
        n->literal = Value(TimeSpan{tk.ticks});
        n->literal_type = ColumnType::TimeSpan;
        ++i_;
        return n;
      }
      case Tok::String: {
        auto n = node(ExprKind::Literal, p);
        std::string s = tk.text;
        ++i_;
        while (cur().kind == Tok::String) s += t_[i_++].text;  // adjacent literals concatenate
        n->literal = Value(std::move(s));
        n->literal_type = ColumnType::String;
        return n;
      }
      case Tok::TypedLit: {
        ++i_;
        return literal_of(tk);
      }
      case Tok::Punct: {
        if (tk.text == "(") {
          ++i_;
          if (looks_tabular(i_)) {
            auto t = tabular();
            if (!t) return std::unexpected(t.error());
            if (auto st = expect_punct(")"); !st) return std::unexpected(st.error());
            auto n = node(ExprKind::TabularArg, p);
            n->tabular = std::move(*t);
            return n;
          }
          auto e = expr();
          if (!e) return e;
          if (auto st = expect_punct(")"); !st) return std::unexpected(st.error());
          return e;
        }
        if (tk.text == "[" && ahead(1).kind == Tok::String && ahead(2).kind == Tok::Punct && ahead(2).text == "]") {
          return node(ExprKind::Name, p, *name());
        }
        if (tk.text == "*") {
          ++i_;
          return node(ExprKind::Star, p);
        }
        return fail_at(p, "expected an expression, found " + describe(tk));
      }
      case Tok::Ident: {
        if (tk.text[0] == '!') return fail_at(p, "expected an expression, found " + describe(tk));
        std::string n = tk.text;
        ++i_;
        if (n == "true" || n == "false") {
          auto lit = node(ExprKind::Literal, p);
          lit->literal = Value(n == "true");
          lit->literal_type = ColumnType::Bool;
          return lit;
        }
        if (is_punct("(")) {
          ++i_;
          auto call = node(ExprKind::Call, p, n);
          while (!is_punct(")")) {
            if (looks_tabular(i_)) {
              auto t = tabular();
              if (!t) return std::unexpected(t.error());
              auto a = node(ExprKind::TabularArg, cur().pos);
              a->tabular = std::move(*t);
              call->args.push_back(std::move(a));
            } else {
              auto e = expr();
              if (!e) return e;
              call->args.push_back(std::move(*e));
            }
            if (is_punct(",")) ++i_;
            else if (!is_punct(")")) return fail_at(cur().pos, "expected ',' or ')' in the call to " + n + ", found " + describe(cur()));
          }
          ++i_;
          return call;
        }
        return node(ExprKind::Name, p, n);
      }
      case Tok::End:
        return fail_at(p, "unexpected end of the query, expected an expression");
    }
    return fail_at(p, "expected an expression");
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int chain_ = 0;
};

}  // namespace

Result<QueryAst> parse_query(std::string_view text) {
  auto toks = lex(text);
  if (!toks) return std::unexpected(toks.error());
  return Parser(std::move(*toks)).run();
}

}  // namespace intake::kql
