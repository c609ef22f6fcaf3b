// ${NAME} references to environment variables in parameter values (so secrets stay out of files
// and command lines). "$${" escapes a literal "${".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace intake::engine {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_env(const std::string& name);

// Errors name the variable that is not set.
Result<std::string> expand_env(std::string_view text, const EnvLookup& lookup = process_env);

}  // namespace intake::engine
