#include "engine/cron.h"

#include <array>
#include <charconv>
#include <vector>

#include "core/time.h"

namespace intake::engine {

namespace {

constexpr int kFirstYear = 1970;
constexpr int kLastYear = 2199;

const char* const kFieldNames[] = {"seconds", "minutes", "hours", "day-of-month", "month", "day-of-week", "year"};
const char* const kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDays[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldSpec {
  int min, max;
  const char* const* names;  // names[i] stands for min + i
  int name_count;
};

const FieldSpec kFields[] = {{0, 59, nullptr, 0},   {0, 59, nullptr, 0},     {0, 23, nullptr, 0},
                             {1, 31, nullptr, 0},   {1, 12, kMonths, 12},    {1, 7, kDays, 7},
                             {kFirstYear, kLastYear, nullptr, 0}};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::optional<int> number(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A value of the field: a number or a name.
std::optional<int> value_of(std::string_view s, const FieldSpec& f) {
  if (auto n = number(s)) return *n;
  std::string u = upper(s);
  for (int i = 0; i < f.name_count; ++i) {
    if (u == f.names[i]) return f.min + i;
  }
  return std::nullopt;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[m - 1];
}
// 1 = Sunday .. 7 = Saturday.
int weekday(int y, int m, int d) {
  int64_t days = from_civil(CivilTime{y, m, d, 0, 0, 0, 0}).ticks / kTicksPerDay;
  // 1970-01-01 was a Thursday (5).
  return static_cast<int>(((days % 7) + 7 + 4) % 7) + 1;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  CronSchedule s;
  s.text_ = std::string(text);
  std::vector<std::string_view> fields;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) fields.push_back(text.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 6 && fields.size() != 7) {
    return fail("cron", "expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), got " +
                            std::to_string(fields.size()));
  }
  for (size_t fi = 0; fi < fields.size(); ++fi) {
    const FieldSpec& f = kFields[fi];
    std::string where = "cron field " + std::to_string(fi + 1) + " (" + kFieldNames[fi] + ")";
    std::string_view field = fields[fi];
    std::vector<bool> allowed(static_cast<size_t>(f.max + 1), false);
    bool restricted = true;
    if (field == "?") {
      if (fi != 3 && fi != 5) return fail(where, "'?' is allowed only in day-of-month and day-of-week");
      restricted = false;
    } else {
      for (std::string_view part : split(field, ',')) {
        if (part.empty()) return fail(where, "empty list item in '" + std::string(field) + "'");
        std::string up = upper(part);
        // Day specials first: they are whole list items.
        if (fi == 3 && (up == "L" || up.starts_with("L-"))) {
          s.last_day_ = true;
          if (up.size() > 2) {
            auto n = number(std::string_view(up).substr(2));
            if (!n || *n < 0 || *n > 30) return fail(where, "expected L-n with n from 0 to 30, got '" + std::string(part) + "'");
            s.last_offset_ = *n;
          }
          continue;
        }
        if (fi == 3 && up == "LW") {
          s.last_weekday_ = true;
          continue;
        }
        if (fi == 3 && up.size() > 1 && up.back() == 'W') {
          auto n = number(std::string_view(up).substr(0, up.size() - 1));
          if (!n || *n < 1 || *n > 31) return fail(where, "expected nW with n from 1 to 31, got '" + std::string(part) + "'");
          s.nearest_weekday_ = *n;
          continue;
        }
        if (fi == 5 && up == "L") {
          allowed[7] = true;
          continue;
        }
        if (fi == 5 && up.size() > 1 && up.back() == 'L') {
          auto n = value_of(std::string_view(up).substr(0, up.size() - 1), f);
          if (!n || *n < 1 || *n > 7) return fail(where, "expected nL with a day from 1 to 7, got '" + std::string(part) + "'");
          s.last_dow_ = *n;
          continue;
        }
        if (fi == 5 && up.find('#') != std::string::npos) {
          auto hash = up.find('#');
          auto d = value_of(std::string_view(up).substr(0, hash), f);
          auto k = number(std::string_view(up).substr(hash + 1));
          if (!d || *d < 1 || *d > 7 || !k || *k < 1 || *k > 5) {
            return fail(where, "expected n#k with a day from 1 to 7 and k from 1 to 5, got '" + std::string(part) + "'");
          }
          s.nth_dow_ = *d;
          s.nth_ = *k;
          continue;
        }
        // [range|*|value][/step]
        std::string_view base = part;
        int step = 1;
        bool has_step = false;
        if (auto slash = part.find('/'); slash != std::string_view::npos) {
          base = part.substr(0, slash);
          auto st = number(part.substr(slash + 1));
          if (!st || *st < 1 || *st > f.max - f.min + 1) {
            return fail(where, "expected a step from 1 to " + std::to_string(f.max - f.min + 1) + ", got '" +
                                   std::string(part.substr(slash + 1)) + "'");
          }
          step = *st;
          has_step = true;
        }
        int lo = f.min, hi = f.max;
        if (base == "*") {
          if (!has_step && field == "*") restricted = false;
        } else if (auto dash = base.find('-'); dash != std::string_view::npos && dash > 0) {
          auto a = value_of(base.substr(0, dash), f);
          auto b = value_of(base.substr(dash + 1), f);
          if (!a || !b) return fail(where, "expected a range a-b, got '" + std::string(base) + "'");
          lo = *a;
          hi = *b;
        } else {
          auto v = value_of(base, f);
          if (!v) return fail(where, "expected a number, a name, '*' or a range, got '" + std::string(base) + "'");
          lo = *v;
          hi = has_step ? f.max : *v;
        }
        if (lo < f.min || lo > f.max || hi < f.min || hi > f.max) {
          return fail(where, "values must be from " + std::to_string(f.min) + " to " + std::to_string(f.max) + ", got '" +
                                 std::string(part) + "'");
        }
        if (hi >= lo) {
          for (int v = lo; v <= hi; v += step) allowed[static_cast<size_t>(v)] = true;
        } else {
          // Wrapping range (Quartz accepts FRI-MON, 22-2).
          int span = f.max - f.min + 1;
          for (int i = 0; i <= (hi - lo + span) % span; i += step) {
            allowed[static_cast<size_t>(f.min + (lo - f.min + i) % span)] = true;
          }
        }
      }
    }
    auto set_all = [&](auto& bits, int offset) {
      for (int v = f.min; v <= f.max; ++v) {
        if (!restricted || allowed[static_cast<size_t>(v)]) bits.set(static_cast<size_t>(v - offset));
      }
    };
    switch (fi) {
      case 0: set_all(s.seconds_, 0); break;
      case 1: set_all(s.minutes_, 0); break;
      case 2: set_all(s.hours_, 0); break;
      case 3:
        s.dom_restricted_ = restricted && field != "*";
        for (int v = 1; v <= 31; ++v) {
          if (allowed[static_cast<size_t>(v)]) s.days_.set(static_cast<size_t>(v));
        }
        break;
      case 4: set_all(s.months_, 0); break;
      case 5:
        s.dow_restricted_ = restricted && field != "*";
        for (int v = 1; v <= 7; ++v) {
          if (allowed[static_cast<size_t>(v)]) s.weekdays_.set(static_cast<size_t>(v));
        }
        break;
      case 6:
        s.any_year_ = !restricted;
        set_all(s.years_, kFirstYear);
        break;
    }
  }
  if (s.dom_restricted_ && s.dow_restricted_) {
    return fail("cron", "day-of-month and day-of-week cannot both be set: use '?' in one of them");
  }
  return s;
}

bool CronSchedule::day_matches(int y, int m, int d) const {
  if (dom_restricted_) {
    int last = days_in_month(y, m);
    if (days_.test(static_cast<size_t>(d))) return true;
    if (last_day_ && d == last - last_offset_) return true;
    if (last_weekday_ || nearest_weekday_) {
      // The weekday (Mon-Fri) nearest to the target, without leaving the month.
      int target = last_weekday_ ? last : std::min(nearest_weekday_, last);
      int wd = weekday(y, m, target);
      int nearest = target;
      if (wd == 7) nearest = target == 1 ? target + 2 : target - 1;        // Saturday
      else if (wd == 1) nearest = target == last ? target - 2 : target + 1;  // Sunday
      if (d == nearest) return true;
    }
    return false;
  }
  if (dow_restricted_) {
    int wd = weekday(y, m, d);
    if (weekdays_.test(static_cast<size_t>(wd))) return true;
    if (last_dow_ && wd == last_dow_ && d + 7 > days_in_month(y, m)) return true;
    if (nth_ && wd == nth_dow_ && (d - 1) / 7 + 1 == nth_) return true;
    return false;
  }
  return true;
}

std::optional<DateTime> CronSchedule::next_after(DateTime t) const {
  int64_t secs = t.ticks >= 0 ? t.ticks / kTicksPerSecond : (t.ticks - kTicksPerSecond + 1) / kTicksPerSecond;
  CivilTime c = to_civil(DateTime{(secs + 1) * kTicksPerSecond});
  c.fraction_ticks = 0;
  auto next_bit = [](const auto& bits, int from) -> int {
    for (int v = from; v < static_cast<int>(bits.size()); ++v) {
      if (bits.test(static_cast<size_t>(v))) return v;
    }
    return -1;
  };
  while (c.year <= kLastYear) {
    if (!any_year_ && !years_.test(static_cast<size_t>(c.year - kFirstYear))) {
      int y = next_bit(years_, c.year - kFirstYear + 1);
      if (y < 0) return std::nullopt;
      c = CivilTime{y + kFirstYear, 1, 1, 0, 0, 0, 0};
      continue;
    }
    if (!months_.test(static_cast<size_t>(c.month))) {
      int m = next_bit(months_, c.month + 1);
      if (m < 0) c = CivilTime{c.year + 1, 1, 1, 0, 0, 0, 0};
      else c = CivilTime{c.year, m, 1, 0, 0, 0, 0};
      continue;
    }
    if (!day_matches(c.year, c.month, c.day)) {
      if (c.day >= days_in_month(c.year, c.month)) {
        c = c.month == 12 ? CivilTime{c.year + 1, 1, 1, 0, 0, 0, 0} : CivilTime{c.year, c.month + 1, 1, 0, 0, 0, 0};
      } else {
        c = CivilTime{c.year, c.month, c.day + 1, 0, 0, 0, 0};
      }
      continue;
    }
    auto next_day = [&] {
      DateTime d = from_civil(CivilTime{c.year, c.month, c.day, 0, 0, 0, 0});
      c = to_civil(DateTime{d.ticks + kTicksPerDay});
    };
    if (!hours_.test(static_cast<size_t>(c.hour))) {
      int h = next_bit(hours_, c.hour + 1);
      if (h < 0) next_day();
      else c = CivilTime{c.year, c.month, c.day, h, 0, 0, 0};
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(c.minute))) {
      int m = next_bit(minutes_, c.minute + 1);
      if (m < 0) {
        if (c.hour == 23) next_day();
        else c = CivilTime{c.year, c.month, c.day, c.hour + 1, 0, 0, 0};
      } else {
        c = CivilTime{c.year, c.month, c.day, c.hour, m, 0, 0};
      }
      continue;
    }
    if (!seconds_.test(static_cast<size_t>(c.second))) {
      int s = next_bit(seconds_, c.second + 1);
      if (s < 0) {
        DateTime base = from_civil(CivilTime{c.year, c.month, c.day, c.hour, c.minute, 0, 0});
        c = to_civil(DateTime{base.ticks + kTicksPerMinute});
      } else {
        c.second = s;
      }
      continue;
    }
    return from_civil(c);
  }
  return std::nullopt;
}

}  // namespace intake::engine
