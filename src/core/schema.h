// Column types and table/stream schemas, as declared by DCR stream declarations and table resources.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace intake {

enum class ColumnType : uint8_t { Bool, Int, Long, Real, String, DateTime, TimeSpan, Guid, Dynamic };

// Accepts the spellings DCRs and tables use: boolean/bool, int, long, real/double, string,
// datetime, timespan, guid/uniqueidentifier, dynamic (ASCII case-insensitive).
std::optional<ColumnType> parse_column_type(std::string_view name);
// The KQL name of a type ("bool", "datetime", ...).
std::string_view column_type_name(ColumnType t);

struct Column {
  std::string name;
  ColumnType type = ColumnType::String;
};

struct Schema {
  std::vector<Column> columns;

  // Index of the column with exactly this name, or -1.
  int index_of(std::string_view name) const;
};

using Row = std::vector<Value>;

// Converts a value to a column type with Kusto's rules: a value that does not convert is null.
// Strings are parsed (numbers, ISO 8601 datetimes, GUIDs, timespans); dynamic keeps anything.
Value convert_to(const Value& v, ColumnType t);

}  // namespace intake
