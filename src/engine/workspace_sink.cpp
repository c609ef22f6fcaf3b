#include "engine/workspace_sink.h"

#include "core/hash.h"

namespace intake::engine {

namespace {
// An event's key when the definition names none: its mapped row. Dynamic members are hashed by
// their JSON text, so computing the key never builds their trees.
uint64_t row_key(const Row& row) {
  uint64_t h = 0x2545F4914F6CDD1DULL;
  for (const auto& v : row) {
    if (const std::string* raw = v.raw_json_text()) {
      h = hash_bytes(*raw, h);
    } else {
      h = hash_value(v, h);
    }
  }
  return h;
}
}  // namespace

WorkspaceSink::WorkspaceSink(sinks::Workspace& workspace, std::string instance, RowMapper mapper,
                             std::vector<OutputTable> outputs, std::optional<json::JsonPath> dedup_key, Clock clock)
    : ws_(workspace), instance_(std::move(instance)), mapper_(std::move(mapper)), dedup_key_(std::move(dedup_key)),
      clock_(std::move(clock)) {
  for (auto& o : outputs) {
    Target t;
    t.table = o.name;
    t.fixed = o.schema.has_value();
    if (o.schema) t.schema = *o.schema;
    t.transform = std::move(o.transform);
    targets_.push_back(std::move(t));
  }
}

// (Re)computes a table's columns and where each comes from in the stream row; creates the table
// or adds the columns the stream has grown since.
Status WorkspaceSink::prepare(Target& t) {
  // A transform's output schema is fixed at compile time; without one the rows are the stream's.
  const Schema& produced = t.transform ? t.transform->output_schema() : mapper_.schema();
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
  t.known_stream_columns = mapper_.schema().columns.size();
  return ws_.ensure_table(t.table, t.schema);
}

Status WorkspaceSink::write(const poll::Page& page) {
  stream_rows_.clear();
  stream_rows_.reserve(page.events.size());
  std::vector<uint64_t> keys;
  keys.reserve(page.events.size());
  for (const auto& e : page.events) {
    stream_rows_.push_back(mapper_.map(e));
    if (dedup_key_) {
      auto k = dedup_key_->first(e);
      keys.push_back(k ? hash_bytes(simdjson::minify(*k)) : row_key(stream_rows_.back()));
    } else {
      keys.push_back(row_key(stream_rows_.back()));
    }
  }
  // An inferred schema can grow while a page is mapped (a later event brings a new member):
  // rows mapped before that get the new columns as nulls, so every row has the schema's width.
  for (auto& row : stream_rows_) row.resize(mapper_.schema().columns.size());
  for (auto& t : targets_) {
    if (t.from_stream.empty() || t.known_stream_columns != mapper_.schema().columns.size()) {
      if (auto ok = prepare(t); !ok) return ok;
    }
  }
  auto txn = ws_.begin();
  if (!txn) return std::unexpected(txn.error());
  // Events already stored by an earlier window (APIs whose from/to are both inclusive return
  // boundary events twice) are dropped; repeats within one window are kept.
  int64_t epoch = page.window.start.ticks;
  std::vector<size_t> accepted;
  accepted.reserve(stream_rows_.size());
  for (size_t i = 0; i < stream_rows_.size(); ++i) {
    auto fresh = txn->admit(instance_, keys[i], epoch);
    if (!fresh) return std::unexpected(fresh.error());
    if (*fresh) accepted.push_back(i);
  }
  DateTime now = clock_();
  accepted_rows_.clear();
  accepted_rows_.reserve(accepted.size());
  for (size_t i : accepted) accepted_rows_.push_back(std::move(stream_rows_[i]));
  int64_t written = 0;
  // The last target that reads a batch may take its values instead of copying them.
  for (size_t ti = 0; ti < targets_.size(); ++ti) {
    Target& t = targets_[ti];
    std::vector<Row>* produced = &accepted_rows_;
    if (t.transform && !t.transform->is_identity()) {
      produced_rows_.clear();
      bool last_reader = ti + 1 == targets_.size();
      auto ok = last_reader ? t.transform->apply(std::move(accepted_rows_), produced_rows_, now)
                            : t.transform->apply(accepted_rows_, produced_rows_, now);
      if (!ok) {
        return std::unexpected(ok.error().within("transformKql of " + t.table));
      }
      produced = &produced_rows_;
    }
    table_rows_.clear();
    table_rows_.reserve(produced->size());
    bool owned = produced == &produced_rows_ || ti + 1 == targets_.size();
    for (Row& src : *produced) {
      Row out(t.schema.columns.size());
      for (size_t c = 0; c < out.size(); ++c) {
        int from = t.from_stream[c];
        if (from < 0) continue;
        out[c] = owned ? std::move(src[from]) : src[from];
      }
      if (t.time_generated >= 0 && out[t.time_generated].is_null()) out[t.time_generated] = Value(now);
      table_rows_.push_back(std::move(out));
    }
    if (auto ok = txn->append(t.table, t.schema, table_rows_); !ok) return ok;
    written += static_cast<int64_t>(table_rows_.size());
  }
  if (page.window_complete) {
    // Keys of windows before this one can no longer be returned again.
    if (auto ok = txn->forget_before(instance_, epoch); !ok) return ok;
  }
  if (auto ok = txn->put_state(instance_, page.checkpoint.to_json()); !ok) return ok;
  if (auto ok = txn->commit(); !ok) return ok;
  stats_.rows_written += written;
  stats_.events_accepted += static_cast<int64_t>(accepted.size());
  stats_.duplicates_dropped += static_cast<int64_t>(stream_rows_.size() - accepted.size());
  return {};
}

}  // namespace intake::engine
