// Datetime and timespan functions. Datetimes are UTC; weeks start on Sunday (startofweek,
// dayofweek) except weekofyear, which is ISO 8601. Results outside Kusto's range
// (0001-01-01 .. 9999-12-31) are null.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/time.h"
#include "kql/functions_internal.h"

namespace intake::kql::detail {
namespace {

using Args = std::span<const Value>;
using Bound = std::span<const BoundArg>;
constexpr ColumnType DT = ColumnType::DateTime;
constexpr ColumnType TS = ColumnType::TimeSpan;
constexpr ColumnType I = ColumnType::Int;

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(int64_t y, int m) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

int64_t min_ticks() {
  static const int64_t v = from_civil(CivilTime{1, 1, 1, 0, 0, 0, 0}).ticks;
  return v;
}
int64_t max_ticks() {
  static const int64_t v = from_civil(CivilTime{9999, 12, 31, 23, 59, 59, 9'999'999}).ticks;
  return v;
}

Value datetime_value(int64_t ticks) {
  if (ticks < min_ticks() || ticks > max_ticks()) return Value();
  return Value(DateTime{ticks});
}

// A civil date with the year range checked, so from_civil never sees a year it cannot hold.
Value make_date(int64_t year, int month, int day, int64_t time_of_day_ticks = 0) {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return Value();
  const int64_t midnight = from_civil(CivilTime{static_cast<int>(year), month, day, 0, 0, 0, 0}).ticks;
  return datetime_value(midnight + time_of_day_ticks);
}

int64_t day_number(DateTime t) { return floor_div(t.ticks, kTicksPerDay); }
// 0 = Sunday; 1970-01-01 was a Thursday.
int weekday(DateTime t) { return static_cast<int>(((day_number(t) % 7) + 11) % 7); }

int day_of_year(const CivilTime& c) {
  int n = c.day;
  for (int m = 1; m < c.month; ++m) n += days_in_month(c.year, m);
  return n;
}

// ISO 8601 week number: the week with the year's first Thursday is week 1.
int iso_week(DateTime t) {
  const CivilTime c = to_civil(t);
  const int wd = (weekday(t) + 6) % 7;  // Monday = 0
  const int doy = day_of_year(c) - 1;
  const int week = (doy - wd + 10) / 7;
  if (week < 1) {
    const int prev = c.year - 1;
    const int prev_days = is_leap(prev) ? 366 : 365;
    return (doy + prev_days - wd + 10) / 7;
  }
  const int year_days = is_leap(c.year) ? 366 : 365;
  if (week == 53 && doy - wd + 3 >= year_days) return 1;  // its Thursday is in next year
  return week;
}

std::optional<int64_t> optional_long(Args a, size_t i, int64_t fallback) {
  if (a.size() <= i) return fallback;
  return long_arg(a[i]);
}

// ---- now, ago ----

Value eval_now(Args a, const EvalContext& ctx) {
  if (a.empty()) return Value(ctx.now);
  auto offset = timespan_arg(a[0]);
  return offset ? datetime_value(ctx.now.ticks + offset->ticks) : Value();
}

Value eval_ago(Args a, const EvalContext& ctx) {
  auto span = timespan_arg(a[0]);
  return span ? datetime_value(ctx.now.ticks - span->ticks) : Value();
}

// ---- parts ----

template <int (*Part)(DateTime)>
Value eval_part(Args a, const EvalContext&) {
  auto t = datetime_arg(a[0]);
  return t ? Value(static_cast<int32_t>(Part(*t))) : Value();
}

int part_year(DateTime t) { return to_civil(t).year; }
int part_month(DateTime t) { return to_civil(t).month; }
int part_day(DateTime t) { return to_civil(t).day; }
int part_hour(DateTime t) { return to_civil(t).hour; }
int part_day_of_year(DateTime t) { return day_of_year(to_civil(t)); }

Value eval_dayofweek(Args a, const EvalContext&) {
  auto t = datetime_arg(a[0]);
  return t ? Value(TimeSpan{weekday(*t) * kTicksPerDay}) : Value();
}

enum class Part { Year, Quarter, Month, Week, WeekOfYear, Day, DayOfYear, Hour, Minute, Second, Millisecond, Microsecond, Nanosecond };

std::optional<Part> parse_part(std::string_view name) {
  struct Name {
    std::string_view text;
    Part part;
  };
  static constexpr Name kNames[] = {
      {"year", Part::Year},       {"quarter", Part::Quarter},       {"month", Part::Month},
      {"week", Part::Week},       {"week_of_year", Part::WeekOfYear}, {"weekofyear", Part::WeekOfYear},
      {"day", Part::Day},         {"dayofyear", Part::DayOfYear},   {"hour", Part::Hour},
      {"minute", Part::Minute},   {"second", Part::Second},         {"millisecond", Part::Millisecond},
      {"microsecond", Part::Microsecond}, {"nanosecond", Part::Nanosecond},
  };
  for (const auto& n : kNames) {
    if (iequals(n.text, name)) return n.part;
  }
  return std::nullopt;
}

Value eval_datetime_part(Args a, const EvalContext&) {
  auto part = parse_part(StringArg(a[0]).get());
  auto t = datetime_arg(a[1]);
  if (!part || !t) return Value();
  const CivilTime c = to_civil(*t);
  int v = 0;
  switch (*part) {
    case Part::Year: v = c.year; break;
    case Part::Quarter: v = (c.month - 1) / 3 + 1; break;
    case Part::Month: v = c.month; break;
    case Part::Week:
    case Part::WeekOfYear: v = iso_week(*t); break;
    case Part::Day: v = c.day; break;
    case Part::DayOfYear: v = day_of_year(c); break;
    case Part::Hour: v = c.hour; break;
    case Part::Minute: v = c.minute; break;
    case Part::Second: v = c.second; break;
    case Part::Millisecond: v = static_cast<int>(c.fraction_ticks / kTicksPerMillisecond); break;
    case Part::Microsecond: v = static_cast<int>(c.fraction_ticks / kTicksPerMicrosecond); break;
    case Part::Nanosecond: v = static_cast<int>(c.fraction_ticks * 100); break;
  }
  return Value(static_cast<int32_t>(v));
}

// ---- arithmetic by calendar parts ----

// Adds months keeping the day, clamped to the target month's length (Jan 31 + 1 month = Feb 29/28).
Value add_months(DateTime t, int64_t months) {
  const CivilTime c = to_civil(t);
  const int64_t total = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  const int64_t year = floor_div(total, 12);
  const int month = static_cast<int>(total - year * 12) + 1;
  if (year < 1 || year > 9999) return Value();
  const int64_t time_of_day = t.ticks - floor_div(t.ticks, kTicksPerDay) * kTicksPerDay;
  return make_date(year, month, std::min(c.day, days_in_month(year, month)), time_of_day);
}

std::optional<int64_t> part_ticks(Part p) {
  switch (p) {
    case Part::Week: return 7 * kTicksPerDay;
    case Part::Day: return kTicksPerDay;
    case Part::Hour: return kTicksPerHour;
    case Part::Minute: return kTicksPerMinute;
    case Part::Second: return kTicksPerSecond;
    case Part::Millisecond: return kTicksPerMillisecond;
    case Part::Microsecond: return kTicksPerMicrosecond;
    default: return std::nullopt;
  }
}

Value eval_datetime_add(Args a, const EvalContext&) {
  auto part = parse_part(StringArg(a[0]).get());
  auto amount = long_arg(a[1]);
  auto t = datetime_arg(a[2]);
  if (!part || !amount || !t) return Value();
  // Months and years stay far below overflow; reject amounts that could not land in range.
  if (*amount > 4'000'000'000'000LL || *amount < -4'000'000'000'000LL) return Value();
  switch (*part) {
    case Part::Year: return add_months(*t, *amount * 12);
    case Part::Quarter: return add_months(*t, *amount * 3);
    case Part::Month: return add_months(*t, *amount);
    case Part::Nanosecond: return datetime_value(t->ticks + *amount / 100);
    default: break;
  }
  auto unit = part_ticks(*part);
  if (!unit) return Value();
  int64_t delta = 0;
  if (__builtin_mul_overflow(*amount, *unit, &delta)) return Value();
  int64_t ticks = 0;
  if (__builtin_add_overflow(t->ticks, delta, &ticks)) return Value();
  return datetime_value(ticks);
}

// datetime_diff(part, a, b): boundaries crossed from b to a (calendar parts compare the part
// numbers; weeks start on Sunday; smaller units compare floored tick counts).
Value eval_datetime_diff(Args a, const EvalContext&) {
  auto part = parse_part(StringArg(a[0]).get());
  auto t1 = datetime_arg(a[1]);
  auto t2 = datetime_arg(a[2]);
  if (!part || !t1 || !t2) return Value();
  const CivilTime c1 = to_civil(*t1), c2 = to_civil(*t2);
  switch (*part) {
    case Part::Year: return Value(static_cast<int64_t>(c1.year - c2.year));
    case Part::Quarter:
      return Value(static_cast<int64_t>((c1.year * 4 + (c1.month - 1) / 3) - (c2.year * 4 + (c2.month - 1) / 3)));
    case Part::Month: return Value(static_cast<int64_t>((c1.year * 12 + c1.month) - (c2.year * 12 + c2.month)));
    case Part::Week:
    case Part::WeekOfYear: {
      const int64_t w1 = day_number(*t1) - weekday(*t1), w2 = day_number(*t2) - weekday(*t2);
      return Value((w1 - w2) / 7);
    }
    case Part::DayOfYear:
    case Part::Day: return Value(day_number(*t1) - day_number(*t2));
    case Part::Nanosecond: {
      int64_t ns = 0;
      if (__builtin_mul_overflow(t1->ticks - t2->ticks, int64_t{100}, &ns)) return Value();
      return Value(ns);
    }
    default: {
      const int64_t unit = *part_ticks(*part);
      return Value(floor_div(t1->ticks, unit) - floor_div(t2->ticks, unit));
    }
  }
}

// ---- start/end of periods ----

enum class Period { Day, Week, Month, Year };

// Start of the period containing t, shifted by `offset` periods.
Value start_of(DateTime t, Period p, int64_t offset) {
  switch (p) {
    case Period::Day: {
      int64_t ticks = 0;
      if (__builtin_mul_overflow(offset, kTicksPerDay, &ticks) ||
          __builtin_add_overflow(day_number(t) * kTicksPerDay, ticks, &ticks))
        return Value();
      return datetime_value(ticks);
    }
    case Period::Week: {
      int64_t ticks = 0;
      if (__builtin_mul_overflow(offset, 7 * kTicksPerDay, &ticks) ||
          __builtin_add_overflow((day_number(t) - weekday(t)) * kTicksPerDay, ticks, &ticks))
        return Value();
      return datetime_value(ticks);
    }
    case Period::Month: {
      const CivilTime c = to_civil(t);
      if (offset > 200'000 || offset < -200'000) return Value();
      const int64_t total = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + offset;
      const int64_t year = floor_div(total, 12);
      return make_date(year, static_cast<int>(total - year * 12) + 1, 1);
    }
    case Period::Year: {
      if (offset > 20'000 || offset < -20'000) return Value();
      return make_date(to_civil(t).year + offset, 1, 1);
    }
  }
  return Value();
}

template <Period P, bool End>
Value eval_period(Args a, const EvalContext&) {
  auto t = datetime_arg(a[0]);
  auto offset = optional_long(a, 1, 0);
  if (!t || !offset) return Value();
  if (!End) return start_of(*t, P, *offset);
  // The end is the next period's start minus one tick; the next start may be 10000-01-01.
  if (*offset == std::numeric_limits<int64_t>::max()) return Value();
  Value next = start_of(*t, P, *offset + 1);
  if (next.kind() == Kind::DateTime) return datetime_value(next.as_datetime().ticks - 1);
  Value start = start_of(*t, P, *offset);
  if (start.kind() == Kind::DateTime && to_civil(start.as_datetime()).year == 9999) return Value(DateTime{max_ticks()});
  return Value();
}

// ---- constructors ----

// make_datetime(year, month, day[, hour, minute, second]); seconds may carry a fraction.
Value eval_make_datetime(Args a, const EvalContext&) {
  int64_t parts[5] = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < 5 && i < a.size(); ++i) {
    auto v = long_arg(a[i]);
    if (!v) return Value();
    parts[i] = *v;
  }
  double seconds = 0;
  if (a.size() > 5) {
    auto s = real_arg(a[5]);
    if (!s || *s < 0 || *s >= 60) return Value();
    seconds = *s;
  }
  if (parts[1] < 1 || parts[1] > 12 || parts[2] < 1 || parts[2] > 31 || parts[3] < 0 || parts[3] > 23 ||
      parts[4] < 0 || parts[4] > 59)
    return Value();
  const int64_t tod = parts[3] * kTicksPerHour + parts[4] * kTicksPerMinute +
                      static_cast<int64_t>(std::llround(seconds * kTicksPerSecond));
  return make_date(parts[0], static_cast<int>(parts[1]), static_cast<int>(parts[2]), tod);
}

// make_timespan(h, m) | (h, m, s) | (d, h, m, s); the seconds may be real.
Value eval_make_timespan(Args a, const EvalContext&) {
  const size_t n = a.size();
  int64_t days = 0, hours = 0, minutes = 0;
  const size_t first = n == 4 ? 1 : 0;
  if (n == 4) {
    auto d = long_arg(a[0]);
    if (!d) return Value();
    days = *d;
  }
  auto h = long_arg(a[first]);
  auto m = long_arg(a[first + 1]);
  if (!h || !m) return Value();
  hours = *h;
  minutes = *m;
  double seconds = 0;
  if (n >= 3) {
    auto s = real_arg(a[n - 1]);
    if (!s) return Value();
    seconds = *s;
  }
  const double total = static_cast<double>(days) * kTicksPerDay + static_cast<double>(hours) * kTicksPerHour +
                       static_cast<double>(minutes) * kTicksPerMinute + seconds * kTicksPerSecond;
  if (!(std::fabs(total) < 9.2e18)) return Value();
  return Value(TimeSpan{days * kTicksPerDay + hours * kTicksPerHour + minutes * kTicksPerMinute +
                        static_cast<int64_t>(std::llround(seconds * kTicksPerSecond))});
}

template <int64_t TicksPerUnit>
Value eval_unixtime(Args a, const EvalContext&) {
  if (a[0].kind() == Kind::Real) {
    const double ticks = a[0].as_real() * static_cast<double>(TicksPerUnit);
    if (!(std::fabs(ticks) < 9.2e18)) return Value();
    return datetime_value(static_cast<int64_t>(std::llround(ticks)));
  }
  auto v = long_arg(a[0]);
  if (!v) return Value();
  int64_t ticks = 0;
  if (__builtin_mul_overflow(*v, TicksPerUnit, &ticks)) return Value();
  return datetime_value(ticks);
}

Value eval_unixtime_nanos(Args a, const EvalContext&) {
  auto v = real_arg(a[0]);
  if (!v || !(std::fabs(*v) < 9.2e20)) return Value();
  return datetime_value(static_cast<int64_t>(std::floor(*v / 100)));
}

// ---- bind ----

template <size_t Index>
Result<ColumnType> check_part(Bound args) {
  if (auto name = const_string(args, Index); name && !parse_part(*name)) {
    return fail("unknown datetime part '" + std::string(*name) +
                "' (expected Year, Quarter, Month, Week, Day, Hour, Minute, Second, Millisecond, Microsecond "
                "or Nanosecond)");
  }
  return ColumnType::Long;
}

Result<ColumnType> bind_datetime_add(Bound args) {
  if (auto r = check_part<0>(args); !r) return r;
  if (auto r = bind_sig<DT, Want::String, Want::Integer, Want::DateTime>(args); !r) return r;
  return DT;
}

Result<ColumnType> bind_datetime_diff(Bound args) {
  if (auto r = check_part<0>(args); !r) return r;
  return bind_sig<ColumnType::Long, Want::String, Want::DateTime, Want::DateTime>(args);
}

Result<ColumnType> bind_datetime_part(Bound args) {
  if (auto r = check_part<0>(args); !r) return r;
  return bind_sig<I, Want::String, Want::DateTime>(args);
}

Result<ColumnType> bind_make_timespan(Bound args) { return bind_all<TS, Want::Number>(args); }

constexpr auto kDtPart = bind_sig<I, Want::DateTime>;
constexpr auto kPeriod = bind_sig<DT, Want::DateTime, Want::Integer>;

constexpr ScalarFunction kFunctions[] = {
    {"ago", 1, 1, bind_sig<DT, Want::TimeSpan>, eval_ago, false},
    {"datetime_add", 3, 3, bind_datetime_add, eval_datetime_add},
    {"datetime_diff", 3, 3, bind_datetime_diff, eval_datetime_diff},
    {"datetime_part", 2, 2, bind_datetime_part, eval_datetime_part},
    {"dayofmonth", 1, 1, kDtPart, eval_part<part_day>},
    {"dayofweek", 1, 1, bind_sig<TS, Want::DateTime>, eval_dayofweek},
    {"dayofyear", 1, 1, kDtPart, eval_part<part_day_of_year>},
    {"endofday", 1, 2, kPeriod, eval_period<Period::Day, true>},
    {"endofmonth", 1, 2, kPeriod, eval_period<Period::Month, true>},
    {"endofweek", 1, 2, kPeriod, eval_period<Period::Week, true>},
    {"endofyear", 1, 2, kPeriod, eval_period<Period::Year, true>},
    {"getmonth", 1, 1, kDtPart, eval_part<part_month>},
    {"getyear", 1, 1, kDtPart, eval_part<part_year>},
    {"hourofday", 1, 1, kDtPart, eval_part<part_hour>},
    {"make_datetime", 3, 6, bind_all<DT, Want::Number>, eval_make_datetime},
    {"make_timespan", 2, 4, bind_make_timespan, eval_make_timespan},
    {"monthofyear", 1, 1, kDtPart, eval_part<part_month>},
    {"now", 0, 1, bind_sig<DT, Want::TimeSpan>, eval_now, false},
    {"startofday", 1, 2, kPeriod, eval_period<Period::Day, false>},
    {"startofmonth", 1, 2, kPeriod, eval_period<Period::Month, false>},
    {"startofweek", 1, 2, kPeriod, eval_period<Period::Week, false>},
    {"startofyear", 1, 2, kPeriod, eval_period<Period::Year, false>},
    {"unixtime_microseconds_todatetime", 1, 1, bind_sig<DT, Want::Number>, eval_unixtime<kTicksPerMicrosecond>},
    {"unixtime_milliseconds_todatetime", 1, 1, bind_sig<DT, Want::Number>, eval_unixtime<kTicksPerMillisecond>},
    {"unixtime_nanoseconds_todatetime", 1, 1, bind_sig<DT, Want::Number>, eval_unixtime_nanos},
    {"unixtime_seconds_todatetime", 1, 1, bind_sig<DT, Want::Number>, eval_unixtime<kTicksPerSecond>},
    {"weekofyear", 1, 1, kDtPart, eval_part<iso_week>},
};

}  // namespace

std::span<const ScalarFunction> datetime_functions() { return kFunctions; }

}  // namespace intake::kql::detail
