// MemoryCatalog: tables and stored functions held in memory (tests, small inputs). Honours the
// scan hints, as a workspace provider would.
#include "kql/kql.h"

namespace intake::kql {

void MemoryCatalog::add_table(std::string name, Table table) {
  for (auto& [n, t] : tables_) {
    if (n == name) {
      t = std::move(table);
      return;
    }
  }
  tables_.emplace_back(std::move(name), std::move(table));
}

void MemoryCatalog::add_function(std::string name, std::string body) {
  for (auto& [n, b] : functions_) {
    if (n == name) {
      b = std::move(body);
      return;
    }
  }
  functions_.emplace_back(std::move(name), std::move(body));
}

std::optional<Schema> MemoryCatalog::table_schema(std::string_view name) const {
  for (const auto& [n, t] : tables_)
    if (n == name) return t.schema;
  return std::nullopt;
}

Status MemoryCatalog::scan(std::string_view name, const ScanHints& hints, const std::function<bool(Row&&)>& sink) const {
  for (const auto& [n, t] : tables_) {
    if (n != name) continue;
    int tg = (hints.time_from || hints.time_to) ? t.schema.index_of("TimeGenerated") : -1;
    std::vector<bool> wanted;
    for (const auto& c : hints.columns) {
      int i = t.schema.index_of(c);
      if (i < 0) continue;
      if (wanted.empty()) wanted.assign(t.schema.columns.size(), false);
      wanted[static_cast<size_t>(i)] = true;
    }
    int64_t sent = 0;
    for (const auto& r : t.rows) {
      if (hints.limit && sent >= *hints.limit) break;
      if (tg >= 0) {
        const Value& v = r[static_cast<size_t>(tg)];
        if (v.kind() != Kind::DateTime) continue;
        if (hints.time_from && v.as_datetime() < *hints.time_from) continue;
        if (hints.time_to && v.as_datetime() > *hints.time_to) continue;
      }
      ++sent;
      if (wanted.empty()) {
        if (!sink(Row(r))) break;
        continue;
      }
      Row out(r.size());
      for (size_t i = 0; i < r.size() && i < wanted.size(); ++i)
        if (wanted[i]) out[i] = r[i];
      if (!sink(std::move(out))) break;
    }
    return {};
  }
  return fail("table '" + std::string(name) + "'", "no such table");
}

std::optional<std::string> MemoryCatalog::function_body(std::string_view name) const {
  for (const auto& [n, b] : functions_)
    if (n == name) return b;
  return std::nullopt;
}

std::vector<std::string> MemoryCatalog::table_names() const {
  std::vector<std::string> out;
  for (const auto& [n, t] : tables_) out.push_back(n);
  for (const auto& [n, b] : functions_) out.push_back(n);
  return out;
}

}  // namespace intake::kql
