#include "engine/step_placeholders.h"

#include <cctype>

#include "engine/row_mapper.h"
#include "json/value_json.h"
#include "kql/kql.h"

namespace intake::engine {

std::string placeholder_text(const Value& v) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.as_string();
  if (v.kind() == Kind::DateTime) return format_iso8601(v.as_datetime());
  return json::to_json(v);
}

Result<std::vector<ccp::Params>> placeholders_from_kql(std::string_view kql, std::span<const simdjson::dom::element> records) {
  RowMapper mapper = RowMapper::inferring();
  std::vector<Row> rows;
  rows.reserve(records.size());
  for (const auto& r : records) rows.push_back(mapper.map(r));
  for (auto& r : rows) r.resize(mapper.schema().columns.size());
  kql::MemoryCatalog catalog;
  catalog.add_table("source", kql::Table{mapper.schema(), std::move(rows)});
  auto q = kql::Query::compile(kql, catalog);
  if (!q) return std::unexpected(q.error().within("placeholder KQL"));
  auto result = q->run();
  if (!result) return std::unexpected(result.error().within("placeholder KQL"));
  std::vector<ccp::Params> out;
  for (const auto& row : result->rows) {
    ccp::Params p;
    for (size_t i = 0; i < result->schema.columns.size() && i < row.size(); ++i) {
      p[result->schema.columns[i].name] = placeholder_text(row[i]);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string substitute_dollar(std::string_view text, const ccp::Params& values, std::vector<std::string>* missing) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '$') {
      size_t j = i + 1;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      if (j < text.size() && text[j] == '$' && j > i + 1) {
        std::string name(text.substr(i + 1, j - i - 1));
        auto it = values.find(name);
        if (it != values.end()) {
          out += it->second;
          i = j + 1;
          continue;
        }
        if (missing) missing->push_back(name);
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace intake::engine
