// JSONPath compiler: a recursive-descent parser from the expression text to path_ast segments.
#include <algorithm>
#include <charconv>
#include <limits>
#include <tuple>
#include <utility>

#include "json/jsonpath_ast.h"

namespace intake::json::path_ast {

namespace {

bool is_name_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '@' || c == '$' || c == '#' || c >= 0x80;
}

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Compiler {
 public:
  explicit Compiler(std::string_view s) : s_(s) {}

  Result<std::vector<PathNode>> run() {
    std::vector<PathNode> segs;
    if (!path(segs)) return std::unexpected(std::move(*error_));
    return segs;
  }

 private:
  // Filters nest only as deep as a definition author would write; the cap keeps recursion bounded.
  static constexpr int kMaxNesting = 64;

  template <class Parse>
  bool nested(Parse parse) {
    if (depth_ == kMaxNesting) return fail(i_, "the filter nests too deeply");
    ++depth_;
    const bool ok = parse();
    --depth_;
    return ok;
  }

  bool at_end() const { return i_ >= s_.size(); }
  unsigned char peek(size_t ahead = 0) const {
    return i_ + ahead < s_.size() ? static_cast<unsigned char>(s_[i_ + ahead]) : 0;
  }
  bool consume(std::string_view token) {
    if (s_.substr(i_, token.size()) != token) return false;
    i_ += token.size();
    return true;
  }
  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++i_;
  }

  std::string found() const {
    if (at_end()) return "end of path";
    const unsigned char c = peek();
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    return "a non-ASCII character";
  }

  // The position is in characters, 1-based, as a user counts them in the definition file.
  bool fail(size_t at, const std::string& what) {
    size_t pos = 1;
    for (size_t k = 0; k < at && k < s_.size(); ++k) {
      if ((static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80) ++pos;
    }
    if (!error_) error_ = Error("jsonpath:" + std::to_string(pos), what + " in \"" + std::string(s_) + "\"");
    return false;
  }

  bool path(std::vector<PathNode>& segs) {
    skip_ws();
    if (at_end()) return true;
    const unsigned char c = peek();
    if (c == '$') {
      ++i_;
    } else if (c == '@') {
      return fail(i_, "'@' (the current node) is only valid inside a filter");
    } else if (is_name_char(c)) {
      // Newtonsoft accepts a leading bare name ("data.items") as a child of the root.
      PathNode seg;
      dot_name(seg);
      segs.push_back(std::move(seg));
    } else if (c != '.' && c != '[') {
      return fail(i_, "expected '$' at the start of the path, found " + found());
    }
    if (!segments(segs)) return false;
    skip_ws();
    if (!at_end()) return fail(i_, "expected '.', '..', '[' or the end of the path, found " + found());
    return true;
  }

  bool segments(std::vector<PathNode>& segs) {
    for (;;) {
      const size_t save = i_;
      skip_ws();
      PathNode seg;
      if (consume("..")) {
        seg.descendant = true;
        if (peek() == '.') ++i_;  // "$...x", a Jayway spelling of "$..x"
        if (!after_dot(seg, "'..'")) return false;
      } else if (consume(".")) {
        if (!after_dot(seg, "'.'")) return false;
      } else if (peek() == '[') {
        if (!bracket(seg)) return false;
      } else {
        i_ = save;
        return true;
      }
      segs.push_back(std::move(seg));
    }
  }

  // What may follow '.' or '..': a name, '*', or a bracket (Jayway's "$.[0]", "$.['a']").
  bool after_dot(PathNode& seg, const char* dots) {
    if (peek() == '[') return bracket(seg);
    if (peek() == '*') {
      ++i_;
      seg.selectors.push_back(Selector::of(Selector::Kind::Wildcard));
      return true;
    }
    if (!at_end() && is_name_char(peek())) {
      dot_name(seg);
      return true;
    }
    return fail(i_, std::string("expected a member name, '*' or '[' after ") + dots + ", found " + found());
  }

  void dot_name(PathNode& seg) {
    const size_t start = i_;
    while (!at_end() && is_name_char(peek())) ++i_;
    Selector sel = Selector::of(Selector::Kind::Name);
    sel.name = std::string(s_.substr(start, i_ - start));
    seg.selectors.push_back(std::move(sel));
  }

  bool bracket(PathNode& seg) {
    ++i_;  // '['
    for (;;) {
      skip_ws();
      if (!selector(seg.selectors)) return false;
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() == ']') {
        ++i_;
        return true;
      }
      return fail(i_, "expected ',' or ']', found " + found());
    }
  }

