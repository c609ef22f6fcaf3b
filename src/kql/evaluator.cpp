// Scalar evaluation with Kusto's semantics: typed nulls propagate through arithmetic and
// comparisons, integer division by zero is null, datetime/timespan arithmetic, three-valued
// and/or, case rules of the string operators, lazy conditionals.
#include "kql/evaluator.h"

#include <re2/re2.h>

#include <cctype>
#include <cmath>
#include <limits>

#include "kql/values.h"

namespace intake::kql {

bool kind_matches(const Value& v, ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return v.kind() == Kind::Bool;
    case ColumnType::Int: return v.kind() == Kind::Int;
    case ColumnType::Long: return v.kind() == Kind::Long;
    case ColumnType::Real: return v.kind() == Kind::Real;
    case ColumnType::String: return v.kind() == Kind::String;
    case ColumnType::DateTime: return v.kind() == Kind::DateTime;
    case ColumnType::TimeSpan: return v.kind() == Kind::TimeSpan;
    case ColumnType::Guid: return v.kind() == Kind::Guid;
    case ColumnType::Dynamic: return true;
  }
  return true;
}

void mark_column(std::vector<bool>& used, int index) {
  if (index < 0) return;
  if (used.size() <= static_cast<size_t>(index)) used.resize(static_cast<size_t>(index) + 1);
  used[static_cast<size_t>(index)] = true;
}

namespace {

bool is_num(Kind k) { return k == Kind::Int || k == Kind::Long || k == Kind::Real; }
bool is_integral(Kind k) { return k == Kind::Int || k == Kind::Long; }

struct ConstNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { (void)u; }
  Value v;
  const Value* constant() const override { return &v; }
  Value eval(const Row&, const EvalContext&) const override { return v; }
  const Value& ref(const Row&, const EvalContext&, Value&) const override { return v; }
};

struct ColumnNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { mark_column(u, index); }
  int index = 0;
  int column() const override { return index; }
  Value eval(const Row& r, const EvalContext&) const override { return r[index]; }
  const Value& ref(const Row& r, const EvalContext&, Value&) const override { return r[index]; }
};

struct MemberNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { base->mark_columns(u); }
  BExprPtr base;
  std::string key;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value s;
    return ref(r, c, s);
  }
  const Value& ref(const Row& r, const EvalContext& c, Value& scratch) const override {
    const Value& b = base->ref(r, c, scratch);
    const Value* m = b.get(key);
    if (!m) {
      scratch = Value();
      return scratch;
    }
    if (&b == &scratch) {
      Value tmp = *m;
      scratch = std::move(tmp);
      return scratch;
    }
    return *m;
  }
};

struct IndexNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    base->mark_columns(u);
    index->mark_columns(u);
  }
  BExprPtr base, index;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value s;
    return ref(r, c, s);
  }
  const Value& ref(const Row& r, const EvalContext& c, Value& scratch) const override {
    Value is;
    const Value& i = index->ref(r, c, is);
    const Value& b = base->ref(r, c, scratch);
    const Value* m = nullptr;
    if (i.is_string()) {
      m = b.get(i.as_string());
    } else if (b.is_array()) {
      int64_t k = 0;
      if (i.kind() != Kind::Real && i.to_int64(k)) {
        int64_t n = static_cast<int64_t>(b.as_array().size());
        if (k < 0) k += n;
        if (k >= 0 && k < n) m = &b.as_array()[static_cast<size_t>(k)];
      }
    }
    if (!m) {
      scratch = Value();
      return scratch;
    }
    if (&b == &scratch) {
      Value tmp = *m;
      scratch = std::move(tmp);
      return scratch;
    }
    return *m;
  }
};

Value coerce(Value v, ColumnType t) {
  if (v.is_null() || kind_matches(v, t)) return v;
  return convert_to(v, t);
}

