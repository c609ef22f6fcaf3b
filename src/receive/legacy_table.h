// Azure's legacy column naming for the HTTP Data Collector API, one table <LogType>_CL: a column
// per (property, type) with the type as suffix (_s string, _d number, _b boolean, _t date-time,
// _g GUID, stored dashed), nested objects flattened with "_", arrays as JSON text in an _s
// column, nulls omitted. A value goes to an existing column of its property when it converts to
// that column's type ("true" into flag_b); otherwise a new column with its own suffix appears
// (x_d, then x_s). The naming survives restarts: it is read back from the stored columns.
#pragma once

#include <simdjson.h>

#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/schema.h"

namespace intake::receive {

inline constexpr size_t kLegacyMaxColumns = 500;         // per table, as Azure limits it
inline constexpr size_t kLegacyMaxValueBytes = 32 * 1024;  // longer strings are truncated

struct LegacyBatch {
  Schema schema;          // the table's columns after this batch (TimeGenerated first)
  std::vector<Row> rows;  // following `schema`
};

class LegacyTable {
 public:
  // `stored`: the table's columns as the workspace has them (nullopt for a new table).
  LegacyTable(std::string table, const std::optional<Schema>& stored);

  // Maps records (JSON objects). `time_field`: the time-generated-field header ("" for none); its
  // value becomes TimeGenerated when it lies within [now - 2 days, now + 1 day], otherwise (or
  // when absent) TimeGenerated is `now`. `resource_id`: x-ms-AzureResourceId ("" for none).
  // Errors (nothing is changed then) say which record and property is wrong: not an object, a
  // reserved property name (tenant, TimeGenerated, RawData), more than 500 columns.
  // Thread-safe: concurrent requests for one table are mapped one at a time.
  Result<LegacyBatch> map(std::span<const simdjson::dom::element> records, std::string_view time_field,
                          std::string_view resource_id, DateTime now);

  const std::string& table() const { return table_; }

 private:
  struct PropertyColumns {
    std::vector<size_t> columns;  // indexes into schema_, in creation order
  };
  std::string table_;
  std::mutex mutex_;
  Schema schema_;
  std::map<std::string, PropertyColumns> properties_;
};

// The legacy column name of a property (letters, digits and '_' kept, other characters become
// '_') and the type's suffix.
std::string legacy_column_name(std::string_view property, ColumnType type);
// True for a Log-Type Azure accepts: letters, digits and '_', at most 100 characters.
bool valid_log_type(std::string_view log_type);

}  // namespace intake::receive
