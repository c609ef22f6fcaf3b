// The engine's side of the receivers: pushed records of a package's DCR stream become stream rows
// (RowMapper over the stream declaration), go through the stream's dataFlows (StreamRouter) and
// are committed through the WorkspaceWriter; legacy Data Collector rows go straight to their
// table. Each write returns once its commit is durable.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/row_mapper.h"
#include "engine/stream_router.h"
#include "engine/workspace_writer.h"
#include "receive/record_sink.h"

namespace intake::engine {

// Whether the destinations of a route can take more now (spool limits).
using BusyCheck = std::function<bool()>;

class PackageStreamSink final : public receive::StreamSink {
 public:
  // `mapper` must be a declared stream's (receivers never infer schemas concurrently).
  PackageStreamSink(std::string name, WorkspaceWriter& writer, RowMapper mapper, StreamRouter router, BusyCheck busy = {},
                    Clock clock = system_now);

  receive::WriteResult<int64_t> write(std::span<const simdjson::dom::element> records) override;
  bool busy() const override { return busy_ && busy_(); }

 private:
  std::unique_ptr<StreamRouter> take_router();
  void give_back(std::unique_ptr<StreamRouter> r);

  std::string name_;
  WorkspaceWriter& writer_;
  RowMapper mapper_;
  StreamRouter router_;  // the template; concurrent writes use copies from the pool
  BusyCheck busy_;
  Clock clock_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<StreamRouter>> pool_;
};

class WorkspaceTableSink final : public receive::TableSink {
 public:
  // `remotes`: table-row destinations the rows are spooled for; `to_workspace`: also stored here.
  WorkspaceTableSink(WorkspaceWriter& writer, bool to_workspace = true, std::vector<std::shared_ptr<SpoolRoute>> remotes = {},
                     BusyCheck busy = {})
      : writer_(writer), to_workspace_(to_workspace), remotes_(std::move(remotes)), busy_(std::move(busy)) {}
  Result<std::optional<Schema>> stored_schema(const std::string& table) override;
  receive::WriteResult<int64_t> write(const std::string& table, const Schema& schema, std::vector<Row>&& rows) override;
  bool busy() const override { return busy_ && busy_(); }

 private:
  WorkspaceWriter& writer_;
  bool to_workspace_;
  std::vector<std::shared_ptr<SpoolRoute>> remotes_;
  BusyCheck busy_;
};

}  // namespace intake::engine