// Runtime arithmetic on the values' kinds.
Value arith(char op, const Value& a, const Value& b) {
  Kind ka = a.kind(), kb = b.kind();
  if (ka == Kind::Null || kb == Kind::Null) return Value();
  if (is_integral(ka) && is_integral(kb)) {
    int64_t x = 0, y = 0;
    a.to_int64(x);
    b.to_int64(y);
    uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
    switch (op) {
      case '+': return Value(static_cast<int64_t>(ux + uy));
      case '-': return Value(static_cast<int64_t>(ux - uy));
      case '*': return Value(static_cast<int64_t>(ux * uy));
      case '/':
        if (y == 0) return Value();
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return Value(x);
        return Value(x / y);
      case '%':
        if (y == 0) return Value();
        if (y == -1) return Value(int64_t{0});
        return Value(x % y);
    }
    return Value();
  }
  if (is_num(ka) && is_num(kb)) {
    double x = 0, y = 0;
    a.to_double(x);
    b.to_double(y);
    switch (op) {
      case '+': return Value(x + y);
      case '-': return Value(x - y);
      case '*': return Value(x * y);
      case '/': return Value(x / y);
      case '%': return Value(std::fmod(x, y));
    }
    return Value();
  }
  auto ticks_times = [](int64_t t, const Value& n) -> Value {
    if (n.kind() == Kind::Real) {
      double r = static_cast<double>(t) * n.as_real();
      if (!std::isfinite(r) || std::abs(r) > 9.2e18) return Value();
      return Value(TimeSpan{static_cast<int64_t>(std::llround(r))});
    }
    int64_t k = 0;
    n.to_int64(k);
    return Value(TimeSpan{static_cast<int64_t>(static_cast<uint64_t>(t) * static_cast<uint64_t>(k))});
  };
  if (ka == Kind::DateTime && kb == Kind::TimeSpan) {
    int64_t t = a.as_datetime().ticks, s = b.as_timespan().ticks;
    if (op == '+') return Value(DateTime{t + s});
    if (op == '-') return Value(DateTime{t - s});
    return Value();
  }
  if (ka == Kind::TimeSpan && kb == Kind::DateTime && op == '+')
    return Value(DateTime{a.as_timespan().ticks + b.as_datetime().ticks});
  if (ka == Kind::DateTime && kb == Kind::DateTime && op == '-')
    return Value(TimeSpan{a.as_datetime().ticks - b.as_datetime().ticks});
  if (ka == Kind::TimeSpan && kb == Kind::TimeSpan) {
    int64_t x = a.as_timespan().ticks, y = b.as_timespan().ticks;
    switch (op) {
      case '+': return Value(TimeSpan{x + y});
      case '-': return Value(TimeSpan{x - y});
      case '/': return y == 0 ? Value() : Value(static_cast<double>(x) / static_cast<double>(y));
      case '%': return y == 0 ? Value() : Value(TimeSpan{x % y});
    }
    return Value();
  }
  if (ka == Kind::TimeSpan && is_num(kb)) {
    int64_t t = a.as_timespan().ticks;
    if (op == '*') return ticks_times(t, b);
    if (op == '/') {
      double y = 0;
      b.to_double(y);
      if (y == 0) return Value();
      double r = static_cast<double>(t) / y;
      if (!std::isfinite(r)) return Value();
      return Value(TimeSpan{static_cast<int64_t>(std::llround(r))});
    }
    return Value();
  }
  if (is_num(ka) && kb == Kind::TimeSpan && op == '*') return ticks_times(b.as_timespan().ticks, a);
  return Value();
}

struct ArithNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    b->mark_columns(u);
  }
  char op = '+';
  BExprPtr a, b;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa, sb;
    const Value& x = a->ref(r, c, sa);
    const Value& y = b->ref(r, c, sb);
    Value v = arith(op, x, y);
    if (type == ColumnType::Int && v.kind() == Kind::Long) return Value(static_cast<int32_t>(static_cast<uint32_t>(v.as_long())));
    if (type == ColumnType::Dynamic) return v;
    return coerce(std::move(v), type);
  }
};

struct NegNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { a->mark_columns(u); }
  BExprPtr a;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value s;
    const Value& x = a->ref(r, c, s);
    switch (x.kind()) {
      case Kind::Int: return Value(static_cast<int32_t>(0u - static_cast<uint32_t>(x.as_int())));
      case Kind::Long: return Value(static_cast<int64_t>(0ull - static_cast<uint64_t>(x.as_long())));
      case Kind::Real: return Value(-x.as_real());
      case Kind::TimeSpan: return Value(TimeSpan{-x.as_timespan().ticks});
      default: return Value();
    }
  }
};

