// Maps extracted events onto the typed columns of a stream, the way the Logs Ingestion API
// does: members matched by column name, undeclared members dropped, values converted to the
// column type (a value that does not convert is null). Without a declaration the schema is
// inferred from the events and grows as new members appear.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/schema.h"

namespace intake::engine {

class RowMapper {
 public:
  // A declared stream schema.
  explicit RowMapper(Schema declared, std::vector<std::pair<std::string, std::string>> add_on_attributes = {});
  // An inferred schema (no DCR).
  static RowMapper inferring(std::vector<std::pair<std::string, std::string>> add_on_attributes = {});

  // Maps one event; for an inferring mapper new columns are appended to schema() first.
  Row map(simdjson::dom::element event);
  // Maps one event onto the current schema without learning from it. Thread-safe (receivers map
  // concurrent requests of one declared stream with it).
  Row map_known(simdjson::dom::element event) const;
  const Schema& schema() const { return schema_; }
  bool inferred() const { return infer_; }

 private:
  Value convert(simdjson::dom::element e, ColumnType t) const;
  void learn(simdjson::dom::element event);
  void index_columns();
  // Column index by exact and by ASCII-lowercased name: an event's members are looked up once
  // each, instead of every column being searched for in the event.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, int, Hash, std::equal_to<>>;
  Index exact_, folded_;
  size_t indexed_ = 0;
  Schema schema_;
  std::vector<std::pair<std::string, std::string>> add_ons_;
  bool infer_ = false;
};

// The JSON of an element converted to a Value with the column type's rules (used by RowMapper
// and by --dry-run output).
Value element_to_column(simdjson::dom::element e, ColumnType t);

}  // namespace intake::engine
