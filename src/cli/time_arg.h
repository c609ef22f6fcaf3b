// Time arguments of the command line: an ISO 8601 instant, or a duration meaning "that long ago".
#pragma once

#include <optional>
#include <string>

#include "core/time.h"

namespace intake::cli {

std::optional<DateTime> parse_time_arg(const std::string& text, DateTime now);

}  // namespace intake::cli
