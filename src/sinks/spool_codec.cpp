#include "sinks/spool_codec.h"

#include <cmath>

#include "core/time.h"
#include "json/value_json.h"

namespace intake::sinks {

void encode_ndjson(const Schema& schema, std::span<const Row> rows, std::string& out) {
  for (const Row& row : rows) {
    out += '{';
    bool first = true;
    for (size_t c = 0; c < row.size() && c < schema.columns.size(); ++c) {
      if (row[c].is_null()) continue;
      if (!first) out += ',';
      first = false;
      json::append_json_string(out, schema.columns[c].name);
      out += ':';
      json::append_json(out, row[c]);
    }
    out += "}\n";
  }
}

namespace {

void copy_escape(std::string& out, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': break;  // PostgreSQL text cannot hold NUL
      default: out += ch;
    }
  }
}

void copy_cell(std::string& out, const Value& v, ColumnType type) {
  if (v.is_null()) {
    out += "\\N";
    return;
  }
  Value typed = type == ColumnType::Dynamic || v.kind() == Kind::Null ? v : convert_to(v, type);
  if (typed.is_null() && type != ColumnType::Dynamic) {
    out += "\\N";
    return;
  }
  switch (type) {
    case ColumnType::Bool: out += typed.as_bool() ? "t" : "f"; return;
    case ColumnType::Int: out += std::to_string(typed.as_int()); return;
    case ColumnType::Long: out += std::to_string(typed.as_long()); return;
    case ColumnType::Real: {
      double d = typed.as_real();
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else out += format_real(d);
      return;
    }
    case ColumnType::DateTime: out += format_iso8601(typed.as_datetime()); return;
    case ColumnType::TimeSpan: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.7f seconds", static_cast<double>(typed.as_timespan().ticks) / kTicksPerSecond);
      out += buf;
      return;
    }
    case ColumnType::Guid: out += format_guid(typed.as_guid()); return;
    case ColumnType::String:
      if (typed.is_string()) copy_escape(out, typed.as_string());
      else copy_escape(out, json::to_json(typed));
      return;
    case ColumnType::Dynamic: {
      std::string text;
      json::append_json(text, v);
      copy_escape(out, text);
      return;
    }
  }
}

}  // namespace

void encode_copy_text(const Schema& schema, std::span<const Row> rows, std::string& out) {
  for (const Row& row : rows) {
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      if (c) out += '\t';
      if (c < row.size()) copy_cell(out, row[c], schema.columns[c].type);
      else out += "\\N";
    }
    out += '\n';
  }
}

std::string table_meta(const std::string& table, const Schema& schema) {
  std::string out = "{\"table\":";
  json::append_json_string(out, table);
  out += ",\"columns\":[";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (i) out += ',';
    out += '[';
    json::append_json_string(out, schema.columns[i].name);
    out += ',';
    json::append_json_string(out, column_type_name(schema.columns[i].type));
    out += ']';
  }
  out += "]}";
  return out;
}

Result<std::pair<std::string, Schema>> parse_table_meta(std::string_view meta) {
  auto v = json::parse(meta, "spool entry");
  if (!v) return std::unexpected(v.error());
  const Value* table = v->get("table");
  const Value* cols = v->get("columns");
  if (!table || !table->is_string() || !cols || !cols->is_array()) return fail("spool entry", "damaged table meta");
  Schema s;
  for (const auto& c : cols->as_array()) {
    const Value* name = c.at(0);
    const Value* type = c.at(1);
    auto t = type && type->is_string() ? parse_column_type(type->as_string()) : std::nullopt;
    if (!name || !name->is_string() || !t) return fail("spool entry", "damaged column in table meta");
    s.columns.push_back({name->as_string(), *t});
  }
  return std::make_pair(table->as_string(), std::move(s));
}

}  // namespace intake::sinks
