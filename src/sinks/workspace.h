// The embedded workspace: one SQLite file (WAL) holding a table per log table, the state of every
// connector instance (checkpoints) and the keys used to drop events seen twice across windows.
// The rows of a page and the checkpoint that covers them commit in one transaction, so a kill -9
// at any moment neither loses nor duplicates rows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/schema.h"

namespace intake::sinks {

struct WorkspaceOptions {
  // "normal" survives process crashes (kill -9) in WAL mode; "full" also survives power loss.
  std::string synchronous = "normal";
  int busy_timeout_ms = 10'000;
};

// How values are stored, so that any SQLite client can read the file:
//   bool, int, long -> INTEGER (columns declared "BOOLEAN", "INT", "BIGINT"); real -> REAL (NaN -> NULL);
//   string -> TEXT; guid -> TEXT, lower-case and dashed (declared "GUID TEXT");
//   datetime -> INTEGER 100-ns ticks since the Unix epoch (declared "DATETIME");
//   timespan -> INTEGER ticks (declared "TIMESPAN");
//   dynamic -> TEXT holding JSON (declared "DYNAMIC TEXT": TEXT affinity, so SQLite keeps JSON
//   such as 1.0 as text instead of converting it to a number).
// The KQL type of every column is kept in the _intake_columns table.
//
// Thread-safety: a Workspace and its WriteTxn are used by one thread at a time (the connection has
// no mutex of its own). Separate Workspaces, in one process or several, may share the file.

class Workspace;

// One entry of the delivery spool: rows waiting for a remote destination, in the form that
// destination takes (`meta` describes the payload: the stream, or the table and its columns).
struct SpoolRecord {
  std::string destination;
  std::string target;   // stream or table name
  std::string meta;     // destination-specific description of the payload (JSON)
  std::string payload;  // the rows, encoded for the destination
  int64_t rows = 0;
};

struct SpooledEntry {
  int64_t seq = 0;      // increasing, never reused
  std::string target, meta, payload;
  int64_t rows = 0;
  int64_t created_ticks = 0;
};

struct SpoolStats {
  int64_t entries = 0, rows = 0, bytes = 0;
  std::optional<int64_t> oldest_ticks;  // creation time of the oldest entry
};

// One write transaction. Destroying it without commit() rolls back. It must not outlive its Workspace.
class WriteTxn {
 public:
  WriteTxn(WriteTxn&&) noexcept;
  WriteTxn& operator=(WriteTxn&&) = delete;
  ~WriteTxn();

  // Appends rows to a table created with Workspace::ensure_table; each row follows `schema`
  // (the order of its values), which must be a subset of the table's columns.
  Status append(std::string_view table, const Schema& schema, std::span<const Row> rows);

  // Exactly-once across overlapping windows: records `key` for `instance` in `epoch` (a window
  // start). Returns false when the key was already recorded in an earlier epoch (drop the event),
  // true when it is new or was recorded in this same epoch (a legitimate repeat within one window).
  Result<bool> admit(std::string_view instance, uint64_t key, int64_t epoch);
  // Forgets keys recorded before `epoch` (keys of windows that can no longer overlap).
  Status forget_before(std::string_view instance, int64_t epoch);
  // Records the keys first seen by one page in `epoch`, as one entry (callers that check keys in
  // memory, see Workspace::load_keys, store a page's new keys this way instead of admit() per event).
  Status record_keys(std::string_view instance, int64_t epoch, std::span<const uint64_t> keys);

  // Appends rows for a remote destination to the spool; returns the entry's sequence number.
  Result<int64_t> spool(const SpoolRecord& record);

  // Savepoints let several independent writers share one transaction (group commit): a failure
  // between savepoint() and release_savepoint() is undone by rollback_to_savepoint() without
  // touching what the others wrote. Not nested.
  Status savepoint();
  Status release_savepoint();
  void rollback_to_savepoint();

  // Replaces the instance's state (an opaque JSON document: checkpoint, paging cursor).
  Status put_state(std::string_view instance, std::string_view state_json);

  // Fails, and rolls back, when a write in the transaction failed (no half pages are kept).
  Status commit();

 private:
  friend class Workspace;
  explicit WriteTxn(Workspace* ws);
  Workspace* ws_;
  bool open_ = false;
};

struct TableInfo {
  std::string name;
  Schema schema;
  int64_t rows = 0;
};

class Workspace {
 public:
  // Opens or creates the file; errors name the path.
  static Result<std::unique_ptr<Workspace>> open(const std::string& path, const WorkspaceOptions& options = {});
  ~Workspace();

  // Creates the table (with a TimeGenerated datetime column first if the schema has none) or adds
  // the schema's missing columns. A column that exists with another type is an error.
  Status ensure_table(std::string_view table, const Schema& schema);
  // The table's schema as stored, or nullopt if it does not exist.
  Result<std::optional<Schema>> table_schema(std::string_view table);

  // Starts a write transaction (BEGIN IMMEDIATE). One at a time per Workspace object.
  Result<WriteTxn> begin();

  // The state last committed by put_state, or nullopt.
  Result<std::optional<std::string>> state(std::string_view instance);
  // This workspace file's identity: a random id made when first asked for and kept in its state.
  // Destinations that record what they stored key it by this, so a new workspace file (whose
  // spool numbers start again at 1) is never mistaken for one they already hold entries of.
  Result<std::string> identity();
  // Removes an instance's state and its recorded keys (intake poll --reset).
  Status reset_state(std::string_view instance);
  // Every key recorded for an instance (by admit or record_keys) with its epoch.
  Result<std::vector<std::pair<uint64_t, int64_t>>> load_keys(std::string_view instance);

  // The delivery spool of remote destinations. Entries of one destination in sequence order,
  // after `after_seq`, at most `max_entries` and about `max_bytes` of payload (at least one entry).
  Result<std::vector<SpooledEntry>> spool_read(std::string_view destination, int64_t after_seq, size_t max_entries,
                                               size_t max_bytes);
  // Removes a destination's entries up to and including `through_seq` (they were delivered).
  Status spool_delete(std::string_view destination, int64_t through_seq);
  Result<SpoolStats> spool_stats(std::string_view destination);
  // Destinations that have entries.
  Result<std::vector<std::string>> spool_destinations();
  // Keeps records a destination can never take (with the reason), out of the spool's way.
  Status dead_letter(std::string_view destination, const SpooledEntry& entry, std::string_view payload,
                     std::string_view reason);
  int64_t dead_letters(std::string_view destination);

  // User tables (not the _intake_* ones) with their row counts.
  Result<std::vector<TableInfo>> tables();
  // Up to `limit` rows of a table in insertion order, decoded back to Values by column type.
  Result<std::vector<Row>> read_rows(std::string_view table, int64_t limit, int64_t offset = 0);

  struct ScanRange {
    std::optional<DateTime> time_from;  // TimeGenerated >= (pushed into SQL)
    std::optional<DateTime> time_to;    // TimeGenerated <=
    std::optional<int64_t> limit;
    std::vector<std::string> columns;   // columns to decode; empty = all (others stay null)
  };
  // Streams rows in insertion order (rows follow the table's schema) until `sink` returns false.
  Status scan(std::string_view table, const ScanRange& range, const std::function<bool(Row&&)>& sink);

  const std::string& path() const { return path_; }

 private:
  friend class WriteTxn;
  struct Impl;
  Workspace(std::string path, std::unique_ptr<Impl> impl);
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake::sinks
