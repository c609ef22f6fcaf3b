#include "sinks/workspace.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <functional>
#include <unordered_map>
#include <utility>

#include "json/value_json.h"
#include "sinks/workspace_impl.h"

namespace intake::sinks {

using namespace detail;

namespace {

// SQL identifiers are always quoted, so names may hold dots, spaces, quotes or keywords.
void append_ident(std::string& out, std::string_view name) {
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string ident(std::string_view name) {
  std::string out;
  append_ident(out, name);
  return out;
}

// Declared SQL types. Their affinity matters: "DYNAMIC TEXT" and "GUID TEXT" get TEXT affinity, so
// SQLite never turns JSON such as 1.0 into a number; the others only take what we bind.
std::string_view sql_type(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return "BOOLEAN";
    case ColumnType::Int: return "INT";
    case ColumnType::Long: return "BIGINT";
    case ColumnType::Real: return "REAL";
    case ColumnType::String: return "TEXT";
    case ColumnType::DateTime: return "DATETIME";
    case ColumnType::TimeSpan: return "TIMESPAN";
    case ColumnType::Guid: return "GUID TEXT";
    case ColumnType::Dynamic: return "DYNAMIC TEXT";
  }
  return "TEXT";
}

// The value kind a column type stores without conversion (Null for dynamic, which takes any).
Kind native_kind(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return Kind::Bool;
    case ColumnType::Int: return Kind::Int;
    case ColumnType::Long: return Kind::Long;
    case ColumnType::Real: return Kind::Real;
    case ColumnType::String: return Kind::String;
    case ColumnType::DateTime: return Kind::DateTime;
    case ColumnType::TimeSpan: return Kind::TimeSpan;
    case ColumnType::Guid: return Kind::Guid;
    case ColumnType::Dynamic: return Kind::Null;
  }
  return Kind::Null;
}

// intake::format_guid without the allocation: the hot path reuses `out`.
void write_guid(std::string& out, const Guid& g) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (size_t i = 0; i < g.bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[g.bytes[i] >> 4];
    out += kHex[g.bytes[i] & 0xf];
  }
}

// Binds a value whose kind is the column's native kind. Text goes through `scratch` when the value
// itself may not outlive the step (a converted temporary) or has to be formatted (a GUID).
int bind_native(sqlite3_stmt* st, int idx, const Value& v, std::string& scratch, bool value_outlives_step) {
  switch (v.kind()) {
    case Kind::Bool: return sqlite3_bind_int(st, idx, v.as_bool() ? 1 : 0);
    case Kind::Int: return sqlite3_bind_int64(st, idx, v.as_int());
    case Kind::Long: return sqlite3_bind_int64(st, idx, v.as_long());
    case Kind::Real:
      return std::isnan(v.as_real()) ? sqlite3_bind_null(st, idx) : sqlite3_bind_double(st, idx, v.as_real());
    case Kind::String:
      if (value_outlives_step) return bind_text(st, idx, v.as_string());
      scratch = v.as_string();
      return bind_text(st, idx, scratch);
    case Kind::DateTime: return sqlite3_bind_int64(st, idx, v.as_datetime().ticks);
    case Kind::TimeSpan: return sqlite3_bind_int64(st, idx, v.as_timespan().ticks);
    case Kind::Guid:
      write_guid(scratch, v.as_guid());
      return bind_text(st, idx, scratch);
    default: return sqlite3_bind_null(st, idx);
  }
}

int bind_json(sqlite3_stmt* st, int idx, const Value& v, std::string& scratch) {
  if (const std::string* raw = v.raw_json_text()) return bind_text(st, idx, *raw);
  scratch.clear();
  json::append_json(scratch, v);
  return bind_text(st, idx, scratch);
}

// Binds one cell by the column's type (see the storage rules in workspace.h).
int bind_cell(sqlite3_stmt* st, int idx, ColumnType type, const Value& v, std::string& scratch) {
  if (v.is_null()) return sqlite3_bind_null(st, idx);
  if (type == ColumnType::Dynamic) return bind_json(st, idx, v, scratch);
  if (v.kind() == native_kind(type)) return bind_native(st, idx, v, scratch, true);
  // Kusto's tostring() of a dynamic array or object is its JSON text.
  if (type == ColumnType::String && (v.is_array() || v.is_object())) return bind_json(st, idx, v, scratch);
  Value converted = convert_to(v, type);
  if (converted.kind() != native_kind(type)) return sqlite3_bind_null(st, idx);
  return bind_native(st, idx, converted, scratch, false);
}

