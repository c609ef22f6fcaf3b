#include "cli/time_arg.h"

namespace intake::cli {

std::optional<DateTime> parse_time_arg(const std::string& text, DateTime now) {
  if (text == "now") return now;
  if (auto t = parse_datetime(text)) return t;
  if (auto d = parse_duration(text)) return DateTime{now.ticks - *d};
  return std::nullopt;
}

}  // namespace intake::cli
