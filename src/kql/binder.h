// Name resolution and typing: turns the parsed query into an executable plan against the
// schemas of the catalog's tables. Every error names the position and, for unknown names, the
// closest known one ("unknown column 'Severty' (did you mean 'Severity')").
#pragma once

#include "kql/ast.h"
#include "kql/plan.h"

namespace intake::kql {

struct BindOptions {
  bool transform = false;  // only the operators a DCR transformation allows
};

Result<PipelinePtr> bind_query(const QueryAst& ast, const Catalog& catalog, const BindOptions& options);

// Levenshtein distance (ASCII case-insensitive), for suggestions.
size_t edit_distance(std::string_view a, std::string_view b);
// " (did you mean 'x')" for the closest candidate within a small distance, else "".
std::string suggestion(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace intake::kql
