// Aggregation functions for summarize. Nulls are skipped by every aggregate except count() and
// take_any's row choice. Result types follow Kusto: count/dcount → long, sum of integers → long
// (wrapping on overflow like C# unchecked), avg/stdev/variance → real, min/max/percentile → the
// argument's type. dcount is exact (a hash set), which Kusto's HLL estimate approximates.
//
// Multi-column aggregates return an array with one element per output column, which the
// evaluator spreads into columns: arg_max/arg_min → [extreme, arg1, arg2, ...] (the row values
// passed as extra arguments), percentiles → [p1, p2, ...], take_any with several arguments →
// [v1, v2, ...].
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "kql/functions_internal.h"

namespace intake::kql::detail {
namespace {

using Args = std::span<const Value>;
using Bound = std::span<const BoundArg>;
using AccPtr = std::unique_ptr<Accumulator>;
constexpr ColumnType L = ColumnType::Long;
constexpr ColumnType R = ColumnType::Real;
constexpr ColumnType D = ColumnType::Dynamic;
constexpr int64_t kDefaultMaxSize = 1'048'576;

// A constant integer argument (make_list's max size), or the default.
int64_t const_long(Bound args, size_t index, int64_t fallback) {
  if (index >= args.size() || !args[index].constant) return fallback;
  auto v = long_arg(*args[index].constant);
  return v && *v > 0 ? *v : fallback;
}

// ---- wrappers ----

// The *if variants: the predicate is the second argument; the rest goes to the plain aggregate.
class IfAccumulator final : public Accumulator {
 public:
  IfAccumulator(AccPtr inner, size_t predicate) : inner_(std::move(inner)), predicate_(predicate) {}
  void add(Args args) override {
    if (is_true(args[predicate_])) inner_->add(args.first(predicate_));
  }
  Value result() const override { return inner_->result(); }

 private:
  AccPtr inner_;
  size_t predicate_;
};

// ---- count ----

class Count final : public Accumulator {
 public:
  void add(Args args) override { n_ += args.empty() || !args[0].is_null(); }
  Value result() const override { return Value(n_); }

 private:
  int64_t n_ = 0;
};

class CountIf final : public Accumulator {
 public:
  void add(Args args) override { n_ += is_true(args[0]); }
  Value result() const override { return Value(n_); }

 private:
  int64_t n_ = 0;
};

class DistinctCount final : public Accumulator {
 public:
  void add(Args args) override {
    const Value& v = args[0];
    if (v.is_null()) return;
    auto& bucket = seen_[value_hash(v)];
    if (std::none_of(bucket.begin(), bucket.end(), [&](const Value& x) { return same_value(x, v); })) {
      bucket.push_back(v);
      ++n_;
    }
  }
  Value result() const override { return Value(n_); }

 private:
  std::unordered_map<uint64_t, std::vector<Value>> seen_;
  int64_t n_ = 0;
};

// ---- sum, avg ----

class Sum final : public Accumulator {
 public:
  void add(Args args) override {
    const Value& v = args[0];
    switch (v.kind()) {
      case Kind::Null: return;
      case Kind::TimeSpan:
        timespan_ = true;
        [[fallthrough]];
      case Kind::Int:
      case Kind::Long:
      case Kind::Bool: {
        int64_t i = v.kind() == Kind::TimeSpan ? v.as_timespan().ticks : *long_arg(v);
        integer_ = static_cast<int64_t>(static_cast<uint64_t>(integer_) + static_cast<uint64_t>(i));
        real_ += static_cast<double>(i);
        break;
      }
      case Kind::Real:
        any_real_ = true;
        real_ += v.as_real();
        break;
      default: return;
    }
    any_ = true;
  }
  Value result() const override {
    if (!any_) return Value();
    if (timespan_) return Value(TimeSpan{integer_});
    return any_real_ ? Value(real_) : Value(integer_);
  }

 private:
  int64_t integer_ = 0;
  double real_ = 0;
  bool any_ = false, any_real_ = false, timespan_ = false;
};

class Avg final : public Accumulator {
 public:
  void add(Args args) override {
    const Value& v = args[0];
    if (v.kind() == Kind::TimeSpan) {
      timespan_ = true;
      sum_ += static_cast<double>(v.as_timespan().ticks);
    } else if (auto d = real_arg(v)) {
      sum_ += *d;
    } else {
      return;
    }
    ++n_;
  }
  Value result() const override {
    if (n_ == 0) return Value();
    const double mean = sum_ / static_cast<double>(n_);
    return timespan_ ? Value(TimeSpan{static_cast<int64_t>(std::llround(mean))}) : Value(mean);
  }

