// Calendar arithmetic, parsing and formatting without libc's time zones or locales. The parser
// runs once per event, so it is hand-written and never allocates; formatting allocates only the
// resulting string.
#include "core/time.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>

namespace intake {
namespace {

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
constexpr int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                   // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468;
}

struct YearMonthDay {
  int64_t year;
  int month, day;
};

// Howard Hinnant's civil_from_days, the inverse of days_from_civil.
constexpr YearMonthDay civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                      // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                    // [0, 11]
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

constexpr int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

constexpr bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr int days_in_month(int64_t y, int m) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// The instants Kusto's datetime can hold: 0001-01-01 .. 9999-12-31T23:59:59.9999999.
constexpr int64_t kMinTicks = days_from_civil(1, 1, 1) * kTicksPerDay;
constexpr int64_t kMaxTicks = days_from_civil(10000, 1, 1) * kTicksPerDay - 1;

// 0 = Sunday; 1970-01-01 was a Thursday.
constexpr int weekday_from_days(int64_t days) { return static_cast<int>(((days % 7) + 11) % 7); }

constexpr const char* kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                       "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kDayNames[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

constexpr int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

// ---- Parsing -------------------------------------------------------------------------------

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A forward cursor over the input; every method consumes only on success.
struct Cursor {
  const char* p;
  const char* end;

  bool done() const { return p == end; }
  char peek() const { return p < end ? *p : '\0'; }
  bool eat(char c) {
    if (p == end || *p != c) return false;
    ++p;
    return true;
  }
  // Exactly n digits.
  bool digits(int n, int& out) {
    if (end - p < n) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      if (!is_digit(p[i])) return false;
      v = v * 10 + (p[i] - '0');
    }
    p += n;
    out = v;
    return true;
  }
  // One or two digits.
  bool digits_1_2(int& out) { return digits(2, out) || digits(1, out); }
  // A word matched ASCII case-insensitively.
  bool word(std::string_view w) {
    if (static_cast<size_t>(end - p) < w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i) {
      if (lower(p[i]) != lower(w[i])) return false;
    }
    p += w.size();
    return true;
  }
  bool spaces() {
    const char* start = p;
    while (p < end && *p == ' ') ++p;
    return p != start;
  }
  // A fraction's digits after the separator, as ticks: the first 7 count, the rest are dropped.
  bool fraction(int64_t& ticks) {
    const char* start = p;
    int64_t v = 0;
    for (; p < end && is_digit(*p); ++p) {
      if (p - start < 7) v = v * 10 + (*p - '0');
    }
    const auto n = p - start;
    if (n == 0) return false;
    ticks = n >= 7 ? v : v * kPow10[7 - n];
    return true;
  }
};

bool valid_date(int y, int m, int d) { return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m); }

bool valid_time(int h, int mi, int s) { return h <= 23 && mi <= 59 && s <= 59; }

// A numeric offset after its sign: hh, hhmm or hh:mm.
bool parse_offset_digits(Cursor& c, int64_t& ticks) {
  int h = 0, m = 0;
  if (!c.digits(2, h)) return false;
  if (c.eat(':')) {
    if (!c.digits(2, m)) return false;
  } else {
    c.digits(2, m);
  }
  if (h > 23 || m > 59) return false;
  ticks = h * kTicksPerHour + m * kTicksPerMinute;
  return true;
}

// Z, UTC, GMT, UT, +hh[[:]mm] or -hh[[:]mm]; the offset is what to subtract from local time.
bool parse_zone(Cursor& c, int64_t& offset) {
  offset = 0;
  if (c.word("UTC") || c.word("GMT") || c.word("UT") || c.word("Z")) return true;
  const char sign = c.peek();
  if (sign != '+' && sign != '-') return false;
  ++c.p;
  if (!parse_offset_digits(c, offset)) return false;
  if (sign == '-') offset = -offset;
  return true;
}

std::optional<DateTime> make_instant(int y, int mo, int d, int64_t time_of_day, int64_t offset) {
  const int64_t ticks = days_from_civil(y, mo, d) * kTicksPerDay + time_of_day - offset;
  if (ticks < kMinTicks || ticks > kMaxTicks) return std::nullopt;
  return DateTime{ticks};
}