// Decodes a cell by its recorded KQL type. Cells written by other clients in another storage class
// are converted with Kusto's rules; text that does not parse as the type is kept as a string.
Value decode_cell(sqlite3_stmt* st, int col, ColumnType type) {
  int storage = sqlite3_column_type(st, col);
  if (storage == SQLITE_NULL) return Value();
  bool integer = storage == SQLITE_INTEGER;
  switch (type) {
    case ColumnType::Bool:
      if (integer) return Value(sqlite3_column_int64(st, col) != 0);
      break;
    case ColumnType::Int:
      if (integer) return Value(static_cast<int32_t>(sqlite3_column_int64(st, col)));
      break;
    case ColumnType::Long:
      if (integer) return Value(static_cast<int64_t>(sqlite3_column_int64(st, col)));
      break;
    case ColumnType::Real:
      if (integer || storage == SQLITE_FLOAT) return Value(sqlite3_column_double(st, col));
      break;
    case ColumnType::DateTime:
      if (integer) return Value(DateTime{sqlite3_column_int64(st, col)});
      break;
    case ColumnType::TimeSpan:
      if (integer) return Value(TimeSpan{sqlite3_column_int64(st, col)});
      break;
    case ColumnType::String: return Value(column_text(st, col));
    case ColumnType::Guid:
      if (auto g = parse_guid(column_text(st, col))) return Value(*g);
      return Value(column_text(st, col));
    case ColumnType::Dynamic: {
      std::string_view text = column_text(st, col);
      if (storage == SQLITE_TEXT) {
        if (auto parsed = json::parse(text)) return std::move(*parsed);
      }
      return Value(text);
    }
  }
  Value text(column_text(st, col));
  Value converted = convert_to(text, type);
  return converted.is_null() ? text : converted;
}

bool has_prefix_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

Status check_name(std::string_view what, std::string_view name) {
  if (name.empty()) return fail(std::string(what) + " name is empty");
  if (name.find('\0') != std::string_view::npos) return fail(std::string(what) + " name contains a NUL character");
  return {};
}

Status check_table_name(std::string_view table) {
  if (auto ok = check_name("table", table); !ok) return ok;
  if (has_prefix_ci(table, "_intake_") || has_prefix_ci(table, "sqlite_")) {
    return fail("table name \"" + std::string(table) + "\" uses a reserved prefix (_intake_, sqlite_)");
  }
  return {};
}

constexpr const char* kMetadataDdl =
    "CREATE TABLE IF NOT EXISTS _intake_columns("
    "  table_name TEXT NOT NULL, column_name TEXT NOT NULL, kql_type TEXT NOT NULL, ordinal INTEGER NOT NULL,"
    "  PRIMARY KEY(table_name, column_name));"
    "CREATE TABLE IF NOT EXISTS _intake_state("
    "  instance TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);"
    // No index on epoch: it would slow every admit, while forget_before runs once per window.
    "CREATE TABLE IF NOT EXISTS _intake_seen("
    "  instance TEXT NOT NULL, key INTEGER NOT NULL, epoch INTEGER NOT NULL,"
    "  PRIMARY KEY(instance, key)) WITHOUT ROWID;"
    // The keys a page saw first, one entry per page (see WriteTxn::record_keys).
    "CREATE TABLE IF NOT EXISTS _intake_keys("
    "  instance TEXT NOT NULL, epoch INTEGER NOT NULL, keys BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS _intake_keys_by_instance ON _intake_keys(instance, epoch);"
    // AUTOINCREMENT: a sequence number is never reused, even after the spool has been emptied,
    // so a destination that remembers the last number it stored never skips a new entry.
    "CREATE TABLE IF NOT EXISTS _intake_spool("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, target TEXT NOT NULL,"
    "  meta TEXT NOT NULL, rows INTEGER NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL,"
    "  payload BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS _intake_spool_by_destination ON _intake_spool(destination, seq);"
    "CREATE TABLE IF NOT EXISTS _intake_dead_letters("
    "  destination TEXT NOT NULL, seq INTEGER NOT NULL, target TEXT NOT NULL, meta TEXT NOT NULL,"
    "  payload BLOB NOT NULL, reason TEXT NOT NULL, created INTEGER NOT NULL);";

}  // namespace