enum class Cmp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, IEq, INe };

// Null for unknown (null operands or incomparable kinds under an ordering).
Value compare(Cmp op, const Value& x, const Value& y, bool str_a, bool str_b) {
  const Value* px = &x;
  const Value* py = &y;
  static const Value kEmpty{std::string()};
  // Kusto strings are never null: a null in a string-typed expression reads as "".
  if (px->is_null() && str_a) px = &kEmpty;
  if (py->is_null() && str_b) py = &kEmpty;
  if (px->is_null() || py->is_null()) return Value();
  if (op == Cmp::IEq || op == Cmp::INe) {
    if (!px->is_string() || !py->is_string()) {
      bool eq = group_equal(*px, *py);
      return Value(op == Cmp::IEq ? eq : !eq);
    }
    bool eq = iequals_ascii(px->as_string(), py->as_string());
    return Value(op == Cmp::IEq ? eq : !eq);
  }
  Kind ka = px->kind(), kb = py->kind();
  bool comparable = ka == kb || (is_num(ka) && is_num(kb));
  if (op == Cmp::Eq || op == Cmp::Ne) {
    bool eq = comparable ? (ka == Kind::Array || ka == Kind::Object ? *px == *py : compare_values(*px, *py) == 0) : false;
    if (comparable && ka == Kind::Real && std::isnan(px->as_real())) eq = false;
    return Value(op == Cmp::Eq ? eq : !eq);
  }
  if (!comparable || ka == Kind::Array || ka == Kind::Object) return Value();
  int c = compare_values(*px, *py);
  switch (op) {
    case Cmp::Lt: return Value(c < 0);
    case Cmp::Le: return Value(c <= 0);
    case Cmp::Gt: return Value(c > 0);
    case Cmp::Ge: return Value(c >= 0);
    default: return Value();
  }
}

struct CompareNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    b->mark_columns(u);
  }
  Cmp op = Cmp::Eq;
  BExprPtr a, b;
  bool str_a = false, str_b = false;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa, sb;
    return compare(op, a->ref(r, c, sa), b->ref(r, c, sb), str_a, str_b);
  }
};

// -1 false, 0 null/unknown, 1 true
int truth(const Value& v) {
  if (v.kind() == Kind::Bool) return v.as_bool() ? 1 : -1;
  return 0;
}

struct LogicalNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    b->mark_columns(u);
  }
  bool is_and = true;
  BExprPtr a, b;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa;
    int x = truth(a->ref(r, c, sa));
    if (is_and && x < 0) return Value(false);
    if (!is_and && x > 0) return Value(true);
    Value sb;
    int y = truth(b->ref(r, c, sb));
    if (is_and) {
      if (y < 0) return Value(false);
      if (x > 0 && y > 0) return Value(true);
      return Value();
    }
    if (y > 0) return Value(true);
    if (x < 0 && y < 0) return Value(false);
    return Value();
  }
};

struct NotNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { a->mark_columns(u); }
  BExprPtr a;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value s;
    int x = truth(a->ref(r, c, s));
    if (x == 0) return Value();
    return Value(x < 0);
  }
};

enum class StrOp : uint8_t { Contains, Has, StartsWith, EndsWith, HasPrefix, HasSuffix, Like };

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) >= 0x80); }

bool term_match(std::string_view hay, std::string_view needle, bool ci, bool need_left, bool need_right) {
  if (needle.empty()) return true;
  size_t from = 0;
  for (;;) {
    size_t p = find_text(hay.substr(from), needle, ci);
    if (p == std::string_view::npos) return false;
    p += from;
    size_t e = p + needle.size();
    bool left_ok = !need_left || p == 0 || !is_alnum(hay[p - 1]) || !is_alnum(needle.front());
    bool right_ok = !need_right || e == hay.size() || !is_alnum(hay[e]) || !is_alnum(needle.back());
    if (left_ok && right_ok) return true;
    from = p + 1;
  }
}

