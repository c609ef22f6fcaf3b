#include "engine/receiver_sinks.h"

namespace intake::engine {

PackageStreamSink::PackageStreamSink(std::string name, WorkspaceWriter& writer, RowMapper mapper, StreamRouter router,
                                     BusyCheck busy, Clock clock)
    : name_(std::move(name)), writer_(writer), mapper_(std::move(mapper)), router_(std::move(router)), busy_(std::move(busy)),
      clock_(std::move(clock)) {}

std::unique_ptr<StreamRouter> PackageStreamSink::take_router() {
  std::lock_guard lock(pool_mutex_);
  if (pool_.empty()) return std::make_unique<StreamRouter>(router_);
  auto r = std::move(pool_.back());
  pool_.pop_back();
  return r;
}

void PackageStreamSink::give_back(std::unique_ptr<StreamRouter> r) {
  std::lock_guard lock(pool_mutex_);
  pool_.push_back(std::move(r));
}

receive::WriteResult<int64_t> PackageStreamSink::write(std::span<const simdjson::dom::element> records) {
  if (busy()) return std::unexpected(receive::WriteError{receive::WriteFailure::Busy, Error(name_, "destinations are full")});
  std::vector<Row> rows;
  rows.reserve(records.size());
  for (const auto& e : records) rows.push_back(mapper_.map_known(e));
  WriteBatch batch;
  auto router = take_router();
  auto routed = router->route(mapper_.schema(), std::move(rows), clock_(), batch);
  give_back(std::move(router));
  if (!routed) return std::unexpected(receive::WriteError{receive::WriteFailure::Invalid, routed.error().within(name_)});
  int64_t written = 0;
  for (const auto& t : batch.tables) written += static_cast<int64_t>(t.rows.size());
  if (auto ok = writer_.write(std::move(batch)); !ok) {
    return std::unexpected(receive::WriteError{receive::WriteFailure::Internal, ok.error().within(name_)});
  }
  return written;
}

Result<std::optional<Schema>> WorkspaceTableSink::stored_schema(const std::string& table) {
  return writer_.read([&](sinks::Workspace& ws) { return ws.table_schema(table); });
}

receive::WriteResult<int64_t> WorkspaceTableSink::write(const std::string& table, const Schema& schema, std::vector<Row>&& rows) {
  int64_t n = static_cast<int64_t>(rows.size());
  if (busy()) return std::unexpected(receive::WriteError{receive::WriteFailure::Busy, Error(table, "destinations are full")});
  WriteBatch batch;
  for (auto& r : remotes_) {
    if (r->wants_stream_rows()) continue;
    if (auto ok = r->encode_table(table, schema, rows, batch.spool); !ok) {
      return std::unexpected(receive::WriteError{receive::WriteFailure::Invalid, ok.error()});
    }
  }
  if (to_workspace_) batch.tables.push_back(TableRows{table, schema, std::move(rows)});
  if (auto ok = writer_.write(std::move(batch)); !ok) {
    return std::unexpected(receive::WriteError{receive::WriteFailure::Internal, ok.error()});
  }
  return n;
}

}  // namespace intake::engine
