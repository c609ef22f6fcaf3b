// How rows travel in the delivery spool. For the Logs Ingestion API (azure-monitor) a stream's
// rows as NDJSON objects, one per line, nulls left out — the JSON the API takes, so delivery
// only joins lines into arrays. For databases (postgres) a table's rows in PostgreSQL's COPY
// text format, with the columns they follow in the entry's meta.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/schema.h"

namespace intake::sinks {

// Appends one JSON object per row (columns by name, nulls omitted), each followed by '\n'.
void encode_ndjson(const Schema& schema, std::span<const Row> rows, std::string& out);

// COPY ... FROM STDIN (text format) lines: tab-separated, \N for null, backslash escapes.
// datetime as ISO 8601 UTC, timespan as an interval in seconds, dynamic as JSON text.
void encode_copy_text(const Schema& schema, std::span<const Row> rows, std::string& out);

// Meta of a table-row entry: {"table":"T","columns":[["name","type"],...]}; and back.
std::string table_meta(const std::string& table, const Schema& schema);
Result<std::pair<std::string, Schema>> parse_table_meta(std::string_view meta);

}  // namespace intake::sinks
