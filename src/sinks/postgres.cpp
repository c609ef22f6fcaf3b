#include "sinks/postgres.h"

#include <libpq-fe.h>

#include <map>
#include <set>

#include "sinks/spool_codec.h"

namespace intake::sinks {

struct PostgresDestination::Conn {
  PGconn* pg = nullptr;
  ~Conn() {
    if (pg) PQfinish(pg);
  }
};

std::string_view postgres_type(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return "boolean";
    case ColumnType::Int: return "integer";
    case ColumnType::Long: return "bigint";
    case ColumnType::Real: return "double precision";
    case ColumnType::String: return "text";
    case ColumnType::DateTime: return "timestamptz";
    case ColumnType::TimeSpan: return "interval";
    case ColumnType::Guid: return "uuid";
    case ColumnType::Dynamic: return "jsonb";
  }
  return "text";
}

namespace {

std::string ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string pg_error(PGconn* pg) {
  std::string m = pg ? PQerrorMessage(pg) : "no connection";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// Data errors (class 22: invalid value; 23: constraint) are the records' fault: no retry helps.
bool data_error(PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return state && (std::string_view(state).starts_with("22") || std::string_view(state).starts_with("23"));
}

}  // namespace

PostgresDestination::PostgresDestination(PostgresOptions options) : options_(std::move(options)) {}
PostgresDestination::~PostgresDestination() = default;

Status PostgresDestination::connect() {
  if (conn_ && PQstatus(conn_->pg) == CONNECTION_OK) return {};
  conn_ = std::make_unique<Conn>();
  conn_->pg = PQconnectdb(options_.connection.c_str());
  if (PQstatus(conn_->pg) != CONNECTION_OK) {
    std::string why = pg_error(conn_->pg);
    conn_.reset();
    columns_.clear();
    return fail(options_.name, "cannot connect to PostgreSQL: " + why);
  }
  PQsetNoticeProcessor(conn_->pg, [](void*, const char*) {}, nullptr);
  return {};
}

namespace {
Status exec(PGconn* pg, const std::string& sql, const std::string& where) {
  PGresult* r = PQexec(pg, sql.c_str());
  auto st = PQresultStatus(r);
  std::string why = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : pg_error(pg);
  PQclear(r);
  if (!why.empty()) return fail(where, why);
  return {};
}
}  // namespace

Result<int64_t> PostgresDestination::open(const std::string& workspace_id) {
  workspace_id_ = workspace_id;
  if (auto ok = connect(); !ok) return std::unexpected(ok.error());
  std::string s = ident(options_.schema);
  if (auto ok = exec(conn_->pg, "CREATE SCHEMA IF NOT EXISTS " + s + ";CREATE TABLE IF NOT EXISTS " + s +
                                    "._intake_delivery(destination text NOT NULL, workspace text NOT NULL, seq bigint NOT NULL, "
                                    "PRIMARY KEY (destination, workspace))",
                     options_.name);
      !ok) {
    return std::unexpected(ok.error());
  }
  std::string q = "SELECT seq FROM " + s + "._intake_delivery WHERE destination = " + literal(options_.name) +
                  " AND workspace = " + literal(workspace_id_);
  PGresult* r = PQexec(conn_->pg, q.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string why = pg_error(conn_->pg);
    PQclear(r);
    return fail(options_.name, why);
  }
  int64_t seq = PQntuples(r) > 0 ? std::stoll(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  return seq;
}

Status PostgresDestination::ensure_table(const std::string& table, const Schema& schema) {
  auto& known = columns_[table];
  bool all = !known.empty();
  for (const auto& c : schema.columns) all = all && known.contains(c.name);
  if (all) return {};
  std::string t = ident(options_.schema) + "." + ident(table);
  std::string sql = "CREATE TABLE IF NOT EXISTS " + t + " (";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    sql += (i ? ", " : "") + ident(schema.columns[i].name) + " " + std::string(postgres_type(schema.columns[i].type));
  }
  sql += ")";
  for (const auto& c : schema.columns) {
    sql += ";ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS " + ident(c.name) + " " + std::string(postgres_type(c.type));
  }
  if (auto ok = exec(conn_->pg, sql, options_.name + ": table " + table); !ok) return ok;
  for (const auto& c : schema.columns) known.insert(c.name);
  return {};
}

Status PostgresDestination::copy_entry(const SpooledEntry& e, std::string& table_out) {
  auto meta = parse_table_meta(e.meta);
  if (!meta) return std::unexpected(meta.error());
  table_out = meta->first;
  if (auto ok = ensure_table(meta->first, meta->second); !ok) return ok;
  std::string sql = "COPY " + ident(options_.schema) + "." + ident(meta->first) + " (";
  for (size_t i = 0; i < meta->second.columns.size(); ++i) sql += (i ? ", " : "") + ident(meta->second.columns[i].name);
  sql += ") FROM STDIN";
  PGresult* r = PQexec(conn_->pg, sql.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    std::string why = pg_error(conn_->pg);
    PQclear(r);
    return fail(options_.name + ": COPY " + meta->first, why);
  }
  PQclear(r);
  if (PQputCopyData(conn_->pg, e.payload.data(), static_cast<int>(e.payload.size())) != 1 || PQputCopyEnd(conn_->pg, nullptr) != 1) {
    return fail(options_.name + ": COPY " + meta->first, pg_error(conn_->pg));
  }
  r = PQgetResult(conn_->pg);
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  bool bad_data = !ok && data_error(r);
  std::string why = ok ? "" : pg_error(conn_->pg);
  PQclear(r);
  while ((r = PQgetResult(conn_->pg)) != nullptr) PQclear(r);
  if (!ok) return fail(options_.name + ": COPY " + meta->first, std::string(bad_data ? "data: " : "") + why);
  return {};
}

std::expected<DeliveryReport, DeliveryError> PostgresDestination::deliver(std::span<const SpooledEntry> entries) {
  DeliveryReport report;
  if (entries.empty()) return report;
  if (auto ok = connect(); !ok) return std::unexpected(DeliveryError{ok.error(), 0, true, 0, {}});
  auto rollback = [&] { PQclear(PQexec(conn_->pg, "ROLLBACK")); };
  // One transaction for the batch; when a record is refused as data, each entry alone, so the
  // refused one is set aside and the others go in.
  for (int pass = 0; pass < 2; ++pass) {
    bool one_by_one = pass == 1;
    int64_t through = entries.front().seq - 1;
    size_t i = 0;
    bool data_problem = false;
    while (i < entries.size()) {
      size_t end = one_by_one ? i + 1 : entries.size();
      if (auto ok = exec(conn_->pg, "BEGIN", options_.name); !ok) {
        conn_.reset();
        return std::unexpected(DeliveryError{ok.error(), 0, true, through, {}});
      }
      int64_t rows = 0;
      Status st;
      std::string table;
      for (size_t k = i; k < end && st; ++k) {
        st = copy_entry(entries[k], table);
        rows += entries[k].rows;
      }
      if (st) {
        std::string s = ident(options_.schema);
        st = exec(conn_->pg, "INSERT INTO " + s + "._intake_delivery(destination, workspace, seq) VALUES(" + literal(options_.name) + ", " + literal(workspace_id_) + ", " +
                                 std::to_string(entries[end - 1].seq) + ") ON CONFLICT (destination, workspace) DO UPDATE SET seq = excluded.seq",
                  options_.name);
      }
      if (st) st = exec(conn_->pg, "COMMIT", options_.name);
      if (!st) {
        rollback();
        bool is_data = st.error().message.starts_with("data: ");
        if (is_data && !one_by_one) {
          data_problem = true;
          break;
        }
        if (is_data) {
          report.rejected.push_back({entries[i].seq, entries[i].payload, "PostgreSQL refused the rows: " + st.error().message});
          // Set aside: its sequence number is recorded as done so delivery moves past it.
          exec(conn_->pg, "INSERT INTO " + ident(options_.schema) + "._intake_delivery(destination, workspace, seq) VALUES(" + literal(options_.name) + ", " + literal(workspace_id_) +
                              ", " + std::to_string(entries[i].seq) + ") ON CONFLICT (destination, workspace) DO UPDATE SET seq = excluded.seq",
               options_.name);
          through = entries[i].seq;
          ++i;
          continue;
        }
        if (PQstatus(conn_->pg) != CONNECTION_OK) conn_.reset();
        return std::unexpected(DeliveryError{st.error(), 0, true, through, {}});
      }
      ++report.requests;
      report.rows += rows;
      through = entries[end - 1].seq;
      i = end;
    }
    report.delivered_through = through;
    if (!data_problem) return report;
  }
  return report;
}

}  // namespace intake::sinks
