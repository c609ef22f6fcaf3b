// Hand-written scanner: one pass, positions tracked per character, no regexes.
#include "kql/lexer.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/value.h"

namespace intake::kql {

std::string where_of(Pos p) { return "kql:" + std::to_string(p.line) + ":" + std::to_string(p.col); }

namespace {

bool is_ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Timespan literal units and their length in ticks.
int64_t unit_ticks(std::string_view u) {
  struct U { std::string_view name; int64_t ticks; };
  static constexpr std::array<U, 27> kUnits{{
      {"d", kTicksPerDay}, {"day", kTicksPerDay}, {"days", kTicksPerDay},
      {"h", kTicksPerHour}, {"hr", kTicksPerHour}, {"hrs", kTicksPerHour}, {"hour", kTicksPerHour}, {"hours", kTicksPerHour},
      {"m", kTicksPerMinute}, {"min", kTicksPerMinute}, {"minute", kTicksPerMinute}, {"minutes", kTicksPerMinute},
      {"s", kTicksPerSecond}, {"sec", kTicksPerSecond}, {"second", kTicksPerSecond}, {"seconds", kTicksPerSecond},
      {"ms", kTicksPerMillisecond}, {"milli", kTicksPerMillisecond}, {"millis", kTicksPerMillisecond},
      {"millisecond", kTicksPerMillisecond}, {"milliseconds", kTicksPerMillisecond},
      {"microsecond", kTicksPerMicrosecond}, {"microseconds", kTicksPerMicrosecond},
      {"tick", 1}, {"ticks", 1}, {"nanosecond", 0}, {"nanoseconds", 0},
  }};
  for (const auto& x : kUnits)
    if (x.name == u) return x.ticks == 0 ? -2 : x.ticks;  // nanoseconds: sub-tick, handled by caller
  return -1;
}

bool is_typed_literal_name(std::string_view s) {
  static constexpr std::array<std::string_view, 16> kNames{"datetime", "date", "timespan", "time", "guid", "uuid",
                                                          "uniqueid", "dynamic", "bool", "boolean", "int", "long",
                                                          "real", "double", "decimal", "int64"};
  for (auto n : kNames)
    if (n == s) return true;
  return false;
}

bool is_dashed_keyword(std::string_view s) {
  static constexpr std::array<std::string_view, 11> kNames{"project-away", "project-rename", "project-keep",
                                                          "project-reorder", "mv-expand", "mv-apply", "parse-where",
                                                          "parse-kv", "make-series", "top-nested", "top-hitters"};
  for (auto n : kNames)
    if (n == s) return true;
  return false;
}

class Lexer {
 public:
  explicit Lexer(std::string_view t) : t_(t) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      bool space = skip_space();
      Token tok;
      tok.pos = pos_;
      tok.space_before = space;
      if (i_ >= t_.size()) {
        out.push_back(std::move(tok));
        return out;
      }
      if (auto st = next(tok); !st) return std::unexpected(st.error());
      out.push_back(std::move(tok));
    }
  }

 private:
  char peek(size_t k = 0) const { return i_ + k < t_.size() ? t_[i_ + k] : '\0'; }
  void adv(size_t n = 1) {
    for (size_t k = 0; k < n && i_ < t_.size(); ++k, ++i_) {
      if (t_[i_] == '\n') {
        ++pos_.line;
        pos_.col = 1;
      } else {
        ++pos_.col;
      }
    }
  }