 private:
  double sum_ = 0;
  int64_t n_ = 0;
  bool timespan_ = false;
};

// ---- min, max, arg_min, arg_max ----

template <bool Max>
class Extreme final : public Accumulator {
 public:
  void add(Args args) override {
    const Value& v = args[0];
    if (v.is_null()) return;
    if (best_.is_null() || (Max ? compare_values(v, best_) > 0 : compare_values(v, best_) < 0)) best_ = v;
  }
  Value result() const override { return best_; }

 private:
  Value best_;
};

// Keeps the row values of the first row holding the extreme.
template <bool Max>
class ArgExtreme final : public Accumulator {
 public:
  void add(Args args) override {
    const Value& v = args[0];
    if (v.is_null()) return;
    if (!row_.empty() && !(Max ? compare_values(v, row_[0]) > 0 : compare_values(v, row_[0]) < 0)) return;
    row_.assign(args.begin(), args.end());
  }
  Value result() const override { return Value(row_); }

 private:
  Array row_;
};

// ---- lists and sets ----

class MakeList final : public Accumulator {
 public:
  MakeList(int64_t max, bool keep_nulls) : max_(static_cast<size_t>(max)), keep_nulls_(keep_nulls) {}
  void add(Args args) override {
    if (list_.size() >= max_ || (args[0].is_null() && !keep_nulls_)) return;
    list_.push_back(args[0]);
  }
  Value result() const override { return Value(list_); }

 private:
  Array list_;
  size_t max_;
  bool keep_nulls_;
};

class MakeSet final : public Accumulator {
 public:
  explicit MakeSet(int64_t max) : max_(static_cast<size_t>(max)) {}
  void add(Args args) override {
    const Value& v = args[0];
    if (v.is_null() || list_.size() >= max_) return;
    auto& bucket = index_[value_hash(v)];
    if (std::any_of(bucket.begin(), bucket.end(), [&](size_t i) { return same_value(list_[i], v); })) return;
    bucket.push_back(list_.size());
    list_.push_back(v);
  }
  Value result() const override { return Value(list_); }

 private:
  Array list_;
  std::unordered_map<uint64_t, std::vector<size_t>> index_;
  size_t max_;
};

// make_bag: the union of property bags; the first value seen for a key is kept.
class MakeBag final : public Accumulator {
 public:
  explicit MakeBag(int64_t max) : max_(static_cast<size_t>(max)) {}
  void add(Args args) override {
    if (!args[0].is_object()) return;
    for (const auto& member : args[0].as_object()) {
      if (bag_.size() >= max_) return;
      if (keys_.emplace(member.first, bag_.size()).second) bag_.push_back(member);
    }
  }
  Value result() const override { return Value(bag_); }

 private:
  Object bag_;
  std::unordered_map<std::string, size_t> keys_;
  size_t max_;
};

// ---- percentiles, variance ----

// Nearest rank over the sorted values: the smallest value with at least p% of values <= it.
class Percentiles final : public Accumulator {
 public:
  Percentiles(std::vector<double> ps, bool many) : ps_(std::move(ps)), many_(many) {}
  void add(Args args) override {
    if (!args[0].is_null()) values_.push_back(args[0]);
  }
  Value result() const override {
    Array sorted = values_;
    std::sort(sorted.begin(), sorted.end(), [](const Value& a, const Value& b) { return compare_values(a, b) < 0; });
    Array out;
    for (double p : ps_) {
      if (sorted.empty()) {
        out.emplace_back();
        continue;
      }
      const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
      const auto i = static_cast<size_t>(std::clamp(rank - 1, 0.0, static_cast<double>(sorted.size() - 1)));
      out.push_back(sorted[i]);
    }
    if (!many_) return out.empty() ? Value() : out[0];
    return Value(std::move(out));
  }

 private:
  std::vector<double> ps_;
  bool many_;
  Array values_;
};

// Welford's running mean and squared deviations.
class Variance final : public Accumulator {
 public:
  Variance(bool sample, bool root) : sample_(sample), root_(root) {}
  void add(Args args) override {
    auto x = real_arg(args[0]);
    if (!x) return;
    ++n_;
    const double delta = *x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (*x - mean_);
  }
  Value result() const override {
    if (n_ == 0) return Value();
    const double denom = sample_ ? static_cast<double>(n_ - 1) : static_cast<double>(n_);
    const double var = denom > 0 ? m2_ / denom : 0.0;
    return Value(root_ ? std::sqrt(var) : var);
  }