// hh:mm[:ss[.f+]] (extended) or hhmm[ss[.f+]] (basic, after a basic date) as ticks.
bool parse_clock(Cursor& c, bool basic, int64_t& ticks) {
  int h = 0, mi = 0, s = 0;
  int64_t frac = 0;
  if (!c.digits(2, h)) return false;
  if (!basic && !c.eat(':')) return false;
  if (!c.digits(2, mi)) return false;
  bool has_seconds = false;
  if (basic) {
    has_seconds = c.digits(2, s);
  } else if (c.eat(':')) {
    if (!c.digits(2, s)) return false;
    has_seconds = true;
  }
  if (has_seconds && (c.eat('.') || c.eat(',')) && !c.fraction(frac)) return false;
  if (!valid_time(h, mi, s)) return false;
  ticks = h * kTicksPerHour + mi * kTicksPerMinute + s * kTicksPerSecond + frac;
  return true;
}

// ISO 8601 / RFC 3339 and their common relaxations: yyyy-MM-dd[(T|t| )hh:mm[:ss[.f+]][zone]],
// plus the basic form yyyyMMddThhmmss[zone] (AWS SigV4 style); a zone may follow one space.
std::optional<DateTime> parse_iso(Cursor c) {
  int y = 0, mo = 0, d = 0;
  if (!c.digits(4, y)) return std::nullopt;
  const bool basic = !c.eat('-');
  if (!c.digits(2, mo) || (!basic && !c.eat('-')) || !c.digits(2, d)) return std::nullopt;
  if (!valid_date(y, mo, d)) return std::nullopt;
  if (c.done() && !basic) return make_instant(y, mo, d, 0, 0);
  const char sep = c.peek();
  if (!(sep == 'T' || sep == 't' || (sep == ' ' && !basic))) return std::nullopt;
  ++c.p;
  int64_t time_of_day = 0, offset = 0;
  if (!parse_clock(c, basic, time_of_day)) return std::nullopt;
  if (!c.done()) {
    c.eat(' ');
    if (!parse_zone(c, offset) || !c.done()) return std::nullopt;
  }
  return make_instant(y, mo, d, time_of_day, offset);
}

// RFC 1123 / RFC 822 as in HTTP headers: [Mon, ]01 Jan 2024 12:00[:00] [GMT|+0000]. A weekday that
// disagrees with the date is accepted (only its spelling is checked): the date is the data.
std::optional<DateTime> parse_rfc1123(Cursor c) {
  for (const char* day : kDayNames) {
    if (c.word(std::string_view(day, 3))) {
      if (!c.eat(',')) return std::nullopt;
      c.spaces();
      break;
    }
  }
  int d = 0, y = 0, mo = 0;
  if (!c.digits_1_2(d) || !c.spaces()) return std::nullopt;
  for (int i = 0; i < 12 && mo == 0; ++i) {
    if (c.word(std::string_view(kMonthNames[i], 3))) mo = i + 1;
  }
  if (mo == 0 || !c.spaces() || !c.digits(4, y) || !c.spaces()) return std::nullopt;
  if (!valid_date(y, mo, d)) return std::nullopt;
  int64_t time_of_day = 0, offset = 0;
  if (!parse_clock(c, false, time_of_day)) return std::nullopt;
  if (c.spaces() && !parse_zone(c, offset)) return std::nullopt;
  if (!c.done()) return std::nullopt;
  return make_instant(y, mo, d, time_of_day, offset);
}

// ---- Formatting ----------------------------------------------------------------------------

// Writes v (>= 0) as at least `width` digits, zero-padded; returns the end.
char* put_uint(char* out, int64_t v, int width) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
  for (auto n = end - tmp; n < width; ++n) *out++ = '0';
  return std::copy(tmp, end, out);
}

char* put_2(char* out, int v) {
  *out++ = static_cast<char>('0' + v / 10);
  *out++ = static_cast<char>('0' + v % 10);
  return out;
}

char* put_str(char* out, std::string_view s) { return std::copy(s.begin(), s.end(), out); }

char* put_year(char* out, int64_t year, int width) {
  if (year < 0) {
    *out++ = '-';
    year = -year;
  }
  return put_uint(out, year, width);
}

