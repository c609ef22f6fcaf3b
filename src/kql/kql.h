// The KQL engine's public face: compile a query (or a DCR transformKql) against the schemas of
// the tables it reads, then run it over Value rows. Stages (DuckDB-style): lexer -> parser (AST
// with source positions) -> binder (columns and types resolved) -> operators -> evaluation.
// Kusto's semantics: typed nulls, failed conversions yield null, string comparison rules, dynamic
// member access, datetime/timespan arithmetic.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/schema.h"
#include "core/time.h"

namespace intake::kql {

// A materialised result or input.
struct Table {
  Schema schema;
  std::vector<Row> rows;
};

// Restrictions the query engine may pass down to a table scan (filter pushdown). A provider may
// ignore them: the engine still applies every predicate itself.
struct ScanHints {
  std::optional<DateTime> time_from;  // TimeGenerated >= time_from
  std::optional<DateTime> time_to;    // TimeGenerated <= time_to (inclusive)
  std::optional<int64_t> limit;       // at most this many rows are needed (take/limit directly on the scan)
  // Columns the query reads; empty = all. A provider that honours it still returns rows in the
  // table's full schema order, with unread columns left null.
  std::vector<std::string> columns;
};

// Where named tables and stored functions come from (the workspace, a test's data, a DCR's `source`).
class Catalog {
 public:
  virtual ~Catalog() = default;
  // The schema of a table, or nullopt if there is no such table.
  virtual std::optional<Schema> table_schema(std::string_view name) const = 0;
  // Streams the table's rows to `sink` until it returns false. Errors name the table.
  virtual Status scan(std::string_view name, const ScanHints& hints, const std::function<bool(Row&&)>& sink) const = 0;
  // Body of a stored function (KQL text, e.g. a package's parser `SentinelOne`), or nullopt.
  virtual std::optional<std::string> function_body(std::string_view name) const { (void)name; return std::nullopt; }
  // Names for "did you mean" suggestions.
  virtual std::vector<std::string> table_names() const { return {}; }
};

// A catalog over in-memory tables (tests, datatable-like inputs).
class MemoryCatalog final : public Catalog {
 public:
  void add_table(std::string name, Table table);
  void add_function(std::string name, std::string body);
  std::optional<Schema> table_schema(std::string_view name) const override;
  Status scan(std::string_view name, const ScanHints& hints, const std::function<bool(Row&&)>& sink) const override;
  std::optional<std::string> function_body(std::string_view name) const override;
  std::vector<std::string> table_names() const override;

 private:
  std::vector<std::pair<std::string, Table>> tables_;
  std::vector<std::pair<std::string, std::string>> functions_;
};

struct QueryOptions {
  Clock clock = system_now;  // now() and ago(); fixed for the whole query
  int64_t max_rows = 1'000'000;  // result row cap (an error beyond it, never silent truncation)
};

class CompiledQuery;

// A compiled query: errors carry "kql:LINE:COL: message" (e.g. "kql:1:23: unknown column
// 'Severty' (did you mean 'Severity')").
class Query {
 public:
  static Result<Query> compile(std::string_view text, const Catalog& catalog);
  // Runs against the catalog it was compiled with (which must outlive the query).
  Result<Table> run(const QueryOptions& options = {}) const;
  const Schema& output_schema() const;

 private:
  std::shared_ptr<const CompiledQuery> impl_;
};

// A DCR transformKql: starts from the virtual table `source` with the stream's schema; only the
// operators Azure allows in transformations (extend, project, project-away, project-rename,
// project-keep, where, parse, let of scalars and lookup maps, ...). Row by row, so it runs on each
// page of events.
class Transform {
 public:
  // Errors name the position and say when an operator is not allowed in a transformation.
  static Result<Transform> compile(std::string_view text, const Schema& source_schema);
  const Schema& output_schema() const;
  // Appends the transformed rows of `input` (rows of the source schema) to `output`.
  Status apply(const std::vector<Row>& input, std::vector<Row>& output, DateTime now) const;
  // The same, moving values out of `input` instead of copying them (its rows are left hollow).
  Status apply(std::vector<Row>&& input, std::vector<Row>& output, DateTime now) const;
  // True for "source" alone (rows pass unchanged).
  bool is_identity() const;

 private:
  // `movable`, when given, is `input` itself, which the caller no longer needs.
  Status run(const std::vector<Row>& input, std::vector<Row>* movable, std::vector<Row>& output, DateTime now) const;
  std::shared_ptr<const CompiledQuery> impl_;
};

}  // namespace intake::kql
