#include "engine/workspace_sink.h"

#include "core/hash.h"

#include <thread>

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

WorkspaceSink::WorkspaceSink(WorkspaceWriter& writer, std::string instance, RowMapper mapper, StreamRouter router,
                             std::optional<json::JsonPath> dedup_key, Clock clock)
    : writer_(writer), instance_(std::move(instance)), mapper_(std::move(mapper)), router_(std::move(router)),
      dedup_key_(std::move(dedup_key)), clock_(std::move(clock)) {}

WorkspaceSink::WorkspaceSink(sinks::Workspace& workspace, std::string instance, RowMapper mapper,
                             std::vector<OutputTable> outputs, std::optional<json::JsonPath> dedup_key, Clock clock)
    : own_mutex_(std::make_unique<std::mutex>()),
      own_writer_(std::make_unique<WorkspaceWriter>(workspace, *own_mutex_, false)),
      writer_(*own_writer_),
      instance_(std::move(instance)),
      mapper_(std::move(mapper)),
      router_(std::move(outputs)),
      dedup_key_(std::move(dedup_key)),
      clock_(std::move(clock)) {}

WorkspaceSink::~WorkspaceSink() {
  // A page still in flight is committed (or fails) on its own; wait so the writer never outlives us.
  if (pending_) pending_->wait();
}

Status WorkspaceSink::load_keys() {
  auto keys = writer_.read([&](sinks::Workspace& ws) { return ws.load_keys(instance_); });
  if (!keys) return std::unexpected(keys.error());
  seen_.load(*keys);
  return {};
}

Status WorkspaceSink::flush() {
  if (!pending_) return {};
  Status st = pending_->get();
  pending_.reset();
  if (!st) {
    // What the cache learnt from that page is not in the file.
    seen_.invalidate();
    return st;
  }
  stats_.rows_written += pending_stats_.rows_written;
  stats_.events_accepted += pending_stats_.events_accepted;
  stats_.duplicates_dropped += pending_stats_.duplicates_dropped;
  pending_stats_ = {};
  return {};
}

Status WorkspaceSink::write(const poll::Page& page) {
  if (busy_ && busy_()) {
    auto started = std::chrono::steady_clock::now();
    while (busy_()) {
      if (stop_ && stop_()) return fail(instance_, "stopped while the destinations' spools were full");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    held_ += std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  }
  if (!seen_.loaded()) {
    // Keys can only be loaded with nothing in flight (a failed page invalidates the cache).
    if (auto ok = flush(); !ok) return ok;
    if (auto ok = load_keys(); !ok) return ok;
  }
  stream_rows_.clear();
  stream_rows_.reserve(page.events.size());
  keys_.clear();
  keys_.reserve(page.events.size());
  has_key_.clear();
  for (const auto& e : page.events) {
    stream_rows_.push_back(mapper_.map(e));
    if (dedup_key_) {
      auto k = dedup_key_->first(e);
      keys_.push_back(k ? hash_bytes(simdjson::minify(*k)) : row_key(stream_rows_.back()));
      has_key_.push_back(k.has_value());
    } else {
      keys_.push_back(row_key(stream_rows_.back()));
    }
  }
  // An inferred schema can grow while a page is mapped (a later event brings a new member):
  // rows mapped before that get the new columns as nulls, so every row has the schema's width.
  const size_t width = mapper_.schema().columns.size();
  for (auto& row : stream_rows_) row.resize(width);

  // Events already stored by an earlier window (APIs whose from/to are both inclusive return
  // boundary events twice) are dropped; repeats within one window are kept.
  int64_t epoch = page.window.start.ticks;
  WriteBatch batch;
  BatchKeys& added = batch.keys.emplace();
  added.instance = instance_;
  added.epoch = epoch;
  std::vector<Row> accepted;
  accepted.reserve(stream_rows_.size());
  // An event without the declared key falls back to its row as identity, with the row's rules.
  for (size_t i = 0; i < stream_rows_.size(); ++i) {
    if (seen_.admit(keys_[i], epoch, added.keys, dedup_key_ && has_key_[i])) accepted.push_back(std::move(stream_rows_[i]));
  }
  SinkStats page_stats;
  page_stats.events_accepted = static_cast<int64_t>(accepted.size());
  page_stats.duplicates_dropped = static_cast<int64_t>(stream_rows_.size() - accepted.size());
  if (auto ok = router_.route(mapper_.schema(), std::move(accepted), clock_(), batch); !ok) {
    seen_.invalidate();
    return ok;
  }
  for (const auto& t : batch.tables) page_stats.rows_written += static_cast<int64_t>(t.rows.size());
  // Keys of windows before this one can no longer be returned again.
  if (page.window_complete) added.forget_before = epoch - retention_ticks_;
  batch.state.emplace(instance_, page.checkpoint.to_json());

  // One page in flight: the previous one must be durable before this one is queued behind it.
  if (auto ok = flush(); !ok) return ok;
  if (page.window_complete) seen_.forget_before(epoch - retention_ticks_);
  pending_stats_ = page_stats;
  pending_ = writer_.submit(std::move(batch));
  // A writer that commits on the caller's thread is done already: settle the page now.
  if (pending_->wait_for(std::chrono::seconds(0)) == std::future_status::ready) return flush();
  return {};
}

}  // namespace intake::engine
