// Internals of the workspace shared by its translation units (workspace.cpp: tables, rows and
// state; workspace_spool.cpp: the delivery spool and the dedup keys). Not part of the interface.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sinks/workspace.h"

namespace intake::sinks::detail {

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// Resets a cached statement when one use of it ends, whatever the path out, so that it holds no
// read lock and is ready for the next use.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* s) : s_(s) {}
  ~ResetOnExit() { sqlite3_reset(s_); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* s_;
};

// Heterogeneous lookup: the hot path finds cached entries by string_view without a temporary string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

inline int bind_text(sqlite3_stmt* st, int idx, std::string_view s) {
  return sqlite3_bind_text64(st, idx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}

inline std::string_view column_text(sqlite3_stmt* st, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st, col))) : std::string_view();
}

inline int64_t now_ticks() {
  using Ticks = std::chrono::duration<int64_t, std::ratio<1, 10'000'000>>;
  return std::chrono::duration_cast<Ticks>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace intake::sinks::detail

namespace intake::sinks {

using detail::bind_text;
using detail::column_text;
using detail::ResetOnExit;
using detail::Stmt;
using detail::StringMap;

// Thread-safety: a Workspace (and its WriteTxn) is used by one thread at a time; callers that
// share one across threads serialise access themselves. The connection is therefore opened with
// SQLITE_OPEN_NOMUTEX: SQLite's per-connection mutex would only add a lock round-trip to every
// bind and step of the hot path, while its global state stays protected (the library is built
// thread-safe), so separate Workspaces on separate threads or processes remain safe.
struct Workspace::Impl {
  struct Insert {
    Stmt stmt;
    std::vector<ColumnType> types;  // the table's type of each bound column
  };

  sqlite3* db = nullptr;
  std::string path;
  bool in_txn = false;      // a WriteTxn is open
  bool txn_failed = false;  // a write in it failed: commit must not keep a partial page
  bool txn_ddl = false;     // ensure_table changed the schema inside it: caches die with a rollback
  bool in_savepoint = false;   // WriteTxn::savepoint() is open
  bool savepoint_ddl = false;  // the schema changed since it opened

  StringMap<Schema> schemas;  // table -> columns as stored
  StringMap<Insert> inserts;  // "table\0col\0col..." -> prepared INSERT
  std::string insert_key;
  std::vector<std::string> scratch;  // per bound column, text bound SQLITE_STATIC

  Stmt admit_insert, admit_select, forget, put_state, get_state, load_columns;
  Stmt keys_insert, keys_forget, spool_insert;

  // Checkpoints and the page cache (see checkpoint_hook in workspace.cpp).
  int cache_fd = -1;             // the file read-only, for posix_fadvise
  int checkpoint_pages = 0;      // WAL size, in pages, that starts a checkpoint
  int64_t cache_keep_bytes = 0;  // the newest part of the file left in the page cache
  void install_checkpoint_hook();
  static int checkpoint_hook(void* impl, sqlite3* db, const char* schema, int wal_pages);

  ~Impl() {
    inserts.clear();
    admit_insert.reset();
    admit_select.reset();
    forget.reset();
    put_state.reset();
    get_state.reset();
    load_columns.reset();
    keys_insert.reset();
    keys_forget.reset();
    spool_insert.reset();
    sqlite3_close(db);  // rolls back an open transaction
    if (cache_fd >= 0) ::close(cache_fd);
  }

  Error error(std::string_view what) const {
    return Error(path, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
  }
  std::unexpected<Error> failure(std::string_view what) const { return std::unexpected<Error>(error(what)); }

  // Errors say `what`, or quote the statement when it is short enough to read.
  Status exec(const char* sql, std::string_view what = {}) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return failure(what.empty() ? sql : what);
    return {};
  }
  Status exec(const std::string& sql) { return exec(sql.c_str()); }

  // `persistent` hints SQLite that the statement is cached and reused many times.
  Result<Stmt> prepare(std::string_view sql, bool persistent = false) {
    sqlite3_stmt* st = nullptr;
    unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &st, nullptr) != SQLITE_OK) {
      return failure("cannot prepare " + std::string(sql));
    }
    return Stmt(st);
  }

  Result<sqlite3_stmt*> cached(Stmt& slot, std::string_view sql) {
    if (!slot) {
      auto st = prepare(sql, true);
      if (!st) return std::unexpected(st.error());
      slot = std::move(*st);
    }
    return slot.get();
  }

  // Runs a cached statement that returns no rows.
  Status run(sqlite3_stmt* st, std::string_view what) {
    if (sqlite3_step(st) != SQLITE_DONE) return failure(what);
    return {};
  }

  // Schema changes run in the open WriteTxn (as a savepoint, so a failure undoes only them) or in
  // their own immediate transaction.
  Status begin_scope() { return exec(in_txn ? "SAVEPOINT intake_scope" : "BEGIN IMMEDIATE"); }
  Status end_scope(Status result) {
    if (result) {
      if (auto ok = exec(in_txn ? "RELEASE intake_scope" : "COMMIT"); !ok) result = ok;
    }
    if (!result) {
      if (in_txn) {
        sqlite3_exec(db, "ROLLBACK TO intake_scope; RELEASE intake_scope", nullptr, nullptr, nullptr);
      } else if (!sqlite3_get_autocommit(db)) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      }
    }
    return result;
  }

  void rollback() {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    if (txn_ddl) {
      schemas.clear();
      inserts.clear();
    }
    in_txn = txn_failed = txn_ddl = in_savepoint = savepoint_ddl = false;
  }

  // The stored schema of a table from the cache, or (with refresh, or on a miss) from the file;
  // nullptr when the table does not exist.
  Result<const Schema*> schema_of(std::string_view table, bool refresh) {
    if (!refresh) {
      if (auto it = schemas.find(table); it != schemas.end()) return &it->second;
    }
    auto st = cached(load_columns,
                     "SELECT column_name, kql_type FROM _intake_columns WHERE table_name = ?1 ORDER BY ordinal");
    if (!st) return std::unexpected(st.error());
    ResetOnExit reset(*st);
    bind_text(*st, 1, table);
    Schema schema;
    int rc;
    while ((rc = sqlite3_step(*st)) == SQLITE_ROW) {
      auto type = parse_column_type(column_text(*st, 1));
      if (!type) {
        return fail(path, "table \"" + std::string(table) + "\" column \"" + std::string(column_text(*st, 0)) +
                              "\" has an unknown type \"" + std::string(column_text(*st, 1)) + "\" in _intake_columns");
      }
      schema.columns.push_back(Column{std::string(column_text(*st, 0)), *type});
    }
    if (rc != SQLITE_DONE) return failure("cannot read the columns of \"" + std::string(table) + "\"");
    if (schema.columns.empty()) {
      schemas.erase(std::string(table));
      return nullptr;
    }
    auto& slot = schemas[std::string(table)];
    slot = std::move(schema);
    return &slot;
  }

  Status enable_wal();
  Status apply_schema(std::string_view table, const Schema& wanted);
  Result<Insert*> insert_for(std::string_view table, const Schema& schema);
  Status append(std::string_view table, const Schema& schema, std::span<const Row> rows);
  Result<bool> admit(std::string_view instance, uint64_t key, int64_t epoch);
  Status forget_before(std::string_view instance, int64_t epoch);
  Status store_state(std::string_view instance, std::string_view state_json);
  Status record_keys(std::string_view instance, int64_t epoch, std::span<const uint64_t> keys);
  Result<int64_t> spool(const SpoolRecord& record);
};

}  // namespace intake::sinks
