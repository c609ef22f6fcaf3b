// JSON text and Values: reading through simdjson (plus a scanner that locates syntax errors, which
// simdjson does not report) and the compact writer.
#include "json/value_json.h"

#include <cstring>

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

#include "core/schema.h"
#include "core/time.h"

namespace intake::json {

namespace {

namespace dom = simdjson::dom;

// simdjson's default nesting limit; the error scanner mirrors it.
constexpr int kMaxDepth = 1024;

// Length of the well-formed UTF-8 sequence at p, or 0 when the bytes there are not one. `bad` gets
// the length of the maximal ill-formed prefix (at least 1), which is replaced by one U+FFFD
// (Unicode's "substitution of maximal subparts").
size_t utf8_sequence(const unsigned char* p, size_t n, size_t& bad) {
  const unsigned char c = p[0];
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // valid range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // excludes UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    bad = 1;
    return 0;
  }
  size_t k = 1;
  for (; k < need && k < n; ++k) {
    const unsigned char b = p[k];
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) break;
  }
  if (k == need) return need;
  bad = k;
  return 0;
}

void append_escaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(u, sizeof u);
    }
  }
}

void append_real(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<size_t>(end - buf));
  out += text;
  // A real written as "1" would read back as a long; keep the type across a round trip.
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

template <class Int>
void append_int(std::string& out, Int i) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, end);
}

// Finds the first syntax error in JSON text, with the rules simdjson applies. simdjson reports only
// an error code, so this scanner runs on the failure path to tell the user where and what.
class SyntaxScanner {
 public:
  explicit SyntaxScanner(std::string_view s) : s_(s) {}

  // Byte offset and description of the first error; nullopt when the text is valid.
  std::optional<std::pair<size_t, std::string>> run() {
    skip_ws();
    if (at_end()) return std::pair<size_t, std::string>{i_, "the document is empty, expected a JSON value"};
    if (!value(0)) return std::move(error_);
    skip_ws();
    if (!at_end()) return std::pair<size_t, std::string>{i_, "unexpected " + found() + " after the JSON value"};
    return std::nullopt;
  }

 private:
  bool at_end() const { return i_ >= s_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(s_[i_]); }
  bool consume(std::string_view token) {
    if (s_.substr(i_, token.size()) != token) return false;
    i_ += token.size();
    return true;
  }

  bool fail(size_t at, std::string message) {
    error_ = std::pair<size_t, std::string>{at, std::move(message)};
    return false;
  }