bool like_match(std::string_view s, std::string_view p, bool ci) {
  // SQL LIKE with % and _.
  size_t si = 0, pi = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '_' || (ci ? ascii_lower(p[pi]) == ascii_lower(s[si]) : p[pi] == s[si]))) {
      ++si;
      ++pi;
    } else if (pi < p.size() && p[pi] == '%') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

bool text_of(const Value& v, std::string& buf, std::string_view& out) {
  if (v.is_null()) {
    out = {};
    return true;
  }
  if (v.is_string()) {
    out = v.as_string();
    return true;
  }
  Value s = convert_to(v, ColumnType::String);
  if (!s.is_string()) return false;
  buf = s.as_string();
  out = buf;
  return true;
}

struct StringOpNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    b->mark_columns(u);
  }
  StrOp op = StrOp::Contains;
  bool ci = true, negate = false;
  BExprPtr a, b;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa, sb;
    const Value& x = a->ref(r, c, sa);
    const Value& y = b->ref(r, c, sb);
    std::string bx, by;
    std::string_view h, n;
    if (!text_of(x, bx, h) || !text_of(y, by, n)) return Value(negate);
    bool m = false;
    switch (op) {
      case StrOp::Contains: m = find_text(h, n, ci) != std::string_view::npos; break;
      case StrOp::Has: m = term_match(h, n, ci, true, true); break;
      case StrOp::HasPrefix: m = term_match(h, n, ci, true, false); break;
      case StrOp::HasSuffix: m = term_match(h, n, ci, false, true); break;
      case StrOp::StartsWith: m = n.size() <= h.size() && (ci ? iequals_ascii(h.substr(0, n.size()), n) : h.substr(0, n.size()) == n); break;
      case StrOp::EndsWith:
        m = n.size() <= h.size() && (ci ? iequals_ascii(h.substr(h.size() - n.size()), n) : h.substr(h.size() - n.size()) == n);
        break;
      case StrOp::Like: m = like_match(h, n, ci); break;
    }
    return Value(m != negate);
  }
};

struct RegexNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    pattern->mark_columns(u);
  }
  BExprPtr a, pattern;
  std::shared_ptr<const re2::RE2> re;  // set when the pattern is constant
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa;
    const Value& x = a->ref(r, c, sa);
    std::string buf;
    std::string_view h;
    if (!text_of(x, buf, h)) return Value(false);
    if (re) return Value(re2::RE2::PartialMatch(h, *re));
    Value sp;
    const Value& p = pattern->ref(r, c, sp);
    if (!p.is_string()) return Value();
    re2::RE2 dyn(p.as_string(), re2::RE2::Quiet);
    if (!dyn.ok()) return Value();
    return Value(re2::RE2::PartialMatch(h, dyn));
  }
};

struct InNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    for (const auto& e : list) e->mark_columns(u);
  }
  enum class Mode : uint8_t { In, HasAny, HasAll } mode = Mode::In;
  bool negate = false, ci = false;
  BExprPtr a;
  std::vector<BExprPtr> list;
  bool all_const = false;
  std::vector<Value> flat;  // constant list, arrays flattened

  void flatten_into(const Value& v, std::vector<Value>& out) const {
    if (v.is_array()) {
      for (const auto& e : v.as_array()) out.push_back(e);
    } else {
      out.push_back(v);
    }
  }
  bool matches(const Value& x, const Value& e) const {
    if (mode != Mode::In) {
      std::string bx, be;
      std::string_view h, n;
      if (!text_of(x, bx, h) || !text_of(e, be, n)) return false;
      return term_match(h, n, true, true, true);
    }
    if (e.is_null()) return false;
    if (ci && x.is_string() && e.is_string()) return iequals_ascii(x.as_string(), e.as_string());
    if (x.kind() == e.kind() || (is_num(x.kind()) && is_num(e.kind()))) return group_equal(x, e);
    if (x.is_string() && !e.is_string()) {
      Value t = convert_to(e, ColumnType::String);
      return t.is_string() && (ci ? iequals_ascii(x.as_string(), t.as_string()) : x.as_string() == t.as_string());
    }
    return false;
  }
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa;
    const Value& x = a->ref(r, c, sa);
    if (x.is_null() && mode == Mode::In) return Value(negate);
    std::vector<Value> dyn;
    if (!all_const) {
      for (const auto& e : list) {
        Value s;
        flatten_into(e->ref(r, c, s), dyn);
      }
    }
    const std::vector<Value>& items = all_const ? flat : dyn;
    if (mode == Mode::HasAll) {
      for (const auto& e : items)
        if (!matches(x, e)) return Value(negate);
      return Value(!negate);
    }
    for (const auto& e : items)
      if (matches(x, e)) return Value(!negate);
    return Value(negate);
  }
};