namespace {

// True when every wanted column is already stored with the same type (nothing to do).
bool covers(const Schema& stored, const Schema& wanted) {
  for (const auto& c : wanted.columns) {
    int i = stored.index_of(c.name);
    if (i < 0 || stored.columns[static_cast<size_t>(i)].type != c.type) return false;
  }
  return true;
}

bool has_columns(const Schema& stored, const Schema& wanted) {
  for (const auto& c : wanted.columns) {
    if (stored.index_of(c.name) < 0) return false;
  }
  return true;
}

// Adds `c` to `result` unless it is there already; a clash of type or of case is an error.
Status plan_column(std::string_view table, const Column& c, Schema& result, std::vector<Column>& added) {
  for (const auto& have : result.columns) {
    if (have.name == c.name) {
      if (have.type == c.type) return {};
      return fail("table \"" + std::string(table) + "\" column \"" + c.name + "\" exists as " +
                  std::string(column_type_name(have.type)) + ", the schema declares " +
                  std::string(column_type_name(c.type)));
    }
    if (iequals(have.name, c.name)) {
      return fail("table \"" + std::string(table) + "\" column \"" + c.name + "\" clashes with column \"" + have.name +
                  "\" (SQLite column names are case-insensitive)");
    }
  }
  result.columns.push_back(c);
  added.push_back(c);
  return {};
}

std::string column_def(const Column& c) {
  std::string out;
  append_ident(out, c.name);
  out += ' ';
  out += sql_type(c.type);
  return out;
}

}  // namespace

// Runs inside a write scope: re-reads the stored columns (another process may have added some)
// and creates the table or adds what is missing, recording every column in _intake_columns.
Status Workspace::Impl::apply_schema(std::string_view table, const Schema& wanted) {
  auto stored = schema_of(table, true);
  if (!stored) return std::unexpected(stored.error());
  bool exists = *stored != nullptr;
  Schema result = exists ? **stored : Schema{};
  std::vector<Column> added;
  if (!exists && wanted.index_of("TimeGenerated") < 0) {
    if (auto ok = plan_column(table, Column{"TimeGenerated", ColumnType::DateTime}, result, added); !ok) return ok;
  }
  for (const auto& c : wanted.columns) {
    if (auto ok = check_name("column", c.name); !ok) return ok;
    if (auto ok = plan_column(table, c, result, added); !ok) return ok;
  }
  if (added.empty()) return {};

  if (!exists) {
    std::string sql = "CREATE TABLE " + ident(table) + "(";
    for (size_t i = 0; i < added.size(); ++i) sql += (i ? ", " : "") + column_def(added[i]);
    sql += ")";
    if (auto ok = exec(sql); !ok) return ok;
  } else {
    for (const auto& c : added) {
      if (auto ok = exec("ALTER TABLE " + ident(table) + " ADD COLUMN " + column_def(c)); !ok) return ok;
    }
  }
  auto st = prepare("INSERT INTO _intake_columns(table_name, column_name, kql_type, ordinal) VALUES(?1, ?2, ?3, ?4)");
  if (!st) return std::unexpected(st.error());
  int64_t ordinal = static_cast<int64_t>(result.columns.size() - added.size());
  for (const auto& c : added) {
    sqlite3_reset(st->get());
    bind_text(st->get(), 1, table);
    bind_text(st->get(), 2, c.name);
    bind_text(st->get(), 3, column_type_name(c.type));
    sqlite3_bind_int64(st->get(), 4, ordinal++);
    if (auto ok = run(st->get(), "cannot record column \"" + c.name + "\""); !ok) return ok;
  }
  if (in_txn) txn_ddl = true;
  if (in_savepoint) savepoint_ddl = true;
  schemas[std::string(table)] = std::move(result);
  return {};
}

