// The KQL function library: scalar functions (conversion, string, datetime, math, dynamic,
// conditional, regex, hashing) and aggregation functions (summarize), looked up by name. The
// binder checks argument counts and types with `bind`; the evaluator calls `eval` per row.
// One explicit table per family (functions_*.cpp), no static self-registration.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/schema.h"
#include "core/value.h"

namespace intake::kql {

struct EvalContext {
  DateTime now;  // now() / ago(): fixed for a whole query or transform batch
};

// Argument information available at bind time: the type, and the value when the argument is a
// constant (format strings, regexes, units, bin sizes are usually constants).
// A type argument such as extract's typeof(long) is passed as a constant string naming the type.
struct BoundArg {
  ColumnType type = ColumnType::Dynamic;
  const Value* constant = nullptr;  // nullptr when not a constant
};

struct ScalarFunction {
  std::string_view name;
  int min_args = 0;
  int max_args = 0;  // -1 = any number
  // Result type for these arguments, or an error message (without position; the binder adds it),
  // e.g. "expects a string as its first argument".
  Result<ColumnType> (*bind)(std::span<const BoundArg> args) = nullptr;
  // Kusto semantics: null in, null out unless the function says otherwise; a conversion that
  // fails yields null; never throws.
  Value (*eval)(std::span<const Value> args, const EvalContext& ctx) = nullptr;
  bool deterministic = true;  // false for now(), ago(), rand(), new_guid()
};

// Exact, case-sensitive lookup (KQL function names are case-sensitive); aliases (iff/iif,
// todynamic/parse_json, toreal/todouble, columnifexists/column_ifexists, ...) are entries too.
const ScalarFunction* find_scalar_function(std::string_view name);
std::vector<std::string_view> scalar_function_names();

// One group's running state for an aggregation.
class Accumulator {
 public:
  virtual ~Accumulator() = default;
  virtual void add(std::span<const Value> args) = 0;
  virtual Value result() const = 0;
};

// Aggregates with several output columns return an array from result(), one element per
// column: arg_max/arg_min → [extreme, arg1, ...], percentiles → [p1, p2, ...], take_any with
// several arguments → [v1, v2, ...].
struct AggregateFunction {
  std::string_view name;
  int min_args = 0;
  int max_args = 0;
  Result<ColumnType> (*bind)(std::span<const BoundArg> args) = nullptr;
  // A fresh accumulator; `args` gives the bound arguments (constants such as percentile's 95).
  std::unique_ptr<Accumulator> (*make)(std::span<const BoundArg> args) = nullptr;
};

const AggregateFunction* find_aggregate_function(std::string_view name);
std::vector<std::string_view> aggregate_function_names();

// Kusto's type of a value as gettype() names it ("string", "long", "dictionary", "array", ...).
std::string_view kusto_type_name(const Value& v);

// Truthiness of a predicate result: only bool true passes (null and non-bool fail), as in Kusto.
inline bool is_true(const Value& v) { return v.kind() == Kind::Bool && v.as_bool(); }

}  // namespace intake::kql
