// Quartz cron expressions (the form of the Dataminr connector's Schedule setting and of Azure
// Functions' timer triggers): 6 or 7 fields with seconds, evaluated in UTC.
//
//   seconds minutes hours day-of-month month day-of-week [year]
//   0       */5     *     ?            *     *
//
// Fields take `*`, values, ranges `a-b`, lists `a,b`, steps `a/n` and `a-b/n`; months JAN-DEC and
// days SUN-SAT (1 = SUN .. 7 = SAT) by name; `?` (no value) in one of the two day fields;
// day-of-month `L`, `L-n`, `nW`, `LW`; day-of-week `L` (Saturday), `nL` (last such day), `n#k`
// (k-th such day). As in Quartz, only one of the two day fields may restrict days; `*` in both is
// accepted and means every day.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/value.h"

namespace intake::engine {

class CronSchedule {
 public:
  // Errors name the field ("cron field 3 (hours)") and what was expected.
  static Result<CronSchedule> parse(std::string_view text);

  // The first firing time strictly after `t` (whole seconds), or nullopt when there is none
  // before the year 2200 (e.g. "0 0 0 30 2 ?").
  std::optional<DateTime> next_after(DateTime t) const;

  const std::string& text() const { return text_; }

 private:
  bool day_matches(int year, int month, int day) const;

  std::string text_;
  std::bitset<60> seconds_, minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<8> weekdays_;  // 1..7, 1 = Sunday
  std::bitset<230> years_;   // 1970..2199
  bool any_year_ = true;
  bool dom_restricted_ = false;
  bool dow_restricted_ = false;
  // Day-of-month specials.
  bool last_day_ = false;    // L or L-n
  int last_offset_ = 0;      // n of L-n
  int nearest_weekday_ = 0;  // n of nW
  bool last_weekday_ = false;  // LW
  // Day-of-week specials.
  int last_dow_ = 0;         // n of nL
  int nth_dow_ = 0, nth_ = 0;  // n#k
};

}  // namespace intake::engine
