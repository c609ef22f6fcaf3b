// The postgres destination: table rows (after the DCR transforms, as in the workspace) loaded
// with COPY into tables created from the rows' schemas (KQL types mapped to PostgreSQL's:
// dynamic -> jsonb, datetime -> timestamptz, guid -> uuid, ...; new columns added as they
// appear). The spool's sequence number of the last entry loaded is written in the same
// transaction as the rows (table _intake_delivery), so after any crash delivery resumes exactly
// after what PostgreSQL holds: exactly-once.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "sinks/destination.h"

namespace intake::sinks {

struct PostgresOptions {
  std::string name;
  std::string connection;  // libpq connection string or URI
  std::string schema = "public";
};

// The PostgreSQL type a column type is stored as.
std::string_view postgres_type(ColumnType t);

class PostgresDestination final : public Destination {
 public:
  explicit PostgresDestination(PostgresOptions options);
  ~PostgresDestination() override;
  const std::string& name() const override { return options_.name; }
  Result<int64_t> open(const std::string& workspace_id) override;
  std::expected<DeliveryReport, DeliveryError> deliver(std::span<const SpooledEntry> entries) override;

 private:
  struct Conn;
  Status connect();
  Status ensure_table(const std::string& table, const Schema& schema);
  Status copy_entry(const SpooledEntry& e, std::string& table_out);
  PostgresOptions options_;
  std::string workspace_id_;  // the workspace whose spool numbers _intake_delivery records
  std::unique_ptr<Conn> conn_;
  std::map<std::string, std::set<std::string>> columns_;  // known columns per table
};

}  // namespace intake::sinks