  bool selector(std::vector<Selector>& out) {
    const unsigned char c = peek();
    if (c == '\'' || c == '"') {
      Selector sel = Selector::of(Selector::Kind::Name);
      if (!string_literal(sel.name)) return false;
      out.push_back(std::move(sel));
      return true;
    }
    if (c == '*') {
      ++i_;
      out.push_back(Selector::of(Selector::Kind::Wildcard));
      return true;
    }
    if (c == '?') {
      ++i_;
      auto expr = std::make_shared<FilterExpr>();
      if (!nested([&] { return filter_or(*expr); })) return false;
      Selector sel = Selector::of(Selector::Kind::Filter);
      sel.filter = std::move(expr);
      out.push_back(std::move(sel));
      return true;
    }
    if (c == '-' || c == ':' || is_digit(c)) return index_or_slice(out);
    if (!at_end() && is_name_char(c)) return fail(i_, "member names in brackets must be quoted, as ['name']");
    return fail(i_, "expected a quoted name, an index, a slice, '*' or a filter '?(...)', found " + found());
  }

  bool integer(int64_t& out) {
    const size_t start = i_;
    if (peek() == '-') ++i_;
    if (!is_digit(peek())) return fail(i_, "expected a digit, found " + found());
    while (is_digit(peek())) ++i_;
    auto [ptr, ec] = std::from_chars(s_.data() + start, s_.data() + i_, out);
    if (ec != std::errc()) return fail(start, "index out of range");
    return true;
  }

  bool index_or_slice(std::vector<Selector>& out) {
    Selector sel = Selector::of(Selector::Kind::Slice);
    if (peek() != ':') {
      int64_t v;
      if (!integer(v)) return false;
      sel.start = v;
      skip_ws();
      if (peek() != ':') {
        Selector index = Selector::of(Selector::Kind::Index);
        index.index = v;
        out.push_back(std::move(index));
        return true;
      }
    }
    ++i_;  // first ':'
    skip_ws();
    if (peek() == '-' || is_digit(peek())) {
      int64_t v;
      if (!integer(v)) return false;
      sel.end = v;
      skip_ws();
    }
    if (peek() == ':') {
      ++i_;
      skip_ws();
      if (peek() == '-' || is_digit(peek())) {
        if (!integer(sel.step)) return false;
      }
    }
    out.push_back(std::move(sel));
    return true;
  }