// Kusto's datetime text, including the fraction only when it is not zero.
size_t write_iso8601(DateTime t, char* buf) {
  const CivilTime c = to_civil(t);
  char* p = put_year(buf, c.year, 4);
  *p++ = '-';
  p = put_2(p, c.month);
  *p++ = '-';
  p = put_2(p, c.day);
  *p++ = 'T';
  p = put_2(p, c.hour);
  *p++ = ':';
  p = put_2(p, c.minute);
  *p++ = ':';
  p = put_2(p, c.second);
  if (c.fraction_ticks != 0) {
    *p++ = '.';
    int64_t f = c.fraction_ticks;
    int digits = 7;
    while (f % 10 == 0) f /= 10, --digits;
    p = put_uint(p, f, digits);
  }
  *p++ = 'Z';
  return static_cast<size_t>(p - buf);
}

// .NET's invariant-culture standard formats (a one-character format string), as custom formats.
std::optional<std::string_view> standard_format(char c) {
  switch (c) {
    case 'd': return "MM/dd/yyyy";
    case 'D': return "dddd, dd MMMM yyyy";
    case 'f': return "dddd, dd MMMM yyyy HH:mm";
    case 'F':
    case 'U': return "dddd, dd MMMM yyyy HH:mm:ss";
    case 'g': return "MM/dd/yyyy HH:mm";
    case 'G': return "MM/dd/yyyy HH:mm:ss";
    case 'm':
    case 'M': return "MMMM dd";
    case 'o':
    case 'O': return "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK";
    case 'r':
    case 'R': return "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'";
    case 's': return "yyyy'-'MM'-'dd'T'HH':'mm':'ss";
    case 't': return "HH:mm";
    case 'T': return "HH:mm:ss";
    case 'u': return "yyyy'-'MM'-'dd HH':'mm':'ss'Z'";
    case 'y':
    case 'Y': return "yyyy MMMM";
    default: return std::nullopt;
  }
}

constexpr std::string_view kDefaultFormat = "yyyy-MM-ddTHH:mm:ssZ";

}  // namespace

CivilTime to_civil(DateTime t) {
  const int64_t days = floor_div(t.ticks, kTicksPerDay);
  const int64_t rest = (t.ticks % kTicksPerDay + kTicksPerDay) % kTicksPerDay;
  const YearMonthDay ymd = civil_from_days(days);
  CivilTime c;
  c.year = static_cast<int>(ymd.year);
  c.month = ymd.month;
  c.day = ymd.day;
  c.hour = static_cast<int>(rest / kTicksPerHour);
  c.minute = static_cast<int>(rest / kTicksPerMinute % 60);
  c.second = static_cast<int>(rest / kTicksPerSecond % 60);
  c.fraction_ticks = rest % kTicksPerSecond;
  return c;
}

DateTime from_civil(const CivilTime& c) {
  return DateTime{days_from_civil(c.year, c.month, c.day) * kTicksPerDay + c.hour * kTicksPerHour +
                  c.minute * kTicksPerMinute + c.second * kTicksPerSecond + c.fraction_ticks};
}

std::optional<DateTime> parse_datetime(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  Cursor c{text.data(), text.data() + text.size()};
  if (is_digit(c.peek())) {
    if (auto t = parse_iso(c)) return t;
  }
  return parse_rfc1123(c);
}

std::string format_iso8601(DateTime t) {
  char buf[48];
  return std::string(buf, write_iso8601(t, buf));
}

