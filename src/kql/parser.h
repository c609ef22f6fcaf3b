// Recursive-descent KQL parser: let statements (scalars, tabular expressions, user functions),
// one tabular pipeline, expressions with Kusto's precedence. Nesting is bounded so malformed or
// hostile text yields an error, never a stack overflow.
#pragma once

#include <string_view>

#include "core/error.h"
#include "kql/ast.h"

namespace intake::kql {

// Deepest expression/pipeline nesting accepted.
inline constexpr int kMaxNesting = 96;

Result<QueryAst> parse_query(std::string_view text);

}  // namespace intake::kql
