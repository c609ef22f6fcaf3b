// Conversion functions: tobool, toint, tolong, toreal, tostring, todatetime, totimespan, toguid,
// todynamic/parse_json, tohex. The rules live in convert_to (core/schema); a value that does not
// convert is null.
#include <algorithm>

#include "json/value_json.h"
#include "kql/functions_internal.h"

namespace intake::kql::detail {
namespace {

template <ColumnType T>
Value eval_convert(std::span<const Value> args, const EvalContext&) {
  return convert_to(args[0], T);
}

// Kusto's tostring never yields null: null becomes "".
Value eval_tostring(std::span<const Value> args, const EvalContext&) { return Value(to_kusto_string(args[0])); }

// String → parsed JSON, or the string itself when it is not JSON (as Kusto keeps it).
Value eval_todynamic(std::span<const Value> args, const EvalContext&) {
  const Value& v = args[0];
  if (!v.is_string()) return v;
  auto parsed = json::parse(v.as_string());
  return parsed ? std::move(*parsed) : v;
}

// tohex(value[, minLength]): lower-case hex of the 64-bit two's complement, zero-padded.
Value eval_tohex(std::span<const Value> args, const EvalContext&) {
  auto v = long_arg(args[0]);
  if (!v || args[0].kind() == Kind::Real) return Value();
  int64_t width = 0;
  if (args.size() > 1) {
    auto w = long_arg(args[1]);
    if (!w) return Value();
    width = std::clamp<int64_t>(*w, 0, 64);
  }
  // An int's two's complement is 32 bits wide, as in .NET.
  uint64_t bits = args[0].kind() == Kind::Int ? static_cast<uint32_t>(*v) : static_cast<uint64_t>(*v);
  char buf[16];
  size_t n = 0;
  do {
    buf[n++] = "0123456789abcdef"[bits & 15];
    bits >>= 4;
  } while (bits);
  std::string out;
  if (static_cast<int64_t>(n) < width) out.assign(static_cast<size_t>(width) - n, '0');
  while (n) out += buf[--n];
  return Value(std::move(out));
}

constexpr ScalarFunction kFunctions[] = {
    {"parse_json", 1, 1, bind_sig<ColumnType::Dynamic, Want::Any>, eval_todynamic},
    {"tobool", 1, 1, bind_sig<ColumnType::Bool, Want::Any>, eval_convert<ColumnType::Bool>},
    {"toboolean", 1, 1, bind_sig<ColumnType::Bool, Want::Any>, eval_convert<ColumnType::Bool>},
    {"todatetime", 1, 1, bind_sig<ColumnType::DateTime, Want::Any>, eval_convert<ColumnType::DateTime>},
    {"todecimal", 1, 1, bind_sig<ColumnType::Real, Want::Any>, eval_convert<ColumnType::Real>},
    {"todouble", 1, 1, bind_sig<ColumnType::Real, Want::Any>, eval_convert<ColumnType::Real>},
    {"todynamic", 1, 1, bind_sig<ColumnType::Dynamic, Want::Any>, eval_todynamic},
    {"toguid", 1, 1, bind_sig<ColumnType::Guid, Want::Any>, eval_convert<ColumnType::Guid>},
    {"tohex", 1, 2, bind_sig<ColumnType::String, Want::Integer, Want::Integer>, eval_tohex},
    {"toint", 1, 1, bind_sig<ColumnType::Int, Want::Any>, eval_convert<ColumnType::Int>},
    {"tolong", 1, 1, bind_sig<ColumnType::Long, Want::Any>, eval_convert<ColumnType::Long>},
    {"toreal", 1, 1, bind_sig<ColumnType::Real, Want::Any>, eval_convert<ColumnType::Real>},
    {"tostring", 1, 1, bind_sig<ColumnType::String, Want::Any>, eval_tostring},
    {"totimespan", 1, 1, bind_sig<ColumnType::TimeSpan, Want::Any>, eval_convert<ColumnType::TimeSpan>},
};

}  // namespace

std::span<const ScalarFunction> conversion_functions() { return kFunctions; }

}  // namespace intake::kql::detail
