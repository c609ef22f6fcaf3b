// Math functions. Integer results wrap on overflow like C#'s unchecked long arithmetic (Kusto
// runs on .NET): abs(long.MinValue) is long.MinValue. A real result that is not a number (log of
// a negative, sqrt(-1)) is null, as Kusto returns.
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "kql/functions_internal.h"

namespace intake::kql::detail {
namespace {

using Args = std::span<const Value>;
using Bound = std::span<const BoundArg>;
constexpr ColumnType R = ColumnType::Real;
constexpr ColumnType L = ColumnType::Long;

bool is_integer_kind(const Value& v) { return v.kind() == Kind::Int || v.kind() == Kind::Long || v.kind() == Kind::Bool; }

Value real_or_null(double d) { return std::isnan(d) ? Value() : Value(d); }

// ---- unary real functions ----

template <double (*F)(double)>
Value eval_real1(Args a, const EvalContext&) {
  auto x = real_arg(a[0]);
  return x ? real_or_null(F(*x)) : Value();
}

double exp10_(double x) { return std::pow(10.0, x); }
double exp_(double x) { return std::exp(x); }
double exp2_(double x) { return std::exp2(x); }
double log_(double x) { return std::log(x); }
double log2_(double x) { return std::log2(x); }
double log10_(double x) { return std::log10(x); }
double sqrt_(double x) { return std::sqrt(x); }
double sin_(double x) { return std::sin(x); }
double cos_(double x) { return std::cos(x); }
double tan_(double x) { return std::tan(x); }
double asin_(double x) { return std::asin(x); }
double acos_(double x) { return std::acos(x); }
double atan_(double x) { return std::atan(x); }
double cot_(double x) { return 1.0 / std::tan(x); }
double degrees_(double x) { return x * 180.0 / std::numbers::pi; }
double radians_(double x) { return x * std::numbers::pi / 180.0; }
double gamma_(double x) { return std::tgamma(x); }
double loggamma_(double x) { return std::lgamma(x); }

Value eval_pi(Args, const EvalContext&) { return Value(std::numbers::pi); }

Value eval_pow(Args a, const EvalContext&) {
  auto x = real_arg(a[0]), y = real_arg(a[1]);
  return x && y ? real_or_null(std::pow(*x, *y)) : Value();
}

Value eval_atan2(Args a, const EvalContext&) {
  auto y = real_arg(a[0]), x = real_arg(a[1]);
  return x && y ? real_or_null(std::atan2(*y, *x)) : Value();
}

template <bool (*F)(double)>
Value eval_real_test(Args a, const EvalContext&) {
  auto x = real_arg(a[0]);
  return x ? Value(F(*x)) : Value();
}
bool isfinite_(double x) { return std::isfinite(x); }
bool isinf_(double x) { return std::isinf(x); }
bool isnan_(double x) { return std::isnan(x); }

// ---- type-preserving functions ----

int64_t wrap_neg(int64_t v) { return static_cast<int64_t>(0 - static_cast<uint64_t>(v)); }

Value eval_abs(Args a, const EvalContext&) {
  const Value& v = a[0];
  switch (v.kind()) {
    case Kind::Int: {
      const int32_t i = v.as_int();
      return Value(i < 0 ? static_cast<int32_t>(0u - static_cast<uint32_t>(i)) : i);
    }
    case Kind::Long: return Value(v.as_long() < 0 ? wrap_neg(v.as_long()) : v.as_long());
    case Kind::Real: return Value(std::fabs(v.as_real()));
    case Kind::TimeSpan: return Value(TimeSpan{v.as_timespan().ticks < 0 ? wrap_neg(v.as_timespan().ticks) : v.as_timespan().ticks});
    default: return Value();
  }
}

Value eval_sign(Args a, const EvalContext&) {
  const Value& v = a[0];
  if (v.kind() == Kind::Real) {
    const double d = v.as_real();
    return std::isnan(d) ? Value() : Value(d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
  }
  auto i = long_arg(v);
  if (!i) return Value();
  const int64_t s = *i > 0 ? 1 : *i < 0 ? -1 : 0;
  return v.kind() == Kind::Int ? Value(static_cast<int32_t>(s)) : Value(s);
}

Value eval_ceiling(Args a, const EvalContext&) {
  const Value& v = a[0];
  if (v.kind() == Kind::Real) return Value(std::ceil(v.as_real()));
  if (v.kind() == Kind::Int || v.kind() == Kind::Long) return v;
  return Value();
}

double round_half_away(double x, int64_t digits) {
  if (digits > 15) return x;
  if (digits < -15) return 0.0 * x;
  const double scale = std::pow(10.0, static_cast<double>(digits < 0 ? -digits : digits));
  return digits >= 0 ? std::round(x * scale) / scale : std::round(x / scale) * scale;
}

// round(x[, precision]): half away from zero; integers round to tens etc. with a negative precision.
Value eval_round(Args a, const EvalContext&) {
  auto digits = a.size() > 1 ? long_arg(a[1]) : std::optional<int64_t>(0);
  if (!digits) return Value();
  const Value& v = a[0];
  if (v.kind() == Kind::Real) return Value(round_half_away(v.as_real(), *digits));
  auto i = long_arg(v);
  if (!i || !is_integer_kind(v)) return Value();
  if (*digits >= 0) return v.kind() == Kind::Int ? v : Value(*i);
  if (*digits < -18) return Value(int64_t{0});
  int64_t scale = 1;
  for (int64_t k = 0; k < -*digits; ++k) scale *= 10;
  const int64_t q = *i / scale, r = *i % scale;
  int64_t out = q * scale;
  if (2 * (r < 0 ? -r : r) >= scale && __builtin_add_overflow(out, r < 0 ? -scale : scale, &out)) return Value();
  return v.kind() == Kind::Int ? Value(static_cast<int32_t>(out)) : Value(out);
}

// ---- bin ----

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// Ticks from 1970 to 0001-01-01, the origin Kusto aligns datetime bins to.
constexpr int64_t kYearOneTicks = -719'162 * kTicksPerDay;

// floor(value / size) * size for ticks measured from `origin`.
std::optional<int64_t> bin_ticks(int64_t value, int64_t size, int64_t origin) {
  if (size <= 0) return std::nullopt;
  int64_t rel = 0, out = 0;
  if (__builtin_sub_overflow(value, origin, &rel)) return std::nullopt;
  if (__builtin_mul_overflow(floor_div(rel, size), size, &out) || __builtin_add_overflow(out, origin, &out))
    return std::nullopt;
  return out;
}

// bin_at semantics for every type: bins of `size` aligned so one starts at `origin`.
Value bin_value(const Value& v, const Value& size, const Value* at) {
  if (v.kind() == Kind::DateTime) {
    auto s = timespan_arg(size);
    if (!s) return Value();
    int64_t origin = kYearOneTicks;
    if (at) {
      auto o = datetime_arg(*at);
      if (!o) return Value();
      origin = o->ticks;
    }
    auto r = bin_ticks(v.as_datetime().ticks, s->ticks, origin);
    return r ? Value(DateTime{*r}) : Value();
  }
  if (v.kind() == Kind::TimeSpan) {
    auto s = timespan_arg(size);
    int64_t origin = 0;
    if (at) {
      auto o = timespan_arg(*at);
      if (!o) return Value();
      origin = o->ticks;
    }
    if (!s) return Value();
    auto r = bin_ticks(v.as_timespan().ticks, s->ticks, origin);
    return r ? Value(TimeSpan{*r}) : Value();
  }
  if (v.kind() == Kind::Real || size.kind() == Kind::Real || (at && at->kind() == Kind::Real)) {
    auto x = real_arg(v), s = real_arg(size);
    double origin = 0;
    if (at) {
      auto o = real_arg(*at);
      if (!o) return Value();
      origin = *o;
    }
    if (!x || !s || !(*s > 0)) return Value();
    return real_or_null(std::floor((*x - origin) / *s) * *s + origin);
  }
  auto x = long_arg(v), s = long_arg(size);
  int64_t origin = 0;
  if (at) {
    auto o = long_arg(*at);
    if (!o) return Value();
    origin = *o;
  }
  if (!x || !s || !is_integer_kind(v)) return Value();
  auto r = bin_ticks(*x, *s, origin);
  return r ? Value(*r) : Value();
}

Value eval_bin(Args a, const EvalContext&) { return bin_value(a[0], a[1], nullptr); }
Value eval_bin_at(Args a, const EvalContext&) { return bin_value(a[0], a[1], &a[2]); }

bool numeric(ColumnType t) { return t == ColumnType::Int || t == ColumnType::Long || t == ColumnType::Real || t == ColumnType::Bool; }

Result<ColumnType> bind_bin(Bound args) {
  const ColumnType v = args[0].type, s = args[1].type;
  if (v == ColumnType::Dynamic) return ColumnType::Dynamic;
  if (v == ColumnType::DateTime || v == ColumnType::TimeSpan) {
    if (auto st = check_arg(args, 1, Want::TimeSpan); !st) return std::unexpected(st.error());
    if (args.size() > 2) {
      if (auto st = check_arg(args, 2, v == ColumnType::DateTime ? Want::DateTime : Want::TimeSpan); !st)
        return std::unexpected(st.error());
    }
    return v;
  }
  if (!numeric(v)) return fail("expects a number, datetime or timespan as its first argument, not " + std::string(column_type_name(v)));
  if (auto st = check_arg(args, 1, Want::Number); !st) return std::unexpected(st.error());
  if (args.size() > 2) {
    if (auto st = check_arg(args, 2, Want::Number); !st) return std::unexpected(st.error());
  }
  const bool real = v == ColumnType::Real || s == ColumnType::Real || (args.size() > 2 && args[2].type == ColumnType::Real);
  return real ? R : L;
}

// ---- bitwise ----

template <int64_t (*F)(int64_t, int64_t)>
Value eval_binary2(Args a, const EvalContext&) {
  auto x = long_arg(a[0]), y = long_arg(a[1]);
  return x && y ? Value(F(*x, *y)) : Value();
}
int64_t and_(int64_t x, int64_t y) { return x & y; }
int64_t or_(int64_t x, int64_t y) { return x | y; }
int64_t xor_(int64_t x, int64_t y) { return x ^ y; }
// Shift counts are masked to six bits, as C# does for long.
int64_t shl_(int64_t x, int64_t n) { return static_cast<int64_t>(static_cast<uint64_t>(x) << (n & 63)); }
int64_t shr_(int64_t x, int64_t n) { return x >> (n & 63); }

Value eval_binary_not(Args a, const EvalContext&) {
  auto x = long_arg(a[0]);
  return x ? Value(~*x) : Value();
}

// ---- random ----

Value eval_rand(Args a, const EvalContext&) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  if (a.empty() || a[0].is_null()) return Value(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
  auto n = long_arg(a[0]);
  if (!n || *n <= 0) return Value();
  return Value(static_cast<int64_t>(std::uniform_int_distribution<uint64_t>(0, static_cast<uint64_t>(*n) - 1)(rng)));
}

// ---- max_of / min_of ----

template <bool Max>
Value eval_extreme(Args a, const EvalContext&) {
  const Value* best = nullptr;
  bool any_real = false;
  for (const Value& v : a) {
    if (v.is_null()) continue;
    any_real = any_real || v.kind() == Kind::Real;
    if (!best || (Max ? compare_values(v, *best) > 0 : compare_values(v, *best) < 0)) best = &v;
  }
  if (!best) return Value();
  // Mixed numeric arguments give the widest type, as the binder promised.
  if (any_real && best->kind() != Kind::Real) return convert_to(*best, ColumnType::Real);
  if (best->kind() == Kind::Int) {
    for (const Value& v : a) {
      if (v.kind() == Kind::Long) return Value(static_cast<int64_t>(best->as_int()));
    }
  }
  return *best;
}

Result<ColumnType> bind_extreme(Bound args) { return unify_types(args, "arguments"); }

constexpr auto kReal1 = bind_sig<R, Want::Number>;
constexpr auto kTest = bind_sig<ColumnType::Bool, Want::Number>;
constexpr auto kBits = bind_all<L, Want::Integer>;

Result<ColumnType> bind_same_numeric(Bound args) {
  if (auto s = check_arg(args, 0, Want::Number); !s) return std::unexpected(s.error());
  if (args[0].type == ColumnType::Bool) return L;
  return args[0].type;
}

Result<ColumnType> bind_abs(Bound args) {
  if (args[0].type == ColumnType::TimeSpan) return ColumnType::TimeSpan;
  return bind_same_numeric(args);
}

Result<ColumnType> bind_round(Bound args) {
  if (auto s = check_arg(args, 1, Want::Integer); !s) return std::unexpected(s.error());
  return bind_same_numeric(args);
}

Result<ColumnType> bind_rand(Bound args) {
  if (args.empty()) return R;
  if (auto s = check_arg(args, 0, Want::Integer); !s) return std::unexpected(s.error());
  return L;
}

constexpr ScalarFunction kFunctions[] = {
    {"abs", 1, 1, bind_abs, eval_abs},
    {"acos", 1, 1, kReal1, eval_real1<acos_>},
    {"asin", 1, 1, kReal1, eval_real1<asin_>},
    {"atan", 1, 1, kReal1, eval_real1<atan_>},
    {"atan2", 2, 2, bind_all<R, Want::Number>, eval_atan2},
    {"bin", 2, 2, bind_bin, eval_bin},
    {"bin_at", 3, 3, bind_bin, eval_bin_at},
    {"binary_and", 2, 2, kBits, eval_binary2<and_>},
    {"binary_not", 1, 1, kBits, eval_binary_not},
    {"binary_or", 2, 2, kBits, eval_binary2<or_>},
    {"binary_shift_left", 2, 2, kBits, eval_binary2<shl_>},
    {"binary_shift_right", 2, 2, kBits, eval_binary2<shr_>},
    {"binary_xor", 2, 2, kBits, eval_binary2<xor_>},
    {"ceiling", 1, 1, bind_same_numeric, eval_ceiling},
    {"cos", 1, 1, kReal1, eval_real1<cos_>},
    {"cot", 1, 1, kReal1, eval_real1<cot_>},
    {"degrees", 1, 1, kReal1, eval_real1<degrees_>},
    {"exp", 1, 1, kReal1, eval_real1<exp_>},
    {"exp10", 1, 1, kReal1, eval_real1<exp10_>},
    {"exp2", 1, 1, kReal1, eval_real1<exp2_>},
    {"floor", 2, 2, bind_bin, eval_bin},
    {"gamma", 1, 1, kReal1, eval_real1<gamma_>},
    {"isfinite", 1, 1, kTest, eval_real_test<isfinite_>},
    {"isinf", 1, 1, kTest, eval_real_test<isinf_>},
    {"isnan", 1, 1, kTest, eval_real_test<isnan_>},
    {"log", 1, 1, kReal1, eval_real1<log_>},
    {"log10", 1, 1, kReal1, eval_real1<log10_>},
    {"log2", 1, 1, kReal1, eval_real1<log2_>},
    {"loggamma", 1, 1, kReal1, eval_real1<loggamma_>},
    {"max_of", 1, 64, bind_extreme, eval_extreme<true>},
    {"min_of", 1, 64, bind_extreme, eval_extreme<false>},
    {"pi", 0, 0, bind_sig<R>, eval_pi},
    {"pow", 2, 2, bind_all<R, Want::Number>, eval_pow},
    {"radians", 1, 1, kReal1, eval_real1<radians_>},
    {"rand", 0, 1, bind_rand, eval_rand, false},
    {"round", 1, 2, bind_round, eval_round},
    {"sign", 1, 1, bind_same_numeric, eval_sign},
    {"sin", 1, 1, kReal1, eval_real1<sin_>},
    {"sqrt", 1, 1, kReal1, eval_real1<sqrt_>},
    {"tan", 1, 1, kReal1, eval_real1<tan_>},
};

}  // namespace

std::span<const ScalarFunction> math_functions() { return kFunctions; }

}  // namespace intake::kql::detail