Result<Workspace::Impl::Insert*> Workspace::Impl::insert_for(std::string_view table, const Schema& schema) {
  insert_key.assign(table);
  for (const auto& c : schema.columns) {
    insert_key += '\0';
    insert_key += c.name;
  }
  if (auto it = inserts.find(insert_key); it != inserts.end()) return &it->second;

  auto stored = schema_of(table, false);
  if (stored && *stored && !has_columns(**stored, schema)) stored = schema_of(table, true);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return fail(path, "table \"" + std::string(table) + "\" does not exist (call ensure_table first)");

  Insert ins;
  std::string sql = "INSERT INTO " + ident(table) + "(";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    int at = (*stored)->index_of(schema.columns[i].name);
    if (at < 0) {
      return fail(path, "table \"" + std::string(table) + "\" has no column \"" + schema.columns[i].name + "\"");
    }
    ins.types.push_back((*stored)->columns[static_cast<size_t>(at)].type);
    if (i) sql += ", ";
    append_ident(sql, schema.columns[i].name);
  }
  sql += ") VALUES(";
  for (size_t i = 0; i < schema.columns.size(); ++i) sql += i ? ", ?" : "?";
  sql += ")";
  auto st = prepare(sql, true);
  if (!st) return std::unexpected(st.error());
  ins.stmt = std::move(*st);
  return &inserts.emplace(insert_key, std::move(ins)).first->second;
}

Status Workspace::Impl::append(std::string_view table, const Schema& schema, std::span<const Row> rows) {
  auto ins = insert_for(table, schema);
  if (!ins) return std::unexpected(ins.error());
  sqlite3_stmt* st = (*ins)->stmt.get();
  const std::vector<ColumnType>& types = (*ins)->types;
  const size_t width = types.size();
  if (scratch.size() < width) scratch.resize(width);

  Status result;
  for (size_t r = 0; r < rows.size() && result; ++r) {
    const Row& row = rows[r];
    if (row.size() != width) {
      result = fail(path, "table \"" + std::string(table) + "\" row " + std::to_string(r) + " has " +
                              std::to_string(row.size()) + " values for " + std::to_string(width) + " columns");
      break;
    }
    int rc = SQLITE_OK;
    for (size_t c = 0; c < width && rc == SQLITE_OK; ++c) {
      rc = bind_cell(st, static_cast<int>(c + 1), types[c], row[c], scratch[c]);
    }
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
      result = failure("cannot insert row " + std::to_string(r) + " into \"" + std::string(table) + "\"");
    }
    sqlite3_reset(st);
  }
  // The bindings point into the caller's rows: drop them before those go away.
  sqlite3_clear_bindings(st);
  return result;
}

Result<bool> Workspace::Impl::admit(std::string_view instance, uint64_t key, int64_t epoch) {
  auto ins = cached(admit_insert, "INSERT OR IGNORE INTO _intake_seen(instance, key, epoch) VALUES(?1, ?2, ?3)");
  if (!ins) return std::unexpected(ins.error());
  {
    ResetOnExit reset(*ins);
    bind_text(*ins, 1, instance);
    sqlite3_bind_int64(*ins, 2, std::bit_cast<int64_t>(key));
    sqlite3_bind_int64(*ins, 3, epoch);
    if (auto ok = run(*ins, "cannot record a key"); !ok) return std::unexpected(ok.error());
    if (sqlite3_changes(db) == 1) return true;
  }
  // Only a key seen before costs a second statement.
  auto sel = cached(admit_select, "SELECT epoch FROM _intake_seen WHERE instance = ?1 AND key = ?2");
  if (!sel) return std::unexpected(sel.error());
  ResetOnExit reset(*sel);
  bind_text(*sel, 1, instance);
  sqlite3_bind_int64(*sel, 2, std::bit_cast<int64_t>(key));
  if (sqlite3_step(*sel) != SQLITE_ROW) return failure("cannot read a recorded key");
  return sqlite3_column_int64(*sel, 0) == epoch;
}

