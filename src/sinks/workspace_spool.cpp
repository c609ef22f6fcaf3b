// The workspace's delivery spool (rows waiting for remote destinations) and the page-sized entries
// of dedup keys. Both live in the workspace file so that they commit in the same transaction as
// the rows and the checkpoint of the page they belong to.
#include <bit>
#include <cstring>
#include <random>

#include "sinks/workspace_impl.h"

namespace intake::sinks {

namespace {

// Keys are stored as little-endian 64-bit words, the page's keys back to back.
std::string encode_keys(std::span<const uint64_t> keys) {
  std::string out(keys.size() * 8, '\0');
  for (size_t i = 0; i < keys.size(); ++i) {
    uint64_t k = keys[i];
    if constexpr (std::endian::native == std::endian::big) k = __builtin_bswap64(k);
    std::memcpy(out.data() + i * 8, &k, 8);
  }
  return out;
}

int bind_blob(sqlite3_stmt* st, int idx, std::string_view bytes) {
  return sqlite3_bind_blob64(st, idx, bytes.data(), bytes.size(), SQLITE_STATIC);
}

std::string_view column_blob(sqlite3_stmt* st, int col) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(st, col));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st, col))) : std::string_view();
}

}  // namespace

Status Workspace::Impl::record_keys(std::string_view instance, int64_t epoch, std::span<const uint64_t> keys) {
  if (keys.empty()) return {};
  auto st = cached(keys_insert, "INSERT INTO _intake_keys(instance, epoch, keys) VALUES(?1, ?2, ?3)");
  if (!st) return std::unexpected(st.error());
  ResetOnExit reset(*st);
  std::string blob = encode_keys(keys);
  bind_text(*st, 1, instance);
  sqlite3_bind_int64(*st, 2, epoch);
  bind_blob(*st, 3, blob);
  return run(*st, "cannot record the keys of a page");
}

Result<int64_t> Workspace::Impl::spool(const SpoolRecord& r) {
  auto st = cached(spool_insert,
                   "INSERT INTO _intake_spool(destination, target, meta, rows, bytes, created, payload) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!st) return std::unexpected(st.error());
  ResetOnExit reset(*st);
  bind_text(*st, 1, r.destination);
  bind_text(*st, 2, r.target);
  bind_text(*st, 3, r.meta);
  sqlite3_bind_int64(*st, 4, r.rows);
  sqlite3_bind_int64(*st, 5, static_cast<int64_t>(r.payload.size()));
  sqlite3_bind_int64(*st, 6, detail::now_ticks());
  bind_blob(*st, 7, r.payload);
  if (auto ok = run(*st, "cannot append to the spool of \"" + r.destination + "\""); !ok) return std::unexpected(ok.error());
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db));
}

Result<std::vector<std::pair<uint64_t, int64_t>>> Workspace::load_keys(std::string_view instance) {
  std::vector<std::pair<uint64_t, int64_t>> out;
  auto seen = impl_->prepare("SELECT key, epoch FROM _intake_seen WHERE instance = ?1");
  if (!seen) return std::unexpected(seen.error());
  bind_text(seen->get(), 1, instance);
  int rc;
  while ((rc = sqlite3_step(seen->get())) == SQLITE_ROW) {
    out.emplace_back(std::bit_cast<uint64_t>(sqlite3_column_int64(seen->get(), 0)), sqlite3_column_int64(seen->get(), 1));
  }
  if (rc != SQLITE_DONE) return impl_->failure("cannot read the keys of \"" + std::string(instance) + "\"");
  auto pages = impl_->prepare("SELECT keys, epoch FROM _intake_keys WHERE instance = ?1 ORDER BY rowid");
  if (!pages) return std::unexpected(pages.error());
  bind_text(pages->get(), 1, instance);
  while ((rc = sqlite3_step(pages->get())) == SQLITE_ROW) {
    std::string_view blob = column_blob(pages->get(), 0);
    int64_t epoch = sqlite3_column_int64(pages->get(), 1);
    if (blob.size() % 8 != 0) return fail(path_, "a key entry of \"" + std::string(instance) + "\" is damaged (not 8-byte words)");
    for (size_t i = 0; i < blob.size(); i += 8) {
      uint64_t k;
      std::memcpy(&k, blob.data() + i, 8);
      if constexpr (std::endian::native == std::endian::big) k = __builtin_bswap64(k);
      out.emplace_back(k, epoch);
    }
  }
  if (rc != SQLITE_DONE) return impl_->failure("cannot read the keys of \"" + std::string(instance) + "\"");
  return out;
}

