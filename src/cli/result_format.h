// Printing query results: an aligned table for people, NDJSON or CSV for programs.
#pragma once

#include <ostream>
#include <string>

#include "kql/kql.h"

namespace intake::cli {

enum class ResultFormat { Table, Json, Csv };

// Text of one cell as people read it: strings bare, datetimes ISO 8601, dynamic as JSON, null empty.
std::string cell_text(const Value& v);

void print_table(std::ostream& out, const kql::Table& t, size_t max_width = 60);
void print_ndjson(std::ostream& out, const kql::Table& t);
void print_csv(std::ostream& out, const kql::Table& t);

}  // namespace intake::cli
