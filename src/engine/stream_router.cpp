#include "engine/stream_router.h"

namespace intake::engine {

StreamRouter::StreamRouter(std::vector<OutputTable> outputs, bool to_workspace, std::vector<std::shared_ptr<SpoolRoute>> remotes)
    : to_workspace_(to_workspace), remotes_(std::move(remotes)) {
  for (auto& o : outputs) {
    Target t;
    t.table = o.name;
    t.fixed = o.schema.has_value();
    if (o.schema) t.schema = *o.schema;
    t.transform = std::move(o.transform);
    targets_.push_back(std::move(t));
  }
}

std::vector<std::string> StreamRouter::tables() const {
  std::vector<std::string> out;
  for (const auto& t : targets_) out.push_back(t.table);
  return out;
}

// (Re)computes a table's columns and where each comes from in the produced row.
void StreamRouter::prepare(Target& t, const Schema& stream) {
  // A transform's output schema is fixed at compile time; without one the rows are the stream's.
  const Schema& produced = t.transform ? t.transform->output_schema() : stream;
  if (!t.fixed) {
    Schema s;
    if (produced.index_of("TimeGenerated") < 0) s.columns.push_back({"TimeGenerated", ColumnType::DateTime});
    for (const auto& c : produced.columns) s.columns.push_back(c);
    t.schema = std::move(s);
  }
  t.from_stream.assign(t.schema.columns.size(), -1);
  t.time_generated = -1;
  for (size_t i = 0; i < t.schema.columns.size(); ++i) {
    t.from_stream[i] = produced.index_of(t.schema.columns[i].name);
    if (t.schema.columns[i].name == "TimeGenerated") t.time_generated = static_cast<int>(i);
  }
  t.known_stream_columns = stream.columns.size();
  t.prepared = true;
}

Status StreamRouter::route(const Schema& stream, std::vector<Row>&& rows, DateTime now, WriteBatch& batch) {
  for (auto& r : remotes_) {
    if (!r->wants_stream_rows() || rows.empty()) continue;
    if (auto ok = r->encode_stream(stream, rows, batch.spool); !ok) return ok;
  }
  bool tables_wanted = to_workspace_;
  for (const auto& r : remotes_) tables_wanted = tables_wanted || !r->wants_stream_rows();
  if (!tables_wanted || rows.empty()) return {};
  // The last target that reads the stream rows may take their values instead of copying them.
  for (size_t ti = 0; ti < targets_.size(); ++ti) {
    Target& t = targets_[ti];
    if (!t.prepared || t.known_stream_columns != stream.columns.size()) prepare(t, stream);
    bool last_reader = ti + 1 == targets_.size();
    std::vector<Row>* produced = &rows;
    if (t.transform && !t.transform->is_identity()) {
      produced_.clear();
      auto ok = last_reader ? t.transform->apply(std::move(rows), produced_, now) : t.transform->apply(rows, produced_, now);
      if (!ok) return std::unexpected(ok.error().within("transformKql of " + t.table));
      produced = &produced_;
    }
    TableRows out{t.table, t.schema, {}};
    out.rows.reserve(produced->size());
    bool owned = produced == &produced_ || last_reader;
    for (Row& src : *produced) {
      Row row(t.schema.columns.size());
      for (size_t c = 0; c < row.size(); ++c) {
        int from = t.from_stream[c];
        if (from < 0 || static_cast<size_t>(from) >= src.size()) continue;
        row[c] = owned ? std::move(src[from]) : src[from];
      }
      if (t.time_generated >= 0 && row[t.time_generated].is_null()) row[t.time_generated] = Value(now);
      out.rows.push_back(std::move(row));
    }
    for (auto& r : remotes_) {
      if (r->wants_stream_rows() || out.rows.empty()) continue;
      if (auto ok = r->encode_table(out.table, out.schema, out.rows, batch.spool); !ok) return ok;
    }
    if (to_workspace_) batch.tables.push_back(std::move(out));
  }
  return {};
}

}  // namespace intake::engine
