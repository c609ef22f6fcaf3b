// Helpers shared by the function families (functions_*.cpp): argument checks for `bind`, argument
// reading for `eval`, value ordering, and a per-thread cache of compiled regexes. Internal to
// the function library.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "kql/functions.h"

namespace intake::kql::detail {

// Each family's table; functions_table.cpp merges them into one sorted index.
std::span<const ScalarFunction> conversion_functions();
std::span<const ScalarFunction> string_functions();
std::span<const ScalarFunction> datetime_functions();
std::span<const ScalarFunction> math_functions();
std::span<const ScalarFunction> dynamic_functions();
std::span<const ScalarFunction> conditional_functions();
std::span<const AggregateFunction> aggregate_functions();

// ---- bind ----

// What a parameter accepts. Dynamic arguments are accepted everywhere (their content is only
// known per row); eval converts or yields null.
enum class Want : uint8_t {
  Any,
  String,    // any scalar: string functions read other types through tostring, as Kusto does
  Number,    // int, long, real (bool too: Kusto treats it as 0/1 in arithmetic)
  Integer,   // int, long
  DateTime,
  TimeSpan,
  Bool,
};

// "first", "second", ... for error messages.
std::string ordinal(size_t index);
// Checks one argument; the error reads "expects a datetime as its second argument".
Status check_arg(std::span<const BoundArg> args, size_t index, Want want);

// A bind function checking the leading arguments against `W...` (further arguments unchecked)
// and returning the fixed type R.
template <ColumnType R, Want... W>
Result<ColumnType> bind_sig(std::span<const BoundArg> args) {
  constexpr Want wants[] = {Want::Any, W...};
  for (size_t i = 0; i + 1 < sizeof...(W) + 1 && i < args.size(); ++i) {
    if (auto s = check_arg(args, i, wants[i + 1]); !s) return std::unexpected(s.error());
  }
  return R;
}

// Every argument must satisfy W; returns R.
template <ColumnType R, Want W>
Result<ColumnType> bind_all(std::span<const BoundArg> args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto s = check_arg(args, i, W); !s) return std::unexpected(s.error());
  }
  return R;
}

// The common type of branch values (iff, case, coalesce, max_of): equal types stay, numeric
// types widen (int < long < real), dynamic with anything is dynamic; other mixes are errors.
Result<ColumnType> unify_types(std::span<const BoundArg> args, std::string_view what);

// The string of a constant argument, or nullopt when not a constant string.
std::optional<std::string_view> const_string(std::span<const BoundArg> args, size_t index);

// ---- eval ----

// Kusto's tostring: null → "", dynamic → compact JSON, datetime → ISO 8601, real → .NET form.
std::string to_kusto_string(const Value& v);

// A string argument without copying when it already is a string; Kusto strings are never null,
// so null reads as "".
class StringArg {
 public:
  explicit StringArg(const Value& v);
  StringArg(const StringArg&) = delete;
  StringArg& operator=(const StringArg&) = delete;
  std::string_view get() const { return borrowed_ ? std::string_view(*borrowed_) : std::string_view(owned_); }
  operator std::string_view() const { return get(); }

 private:
  const std::string* borrowed_ = nullptr;
  std::string owned_;
};

// Numeric arguments: int, long, bool, real (truncated for integers); strings in dynamic values
// are not parsed (Kusto does not convert implicitly). nullopt for null or other kinds.
std::optional<int64_t> long_arg(const Value& v);
std::optional<double> real_arg(const Value& v);
// Datetime / timespan arguments; a string (from a dynamic value) is parsed.
std::optional<DateTime> datetime_arg(const Value& v);
std::optional<TimeSpan> timespan_arg(const Value& v);

// Total order used by min/max, sorting and percentiles: numbers numerically across int/long/real,
// then by kind; NaN after other reals. Returns <0, 0, >0.
int compare_values(const Value& a, const Value& b);
// Equality for sets and dcount: numbers compare numerically (1 == 1.0), others by content.
bool same_value(const Value& a, const Value& b);
uint64_t value_hash(const Value& v);

// UTF-8 helpers: code point count, and the byte offset of the n-th code point (size when past
// the end).
size_t utf8_length(std::string_view s);
size_t utf8_offset(std::string_view s, size_t code_points);

// A compiled regex from a small per-thread LRU keyed by pattern text; nullptr when the pattern
// does not compile. Patterns are usually constants, so each call site compiles once.
std::shared_ptr<const RE2> cached_regex(std::string_view pattern);
// A bind-time check of a constant regex argument: "invalid regular expression '(': ...".
Status check_regex(std::span<const BoundArg> args, size_t index);

}  // namespace intake::kql::detail