Status Workspace::Impl::forget_before(std::string_view instance, int64_t epoch) {
  auto st = cached(forget, "DELETE FROM _intake_seen WHERE instance = ?1 AND epoch < ?2");
  if (!st) return std::unexpected(st.error());
  {
    ResetOnExit reset(*st);
    bind_text(*st, 1, instance);
    sqlite3_bind_int64(*st, 2, epoch);
    if (auto ok = run(*st, "cannot forget keys"); !ok) return ok;
  }
  auto pages = cached(keys_forget, "DELETE FROM _intake_keys WHERE instance = ?1 AND epoch < ?2");
  if (!pages) return std::unexpected(pages.error());
  ResetOnExit reset(*pages);
  bind_text(*pages, 1, instance);
  sqlite3_bind_int64(*pages, 2, epoch);
  return run(*pages, "cannot forget keys");
}

Status Workspace::Impl::store_state(std::string_view instance, std::string_view state_json) {
  auto st = cached(put_state,
                   "INSERT INTO _intake_state(instance, state, updated_at) VALUES(?1, ?2, ?3) "
                   "ON CONFLICT(instance) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
  if (!st) return std::unexpected(st.error());
  ResetOnExit reset(*st);
  bind_text(*st, 1, instance);
  bind_text(*st, 2, state_json);
  sqlite3_bind_int64(*st, 3, now_ticks());
  return run(*st, "cannot store the state");
}

// ---- WriteTxn

WriteTxn::WriteTxn(Workspace* ws) : ws_(ws), open_(true) {}

WriteTxn::WriteTxn(WriteTxn&& other) noexcept : ws_(other.ws_), open_(std::exchange(other.open_, false)) {}

WriteTxn::~WriteTxn() {
  if (open_) ws_->impl_->rollback();
}

namespace {

std::unexpected<Error> closed() { return fail("the write transaction is no longer open"); }

// Any failed write poisons the transaction: commit() then rolls back rather than keep half a page.
template <class R>
R poison_on_error(bool& failed, R result) {
  if (!result) failed = true;
  return result;
}

}  // namespace

Status WriteTxn::append(std::string_view table, const Schema& schema, std::span<const Row> rows) {
  if (!open_) return closed();
  return poison_on_error(ws_->impl_->txn_failed, ws_->impl_->append(table, schema, rows));
}

Result<bool> WriteTxn::admit(std::string_view instance, uint64_t key, int64_t epoch) {
  if (!open_) return closed();
  return poison_on_error(ws_->impl_->txn_failed, ws_->impl_->admit(instance, key, epoch));
}

Status WriteTxn::forget_before(std::string_view instance, int64_t epoch) {
  if (!open_) return closed();
  return poison_on_error(ws_->impl_->txn_failed, ws_->impl_->forget_before(instance, epoch));
}

Status WriteTxn::record_keys(std::string_view instance, int64_t epoch, std::span<const uint64_t> keys) {
  if (!open_) return closed();
  return poison_on_error(ws_->impl_->txn_failed, ws_->impl_->record_keys(instance, epoch, keys));
}

Result<int64_t> WriteTxn::spool(const SpoolRecord& record) {
  if (!open_) return closed();
  return poison_on_error(ws_->impl_->txn_failed, ws_->impl_->spool(record));
}

Status WriteTxn::savepoint() {
  if (!open_) return closed();
  auto& impl = *ws_->impl_;
  if (impl.in_savepoint) return fail(impl.path, "a savepoint is already open");
  if (impl.txn_failed) return fail(impl.path, "a write in the transaction failed; no savepoint can follow it");
  if (auto ok = impl.exec("SAVEPOINT intake_batch"); !ok) return ok;
  impl.in_savepoint = true;
  impl.savepoint_ddl = false;
  return {};
}

Status WriteTxn::release_savepoint() {
  if (!open_) return closed();
  auto& impl = *ws_->impl_;
  if (!impl.in_savepoint) return fail(impl.path, "no savepoint is open");
  if (impl.txn_failed) return fail(impl.path, "a write since the savepoint failed; roll it back");
  impl.in_savepoint = false;
  return poison_on_error(impl.txn_failed, impl.exec("RELEASE intake_batch"));
}

void WriteTxn::rollback_to_savepoint() {
  if (!open_) return;
  auto& impl = *ws_->impl_;
  if (!impl.in_savepoint) return;
  impl.in_savepoint = false;
  if (sqlite3_exec(impl.db, "ROLLBACK TO intake_batch; RELEASE intake_batch", nullptr, nullptr, nullptr) != SQLITE_OK) {
    impl.txn_failed = true;  // the transaction can no longer be trusted: commit() rolls it all back
    return;
  }
  impl.txn_failed = false;
  if (impl.savepoint_ddl) {
    // Tables or columns created since the savepoint are gone again.
    impl.schemas.clear();
    impl.inserts.clear();
  }
}

Status WriteTxn::put_state(std::string_view instance, std::string_view state_json) {
  if (!open_) return closed();
  return poison_on_error(ws_->impl_->txn_failed, ws_->impl_->store_state(instance, state_json));
}

Status WriteTxn::commit() {
  if (!open_) return closed();
  auto& impl = *ws_->impl_;
  open_ = false;
  if (impl.txn_failed) {
    impl.rollback();
    return fail(impl.path, "a write in the transaction failed; it was rolled back");
  }
  if (auto ok = impl.exec("COMMIT"); !ok) {
    impl.rollback();
    return ok;
  }
  impl.in_txn = impl.txn_ddl = impl.in_savepoint = impl.savepoint_ddl = false;
  return {};
}

// Checkpoints every 16 MiB of WAL (checkpointing less often cuts the fsyncs and page rewrites of
// random key inserts), and then asks the kernel to drop the file's older pages from its cache: the
// checkpoint has just written and synced them, so they are clean, and an append-only log has no
// use for them until a query reads them back. The page cache then holds the newest 64 MiB of the
// file instead of growing with every gigabyte ingested and pushing out the machine's memory.
int Workspace::Impl::checkpoint_hook(void* arg, sqlite3* db, const char* schema, int wal_pages) {
  auto* impl = static_cast<Workspace::Impl*>(arg);
  if (wal_pages < impl->checkpoint_pages) return SQLITE_OK;
  // PASSIVE never waits for readers; what it cannot copy now it copies next time.
  int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK || impl->cache_fd < 0) return SQLITE_OK;
  struct stat st{};
  if (::fstat(impl->cache_fd, &st) == 0 && st.st_size > impl->cache_keep_bytes) {
    ::posix_fadvise(impl->cache_fd, 0, st.st_size - impl->cache_keep_bytes, POSIX_FADV_DONTNEED);
  }
  return SQLITE_OK;
}