 private:
  bool sample_, root_;
  int64_t n_ = 0;
  double mean_ = 0, m2_ = 0;
};

// take_any: the first non-null value (several arguments: the first row's values as an array).
class TakeAny final : public Accumulator {
 public:
  void add(Args args) override {
    if (done_) return;
    if (args.size() == 1) {
      if (args[0].is_null()) return;
      row_.assign(1, args[0]);
    } else {
      row_.assign(args.begin(), args.end());
    }
    done_ = true;
  }
  Value result() const override {
    if (!done_) return Value();
    return row_.size() == 1 ? row_[0] : Value(row_);
  }

 private:
  Array row_;
  bool done_ = false;
};

// ---- make functions ----

template <class T>
AccPtr make_plain(Bound) { return std::make_unique<T>(); }

template <bool Max>
AccPtr make_extreme(Bound) { return std::make_unique<Extreme<Max>>(); }

template <bool Max>
AccPtr make_arg_extreme(Bound) { return std::make_unique<ArgExtreme<Max>>(); }

template <AccPtr (*Inner)(Bound)>
AccPtr make_if(Bound args) { return std::make_unique<IfAccumulator>(Inner(args), 1); }

AccPtr make_list(Bound args) { return std::make_unique<MakeList>(const_long(args, 1, kDefaultMaxSize), false); }
AccPtr make_list_with_nulls(Bound args) { return std::make_unique<MakeList>(const_long(args, 1, kDefaultMaxSize), true); }
AccPtr make_list_if(Bound args) { return std::make_unique<IfAccumulator>(std::make_unique<MakeList>(const_long(args, 2, kDefaultMaxSize), false), 1); }
AccPtr make_set(Bound args) { return std::make_unique<MakeSet>(const_long(args, 1, kDefaultMaxSize)); }
AccPtr make_set_if(Bound args) { return std::make_unique<IfAccumulator>(std::make_unique<MakeSet>(const_long(args, 2, kDefaultMaxSize)), 1); }
AccPtr make_bag(Bound args) { return std::make_unique<MakeBag>(const_long(args, 1, kDefaultMaxSize)); }
AccPtr make_bag_if(Bound args) { return std::make_unique<IfAccumulator>(std::make_unique<MakeBag>(const_long(args, 2, kDefaultMaxSize)), 1); }

std::vector<double> percents(Bound args) {
  std::vector<double> ps;
  for (size_t i = 1; i < args.size(); ++i) {
    auto p = args[i].constant ? real_arg(*args[i].constant) : std::nullopt;
    ps.push_back(p ? *p : 50.0);
  }
  return ps;
}
AccPtr make_percentile(Bound args) { return std::make_unique<Percentiles>(percents(args), false); }
AccPtr make_percentiles(Bound args) { return std::make_unique<Percentiles>(percents(args), true); }

template <bool Sample, bool Root>
AccPtr make_variance(Bound) { return std::make_unique<Variance>(Sample, Root); }

// ---- bind ----

Result<ColumnType> bind_count(Bound) { return L; }
Result<ColumnType> bind_countif(Bound args) { return bind_sig<L, Want::Bool>(args); }

Result<ColumnType> bind_sum_type(ColumnType t) {
  switch (t) {
    case ColumnType::Int:
    case ColumnType::Long:
    case ColumnType::Bool: return L;
    case ColumnType::Real: return R;
    case ColumnType::TimeSpan: return ColumnType::TimeSpan;
    case ColumnType::Dynamic: return D;
    default: return fail("expects a number or timespan as its first argument, not " + std::string(column_type_name(t)));
  }
}

Result<ColumnType> bind_sum(Bound args) { return bind_sum_type(args[0].type); }
Result<ColumnType> bind_sumif(Bound args) {
  if (auto s = check_arg(args, 1, Want::Bool); !s) return std::unexpected(s.error());
  return bind_sum_type(args[0].type);
}

Result<ColumnType> bind_avg(Bound args) {
  if (args[0].type == ColumnType::TimeSpan) return ColumnType::TimeSpan;
  if (auto s = check_arg(args, 0, Want::Number); !s) return std::unexpected(s.error());
  if (auto s = check_arg(args, 1, Want::Bool); !s) return std::unexpected(s.error());
  return R;
}

Result<ColumnType> bind_first_type(Bound args) { return args[0].type; }
Result<ColumnType> bind_first_type_if(Bound args) {
  if (auto s = check_arg(args, 1, Want::Bool); !s) return std::unexpected(s.error());
  return args[0].type;
}

Result<ColumnType> bind_stat(Bound args) { return bind_sig<R, Want::Number, Want::Bool>(args); }

Result<ColumnType> bind_dcount(Bound) { return L; }
Result<ColumnType> bind_dcountif(Bound args) { return bind_sig<L, Want::Any, Want::Bool, Want::Integer>(args); }

Result<ColumnType> bind_make(Bound args) { return bind_sig<D, Want::Any, Want::Integer>(args); }
Result<ColumnType> bind_make_if(Bound args) { return bind_sig<D, Want::Any, Want::Bool, Want::Integer>(args); }

Result<ColumnType> bind_percentile(Bound args) {
  for (size_t i = 1; i < args.size(); ++i) {
    auto p = args[i].constant ? real_arg(*args[i].constant) : std::nullopt;
    if (!p || *p < 0 || *p > 100) return fail("expects a constant percentage (0..100) as its " + ordinal(i) + " argument");
  }
  const ColumnType t = args[0].type;
  if (t == ColumnType::String || t == ColumnType::Bool || t == ColumnType::Guid)
    return fail("expects a number, datetime or timespan as its first argument, not " + std::string(column_type_name(t)));
  return D;
}

Result<ColumnType> bind_percentile_one(Bound args) {
  auto r = bind_percentile(args);
  return r ? Result<ColumnType>(args[0].type) : r;
}

Result<ColumnType> bind_take_any(Bound args) { return args.size() == 1 ? args[0].type : D; }

constexpr AggregateFunction kFunctions[] = {
    {"any", 1, 64, bind_take_any, make_plain<TakeAny>},
    {"arg_max", 1, 1024, bind_first_type, make_arg_extreme<true>},
    {"arg_min", 1, 1024, bind_first_type, make_arg_extreme<false>},
    {"avg", 1, 1, bind_avg, make_plain<Avg>},
    {"avgif", 2, 2, bind_avg, make_if<make_plain<Avg>>},
    {"count", 0, 1, bind_count, make_plain<Count>},
    {"count_distinct", 1, 1, bind_dcount, make_plain<DistinctCount>},
    {"countif", 1, 1, bind_countif, make_plain<CountIf>},
    {"dcount", 1, 2, bind_dcount, make_plain<DistinctCount>},
    {"dcountif", 2, 3, bind_dcountif, make_if<make_plain<DistinctCount>>},
    {"make_bag", 1, 2, bind_make, make_bag},
    {"make_bag_if", 2, 3, bind_make_if, make_bag_if},
    {"make_list", 1, 2, bind_make, make_list},
    {"make_list_if", 2, 3, bind_make_if, make_list_if},
    {"make_list_with_nulls", 1, 2, bind_make, make_list_with_nulls},
    {"make_set", 1, 2, bind_make, make_set},
    {"make_set_if", 2, 3, bind_make_if, make_set_if},
    {"max", 1, 1, bind_first_type, make_extreme<true>},
    {"maxif", 2, 2, bind_first_type_if, make_if<make_extreme<true>>},
    {"min", 1, 1, bind_first_type, make_extreme<false>},
    {"minif", 2, 2, bind_first_type_if, make_if<make_extreme<false>>},
    {"percentile", 2, 2, bind_percentile_one, make_percentile},
    {"percentiles", 2, 64, bind_percentile, make_percentiles},
    {"stdev", 1, 1, bind_stat, make_variance<true, true>},
    {"stdevif", 2, 2, bind_stat, make_if<make_variance<true, true>>},
    {"stdevp", 1, 1, bind_stat, make_variance<false, true>},
    {"sum", 1, 1, bind_sum, make_plain<Sum>},
    {"sumif", 2, 2, bind_sumif, make_if<make_plain<Sum>>},
    {"take_any", 1, 64, bind_take_any, make_plain<TakeAny>},
    {"variance", 1, 1, bind_stat, make_variance<true, false>},
    {"varianceif", 2, 2, bind_stat, make_if<make_variance<true, false>>},
    {"variancep", 1, 1, bind_stat, make_variance<false, false>},
};

}  // namespace

std::span<const AggregateFunction> aggregate_functions() { return kFunctions; }

}  // namespace intake::kql::detail
