// Where the receivers hand what they accepted. The engine implements these: mapping onto a DCR
// stream's declared columns, the dataFlows' transforms, the tables and the remote destinations,
// all committed at once; write() returns only when that commit is durable, so a 2xx is never
// sent for rows that could still be lost.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/schema.h"

namespace intake::receive {

// Why a write was refused, so receivers can answer as the protocol they speak expects.
enum class WriteFailure {
  Busy,     // the destinations' spools are full: retry later (429)
  Invalid,  // the records cannot be stored as they are (400)
  Internal  // the workspace could not commit (500)
};

struct WriteError {
  WriteFailure kind = WriteFailure::Internal;
  Error error;
};

template <class T>
using WriteResult = std::expected<T, WriteError>;

// One DCR stream bound to a package (Logs Ingestion rules, webhooks, mapped Log-Types).
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Maps the records (JSON objects; members matched to the stream's columns by name) and commits
  // what the dataFlows make of them. Returns the number of rows written to tables.
  virtual WriteResult<int64_t> write(std::span<const simdjson::dom::element> records) = 0;
  // True while the destinations cannot take more (callers refuse with 429 before reading on).
  virtual bool busy() const { return false; }
};

// Rows of a table whose schema the receiver decides (the Data Collector API's <LogType>_CL).
class TableSink {
 public:
  virtual ~TableSink() = default;
  // The table's schema as stored, to resume column naming after a restart (nullopt: new table).
  virtual Result<std::optional<Schema>> stored_schema(const std::string& table) = 0;
  // Commits the rows (following `schema`; the table is created or widened first).
  virtual WriteResult<int64_t> write(const std::string& table, const Schema& schema, std::vector<Row>&& rows) = 0;
  virtual bool busy() const { return false; }
};

}  // namespace intake::receive
