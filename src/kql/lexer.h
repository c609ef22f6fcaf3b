// KQL tokens with source positions. Literal forms whose text is not an expression
// (datetime(...), timespan(...), guid(...), dynamic(...), typed scalars like long(5)) are lexed
// as one token carrying the raw text between the parentheses, so the parser never has to
// re-tokenise dates or JSON. Dashed operator names (project-away, mv-expand, ...) and negated
// string operators (!contains, !in, ...) are single identifier tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace intake::kql {

struct Pos {
  int line = 1;
  int col = 1;
};

// "kql:LINE:COL"
std::string where_of(Pos p);
inline std::unexpected<Error> fail_at(Pos p, std::string message) { return fail(where_of(p), std::move(message)); }

enum class Tok : uint8_t {
  End,
  Ident,     // names, keywords, dashed operators, !-negated operators
  String,    // text holds the decoded value
  Long,      // integer literal
  Real,      // floating literal
  TimeSpan,  // number with a unit (1d, 30m, 5tick); ticks in `ticks`
  TypedLit,  // datetime(...), dynamic(...), long(...): `text` = type name, `raw` = inside of ( )
  Punct,     // operators and punctuation: == != =~ !~ <= >= < > = + - * / % ( ) [ ] { } , ; | . .. : $ => !
};

struct Token {
  Tok kind = Tok::End;
  std::string text;
  std::string raw;  // TypedLit only
  int64_t ticks = 0;
  int64_t long_value = 0;
  double real_value = 0;
  Pos pos;
  bool space_before = false;  // whitespace or comment precedes this token
};

// Tokenises the whole text; errors carry the position ("kql:1:5: unterminated string literal").
Result<std::vector<Token>> lex(std::string_view text);

}  // namespace intake::kql
