// The path of one DCR stream's rows: each dataFlow's transformKql turns them into the rows of
// an output table, placed in the table's column order with TimeGenerated filled in, into the
// write batch (workspace tables) and into the spool of every remote destination that takes them
// (see SpoolRoute). Pollers and receivers share it, so pushed and polled rows land alike.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/time.h"
#include "engine/write_batch.h"
#include "kql/kql.h"

namespace intake::engine {

struct OutputTable {
  std::string name;
  std::optional<Schema> schema;             // from the package's table resource; else what the flow produces
  std::optional<kql::Transform> transform;  // the dataFlow's transformKql (none: rows pass unchanged)
};

// A remote destination's share of a stream: it is handed either the stream rows themselves
// (azure-monitor: the DCR runs in Azure) or the rows of each output table (databases), and
// turns them into spool records.
class SpoolRoute {
 public:
  virtual ~SpoolRoute() = default;
  virtual bool wants_stream_rows() const = 0;
  virtual Status encode_stream(const Schema& stream, std::span<const Row> rows, std::vector<sinks::SpoolRecord>& out) = 0;
  virtual Status encode_table(const std::string& table, const Schema& schema, std::span<const Row> rows,
                              std::vector<sinks::SpoolRecord>& out) = 0;
};

class StreamRouter {
 public:
  // `to_workspace`: the output tables are written to the workspace (otherwise only spooled).
  StreamRouter(std::vector<OutputTable> outputs, bool to_workspace = true,
               std::vector<std::shared_ptr<SpoolRoute>> remotes = {});

  // Routes rows of the stream (each `stream.columns.size()` wide; the schema may have grown since
  // the last call) into `batch`. Rows are consumed. Errors name the table whose transform failed.
  Status route(const Schema& stream, std::vector<Row>&& rows, DateTime now, WriteBatch& batch);

  std::vector<std::string> tables() const;
  bool has_remotes() const { return !remotes_.empty(); }

 private:
  struct Target {
    std::string table;
    Schema schema;
    bool fixed = false;             // schema from a table resource
    std::optional<kql::Transform> transform;
    std::vector<int> from_stream;   // per table column: index in the produced row, or -1
    int time_generated = -1;
    size_t known_stream_columns = 0;
    bool prepared = false;
  };
  void prepare(Target& t, const Schema& stream);

  std::vector<Target> targets_;
  bool to_workspace_;
  std::vector<std::shared_ptr<SpoolRoute>> remotes_;
  std::vector<Row> produced_;
};

}  // namespace intake::engine
