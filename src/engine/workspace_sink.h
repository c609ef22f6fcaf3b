// The PageSink that writes a connector's pages into the embedded workspace: events become stream
// rows, stream rows become rows of each output table, and the rows, the dedup keys and the
// checkpoint of a page commit in one transaction (exactly-once across kill -9).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/row_mapper.h"
#include "json/jsonpath.h"
#include "kql/kql.h"
#include "poll/poller.h"
#include "sinks/workspace.h"

namespace intake::engine {

struct OutputTable {
  std::string name;
  std::optional<Schema> schema;          // from the package's table resource; else what the flow produces
  std::optional<kql::Transform> transform;  // the dataFlow's transformKql (none: rows pass unchanged)
};

struct SinkStats {
  int64_t rows_written = 0;       // rows appended, summed over tables
  int64_t events_accepted = 0;
  int64_t duplicates_dropped = 0; // events already stored by an earlier window
};

class WorkspaceSink final : public poll::PageSink {
 public:
  // `dedup_key` selects the identity of an event (package's dedupKeyJsonPath); without it an
  // event's identity is its whole stream row.
  WorkspaceSink(sinks::Workspace& workspace, std::string instance, RowMapper mapper, std::vector<OutputTable> outputs,
                std::optional<json::JsonPath> dedup_key, Clock clock = system_now);

  Status write(const poll::Page& page) override;
  const SinkStats& stats() const { return stats_; }

 private:
  struct Target {
    std::string table;
    Schema schema;
    bool fixed = false;           // schema from a table resource
    std::optional<kql::Transform> transform;
    std::vector<int> from_stream; // per table column: index in the produced row, or -1
    int time_generated = -1;
    size_t known_stream_columns = 0;
  };
  Status prepare(Target& t);
  sinks::Workspace& ws_;
  std::string instance_;
  RowMapper mapper_;
  std::vector<Target> targets_;
  std::optional<json::JsonPath> dedup_key_;
  Clock clock_;
  SinkStats stats_;
  std::vector<Row> stream_rows_;
  std::vector<Row> accepted_rows_;
  std::vector<Row> produced_rows_;
  std::vector<Row> table_rows_;
};

}  // namespace intake::engine
