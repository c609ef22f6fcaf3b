// Bound tabular plans and their push-based execution. A plan is immutable (shared by runs);
// `instantiate` builds the per-run state. Rows flow downstream through RowSink::push, which
// returns false when no more input is wanted (take, errors), so scans stop early.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kql/evaluator.h"
#include "kql/lexer.h"
#include "kql/kql.h"

namespace intake::kql {

struct ExecContext {
  EvalContext eval;
  const Catalog* catalog = nullptr;
  int64_t max_rows = 1'000'000;
  Status error;  // first runtime error; operators stop pushing once set
  bool failed() const { return !error.has_value(); }
  bool fail_with(std::string where, std::string message) {
    if (error) error = std::unexpected(Error(std::move(where), std::move(message)));
    return false;
  }
};

class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual bool push(Row&& row) = 0;
  // No more rows; flushes buffered operators downstream.
  virtual void finish() = 0;
};

class PlanOp {
 public:
  virtual ~PlanOp() = default;
  virtual std::unique_ptr<RowSink> instantiate(RowSink& next, ExecContext& ctx) const = 0;
  // Column liveness (projection pushdown): `in` (sized to the input width, all false) receives
  // the input columns needed to produce the output columns marked in `out`. Operators holding
  // nested pipelines pass the demand on to them. Default: every input column.
  virtual void require(const std::vector<bool>& out, std::vector<bool>& in) const;
  Schema output;
  std::string name;  // operator as written, for messages
  Pos pos;
};
using PlanOpPtr = std::shared_ptr<const PlanOp>;

struct Pipeline;
using PipelinePtr = std::shared_ptr<const Pipeline>;

class PlanSource {
 public:
  virtual ~PlanSource() = default;
  // Pushes the source rows into `sink` (without calling finish).
  virtual void run(RowSink& sink, ExecContext& ctx) const = 0;
  // Records which output columns are read downstream (see PlanOp::require); table scans remember
  // them for ScanHints::columns. Called at compile time, before any run.
  virtual void require(const std::vector<bool>& out) const { (void)out; }
  // For a table scan: the columns required so far (empty until require is called).
  virtual const std::vector<bool>* required() const { return nullptr; }
  Schema output;
  std::string table;  // the catalog table read, when this is a plain table scan
};
using PlanSourcePtr = std::shared_ptr<const PlanSource>;

struct Pipeline {
  PlanSourcePtr source;
  std::vector<PlanOpPtr> ops;
  const Schema& schema() const { return ops.empty() ? source->output : ops.back()->output; }
  // Runs the pipeline into `sink` (finish is called on the pipeline's own operators, not on sink).
  void run(RowSink& sink, ExecContext& ctx) const;
  // Runs and materialises the rows.
  Result<std::vector<Row>> collect(ExecContext& ctx) const;
  // Propagates the demand for output columns `out` back to the sources (projection pushdown).
  void require(const std::vector<bool>& out) const;
  // Every output column.
  void require_all() const { require(std::vector<bool>(schema().columns.size(), true)); }
};

// Time bounds for ScanHints, evaluated when the query runs (ago()/now() depend on the clock).
struct TimeBound {
  bool is_from = true;  // >= (or > with +1 tick); else <=
  int64_t adjust = 0;   // ticks added to the evaluated value
  BExprPtr value;
};

// ----- sources
PlanSourcePtr make_table_source(std::string table, Schema schema, std::vector<TimeBound> bounds, std::optional<int64_t> limit);
PlanSourcePtr make_rows_source(Schema schema, std::vector<std::vector<BExprPtr>> rows);  // print, datatable
PlanSourcePtr make_range_source(Schema schema, BExprPtr from, BExprPtr to, BExprPtr step);
PlanSourcePtr make_pipeline_source(PipelinePtr p);
// Union of pipelines: each input's columns map to output columns (by index); withsource column first when set.
PlanSourcePtr make_union_source(Schema schema, std::vector<PipelinePtr> inputs, std::vector<std::vector<int>> maps,
                                std::vector<std::string> source_names, bool with_source);

// ----- operators (op_*.cpp)
PlanOpPtr make_where(BExprPtr predicate, Schema out);
// Each output column: expression, or `move_from` when it is a plain column of the input.
struct ProjectItem {
  BExprPtr expr;
  int source_column = -1;
};
PlanOpPtr make_project(std::vector<ProjectItem> items, Schema out);
// Extend: values for existing columns (index < input width) replace them; others are appended.
struct ExtendItem {
  BExprPtr expr;
  int target = 0;
};
PlanOpPtr make_extend(std::vector<ExtendItem> items, Schema out);
struct ParseSpec {
  BExprPtr source;
  struct Part {
    bool literal = false, star = false;
    std::string text;
    int target = -1;  // column index in the output
    ColumnType type = ColumnType::String;
  };
  std::vector<Part> parts;
};
PlanOpPtr make_parse(ParseSpec spec, int input_width, Schema out);
PlanOpPtr make_take(int64_t n, Schema out);
struct SortSpec {
  BExprPtr key;
  bool asc = false;
  bool nulls_first = false;
};
PlanOpPtr make_sort(std::vector<SortSpec> keys, std::optional<int64_t> top, Schema out);
struct AggSpec {
  const AggregateFunction* fn = nullptr;  // null for arg_max/arg_min (native)
  std::vector<BExprPtr> args;
  std::vector<BoundArg> bound;
  std::vector<Value> constants;  // backing store for bound[i].constant
  int arg_extreme = 0;           // +1 arg_max, -1 arg_min
  std::vector<int> extra_columns;  // arg_max: input columns returned (output slots follow)
  int split = 0;                   // percentiles(x, p1, p2, ...): the result array fills `split` columns
};
PlanOpPtr make_summarize(std::vector<BExprPtr> keys, std::vector<std::shared_ptr<AggSpec>> aggs, Schema out);
PlanOpPtr make_distinct(std::vector<BExprPtr> keys, Schema out);
PlanOpPtr make_count(Schema out);
PlanOpPtr make_union_op(std::vector<PipelinePtr> others, std::vector<std::vector<int>> maps, std::vector<int> self_map,
                        std::vector<std::string> names, bool with_source, Schema out);
struct JoinSpec {
  std::string kind;
  PipelinePtr right;
  std::vector<int> left_keys, right_keys;
  std::vector<int> left_out, right_out;  // output positions of left/right columns (-1: dropped)
};
PlanOpPtr make_join(JoinSpec spec, Schema out);
struct MvExpandItem {
  BExprPtr expr;
  int target = 0;
  ColumnType type = ColumnType::Dynamic;
};
PlanOpPtr make_mv_expand(std::vector<MvExpandItem> items, bool bag_as_array, int index_column, int64_t limit, int input_width, Schema out);
PlanOpPtr make_getschema(Schema input, Schema out);

}  // namespace intake::kql