void Workspace::Impl::install_checkpoint_hook() {
  int page_size = 4096;
  if (auto st = prepare("PRAGMA page_size"); st && sqlite3_step(st->get()) == SQLITE_ROW) {
    page_size = std::max(512, sqlite3_column_int(st->get(), 0));
  }
  checkpoint_pages = std::max(16, (16 << 20) / page_size);
  cache_keep_bytes = int64_t{64} << 20;
  // Without the descriptor checkpoints still run; only the hint is lost.
  cache_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  sqlite3_wal_hook(db, &checkpoint_hook, this);
}

// ---- Workspace

Workspace::Workspace(std::string path, std::unique_ptr<Impl> impl) : path_(std::move(path)), impl_(std::move(impl)) {}

Workspace::~Workspace() = default;

// The pragma answers with the mode in force: a file that cannot use WAL (a read-only directory,
// some network file systems) keeps its old mode, which would break the crash guarantees.
Status Workspace::Impl::enable_wal() {
  auto mode = prepare("PRAGMA journal_mode = WAL");
  if (!mode) return std::unexpected(mode.error());
  if (sqlite3_step(mode->get()) != SQLITE_ROW) return failure("cannot switch to WAL mode");
  std::string_view now = column_text(mode->get(), 0);
  if (!iequals(now, "wal")) {
    return fail(path, "cannot switch to WAL mode (the journal mode stays " + std::string(now) + ")");
  }
  return {};
}

