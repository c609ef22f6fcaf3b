// The function index: the families' explicit tables merged once into arrays sorted by name
// (binary search), plus the helpers every family shares.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <list>
#include <utility>

#include "core/hash.h"
#include "core/time.h"
#include "json/value_json.h"
#include "kql/functions_internal.h"

namespace intake::kql {
namespace {

template <class F>
std::vector<F> merge_sorted(std::initializer_list<std::span<const F>> parts) {
  std::vector<F> all;
  for (auto part : parts) all.insert(all.end(), part.begin(), part.end());
  std::sort(all.begin(), all.end(), [](const F& a, const F& b) { return a.name < b.name; });
  // A name in two families is a table bug: the first would silently win.
  assert(std::adjacent_find(all.begin(), all.end(), [](const F& a, const F& b) { return a.name == b.name; }) ==
         all.end());
  return all;
}

const std::vector<ScalarFunction>& scalar_index() {
  static const std::vector<ScalarFunction> index = merge_sorted<ScalarFunction>(
      {detail::conversion_functions(), detail::string_functions(), detail::datetime_functions(),
       detail::math_functions(), detail::dynamic_functions(), detail::conditional_functions()});
  return index;
}

const std::vector<AggregateFunction>& aggregate_index() {
  static const std::vector<AggregateFunction> index = merge_sorted<AggregateFunction>({detail::aggregate_functions()});
  return index;
}

template <class F>
const F* find_in(const std::vector<F>& index, std::string_view name) {
  auto it = std::lower_bound(index.begin(), index.end(), name, [](const F& f, std::string_view n) { return f.name < n; });
  return it != index.end() && it->name == name ? &*it : nullptr;
}

template <class F>
std::vector<std::string_view> names_of(const std::vector<F>& index) {
  std::vector<std::string_view> out;
  out.reserve(index.size());
  for (const auto& f : index) out.push_back(f.name);
  return out;
}

}  // namespace

const ScalarFunction* find_scalar_function(std::string_view name) { return find_in(scalar_index(), name); }
std::vector<std::string_view> scalar_function_names() { return names_of(scalar_index()); }
const AggregateFunction* find_aggregate_function(std::string_view name) { return find_in(aggregate_index(), name); }
std::vector<std::string_view> aggregate_function_names() { return names_of(aggregate_index()); }

namespace detail {

std::string ordinal(size_t index) {
  static constexpr std::string_view kNames[] = {"first", "second", "third", "fourth", "fifth",
                                                "sixth", "seventh", "eighth", "ninth", "tenth"};
  if (index < std::size(kNames)) return std::string(kNames[index]);
  return "#" + std::to_string(index + 1);
}

namespace {

bool accepts(Want want, ColumnType t) {
  if (t == ColumnType::Dynamic) return true;
  switch (want) {
    case Want::Any:
    case Want::String: return true;
    case Want::Number: return t == ColumnType::Int || t == ColumnType::Long || t == ColumnType::Real || t == ColumnType::Bool;
    case Want::Integer: return t == ColumnType::Int || t == ColumnType::Long;
    case Want::DateTime: return t == ColumnType::DateTime;
    case Want::TimeSpan: return t == ColumnType::TimeSpan;
    case Want::Bool: return t == ColumnType::Bool;
  }
  return false;
}

std::string_view want_name(Want want) {
  switch (want) {
    case Want::Any: return "a value";
    case Want::String: return "a string";
    case Want::Number: return "a number";
    case Want::Integer: return "an integer";
    case Want::DateTime: return "a datetime";
    case Want::TimeSpan: return "a timespan";
    case Want::Bool: return "a bool";
  }
  return "a value";
}

int numeric_rank(ColumnType t) {
  switch (t) {
    case ColumnType::Int: return 1;
    case ColumnType::Long: return 2;
    case ColumnType::Real: return 3;
    default: return 0;
  }
}

}  // namespace

Status check_arg(std::span<const BoundArg> args, size_t index, Want want) {
  if (index >= args.size() || accepts(want, args[index].type)) return {};
  return fail("expects " + std::string(want_name(want)) + " as its " + ordinal(index) + " argument, not " +
              std::string(column_type_name(args[index].type)));
}

Result<ColumnType> unify_types(std::span<const BoundArg> args, std::string_view what) {
  if (args.empty()) return ColumnType::Dynamic;
  ColumnType out = args[0].type;
  for (const auto& a : args.subspan(1)) {
    if (a.type == out) continue;
    if (a.type == ColumnType::Dynamic || out == ColumnType::Dynamic) {
      out = ColumnType::Dynamic;
    } else if (numeric_rank(a.type) && numeric_rank(out)) {
      out = numeric_rank(a.type) > numeric_rank(out) ? a.type : out;
    } else {
      return fail("expects " + std::string(what) + " of one type, got " + std::string(column_type_name(out)) +
                  " and " + std::string(column_type_name(a.type)));
    }
  }
  return out;
}

std::optional<std::string_view> const_string(std::span<const BoundArg> args, size_t index) {
  if (index >= args.size() || !args[index].constant || !args[index].constant->is_string()) return std::nullopt;
  return std::string_view(args[index].constant->as_string());
}

std::string to_kusto_string(const Value& v) {
  switch (v.kind()) {
    case Kind::Null: return {};
    case Kind::String: return v.as_string();
    case Kind::Array:
    case Kind::Object: return json::to_json(v);
    default: {
      Value s = convert_to(v, ColumnType::String);
      return s.is_string() ? s.as_string() : std::string();
    }
  }
}

StringArg::StringArg(const Value& v) {
  if (v.is_string()) {
    borrowed_ = &v.as_string();
  } else if (!v.is_null()) {
    owned_ = to_kusto_string(v);
  }
}

std::optional<int64_t> long_arg(const Value& v) {
  int64_t out = 0;
  if (v.is_number() || v.kind() == Kind::Bool) {
    if (v.kind() == Kind::Real && std::isnan(v.as_real())) return std::nullopt;
    if (v.to_int64(out)) return out;
  }
  return std::nullopt;
}

std::optional<double> real_arg(const Value& v) {
  double out = 0;
  if ((v.is_number() || v.kind() == Kind::Bool) && v.to_double(out)) return out;
  return std::nullopt;
}

std::optional<DateTime> datetime_arg(const Value& v) {
  if (v.kind() == Kind::DateTime) return v.as_datetime();
  if (v.is_string()) return parse_datetime(v.as_string());
  return std::nullopt;
}

std::optional<TimeSpan> timespan_arg(const Value& v) {
  if (v.kind() == Kind::TimeSpan) return v.as_timespan();
  if (v.is_string()) return parse_timespan(v.as_string());
  return std::nullopt;
}

namespace {

// Kinds ordered for mixed comparisons; all numbers share one rank.
int kind_rank(Kind k) {
  switch (k) {
    case Kind::Null: return 0;
    case Kind::Bool: return 1;
    case Kind::Int:
    case Kind::Long:
    case Kind::Real: return 2;
    case Kind::String: return 3;
    case Kind::DateTime: return 4;
    case Kind::TimeSpan: return 5;
    case Kind::Guid: return 6;
    case Kind::Array: return 7;
    case Kind::Object: return 8;
  }
  return 9;
}

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int compare_numbers(const Value& a, const Value& b) {
  if (a.kind() != Kind::Real && b.kind() != Kind::Real) {
    int64_t x = 0, y = 0;
    a.to_int64(x);
    b.to_int64(y);
    return three_way(x, y);
  }
  double x = 0, y = 0;
  a.to_double(x);
  b.to_double(y);
  if (std::isnan(x) || std::isnan(y)) return three_way(std::isnan(x), std::isnan(y));
  return three_way(x, y);
}

}  // namespace

int compare_values(const Value& a, const Value& b) {
  const int ra = kind_rank(a.kind()), rb = kind_rank(b.kind());
  if (ra != rb) return three_way(ra, rb);
  switch (a.kind()) {
    case Kind::Null: return 0;
    case Kind::Bool: return three_way(a.as_bool(), b.as_bool());
    case Kind::Int:
    case Kind::Long:
    case Kind::Real: return compare_numbers(a, b);
    case Kind::String: {
      const int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::DateTime: return three_way(a.as_datetime(), b.as_datetime());
    case Kind::TimeSpan: return three_way(a.as_timespan(), b.as_timespan());
    case Kind::Guid: return three_way(a.as_guid(), b.as_guid());
    case Kind::Array:
    case Kind::Object: return three_way(json::to_json(a), json::to_json(b));
  }
  return 0;
}

bool same_value(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  return a == b;
}

uint64_t value_hash(const Value& v) {
  // Numbers that compare equal must hash equally: integral reals hash as longs.
  if (v.kind() == Kind::Int) return hash_value(Value(static_cast<int64_t>(v.as_int())));
  if (v.kind() == Kind::Real) {
    const double d = v.as_real();
    if (d >= -0x1p63 && d < 0x1p63 && d == std::trunc(d)) return hash_value(Value(static_cast<int64_t>(d)));
  }
  return hash_value(v);
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

size_t utf8_offset(std::string_view s, size_t code_points) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (code_points == 0) return i;
      --code_points;
    }
  }
  return s.size();
}

std::shared_ptr<const RE2> cached_regex(std::string_view pattern) {
  // Small and move-to-front: a query uses a handful of patterns.
  constexpr size_t kCapacity = 32;
  thread_local std::list<std::pair<std::string, std::shared_ptr<const RE2>>> cache;
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first == pattern) {
      if (it != cache.begin()) cache.splice(cache.begin(), cache, it);
      return cache.front().second;
    }
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) return nullptr;
  cache.emplace_front(std::string(pattern), re);
  if (cache.size() > kCapacity) cache.pop_back();
  return re;
}

Status check_regex(std::span<const BoundArg> args, size_t index) {
  auto pattern = const_string(args, index);
  if (!pattern) return {};
  RE2::Options options;
  options.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern->data(), pattern->size()), options);
  if (!re.ok()) return fail("invalid regular expression '" + std::string(*pattern) + "': " + re.error());
  return {};
}

}  // namespace detail
}  // namespace intake::kql