Result<std::vector<SpooledEntry>> Workspace::spool_read(std::string_view destination, int64_t after_seq, size_t max_entries,
                                                        size_t max_bytes) {
  auto st = impl_->prepare(
      "SELECT seq, target, meta, rows, created, payload FROM _intake_spool WHERE destination = ?1 AND seq > ?2 "
      "ORDER BY seq LIMIT ?3");
  if (!st) return std::unexpected(st.error());
  bind_text(st->get(), 1, destination);
  sqlite3_bind_int64(st->get(), 2, after_seq);
  sqlite3_bind_int64(st->get(), 3, static_cast<int64_t>(std::max<size_t>(1, max_entries)));
  std::vector<SpooledEntry> out;
  size_t bytes = 0;
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) {
    SpooledEntry e;
    e.seq = sqlite3_column_int64(st->get(), 0);
    e.target = column_text(st->get(), 1);
    e.meta = column_text(st->get(), 2);
    e.rows = sqlite3_column_int64(st->get(), 3);
    e.created_ticks = sqlite3_column_int64(st->get(), 4);
    e.payload = column_blob(st->get(), 5);
    bytes += e.payload.size();
    out.push_back(std::move(e));
    if (bytes >= max_bytes) break;
  }
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    return impl_->failure("cannot read the spool of \"" + std::string(destination) + "\"");
  }
  return out;
}

Status Workspace::spool_delete(std::string_view destination, int64_t through_seq) {
  if (auto ok = impl_->begin_scope(); !ok) return ok;
  auto remove = [&]() -> Status {
    auto st = impl_->prepare("DELETE FROM _intake_spool WHERE destination = ?1 AND seq <= ?2");
    if (!st) return std::unexpected(st.error());
    bind_text(st->get(), 1, destination);
    sqlite3_bind_int64(st->get(), 2, through_seq);
    return impl_->run(st->get(), "cannot remove delivered entries from the spool of \"" + std::string(destination) + "\"");
  };
  return impl_->end_scope(remove());
}

Result<SpoolStats> Workspace::spool_stats(std::string_view destination) {
  auto st = impl_->prepare(
      "SELECT COUNT(*), COALESCE(SUM(rows), 0), COALESCE(SUM(bytes), 0), MIN(created) FROM _intake_spool "
      "WHERE destination = ?1");
  if (!st) return std::unexpected(st.error());
  bind_text(st->get(), 1, destination);
  if (sqlite3_step(st->get()) != SQLITE_ROW) return impl_->failure("cannot measure the spool of \"" + std::string(destination) + "\"");
  SpoolStats s;
  s.entries = sqlite3_column_int64(st->get(), 0);
  s.rows = sqlite3_column_int64(st->get(), 1);
  s.bytes = sqlite3_column_int64(st->get(), 2);
  if (sqlite3_column_type(st->get(), 3) != SQLITE_NULL) s.oldest_ticks = sqlite3_column_int64(st->get(), 3);
  return s;
}

Result<std::vector<std::string>> Workspace::spool_destinations() {
  auto st = impl_->prepare("SELECT DISTINCT destination FROM _intake_spool ORDER BY destination");
  if (!st) return std::unexpected(st.error());
  std::vector<std::string> out;
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) out.emplace_back(column_text(st->get(), 0));
  if (rc != SQLITE_DONE) return impl_->failure("cannot list the spool's destinations");
  return out;
}

Status Workspace::dead_letter(std::string_view destination, const SpooledEntry& e, std::string_view payload,
                              std::string_view reason) {
  if (auto ok = impl_->begin_scope(); !ok) return ok;
  auto insert = [&]() -> Status {
    auto st = impl_->prepare(
        "INSERT INTO _intake_dead_letters(destination, seq, target, meta, payload, reason, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!st) return std::unexpected(st.error());
    bind_text(st->get(), 1, destination);
    sqlite3_bind_int64(st->get(), 2, e.seq);
    bind_text(st->get(), 3, e.target);
    bind_text(st->get(), 4, e.meta);
    bind_blob(st->get(), 5, payload);
    bind_text(st->get(), 6, reason);
    sqlite3_bind_int64(st->get(), 7, detail::now_ticks());
    return impl_->run(st->get(), "cannot keep a refused record of \"" + std::string(destination) + "\"");
  };
  return impl_->end_scope(insert());
}

int64_t Workspace::dead_letters(std::string_view destination) {
  auto st = impl_->prepare("SELECT COUNT(*) FROM _intake_dead_letters WHERE destination = ?1");
  if (!st) return -1;
  bind_text(st->get(), 1, destination);
  if (sqlite3_step(st->get()) != SQLITE_ROW) return -1;
  return sqlite3_column_int64(st->get(), 0);
}

Result<std::string> Workspace::identity() {
  constexpr std::string_view kKey = "_intake/workspace-id";
  if (auto st = state(kKey); !st) {
    return std::unexpected(st.error());
  } else if (*st) {
    return **st;
  }
  std::random_device rd;
  std::string id;
  static const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) id += hex[rd() & 15];
  auto txn = begin();
  if (!txn) return std::unexpected(txn.error());
  if (auto ok = txn->put_state(kKey, id); !ok) return std::unexpected(ok.error());
  if (auto ok = txn->commit(); !ok) return std::unexpected(ok.error());
  // Another connection may have made one first: the stored one is the identity.
  if (auto st = state(kKey); st && *st) return **st;
  return id;
}

}  // namespace intake::sinks