struct BetweenNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    a->mark_columns(u);
    lo->mark_columns(u);
    hi->mark_columns(u);
  }
  bool negate = false;
  BExprPtr a, lo, hi;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value sa, sl, sh;
    const Value& x = a->ref(r, c, sa);
    const Value& l = lo->ref(r, c, sl);
    Value h = hi->ref(r, c, sh);
    if (x.is_null() || l.is_null() || h.is_null()) return Value();
    // datetime between (d .. 1h) means d .. d+1h
    if ((x.kind() == Kind::DateTime && h.kind() == Kind::TimeSpan) ) h = arith('+', l, h);
    Value ge = compare(Cmp::Ge, x, l, false, false);
    Value le = compare(Cmp::Le, x, h, false, false);
    if (ge.is_null() || le.is_null()) return Value();
    bool in = ge.as_bool() && le.as_bool();
    return Value(in != negate);
  }
};

struct CallNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    for (const auto& a : args) a->mark_columns(u);
  }
  const ScalarFunction* fn = nullptr;
  std::vector<BExprPtr> args;
  Value typed(Value v) const {
    if (type == ColumnType::Dynamic || kind_matches(v, type)) return v;
    return coerce(std::move(v), type);
  }
  Value eval(const Row& r, const EvalContext& c) const override {
    // One argument (most calls): passed by reference, so a column's string is not copied.
    if (args.size() == 1) {
      Value s;
      const Value& a0 = args[0]->ref(r, c, s);
      return typed(fn->eval(std::span<const Value>(&a0, 1), c));
    }
    if (args.size() <= 4) {
      Value buf[4];
      for (size_t i = 0; i < args.size(); ++i) buf[i] = args[i]->eval(r, c);
      return typed(fn->eval(std::span<const Value>(buf, args.size()), c));
    }
    std::vector<Value> buf;
    buf.reserve(args.size());
    for (const auto& a : args) buf.push_back(a->eval(r, c));
    return typed(fn->eval(buf, c));
  }
};

// parse_json(tostring(d)) of a dynamic array or object is d itself (Kusto allows returning it
// as-is), which skips a JSON write and parse per row; other values take the full round trip.
struct ReparseNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { inner->mark_columns(u); }
  BExprPtr inner;
  const ScalarFunction* to_string = nullptr;
  const ScalarFunction* parse = nullptr;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value s;
    const Value& x = inner->ref(r, c, s);
    if (x.is_array() || x.is_object()) return x;
    Value text = to_string->eval(std::span<const Value>(&x, 1), c);
    return parse->eval(std::span<const Value>(&text, 1), c);
  }
};

struct IffNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override {
    cond->mark_columns(u);
    a->mark_columns(u);
    b->mark_columns(u);
  }
  BExprPtr cond, a, b;
  Value eval(const Row& r, const EvalContext& c) const override {
    Value s;
    bool t = is_true(cond->ref(r, c, s));
    Value v = (t ? a : b)->eval(r, c);
    if (type == ColumnType::Dynamic) return v;
    return coerce(std::move(v), type);
  }
};

struct CaseNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { for (const auto& a : args) a->mark_columns(u); }
  std::vector<BExprPtr> args;
  Value eval(const Row& r, const EvalContext& c) const override {
    size_t n = args.size();
    for (size_t i = 0; i + 1 < n; i += 2) {
      Value s;
      if (is_true(args[i]->ref(r, c, s))) {
        Value v = args[i + 1]->eval(r, c);
        if (type == ColumnType::Dynamic) return v;
        return coerce(std::move(v), type);
      }
    }
    Value v = args[n - 1]->eval(r, c);
    if (type == ColumnType::Dynamic) return v;
    return coerce(std::move(v), type);
  }
};

