// The compiled form of a JSONPath, shared by the compiler (jsonpath_compile.cpp) and the
// evaluators (jsonpath.cpp); internal to src/json.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace intake::json {

// The compiled form. A path is a list of segments (PathNode); a segment applies its selectors to
// one node (child segment) or to the node and all its descendants (descendant segment, "..").
namespace path_ast {

struct FilterExpr;

struct Selector {
  enum class Kind : uint8_t { Name, Wildcard, Index, Slice, Filter };
  Kind kind = Kind::Wildcard;
  std::string name;                          // Name
  int64_t index = 0;                         // Index (negative counts from the end)
  std::optional<int64_t> start, end;         // Slice
  int64_t step = 1;                          // Slice
  std::shared_ptr<const FilterExpr> filter;  // Filter

  static Selector of(Kind k) {
    Selector s;
    s.kind = k;
    return s;
  }
};

}  // namespace path_ast

struct PathNode {
  bool descendant = false;
  std::vector<path_ast::Selector> selectors;
};

namespace path_ast {

struct Literal {
  enum class Kind : uint8_t { Null, Bool, Int, Real, String };
  Kind kind = Kind::Null;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

// An operand of a comparison: a literal, or a query relative to @ or to the root $.
struct Operand {
  bool is_query = false;
  bool absolute = false;
  std::vector<PathNode> segments;
  Literal literal;
};

struct FilterExpr {
  enum class Op : uint8_t { Or, And, Not, Exists, Compare };
  enum class Cmp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
  Op op = Op::Exists;
  Cmp cmp = Cmp::Eq;
  std::vector<FilterExpr> operands;  // Or, And (two or more), Not (one)
  Operand lhs, rhs;                  // Exists uses lhs

  static FilterExpr of(Op o) {
    FilterExpr e;
    e.op = o;
    return e;
  }
};

}  // namespace path_ast

namespace path_ast {

using Segments = std::span<const PathNode>;

// True when the segments can select at most one node: child segments of one name or index each.
bool is_singular(Segments segs);

// Parses an expression, with the dialect and the errors that JsonPath::compile documents.
Result<std::vector<PathNode>> compile(std::string_view expression);

}  // namespace path_ast
}  // namespace intake::json