  // What is at the current position, for messages.
  std::string found() const {
    if (at_end()) return "end of input";
    const unsigned char c = peek();
    if (c >= 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    static constexpr char kHex[] = "0123456789ABCDEF";
    return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0xF];
  }

  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++i_;
  }

  bool value(int depth) {
    if (at_end()) return fail(i_, "unexpected end of input, expected a value");
    switch (peek()) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number();
        return fail(i_, "expected a value, found " + found());
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) {
      return fail(i_, "invalid literal, expected '" + std::string(word) + "'");
    }
    i_ += word.size();
    return true;
  }

  bool digits() {
    const size_t start = i_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++i_;
    return i_ > start;
  }

  bool number() {
    const size_t start = i_;
    if (peek() == '-') ++i_;
    if (at_end() || peek() < '0' || peek() > '9') return fail(i_, "invalid number, expected a digit");
    if (peek() == '0') {
      ++i_;
      if (!at_end() && peek() >= '0' && peek() <= '9') {
        return fail(start, "invalid number, leading zeros are not allowed");
      }
    } else {
      digits();
    }
    bool integral = true;
    if (!at_end() && peek() == '.') {
      ++i_;
      integral = false;
      if (!digits()) return fail(i_, "invalid number, expected a digit after '.'");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++i_;
      integral = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++i_;
      if (!digits()) return fail(i_, "invalid number, expected a digit in the exponent");
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + i_;
    if (integral) {
      // simdjson keeps integers exact: beyond 64 bits it rejects them instead of rounding.
      int64_t as_signed;
      uint64_t as_unsigned;
      const bool in_range = *first == '-' ? std::from_chars(first, last, as_signed).ec == std::errc()
                                          : std::from_chars(first, last, as_unsigned).ec == std::errc();
      if (!in_range) return fail(start, "integer does not fit in 64 bits");
    } else {
      // Out of range either way; simdjson reads an underflow as 0 and rejects an overflow.
      double d;
      const std::string_view text(first, static_cast<size_t>(last - first));
      const bool underflow =
          text.find_first_of("eE") != std::string_view::npos && text.find('-', 1) != std::string_view::npos;
      if (std::from_chars(first, last, d).ec == std::errc::result_out_of_range && !underflow) {
        return fail(start, "number is too large for a double");
      }
    }
    if (!at_end() && (peek() == '.' || peek() == 'e' || peek() == 'E' || peek() == '+' || peek() == '-' ||
                      (peek() >= 'a' && peek() <= 'z') || (peek() >= 'A' && peek() <= 'Z'))) {
      return fail(i_, "invalid number, unexpected " + found());
    }
    return true;
  }

  bool hex4(uint32_t& cp) {
    cp = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      if (at_end()) return false;
      const unsigned char c = peek();
      uint32_t d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return false;
      cp = cp * 16 + d;
    }
    return true;
  }

  bool escape() {
    const size_t start = i_;  // at the backslash
    ++i_;
    if (at_end()) return fail(start, "unterminated string");
    const unsigned char c = peek();
    if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      ++i_;
      return true;
    }
    if (c != 'u') {
      if (c < 0x20 || c >= 0x7F) return fail(start, "invalid escape sequence in string");
      return fail(start, std::string("invalid escape sequence \\") + static_cast<char>(c) + " in string");
    }
    ++i_;
    uint32_t cp;
    if (!hex4(cp)) return fail(start, "invalid \\u escape, expected four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(start, "invalid \\u escape, unpaired low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low = 0;
      if (!consume("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return fail(start, "invalid \\u escape, high surrogate without a low surrogate");
      }
    }
    return true;
  }

  bool string() {
    const size_t open = i_++;
    while (!at_end()) {
      const unsigned char c = peek();
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail(i_, "unescaped control character in string (is a closing quote missing?)");
      } else if (c < 0x80) {
        ++i_;
      } else {
        size_t bad = 0;
        const size_t n = utf8_sequence(reinterpret_cast<const unsigned char*>(s_.data()) + i_, s_.size() - i_, bad);
        if (n == 0) return fail(i_, "invalid UTF-8 in string");
        i_ += n;
      }
    }
    return fail(open, "unterminated string");
  }

  bool array(int depth) {
    if (depth > kMaxDepth) return fail(i_, "nesting is deeper than 1024 levels");
    ++i_;
    skip_ws();
    if (!at_end() && peek() == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (!at_end() && peek() == ']') return fail(i_, "expected a value after ',' (trailing commas are not allowed)");
      if (!value(depth)) return false;
      skip_ws();
      if (at_end()) return fail(i_, "unexpected end of input, expected ',' or ']'");
      if (peek() == ']') {
        ++i_;
        return true;
      }
      if (peek() != ',') return fail(i_, "expected ',' or ']' after an array element, found " + found());
      ++i_;
    }
  }

  bool object(int depth) {
    if (depth > kMaxDepth) return fail(i_, "nesting is deeper than 1024 levels");
    ++i_;
    skip_ws();
    if (!at_end() && peek() == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (at_end()) return fail(i_, "unexpected end of input, expected a member name");
      if (peek() == '}') return fail(i_, "expected a member name after ',' (trailing commas are not allowed)");
      if (peek() != '"') return fail(i_, "expected a member name in double quotes, found " + found());
      if (!string()) return false;
      skip_ws();
      if (at_end() || peek() != ':') return fail(i_, "expected ':' after the member name, found " + found());
      ++i_;
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (at_end()) return fail(i_, "unexpected end of input, expected ',' or '}'");
      if (peek() == '}') {
        ++i_;
        return true;
      }
      if (peek() != ',') return fail(i_, "expected ',' or '}' after an object member, found " + found());
      ++i_;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::optional<std::pair<size_t, std::string>> error_;
};

// 1-based line and column (in characters, as editors count) of a byte offset.
std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

Value to_value(dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      const dom::array a = e.get_array().value_unsafe();
      Array out;
      out.reserve(a.size());
      for (dom::element x : a) out.push_back(to_value(x));
      return Value(std::move(out));
    }
    case dom::element_type::OBJECT: {
      const dom::object o = e.get_object().value_unsafe();
      Object out;
      out.reserve(o.size());
      for (auto it = o.begin(); it != o.end(); ++it) out.emplace_back(std::string(it.key()), to_value(it.value()));
      return Value(std::move(out));
    }
    case dom::element_type::INT64: return Value(e.get_int64().value_unsafe());
    // simdjson gives UINT64 only above INT64_MAX, which a long cannot hold.
    case dom::element_type::UINT64: return Value(static_cast<double>(e.get_uint64().value_unsafe()));
    case dom::element_type::DOUBLE: return Value(e.get_double().value_unsafe());
    case dom::element_type::STRING: return Value(e.get_string().value_unsafe());
    case dom::element_type::BOOL: return Value(e.get_bool().value_unsafe());
    case dom::element_type::NULL_VALUE: return Value();
  }
  return Value();
}

