#include "engine/write_batch.h"

namespace intake::engine {

int64_t WriteBatch::row_count() const {
  int64_t n = 0;
  for (const auto& t : tables) n += static_cast<int64_t>(t.rows.size());
  for (const auto& s : spool) n += s.rows;
  return n;
}

Status apply_batch(sinks::Workspace& ws, sinks::WriteTxn& txn, const WriteBatch& b) {
  for (const auto& t : b.tables) {
    if (t.rows.empty()) continue;
    if (auto ok = ws.ensure_table(t.table, t.schema); !ok) return ok;
    if (auto ok = txn.append(t.table, t.schema, t.rows); !ok) return ok;
  }
  for (const auto& s : b.spool) {
    if (auto ok = txn.spool(s); !ok) return std::unexpected(ok.error());
  }
  if (b.keys) {
    if (auto ok = txn.record_keys(b.keys->instance, b.keys->epoch, b.keys->keys); !ok) return ok;
    if (b.keys->forget_before) {
      if (auto ok = txn.forget_before(b.keys->instance, *b.keys->forget_before); !ok) return ok;
    }
  }
  if (b.state) {
    if (auto ok = txn.put_state(b.state->first, b.state->second); !ok) return ok;
  }
  return {};
}

}  // namespace intake::engine
