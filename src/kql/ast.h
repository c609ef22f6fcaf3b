// The parsed (unbound) query: expressions and tabular pipelines, each node with its source
// position so the binder can report "kql:LINE:COL: ...". Names are not resolved here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/value.h"
#include "kql/lexer.h"

namespace intake::kql {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Tabular;
using TabularPtr = std::unique_ptr<Tabular>;

enum class ExprKind : uint8_t {
  Literal,   // value (type in `literal_type`)
  Name,      // column, let name or parameter: `name`
  Member,    // args[0].name
  Index,     // args[0][args[1]]
  Unary,     // op: "-", "+"
  Binary,    // op: + - * / % == != < <= > >= =~ !~ and or, string operators (contains, has, ...)
  In,        // args[0] op (args[1..]); op: in, !in, in~, !in~, has_any, has_all
  Between,   // args[0] [!]between (args[1] .. args[2]); op: between / !between
  Call,      // name(args)
  Star,      // `*` as a function argument (count(*), arg_max(x, *))
  TabularArg,  // a tabular expression used as an argument (toscalar(T | ...), in (T | ...))
};

struct Expr {
  ExprKind kind = ExprKind::Literal;
  Pos pos;
  std::string name;  // Name/Member/Call name; Unary/Binary/In/Between operator
  Value literal;
  ColumnType literal_type = ColumnType::Dynamic;
  std::vector<ExprPtr> args;
  TabularPtr tabular;  // TabularArg
};

// `name = expr` or bare `expr` in extend/project/summarize/print.
struct Assignment {
  std::string name;  // empty when not named
  std::vector<std::string> names;  // (a, b) = ... tuple names (mv-expand / arg_max are not tuples)
  Pos name_pos;
  ExprPtr expr;
};

struct SortKey {
  ExprPtr expr;
  bool asc = false;
  std::optional<bool> nulls_first;
};

struct ParsePart {
  bool is_literal = false;
  bool is_star = false;
  std::string text;  // literal text or column name
  std::optional<ColumnType> type;
  Pos pos;
};

struct ColumnDecl {
  std::string name;
  ColumnType type = ColumnType::String;
  Pos pos;
};

enum class OpKind : uint8_t {
  Where, Extend, Project, ProjectAway, ProjectRename, ProjectKeep, ProjectReorder, Parse, Take, Top, Sort,
  Summarize, Distinct, Count, Union, Join, MvExpand, GetSchema, As, Serialize,
};

struct Operator {
  OpKind kind = OpKind::Where;
  Pos pos;
  std::string op_name;  // as written, for messages
  ExprPtr predicate;    // where
  std::vector<Assignment> items;  // extend/project/rename(new = old)/summarize aggregates/mv-expand
  std::vector<Assignment> by;     // summarize by; distinct columns
  std::vector<std::string> patterns;  // project-away/keep/reorder names (wildcards)
  std::vector<Pos> pattern_pos;
  std::vector<SortKey> sort;      // sort/top
  ExprPtr count;                  // take/top N; mv-expand limit
  // parse
  ExprPtr source;
  std::vector<ParsePart> parts;
  // join / union
  std::string join_kind;  // innerunique default
  std::vector<TabularPtr> others;
  std::vector<std::pair<ExprPtr, ExprPtr>> join_on;  // left expr, right expr
  std::string withsource;
  std::optional<ColumnType> to_type;  // mv-expand `to typeof(T)` (applies to all items)
  bool distinct_star = false;
};

enum class SourceKind : uint8_t { Name, Call, Print, Datatable, Union, Range, Nested };

struct Tabular {
  SourceKind kind = SourceKind::Name;
  Pos pos;
  std::string name;  // table / let / function name
  std::vector<ExprPtr> call_args;  // Call
  std::vector<Assignment> print;   // Print
  std::vector<ColumnDecl> columns;  // Datatable
  std::vector<ExprPtr> values;      // Datatable (row-major literals)
  std::vector<TabularPtr> unions;   // Union sources
  std::string withsource;
  ExprPtr range_from, range_to, range_step;  // Range (name = column)
  TabularPtr nested;                          // (T | ...)
  std::vector<Operator> ops;
};

struct Param {
  std::string name;
  std::optional<ColumnType> type;  // nullopt: tabular parameter (T:(*))
  ExprPtr default_value;
  Pos pos;
};

struct LetStmt;

// A user function body: its own let statements, then a scalar or tabular expression.
struct FunctionBody {
  std::vector<Param> params;
  std::vector<LetStmt> lets;
  ExprPtr scalar;
  TabularPtr tabular;
};

struct LetStmt {
  std::string name;
  Pos pos;
  ExprPtr scalar;      // let x = expr;
  TabularPtr tabular;  // let T = source | ...;
  std::shared_ptr<FunctionBody> function;  // let f = (x:long) { ... };
};

struct QueryAst {
  std::vector<LetStmt> lets;
  TabularPtr body;  // null when the text has only let statements
  Pos end;
};

}  // namespace intake::kql