Result<std::unique_ptr<Workspace>> Workspace::open(const std::string& path, const WorkspaceOptions& options) {
  const char* sync = nullptr;
  if (iequals(options.synchronous, "normal")) sync = "PRAGMA synchronous = NORMAL";
  if (iequals(options.synchronous, "full")) sync = "PRAGMA synchronous = FULL";
  if (!sync) return fail(path, "synchronous must be \"normal\" or \"full\", not \"" + options.synchronous + "\"");
  if (options.busy_timeout_ms < 0) return fail(path, "busy_timeout_ms must not be negative");

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  int rc = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) return std::unexpected(impl->error("cannot open the workspace"));
  sqlite3_busy_timeout(impl->db, options.busy_timeout_ms);

  // Rows of security events are 1-4 KB: 32 KiB pages hold several, so a page of events is a
  // few large writes instead of one system call (and one overflow chain) per row. A file that
  // exists keeps the size it was made with.
  if (auto ok = impl->exec("PRAGMA page_size = 32768", "cannot set the page size"); !ok) return std::unexpected(ok.error());
  if (auto ok = impl->enable_wal(); !ok) return std::unexpected(ok.error());
  if (auto ok = impl->exec(sync); !ok) return std::unexpected(ok.error());
  // A larger page cache keeps the key B-tree of admit() in memory (the default is 2 MiB).
  if (auto ok = impl->exec("PRAGMA cache_size = -32768", "cannot tune the cache"); !ok) return std::unexpected(ok.error());
  impl->install_checkpoint_hook();
  if (auto ok = impl->begin_scope(); !ok) return std::unexpected(ok.error());
  if (auto ok = impl->end_scope(impl->exec(kMetadataDdl, "cannot create the _intake_ tables")); !ok) {
    return std::unexpected(ok.error());
  }
  return std::unique_ptr<Workspace>(new Workspace(path, std::move(impl)));
}

Status Workspace::ensure_table(std::string_view table, const Schema& schema) {
  if (auto ok = check_table_name(table); !ok) return std::unexpected(ok.error().within(path_));
  if (auto it = impl_->schemas.find(table); it != impl_->schemas.end() && covers(it->second, schema)) return {};
  if (auto ok = impl_->begin_scope(); !ok) return ok;
  auto result = impl_->end_scope(impl_->apply_schema(table, schema));
  if (!result) {
    impl_->schemas.erase(std::string(table));
    if (!result.error().where.empty()) return result;
    return std::unexpected(result.error().within(path_));
  }
  return result;
}

Result<std::optional<Schema>> Workspace::table_schema(std::string_view table) {
  auto stored = impl_->schema_of(table, false);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return std::nullopt;
  return **stored;
}

Result<WriteTxn> Workspace::begin() {
  if (impl_->in_txn) return fail(path_, "a write transaction is already open on this workspace");
  if (auto ok = impl_->exec("BEGIN IMMEDIATE"); !ok) return std::unexpected(ok.error());
  impl_->in_txn = true;
  impl_->txn_failed = impl_->txn_ddl = false;
  return WriteTxn(this);
}

Result<std::optional<std::string>> Workspace::state(std::string_view instance) {
  auto st = impl_->cached(impl_->get_state, "SELECT state FROM _intake_state WHERE instance = ?1");
  if (!st) return std::unexpected(st.error());
  ResetOnExit reset(*st);
  bind_text(*st, 1, instance);
  int rc = sqlite3_step(*st);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) return impl_->failure("cannot read the state of \"" + std::string(instance) + "\"");
  return std::string(column_text(*st, 0));
}

Status Workspace::reset_state(std::string_view instance) {
  if (auto ok = impl_->begin_scope(); !ok) return ok;
  auto remove = [&]() -> Status {
    for (const char* sql :
         {"DELETE FROM _intake_state WHERE instance = ?1", "DELETE FROM _intake_seen WHERE instance = ?1",
          "DELETE FROM _intake_keys WHERE instance = ?1"}) {
      auto st = impl_->prepare(sql);
      if (!st) return std::unexpected(st.error());
      bind_text(st->get(), 1, instance);
      if (auto ok = impl_->run(st->get(), sql); !ok) return ok;
    }
    return {};
  };
  return impl_->end_scope(remove());
}

