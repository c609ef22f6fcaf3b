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
// datetime, timespan, guid/uniqueidentifier, dynamic, and KQL's aliases date, time, uuid,
// uniqueid (ASCII case-insensitive).
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

// Text forms shared by conversions and the JSON writer.

// Lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; bytes[0] is the first pair of digits.
std::string format_guid(const Guid& g);
// Accepts that form in either case, also inside {} or (), or as 32 bare hex digits.
std::optional<Guid> parse_guid(std::string_view text);

// Kusto's (and .NET's "c") timespan text: [-][d.]hh:mm:ss[.fffffff], the fraction as 7 digits
// when not zero.
std::string format_timespan(TimeSpan t);
// Parses [-][d.]hh:mm[:ss[.f{1,7}]]; nullopt when malformed or out of range.
std::optional<TimeSpan> parse_timespan(std::string_view text);

// A real as Kusto (.NET) prints it: the shortest text that reads back to the same double, in
// fixed notation unless .NET switches to "1E+15" / "1E-05" style; NaN, Infinity, -Infinity.
std::string format_real(double d);

}  // namespace intake