Result<Value> parse(std::string_view text, std::string_view where) {
  // Editors on Windows save a byte order mark, which simdjson does not skip.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  dom::parser parser;
  dom::element root;
  const simdjson::error_code code = parser.parse(text.data(), text.size(), true).get(root);
  if (!code) return to_value(root);

  std::string message;
  if (auto found = SyntaxScanner(text).run()) {
    auto [line, column] = line_column(text, found->first);
    message = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + found->second;
  } else {
    message = simdjson::error_message(code);
  }
  return fail(std::string(where), std::move(message));
}

namespace {
// True when none of the 8 bytes needs attention (control, '"', '\\', or non-ASCII): lets the
// writer skip plain text a word at a time. False positives only cost the byte-wise path.
inline bool plain_word(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  uint64_t control = (w - 0x20 * kOnes) & ~w;
  uint64_t q = w ^ (0x22 * kOnes), b = w ^ (0x5C * kOnes);
  uint64_t quote = (q - kOnes) & ~q, backslash = (b - kOnes) & ~b;
  return ((w | control | quote | backslash) & kHigh) == 0;
}
}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (!plain_word(w)) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t bad = 0;
      if (size_t len = utf8_sequence(p + i, n - i, bad)) {
        i += len;
        continue;
      }
      out.append(s.data() + run, i - run);
      out += "\xEF\xBF\xBD";  // U+FFFD keeps the output valid UTF-8
      i += bad;
      run = i;
      continue;
    }
    out.append(s.data() + run, i - run);
    append_escaped(out, c);
    run = ++i;
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

void append_element(std::string& out, dom::element e) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      const dom::array a = e.get_array().value_unsafe();
      for (dom::element x : a) {
        if (!first) out += ',';
        first = false;
        append_element(out, x);
      }
      out += ']';
      return;
    }
    case dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      const dom::object o = e.get_object().value_unsafe();
      for (auto it = o.begin(); it != o.end(); ++it) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, it.key());
        out += ':';
        append_element(out, it.value());
      }
      out += '}';
      return;
    }
    case dom::element_type::INT64: append_int(out, e.get_int64().value_unsafe()); return;
    case dom::element_type::UINT64: append_real(out, static_cast<double>(e.get_uint64().value_unsafe())); return;
    case dom::element_type::DOUBLE: append_real(out, e.get_double().value_unsafe()); return;
    case dom::element_type::STRING: append_json_string(out, e.get_string().value_unsafe()); return;
    case dom::element_type::BOOL: out += e.get_bool().value_unsafe() ? "true" : "false"; return;
    case dom::element_type::NULL_VALUE: out += "null"; return;
  }
}

namespace {
// Value::raw_json's parser: the text is canonical JSON the engine wrote itself.
Value parse_canonical(std::string_view text) {
  auto v = parse(text);
  return v ? std::move(*v) : Value();
}
}  // namespace

Value to_lazy_value(dom::element e) {
  auto t = e.type();
  if (t != dom::element_type::ARRAY && t != dom::element_type::OBJECT) return to_value(e);
  std::string text;
  append_element(text, e);
  return Value::raw_json(std::move(text), &parse_canonical);
}

void append_json(std::string& out, const Value& v) {
  if (const std::string* raw = v.raw_json_text()) {
    out += *raw;
    return;
  }
  switch (v.kind()) {
    case Kind::Null: out += "null"; return;
    case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::Int: append_int(out, v.as_int()); return;
    case Kind::Long: append_int(out, v.as_long()); return;
    case Kind::Real: append_real(out, v.as_real()); return;
    case Kind::String: append_json_string(out, v.as_string()); return;
    case Kind::DateTime: append_json_string(out, format_iso8601(v.as_datetime())); return;
    case Kind::TimeSpan: append_json_string(out, format_timespan(v.as_timespan())); return;
    case Kind::Guid: append_json_string(out, format_guid(v.as_guid())); return;
    case Kind::Array: {
      out += '[';
      bool first = true;
      for (const Value& x : v.as_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, x);
      }
      out += ']';
      return;
    }
    case Kind::Object: {
      out += '{';
      bool first = true;
      for (const auto& [k, x] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, k);
        out += ':';
        append_json(out, x);
      }
      out += '}';
      return;
    }
  }
}

std::string to_json(const Value& v) {
  std::string out;
  append_json(out, v);
  return out;
}

}  // namespace intake::json
