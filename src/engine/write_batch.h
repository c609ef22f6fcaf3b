// What one source commits at once — the rows of a poll page or of a pushed request for each
// output table, the entries for remote destinations' spools, the page's dedup keys and the
// source's checkpoint — and how such a batch is applied inside a workspace transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/schema.h"
#include "sinks/workspace.h"

namespace intake::engine {

struct TableRows {
  std::string table;
  Schema schema;           // the columns the rows follow; the table is created or widened to hold them
  std::vector<Row> rows;
};

struct BatchKeys {
  std::string instance;
  int64_t epoch = 0;                     // the window the keys were first seen in
  std::vector<uint64_t> keys;            // keys first seen by this page
  std::optional<int64_t> forget_before;  // keys of windows before this can no longer return
};

struct WriteBatch {
  std::vector<TableRows> tables;
  std::vector<sinks::SpoolRecord> spool;
  std::optional<BatchKeys> keys;
  std::optional<std::pair<std::string, std::string>> state;  // instance, checkpoint JSON

  int64_t row_count() const;
  bool empty() const { return tables.empty() && spool.empty() && !keys && !state; }
};

// Writes every part of the batch in the open transaction. Tables are created or widened first
// (inside the transaction, so a rollback undoes them too).
Status apply_batch(sinks::Workspace& ws, sinks::WriteTxn& txn, const WriteBatch& batch);

}  // namespace intake::engine