  bool hex4(uint32_t& cp) {
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const unsigned char c = peek();
      uint32_t d;
      if (is_digit(c)) d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return fail(i_, "expected four hex digits after \\u");
      cp = cp * 16 + d;
      ++i_;
    }
    return true;
  }

  bool string_literal(std::string& out) {
    const size_t open = i_;
    const char quote = s_[i_++];
    for (;;) {
      if (at_end()) return fail(open, "unterminated string literal");
      const char c = s_[i_];
      if (c == quote) {
        ++i_;
        return true;
      }
      if (c != '\\') {
        out += c;
        ++i_;
        continue;
      }
      const size_t esc = i_++;
      switch (peek()) {
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          ++i_;
          uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (!consume("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) {
              return fail(esc, "a \\u high surrogate must be followed by a \\u low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail(esc, "unpaired \\u low surrogate");
          }
          append_utf8(out, cp);
          continue;
        }
        default: return fail(esc, "invalid escape sequence in string literal");
      }
      ++i_;
    }
  }

  // filter := or; or := and ('||' and)*; and := unary ('&&' unary)*; unary := '!' unary | '(' or ')' | test
  bool filter_or(FilterExpr& out) {
    if (!filter_and(out)) return false;
    skip_ws();
    while (consume("||")) {
      FilterExpr rhs;
      if (!filter_and(rhs)) return false;
      combine(out, std::move(rhs), FilterExpr::Op::Or);
      skip_ws();
    }
    return true;
  }

  bool filter_and(FilterExpr& out) {
    if (!filter_unary(out)) return false;
    skip_ws();
    while (consume("&&")) {
      FilterExpr rhs;
      if (!filter_unary(rhs)) return false;
      combine(out, std::move(rhs), FilterExpr::Op::And);
      skip_ws();
    }
    return true;
  }

  static void combine(FilterExpr& acc, FilterExpr rhs, FilterExpr::Op op) {
    if (acc.op != op) {
      FilterExpr lhs = std::move(acc);
      acc = FilterExpr::of(op);
      acc.operands.push_back(std::move(lhs));
    }
    acc.operands.push_back(std::move(rhs));
  }

  bool filter_unary(FilterExpr& out) {
    skip_ws();
    if (peek() == '!' && peek(1) != '=') {
      ++i_;
      out = FilterExpr::of(FilterExpr::Op::Not);
      out.operands.emplace_back();
      return nested([&] { return filter_unary(out.operands.back()); });
    }
    if (peek() == '(') {
      ++i_;
      if (!nested([&] { return filter_or(out); })) return false;
      skip_ws();
      if (peek() != ')') return fail(i_, "expected ')' or a logical operator ('&&', '||'), found " + found());
      ++i_;
      return true;
    }
    return test(out);
  }

  // A comparison, or an existence test when a query stands alone.
  bool test(FilterExpr& out) {
    skip_ws();
    const size_t lhs_at = i_;
    if (!operand(out.lhs)) return false;
    skip_ws();
    if (consume("==")) out.cmp = FilterExpr::Cmp::Eq;
    else if (consume("!=")) out.cmp = FilterExpr::Cmp::Ne;
    else if (consume("<=")) out.cmp = FilterExpr::Cmp::Le;
    else if (consume(">=")) out.cmp = FilterExpr::Cmp::Ge;
    else if (consume("<")) out.cmp = FilterExpr::Cmp::Lt;
    else if (consume(">")) out.cmp = FilterExpr::Cmp::Gt;
    else if (peek() == '=' && peek(1) == '~') return fail(i_, "regular expression matches (=~) are not supported");
    else if (peek() == '=') return fail(i_, "expected '==' to compare (a single '=' is not an operator)");
    else {
      if (!out.lhs.is_query) return fail(i_, "expected a comparison operator after the literal, found " + found());
      out.op = FilterExpr::Op::Exists;
      return true;
    }
    out.op = FilterExpr::Op::Compare;
    skip_ws();
    const size_t rhs_at = i_;
    if (!operand(out.rhs)) return false;
    if (out.lhs.is_query && !is_singular(out.lhs.segments)) return fail(lhs_at, singular_message());
    if (out.rhs.is_query && !is_singular(out.rhs.segments)) return fail(rhs_at, singular_message());
    return true;
  }

  static std::string singular_message() {
    return "a query in a comparison must select at most one node (no wildcard, slice, union, filter or '..')";
  }

  bool operand(Operand& out) {
    const unsigned char c = peek();
    if (c == '@' || c == '$') {
      ++i_;
      out.is_query = true;
      out.absolute = c == '$';
      return segments(out.segments);
    }
    if (c == '\'' || c == '"') {
      out.literal.kind = Literal::Kind::String;
      return string_literal(out.literal.s);
    }
    if (c == '-' || is_digit(c)) return number(out.literal);
    using Word = std::tuple<const char*, Literal::Kind, bool>;
    for (auto [word, kind, b] : {Word{"true", Literal::Kind::Bool, true}, Word{"false", Literal::Kind::Bool, false},
                                 Word{"null", Literal::Kind::Null, false}}) {
      const std::string_view w(word);
      if (s_.substr(i_, w.size()) == w && !is_name_char(peek(w.size()))) {
        i_ += w.size();
        out.literal.kind = kind;
        out.literal.b = b;
        return true;
      }
    }
    return fail(i_, "expected '@', '$' or a literal (string, number, true, false, null), found " + found());
  }

  bool number(Literal& out) {
    const size_t start = i_;
    if (peek() == '-') ++i_;
    if (!is_digit(peek())) return fail(i_, "expected a digit, found " + found());
    while (is_digit(peek())) ++i_;
    bool integral = true;
    if (peek() == '.') {
      ++i_;
      integral = false;
      if (!is_digit(peek())) return fail(i_, "expected a digit after '.', found " + found());
      while (is_digit(peek())) ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      integral = false;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!is_digit(peek())) return fail(i_, "expected a digit in the exponent, found " + found());
      while (is_digit(peek())) ++i_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integral && std::from_chars(first, last, out.i).ec == std::errc()) {
      out.kind = Literal::Kind::Int;
      return true;
    }
    out.kind = Literal::Kind::Real;
    if (std::from_chars(first, last, out.d).ec == std::errc::result_out_of_range) {
      // Beyond double's range: the infinity or zero that strtod would give.
      const bool tiny = std::string_view(first, last).find_first_of("eE") != std::string_view::npos &&
                        std::string_view(first, last).find('-', 1) != std::string_view::npos;
      out.d = tiny ? 0.0 : std::numeric_limits<double>::infinity();
      if (*first == '-') out.d = -out.d;
    }
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
  std::optional<Error> error_;
};

}  // namespace

bool is_singular(Segments segs) {
  return std::all_of(segs.begin(), segs.end(), [](const PathNode& s) {
    return !s.descendant && s.selectors.size() == 1 &&
           (s.selectors[0].kind == Selector::Kind::Name || s.selectors[0].kind == Selector::Kind::Index);
  });
}

Result<std::vector<PathNode>> compile(std::string_view expression) { return Compiler(expression).run(); }

}  // namespace intake::json::path_ast
