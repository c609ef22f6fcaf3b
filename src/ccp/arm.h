// A small evaluator for the ARM template expressions CCP files carry in strings
// ("[[concat(parameters('managementUrl'), '/web/api/v2.1/threats')]"): at connect time Azure
// evaluates them with the values the user typed; intake evaluates them with instance parameters.
// Functions: parameters, concat, if, equals, not, and, or, empty, contains, first, last, length,
// int, string, bool, json, base64, toLower, toUpper, replace, trim, split, format, coalesce,
// uniqueString; property access (a.b) and indexing (a[0]).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "ccp/placeholders.h"
#include "core/error.h"
#include "core/value.h"

namespace intake::ccp {

// True for "[...]" and "[[...]" strings (ARM expressions; "[[" is the escaped form).
bool is_arm_expression(std::string_view s);

// Evaluates an expression string. Parameters without a value are added to `missing` and make
// the result an error "parameter 'x' not set"; malformed expressions are errors with the position.
Result<Value> eval_arm(std::string_view expression, const Params& params, std::set<std::string>* missing = nullptr);

}  // namespace intake::ccp
