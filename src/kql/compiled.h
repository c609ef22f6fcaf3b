// What Query and Transform share: the bound pipeline and the catalog it reads.
#pragma once

#include "kql/plan.h"

namespace intake::kql {

class CompiledQuery {
 public:
  PipelinePtr pipeline;
  const Catalog* catalog = nullptr;
  bool identity = false;
  size_t row_capacity = 0;  // transforms: the widest row any operator produces
};

}  // namespace intake::kql
