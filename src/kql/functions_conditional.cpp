// Conditional functions, evaluated eagerly here; the evaluator short-circuits iff/case/coalesce
// itself and uses these entries for binding and as a complete table.
#include "kql/functions_internal.h"

namespace intake::kql::detail {
namespace {

using Args = std::span<const Value>;
using Bound = std::span<const BoundArg>;

// iff(condition, then, else): a null or non-bool condition takes the else branch.
Value eval_iff(Args a, const EvalContext&) { return is_true(a[0]) ? a[1] : a[2]; }

// case(c1, v1, c2, v2, ..., else).
Value eval_case(Args a, const EvalContext&) {
  for (size_t i = 0; i + 1 < a.size(); i += 2) {
    if (is_true(a[i])) return a[i + 1];
  }
  return a.back();
}

// coalesce(v1, v2, ...): the first value that is neither null nor an empty string.
Value eval_coalesce(Args a, const EvalContext&) {
  for (const Value& v : a) {
    if (!v.is_null() && !(v.is_string() && v.as_string().empty())) return v;
  }
  return a.back();
}

Result<ColumnType> bind_iff(Bound args) {
  if (auto s = check_arg(args, 0, Want::Bool); !s) return std::unexpected(s.error());
  return unify_types(args.subspan(1), "then and else values");
}

Result<ColumnType> bind_case(Bound args) {
  if (args.size() % 2 == 0) return fail("expects predicate/value pairs followed by an else value");
  std::vector<BoundArg> values;
  values.reserve(args.size() / 2 + 1);
  for (size_t i = 0; i < args.size(); ++i) {
    if (i % 2 == 1 || i + 1 == args.size()) {
      values.push_back(args[i]);
    } else if (auto s = check_arg(args, i, Want::Bool); !s) {
      return std::unexpected(s.error());
    }
  }
  return unify_types(values, "values");
}

Result<ColumnType> bind_coalesce(Bound args) { return unify_types(args, "arguments"); }

constexpr ScalarFunction kFunctions[] = {
    {"case", 3, 1023, bind_case, eval_case},
    {"coalesce", 1, 64, bind_coalesce, eval_coalesce},
    {"iff", 3, 3, bind_iff, eval_iff},
    {"iif", 3, 3, bind_iff, eval_iff},
};

}  // namespace

std::span<const ScalarFunction> conditional_functions() { return kFunctions; }

}  // namespace intake::kql::detail