Status TimeFormat::compile_custom(std::string_view f, size_t base, std::vector<Token>& tokens) {
  using T = Token::Type;
  auto where = [&](size_t i) { return "at character " + std::to_string(base + i + 1); };
  auto literal = [&](std::string_view s) {
    if (!tokens.empty() && tokens.back().type == T::Literal) {
      tokens.back().literal += s;
    } else {
      tokens.push_back({T::Literal, std::string(s), 0});
    }
  };
  auto add = [&](T type, int width = 0) { tokens.push_back({type, {}, width}); };
  size_t i = 0;
  while (i < f.size()) {
    const char ch = f[i];
    size_t run = 1;
    while (i + run < f.size() && f[i + run] == ch) ++run;
    auto pick = [&](T one, T two) { add(run == 1 ? one : two); };
    switch (ch) {
      case 'y':
        if (run <= 2) add(T::Year2, static_cast<int>(run));
        else add(T::Year4, static_cast<int>(run));
        break;
      case 'M':
        if (run <= 2) pick(T::Month1, T::Month2);
        else add(run == 3 ? T::MonthAbbr : T::MonthName);
        break;
      case 'd':
        if (run <= 2) pick(T::Day1, T::Day2);
        else add(run == 3 ? T::DayAbbr : T::DayName);
        break;
      case 'H': pick(T::Hour24_1, T::Hour24_2); break;
      case 'h': pick(T::Hour12_1, T::Hour12_2); break;
      case 'm': pick(T::Minute1, T::Minute2); break;
      case 's': pick(T::Second1, T::Second2); break;
      case 't': add(T::AmPm, run == 1 ? 1 : 2); break;
      case 'K': add(T::OffsetK); break;
      case 'z': add(run == 1 ? T::OffsetZ : run == 2 ? T::OffsetZz : T::OffsetZzz); break;
      case 'g': literal("A.D."); break;
      case 'f':
      case 'F':
        if (run > 7) return fail(where(i) + ": more than 7 '" + std::string(1, ch) + "' (fraction digits go up to 7)");
        add(ch == 'f' ? T::Fraction : T::FractionTrim, static_cast<int>(run));
        break;
      case '\'':
      case '"': {
        std::string text;
        size_t j = i + 1;
        for (; j < f.size() && f[j] != ch; ++j) {
          if (f[j] == '\\' && j + 1 < f.size()) ++j;
          text += f[j];
        }
        if (j >= f.size()) return fail(where(i) + ": quoted text has no closing " + std::string(1, ch));
        literal(text);
        run = j + 1 - i;
        break;
      }
      case '\\':
        if (i + 1 >= f.size()) return fail(where(i) + ": '\\' at the end escapes nothing");
        literal(f.substr(i + 1, 1));
        run = 2;
        break;
      case '%':
        // "%c" formats the single custom specifier c ("%d" is the unpadded day).
        if (i + 1 >= f.size() || f[i + 1] == '%') return fail(where(i) + ": '%' must be followed by a specifier");
        if (auto s = compile_custom(f.substr(i + 1, 1), base + i + 1, tokens); !s) return s;
        run = 2;
        break;
      default:
        // Everything else, including ':' and '/' (invariant culture), is copied as is.
        literal(f.substr(i, run));
        break;
    }
    i += run;
  }
  return {};
}

Result<TimeFormat> TimeFormat::compile(std::string_view format) {
  TimeFormat tf;
  tf.source_ = std::string(format);
  if (iequals(format, "UnixTimestamp")) {
    tf.kind_ = Kind::UnixSeconds;
    return tf;
  }
  if (iequals(format, "UnixTimestampInMills")) {
    tf.kind_ = Kind::UnixMillis;
    return tf;
  }
  std::string_view custom = format.empty() ? kDefaultFormat : format;
  if (custom.size() == 1) {
    auto standard = standard_format(custom[0]);
    if (!standard) {
      return fail("time format \"" + tf.source_ + "\": a one-character format is a .NET standard format, and '" +
                  tf.source_ + "' is not one (write %" + tf.source_ + " for the custom specifier)");
    }
    custom = *standard;
  }
  if (auto s = compile_custom(custom, 0, tf.tokens_); !s) {
    return std::unexpected(Error("time format \"" + tf.source_ + "\": " + s.error().message));
  }
  using T = Token::Type;
  for (const Token& t : tf.tokens_) {
    switch (t.type) {
      case T::Literal: tf.max_len_ += t.literal.size(); break;
      case T::Year4: tf.max_len_ += static_cast<size_t>(std::max(t.width, 5)) + 1; break;
      case T::Fraction:
      case T::FractionTrim: tf.max_len_ += static_cast<size_t>(t.width); break;
      case T::MonthName:
      case T::DayName: tf.max_len_ += 9; break;
      case T::MonthAbbr:
      case T::DayAbbr:
      case T::OffsetZzz: tf.max_len_ += 6; break;
      default: tf.max_len_ += 3; break;
    }
  }
  return tf;
}