struct CoalesceNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { for (const auto& a : args) a->mark_columns(u); }
  std::vector<BExprPtr> args;
  Value eval(const Row& r, const EvalContext& c) const override {
    for (const auto& a : args) {
      Value v = a->eval(r, c);
      bool empty = v.is_null() || (v.is_string() && v.as_string().empty());
      if (empty) continue;
      if (type == ColumnType::Dynamic) return v;
      return coerce(std::move(v), type);
    }
    return Value();
  }
};

struct ConvertNode final : BExpr {
  void mark_columns(std::vector<bool>& u) const override { a->mark_columns(u); }
  BExprPtr a;
  Value eval(const Row& r, const EvalContext& c) const override { return coerce(a->eval(r, c), type); }
};

template <class N>
std::shared_ptr<N> make(ColumnType t) {
  auto n = std::make_shared<N>();
  n->type = t;
  return n;
}

}  // namespace

BExprPtr make_constant(Value v, ColumnType type) {
  auto n = make<ConstNode>(type);
  n->v = std::move(v);
  return n;
}
BExprPtr make_column(int index, ColumnType type) {
  auto n = make<ColumnNode>(type);
  n->index = index;
  return n;
}
BExprPtr make_member(BExprPtr base, std::string key) {
  auto n = make<MemberNode>(ColumnType::Dynamic);
  n->base = std::move(base);
  n->key = std::move(key);
  return n;
}
BExprPtr make_index(BExprPtr base, BExprPtr index) {
  auto n = make<IndexNode>(ColumnType::Dynamic);
  n->base = std::move(base);
  n->index = std::move(index);
  return n;
}
BExprPtr make_negate(BExprPtr a, ColumnType type) {
  auto n = make<NegNode>(type);
  n->a = std::move(a);
  return n;
}
BExprPtr make_arith(char op, BExprPtr a, BExprPtr b, ColumnType type) {
  auto n = make<ArithNode>(type);
  n->op = op;
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}
BExprPtr make_compare(std::string_view op, BExprPtr a, BExprPtr b) {
  auto n = make<CompareNode>(ColumnType::Bool);
  n->op = op == "==" ? Cmp::Eq : op == "!=" ? Cmp::Ne : op == "<" ? Cmp::Lt : op == "<=" ? Cmp::Le : op == ">" ? Cmp::Gt
        : op == ">=" ? Cmp::Ge : op == "=~" ? Cmp::IEq : Cmp::INe;
  n->str_a = a->type == ColumnType::String;
  n->str_b = b->type == ColumnType::String;
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}
BExprPtr make_logical(bool is_and, BExprPtr a, BExprPtr b) {
  auto n = make<LogicalNode>(ColumnType::Bool);
  n->is_and = is_and;
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}
BExprPtr make_not(BExprPtr a) {
  auto n = make<NotNode>(ColumnType::Bool);
  n->a = std::move(a);
  return n;
}
BExprPtr make_string_op(std::string_view op, BExprPtr a, BExprPtr b) {
  auto n = make<StringOpNode>(ColumnType::Bool);
  std::string_view s = op;
  if (s.starts_with("!")) {
    n->negate = true;
    s.remove_prefix(1);
  }
  if (s == "notlike") {
    n->negate = true;
    s = "like";
  }
  if (s.ends_with("_cs")) {
    n->ci = false;
    s.remove_suffix(3);
  }
  if (s == "contains") n->op = StrOp::Contains;
  else if (s == "has") n->op = StrOp::Has;
  else if (s == "startswith") n->op = StrOp::StartsWith;
  else if (s == "endswith") n->op = StrOp::EndsWith;
  else if (s == "hasprefix") n->op = StrOp::HasPrefix;
  else if (s == "hassuffix") n->op = StrOp::HasSuffix;
  else if (s == "like") n->op = StrOp::Like;
  else return nullptr;
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}
BExprPtr make_regex_match(BExprPtr a, BExprPtr pattern, std::string& error) {
  auto n = make<RegexNode>(ColumnType::Bool);
  if (const Value* p = pattern->constant(); p && p->is_string()) {
    auto re = std::make_shared<re2::RE2>(p->as_string(), re2::RE2::Quiet);
    if (!re->ok()) {
      error = "invalid regular expression: " + re->error();
      return nullptr;
    }
    n->re = std::move(re);
  }
  n->a = std::move(a);
  n->pattern = std::move(pattern);
  return n;
}
BExprPtr make_in(std::string_view op, BExprPtr a, std::vector<BExprPtr> list) {
  auto n = make<InNode>(ColumnType::Bool);
  n->negate = op.starts_with("!");
  n->ci = op.ends_with("~");
  if (op.starts_with("has_any")) n->mode = InNode::Mode::HasAny;
  if (op.starts_with("has_all")) n->mode = InNode::Mode::HasAll;
  n->a = std::move(a);
  n->all_const = true;
  for (const auto& e : list)
    if (!e->constant()) n->all_const = false;
  if (n->all_const)
    for (const auto& e : list) n->flatten_into(*e->constant(), n->flat);
  n->list = std::move(list);
  return n;
}
BExprPtr make_between(bool negate, BExprPtr a, BExprPtr lo, BExprPtr hi) {
  auto n = make<BetweenNode>(ColumnType::Bool);
  n->negate = negate;
  n->a = std::move(a);
  n->lo = std::move(lo);
  n->hi = std::move(hi);
  return n;
}
BExprPtr make_call(const ScalarFunction* fn, std::vector<BExprPtr> args, ColumnType type) {
  if ((fn->name == "parse_json" || fn->name == "todynamic") && args.size() == 1) {
    const auto* ts = dynamic_cast<const CallNode*>(args[0].get());
    if (ts && ts->fn->name == "tostring" && ts->args.size() == 1 && ts->args[0]->type == ColumnType::Dynamic) {
      auto n = make<ReparseNode>(type);
      n->inner = ts->args[0];
      n->to_string = ts->fn;
      n->parse = fn;
      return n;
    }
  }
  auto n = make<CallNode>(type);
  n->fn = fn;
  n->args = std::move(args);
  return n;
}
BExprPtr make_iff(BExprPtr c, BExprPtr a, BExprPtr b, ColumnType type) {
  auto n = make<IffNode>(type);
  n->cond = std::move(c);
  n->a = std::move(a);
  n->b = std::move(b);
  return n;
}
BExprPtr make_case(std::vector<BExprPtr> args, ColumnType type) {
  auto n = make<CaseNode>(type);
  n->args = std::move(args);
  return n;
}
BExprPtr make_coalesce(std::vector<BExprPtr> args, ColumnType type) {
  auto n = make<CoalesceNode>(type);
  n->args = std::move(args);
  return n;
}
BExprPtr make_convert(BExprPtr a, ColumnType type) {
  if (a->type == type || type == ColumnType::Dynamic) return a;
  auto n = make<ConvertNode>(type);
  n->a = std::move(a);
  return n;
}