Result<std::vector<TableInfo>> Workspace::tables() {
  auto names = impl_->prepare("SELECT DISTINCT table_name FROM _intake_columns ORDER BY table_name");
  if (!names) return std::unexpected(names.error());
  std::vector<std::string> found;
  int rc;
  while ((rc = sqlite3_step(names->get())) == SQLITE_ROW) found.emplace_back(column_text(names->get(), 0));
  if (rc != SQLITE_DONE) return impl_->failure("cannot list the tables");
  names->reset();

  std::vector<TableInfo> out;
  for (auto& name : found) {
    auto schema = impl_->schema_of(name, true);
    if (!schema) return std::unexpected(schema.error());
    auto count = impl_->prepare("SELECT COUNT(*) FROM " + ident(name));
    if (!count) return std::unexpected(count.error());
    if (sqlite3_step(count->get()) != SQLITE_ROW) return impl_->failure("cannot count the rows of \"" + name + "\"");
    int64_t rows = sqlite3_column_int64(count->get(), 0);
    out.push_back(TableInfo{std::move(name), **schema, rows});
  }
  return out;
}

Result<std::vector<Row>> Workspace::read_rows(std::string_view table, int64_t limit, int64_t offset) {
  auto stored = impl_->schema_of(table, false);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return fail(path_, "table \"" + std::string(table) + "\" does not exist");
  const Schema& schema = **stored;

  // Insertion order is rowid order; use an alias of the rowid that no user column shadows.
  std::string_view order = "rowid";
  for (std::string_view alias : {"rowid", "_rowid_", "oid"}) {
    bool shadowed = false;
    for (const auto& c : schema.columns) shadowed = shadowed || iequals(c.name, alias);
    if (!shadowed) {
      order = alias;
      break;
    }
  }
  std::string sql = "SELECT ";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (i) sql += ", ";
    append_ident(sql, schema.columns[i].name);
  }
  sql += " FROM " + ident(table) + " ORDER BY " + std::string(order) + " LIMIT ?1 OFFSET ?2";
  auto st = impl_->prepare(sql);
  if (!st) return std::unexpected(st.error());
  sqlite3_bind_int64(st->get(), 1, limit);
  sqlite3_bind_int64(st->get(), 2, offset);

  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) {
    Row row;
    row.reserve(schema.columns.size());
    for (size_t i = 0; i < schema.columns.size(); ++i) {
      row.push_back(decode_cell(st->get(), static_cast<int>(i), schema.columns[i].type));
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) return impl_->failure("cannot read the rows of \"" + std::string(table) + "\"");
  return rows;
}

Status Workspace::scan(std::string_view table, const ScanRange& range, const std::function<bool(Row&&)>& sink) {
  auto stored = impl_->schema_of(table, false);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return fail(path_, "table \"" + std::string(table) + "\" does not exist");
  const Schema& schema = **stored;
  // Only the columns the query reads are selected and decoded; the others stay null.
  std::vector<int> wanted;
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    bool use = range.columns.empty();
    for (const auto& c : range.columns) use = use || c == schema.columns[i].name;
    if (use) wanted.push_back(static_cast<int>(i));
  }
  std::string sql = "SELECT ";
  for (size_t k = 0; k < wanted.size(); ++k) {
    if (k) sql += ", ";
    append_ident(sql, schema.columns[wanted[k]].name);
  }
  if (wanted.empty()) sql += "1";
  sql += " FROM " + ident(table);
  bool has_time = schema.index_of("TimeGenerated") >= 0;
  std::vector<int64_t> binds;
  if (has_time && range.time_from) {
    sql += std::string(binds.empty() ? " WHERE" : " AND") + " \"TimeGenerated\" >= ?";
    binds.push_back(range.time_from->ticks);
  }
  if (has_time && range.time_to) {
    sql += std::string(binds.empty() ? " WHERE" : " AND") + " \"TimeGenerated\" <= ?";
    binds.push_back(range.time_to->ticks);
  }
  if (range.limit) sql += " LIMIT " + std::to_string(std::max<int64_t>(0, *range.limit));
  auto st = impl_->prepare(sql);
  if (!st) return std::unexpected(st.error());
  for (size_t i = 0; i < binds.size(); ++i) sqlite3_bind_int64(st->get(), static_cast<int>(i + 1), binds[i]);
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) {
    Row row(schema.columns.size());
    for (size_t k = 0; k < wanted.size(); ++k) {
      row[wanted[k]] = decode_cell(st->get(), static_cast<int>(k), schema.columns[wanted[k]].type);
    }
    if (!sink(std::move(row))) break;
  }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return impl_->failure("cannot read the rows of \"" + std::string(table) + "\"");
  return {};
}

}  // namespace intake::sinks