size_t TimeFormat::render(DateTime t, char* out) const {
  using T = Token::Type;
  const CivilTime c = to_civil(t);
  char* p = out;
  for (const Token& tok : tokens_) {
    switch (tok.type) {
      case T::Literal: p = put_str(p, tok.literal); break;
      case T::Year4: p = put_year(p, c.year, tok.width); break;
      case T::Year2: p = put_uint(p, (c.year % 100 + 100) % 100, tok.width); break;
      case T::Month2: p = put_2(p, c.month); break;
      case T::Month1: p = put_uint(p, c.month, 1); break;
      case T::MonthAbbr: p = put_str(p, std::string_view(kMonthNames[c.month - 1], 3)); break;
      case T::MonthName: p = put_str(p, kMonthNames[c.month - 1]); break;
      case T::Day2: p = put_2(p, c.day); break;
      case T::Day1: p = put_uint(p, c.day, 1); break;
      case T::DayAbbr:
      case T::DayName: {
        std::string_view name = kDayNames[weekday_from_days(floor_div(t.ticks, kTicksPerDay))];
        p = put_str(p, tok.type == T::DayAbbr ? name.substr(0, 3) : name);
        break;
      }
      case T::Hour24_2: p = put_2(p, c.hour); break;
      case T::Hour24_1: p = put_uint(p, c.hour, 1); break;
      case T::Hour12_2:
      case T::Hour12_1: p = put_uint(p, c.hour % 12 == 0 ? 12 : c.hour % 12, tok.type == T::Hour12_2 ? 2 : 1); break;
      case T::Minute2: p = put_2(p, c.minute); break;
      case T::Minute1: p = put_uint(p, c.minute, 1); break;
      case T::Second2: p = put_2(p, c.second); break;
      case T::Second1: p = put_uint(p, c.second, 1); break;
      case T::Fraction: p = put_uint(p, c.fraction_ticks / kPow10[7 - tok.width], tok.width); break;
      case T::FractionTrim: {
        int64_t f = c.fraction_ticks / kPow10[7 - tok.width];
        int digits = tok.width;
        while (digits > 0 && f % 10 == 0) f /= 10, --digits;
        if (digits > 0) {
          p = put_uint(p, f, digits);
        } else if (p > out && p[-1] == '.') {
          --p;  // .NET drops the separator of an all-zero F fraction.
        }
        break;
      }
      case T::AmPm: p = put_str(p, std::string_view(c.hour < 12 ? "AM" : "PM").substr(0, tok.width)); break;
      case T::OffsetK: *p++ = 'Z'; break;
      case T::OffsetZzz: p = put_str(p, "+00:00"); break;
      case T::OffsetZz: p = put_str(p, "+00"); break;
      case T::OffsetZ: p = put_str(p, "+0"); break;
    }
  }
  return static_cast<size_t>(p - out);
}

std::string TimeFormat::format(DateTime t) const {
  if (kind_ != Kind::Custom) {
    char buf[24];
    const int64_t v = floor_div(t.ticks, kind_ == Kind::UnixSeconds ? kTicksPerSecond : kTicksPerMillisecond);
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
  }
  constexpr size_t kStack = 128;
  if (max_len_ <= kStack) {
    char buf[kStack];
    return std::string(buf, render(t, buf));
  }
  std::string out(max_len_, '\0');
  out.resize(render(t, out.data()));
  return out;
}

DateTime system_now() {
  using Ticks = std::chrono::duration<int64_t, std::ratio<1, kTicksPerSecond>>;
  return DateTime{std::chrono::floor<Ticks>(std::chrono::system_clock::now().time_since_epoch()).count()};
}

std::optional<int64_t> parse_duration(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  int64_t n = 0;
  auto [num_end, ec] = std::from_chars(p, end, n);
  if (ec != std::errc() || p == end || !is_digit(*p)) return std::nullopt;
  const std::string_view unit(num_end, static_cast<size_t>(end - num_end));
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = kTicksPerSecond;
  else if (unit == "ms") scale = kTicksPerMillisecond;
  else if (unit == "m") scale = kTicksPerMinute;
  else if (unit == "h") scale = kTicksPerHour;
  else if (unit == "d") scale = kTicksPerDay;
  else return std::nullopt;
  if (n > std::numeric_limits<int64_t>::max() / scale) return std::nullopt;
  return n * scale;
}

}  // namespace intake
