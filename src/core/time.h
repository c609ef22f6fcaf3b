// Time parsing and formatting: ISO 8601 and the forms vendors send, .NET custom format strings
// (CCP's queryTimeFormat), Unix seconds and milliseconds, and an injectable clock.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/value.h"

namespace intake {

// Parses the date-time forms met in the wild, always to UTC:
//   2024-01-01T12:00:00Z, ...T12:00:00.1234567Z, ...T12:00:00+02:00, ...T12:00:00.000+0000 (Jira),
//   2024-01-01 12:00:00, 2024-01-01T12:00:00 (no zone = UTC), 2024-01-01 (midnight),
//   RFC 1123 "Mon, 01 Jan 2024 12:00:00 GMT".
// Fractions beyond 7 digits are truncated. nullopt when the text is not a date-time.
std::optional<DateTime> parse_datetime(std::string_view text);

// Kusto's rendering: 2024-01-01T12:00:00Z, or with the fraction when non-zero, trailing zeros
// removed (2024-01-01T12:00:00.123Z).
std::string format_iso8601(DateTime t);

// Civil calendar helpers (proleptic Gregorian, UTC).
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t fraction_ticks = 0;  // 0 .. 9,999,999
};
CivilTime to_civil(DateTime t);
DateTime from_civil(const CivilTime& c);

// A compiled CCP queryTimeFormat: "UnixTimestamp" (seconds), "UnixTimestampInMills"
// (milliseconds), or a .NET custom date/time format string applied to UTC with the invariant
// culture (yyyy MM MMM MMMM dd ddd dddd HH hh mm ss f..fffffff F.. tt K zzz, quoted literals,
// \x escapes, %c; runs of `s` longer than two print two-digit seconds again, as .NET does).
// A one-character format is a .NET standard format (o, s, u, R, d, G, ...), as in .NET.
class TimeFormat {
 public:
  // Errors name the offending specifier position. An empty string compiles to the default
  // "yyyy-MM-ddTHH:mm:ssZ".
  static Result<TimeFormat> compile(std::string_view format);

  std::string format(DateTime t) const;
  // True for the Unix forms, whose output is a bare number (inserted unquoted in JSON bodies).
  bool is_numeric() const { return kind_ != Kind::Custom; }
  const std::string& source() const { return source_; }

 private:
  enum class Kind { UnixSeconds, UnixMillis, Custom };
  struct Token {
    enum class Type { Literal, Year4, Year2, Month2, Month1, Day2, Day1, Hour24_2, Hour24_1, Hour12_2, Hour12_1,
                      Minute2, Minute1, Second2, Second1, Fraction, FractionTrim, AmPm, OffsetK, OffsetZzz, OffsetZz, OffsetZ,
                      MonthAbbr, MonthName, DayAbbr, DayName };
    Type type;
    std::string literal;  // for Literal
    int width = 0;        // digits for Year4 (padding) / Year2 (1 = unpadded) / Fraction / FractionTrim; AmPm: 1 = "A"/"P"
  };
  static Status compile_custom(std::string_view format, size_t base, std::vector<Token>& tokens);
  // Writes the custom rendering to `out` (at least max_len_ bytes) and returns its length.
  size_t render(DateTime t, char* out) const;

  Kind kind_ = Kind::Custom;
  std::string source_;
  std::vector<Token> tokens_;
  size_t max_len_ = 0;  // upper bound of a custom rendering, so format() allocates only its result
};

// The engine's clock. Tests inject a fixed or stepping clock; production uses the system clock.
using Clock = std::function<DateTime()>;
DateTime system_now();

// Parses a duration like "5m", "2h", "7d", "30s", "90" (seconds) into ticks; nullopt if malformed.
std::optional<int64_t> parse_duration(std::string_view text);

}  // namespace intake