  bool skip_space() {
    bool any = false;
    for (;;) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
        adv();
        any = true;
      } else if (c == '/' && peek(1) == '/') {
        while (i_ < t_.size() && peek() != '\n') adv();
        any = true;
      } else {
        return any;
      }
    }
  }

  Status next(Token& tok) {
    char c = peek();
    // Strings, verbatim and obfuscated strings.
    if (c == '\'' || c == '"') return string(tok, false);
    if (c == '@' && (peek(1) == '\'' || peek(1) == '"')) {
      adv();
      return string(tok, true);
    }
    if ((c == 'h' || c == 'H') && (peek(1) == '\'' || peek(1) == '"')) {
      adv();
      return string(tok, false);
    }
    if ((c == 'h' || c == 'H') && peek(1) == '@' && (peek(2) == '\'' || peek(2) == '"')) {
      adv(2);
      return string(tok, true);
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))))
      return number(tok);
    if (is_ident_start(c)) return ident(tok);
    if (c == '!' && is_ident_start(peek(1)) && peek(1) != '$') {
      adv();
      Token inner;
      if (auto st = ident(inner); !st) return st;
      tok.kind = Tok::Ident;
      tok.text = "!" + inner.text;
      return {};
    }
    static constexpr std::array<std::string_view, 9> kTwo{"==", "!=", "=~", "!~", "<=", ">=", "..", "=>", "<>"};
    for (auto p : kTwo) {
      if (peek() == p[0] && peek(1) == p[1]) {
        tok.kind = Tok::Punct;
        tok.text = std::string(p);
        adv(2);
        return {};
      }
    }
    static constexpr std::string_view kOne = "<>=+-*/%()[]{},;|.:!~";
    if (kOne.find(c) != std::string_view::npos) {
      tok.kind = Tok::Punct;
      tok.text = std::string(1, c);
      adv();
      return {};
    }
    return fail_at(pos_, std::string("unexpected character '") + c + "'");
  }

  Status string(Token& tok, bool verbatim) {
    Pos start = pos_;
    char q = peek();
    adv();
    tok.kind = Tok::String;
    std::string& s = tok.text;
    for (;;) {
      if (i_ >= t_.size()) return fail_at(start, "unterminated string literal");
      char c = peek();
      if (c == q) {
        if (verbatim && peek(1) == q) {
          s += q;
          adv(2);
          continue;
        }
        adv();
        return {};
      }
      if (!verbatim && c == '\n') return fail_at(start, "unterminated string literal");
      if (!verbatim && c == '\\') {
        char e = peek(1);
        adv(2);
        switch (e) {
          case 'n': s += '\n'; break;
          case 't': s += '\t'; break;
          case 'r': s += '\r'; break;
          case '0': s += '\0'; break;
          case 'b': s += '\b'; break;
          case 'f': s += '\f'; break;
          case 'u': {
            if (i_ + 4 > t_.size()) return fail_at(start, "bad \\u escape in string literal");
            unsigned cp = 0;
            auto r = std::from_chars(t_.data() + i_, t_.data() + i_ + 4, cp, 16);
            if (r.ec != std::errc() || r.ptr != t_.data() + i_ + 4) return fail_at(start, "bad \\u escape in string literal");
            adv(4);
            append_utf8(s, cp);
            break;
          }
          case '\0': return fail_at(start, "unterminated string literal");
          default: s += e; break;  // \\ \' \" and unknown escapes keep the character
        }
        continue;
      }
      s += c;
      adv();
    }
  }

  static void append_utf8(std::string& s, unsigned cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  Status number(Token& tok) {
    Pos start = pos_;
    size_t b = i_;
    bool is_real = false;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      adv(2);
      size_t hb = i_;
      while (std::isxdigit(static_cast<unsigned char>(peek()))) adv();
      uint64_t v = 0;
      auto r = std::from_chars(t_.data() + hb, t_.data() + i_, v, 16);
      if (r.ec != std::errc() || hb == i_) return fail_at(start, "invalid hexadecimal literal");
      tok.kind = Tok::Long;
      tok.long_value = static_cast<int64_t>(v);
      tok.text = std::string(t_.substr(b, i_ - b));
      return {};
    }
    while (std::isdigit(static_cast<unsigned char>(peek()))) adv();
    if (peek() == '.' && std::isdigit(static_cast<unsigned char>(peek(1)))) {
      is_real = true;
      adv();
      while (std::isdigit(static_cast<unsigned char>(peek()))) adv();
    } else if (peek() == '.' && peek(1) != '.' && !is_ident_start(peek(1))) {
      is_real = true;  // "1." is a real
      adv();
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (std::isdigit(static_cast<unsigned char>(peek(1))) ||
         ((peek(1) == '+' || peek(1) == '-') && std::isdigit(static_cast<unsigned char>(peek(2)))))) {
      is_real = true;
      adv(2);
      while (std::isdigit(static_cast<unsigned char>(peek()))) adv();
    }
    std::string num(t_.substr(b, i_ - b));
    tok.text = num;
    if (is_ident_start(peek()) && peek() != '$') {
      size_t ub = i_;
      while (is_ident_char(peek())) adv();
      std::string_view unit = t_.substr(ub, i_ - ub);
      int64_t per = unit_ticks(unit);
      if (per == -1) return fail_at(start, "invalid literal '" + num + std::string(unit) + "' (unknown timespan unit)");
      double v = std::strtod(num.c_str(), nullptr);
      double t = per == -2 ? v / 100.0 : v * static_cast<double>(per);
      if (!(std::abs(t) < 9.2e18)) return fail_at(start, "timespan literal '" + std::string(t_.substr(b, i_ - b)) + "' out of range");
      tok.kind = Tok::TimeSpan;
      tok.ticks = static_cast<int64_t>(std::llround(t));
      tok.text = std::string(t_.substr(b, i_ - b));
      return {};
    }
    if (is_real) {
      tok.kind = Tok::Real;
      tok.real_value = std::strtod(num.c_str(), nullptr);
      return {};
    }
    int64_t v = 0;
    auto r = std::from_chars(num.data(), num.data() + num.size(), v);
    if (r.ec != std::errc()) {
      tok.kind = Tok::Real;  // too large for a long: Kusto reads it as real
      tok.real_value = std::strtod(num.c_str(), nullptr);
      return {};
    }
    tok.kind = Tok::Long;
    tok.long_value = v;
    return {};
  }

  Status ident(Token& tok) {
    size_t b = i_;
    adv();
    while (is_ident_char(peek())) adv();
    std::string name(t_.substr(b, i_ - b));
    // Dashed operator names.
    if (peek() == '-' && is_ident_start(peek(1))) {
      size_t save_i = i_;
      Pos save_p = pos_;
      adv();
      size_t b2 = i_;
      while (is_ident_char(peek())) adv();
      std::string dashed = name + "-" + std::string(t_.substr(b2, i_ - b2));
      if (is_dashed_keyword(dashed)) {
        name = dashed;
      } else {
        i_ = save_i;
        pos_ = save_p;
      }
    }
    // in~ / !in~ style case-insensitive variants.
    if (peek() == '~' && (name == "in" || name == "has_any" || name == "has_all")) {
      adv();
      name += "~";
    }
    // Typed literals: datetime(...), dynamic(...), long(...).
    if (is_typed_literal_name(name)) {
      size_t save_i = i_;
      Pos save_p = pos_;
      skip_space();
      if (peek() == '(') {
        Pos open = pos_;
        adv();
        size_t rb = i_;
        int depth = 1;
        while (i_ < t_.size()) {
          char c = peek();
          if (c == '"' || c == '\'') {
            char q = c;
            adv();
            while (i_ < t_.size() && peek() != q) {
              if (peek() == '\\') adv();
              adv();
            }
            adv();
            continue;
          }
          if (c == '(' || c == '[' || c == '{') ++depth;
          if (c == ')' || c == ']' || c == '}') --depth;
          if (depth == 0) break;
          adv();
        }
        if (i_ >= t_.size()) return fail_at(open, "unterminated " + name + "(...) literal");
        tok.kind = Tok::TypedLit;
        tok.text = name;
        tok.raw = std::string(t_.substr(rb, i_ - rb));
        adv();  // ')'
        return {};
      }
      i_ = save_i;
      pos_ = save_p;
    }
    tok.kind = Tok::Ident;
    tok.text = std::move(name);
    return {};
  }

  std::string_view t_;
  size_t i_ = 0;
  Pos pos_;
};

}  // namespace

Result<std::vector<Token>> lex(std::string_view text) { return Lexer(text).run(); }

}  // namespace intake::kql