std::optional<ColumnType> arithmetic_type(char op, ColumnType a, ColumnType b) {
  using C = ColumnType;
  auto num = [](C t) { return t == C::Int || t == C::Long || t == C::Real; };
  if (a == C::Dynamic || b == C::Dynamic) return C::Dynamic;
  if (num(a) && num(b)) {
    if (a == C::Real || b == C::Real) return C::Real;
    if (a == C::Long || b == C::Long) return C::Long;
    return C::Int;
  }
  if (a == C::DateTime && b == C::TimeSpan && (op == '+' || op == '-')) return C::DateTime;
  if (a == C::TimeSpan && b == C::DateTime && op == '+') return C::DateTime;
  if (a == C::DateTime && b == C::DateTime && op == '-') return C::TimeSpan;
  if (a == C::TimeSpan && b == C::TimeSpan) {
    if (op == '+' || op == '-' || op == '%') return C::TimeSpan;
    if (op == '/') return C::Real;
    return std::nullopt;
  }
  if (a == C::TimeSpan && num(b) && (op == '*' || op == '/')) return C::TimeSpan;
  if (num(a) && b == C::TimeSpan && op == '*') return C::TimeSpan;
  return std::nullopt;
}

BExprPtr fold(BExprPtr e) {
  if (e->constant()) return e;
  Row empty;
  EvalContext ctx{};
  Value v = e->eval(empty, ctx);
  return make_constant(std::move(v), e->type);
}

}  // namespace intake::kql
