// CCP's step placeholders: a KQL query over the records a request returned (its `source`) whose
// output rows give the values of $name$ tokens in a following request — one set of values per
// row (stepPlaceholdersParsingKql of nested polling, and the outputs of package actions). A query
// that yields no row is reported, not skipped silently.
#pragma once

#include <simdjson.h>

#include <span>
#include <string>
#include <vector>

#include "ccp/placeholders.h"
#include "core/error.h"
#include "core/value.h"

namespace intake::engine {

// Runs `kql` over `records` (JSON objects; the columns of `source` are inferred from them).
// Each output row becomes name -> text (strings as they are, other values as JSON).
Result<std::vector<ccp::Params>> placeholders_from_kql(std::string_view kql, std::span<const simdjson::dom::element> records);

// A value as it is placed into a request: strings unquoted, everything else as JSON.
std::string placeholder_text(const Value& v);

// Replaces $name$ tokens (names of letters, digits and '_') with their values; tokens without a
// value are left in place and added to `missing`.
std::string substitute_dollar(std::string_view text, const ccp::Params& values, std::vector<std::string>* missing = nullptr);

}  // namespace intake::engine
