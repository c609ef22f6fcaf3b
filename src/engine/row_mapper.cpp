#include "engine/row_mapper.h"

#include <array>

#include "core/time.h"
#include "json/value_json.h"

namespace intake::engine {

namespace dom = simdjson::dom;

RowMapper::RowMapper(Schema declared, std::vector<std::pair<std::string, std::string>> add_on_attributes)
    : schema_(std::move(declared)), add_ons_(std::move(add_on_attributes)) {
  index_columns();
}

namespace {
std::string_view fold(std::string_view s, std::string& buf) {
  buf.assign(s);
  for (char& c : buf) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return buf;
}
}  // namespace

void RowMapper::index_columns() {
  std::string buf;
  for (; indexed_ < schema_.columns.size(); ++indexed_) {
    const std::string& name = schema_.columns[indexed_].name;
    exact_.emplace(name, static_cast<int>(indexed_));
    folded_.emplace(std::string(fold(name, buf)), static_cast<int>(indexed_));
  }
}

RowMapper RowMapper::inferring(std::vector<std::pair<std::string, std::string>> add_on_attributes) {
  RowMapper m(Schema{}, std::move(add_on_attributes));
  m.infer_ = true;
  return m;
}

Value element_to_column(dom::element e, ColumnType t) {
  switch (e.type()) {
    case dom::element_type::NULL_VALUE: return Value();
    case dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (t == ColumnType::String || t == ColumnType::Dynamic) return Value(s);
      if (t == ColumnType::DateTime) {
        auto dt = parse_datetime(s);
        return dt ? Value(*dt) : Value();
      }
      return convert_to(Value(s), t);
    }
    case dom::element_type::INT64: {
      int64_t v = e.get_int64().value_unsafe();
      if (t == ColumnType::Long || t == ColumnType::Dynamic) return Value(v);
      return convert_to(Value(v), t);
    }
    case dom::element_type::UINT64: {
      double d = static_cast<double>(e.get_uint64().value_unsafe());
      return convert_to(Value(d), t);
    }
    case dom::element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (t == ColumnType::Real || t == ColumnType::Dynamic) return Value(d);
      return convert_to(Value(d), t);
    }
    case dom::element_type::BOOL: {
      bool b = e.get_bool().value_unsafe();
      if (t == ColumnType::Bool || t == ColumnType::Dynamic) return Value(b);
      return convert_to(Value(b), t);
    }
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
      if (t == ColumnType::Dynamic) return json::to_lazy_value(e);
      // Objects in a string column keep their JSON text, as Azure stores them.
      if (t == ColumnType::String) return Value(simdjson::minify(e));
      return Value();
  }
  return Value();
}

Value RowMapper::convert(dom::element e, ColumnType t) const { return element_to_column(e, t); }

void RowMapper::learn(dom::element event) {
  dom::object obj;
  if (event.get(obj) != simdjson::SUCCESS) {
    if (schema_.index_of("value") < 0) schema_.columns.push_back({"value", ColumnType::Dynamic});
    return;
  }
  for (auto field : obj) {
    std::string_view key = field.key;
    const dom::element_type type = field.value.type();
    if (type == dom::element_type::NULL_VALUE) continue;  // typed when a value shows up
    // Known members are found in the index; only names it does not hold yet (new this event) are
    // searched for in the schema.
    if (exact_.contains(key) || schema_.index_of(key) >= 0) continue;
    ColumnType t;
    switch (type) {
      case dom::element_type::STRING: t = ColumnType::String; break;
      case dom::element_type::INT64:
      case dom::element_type::UINT64: t = ColumnType::Long; break;
      case dom::element_type::DOUBLE: t = ColumnType::Real; break;
      case dom::element_type::BOOL: t = ColumnType::Bool; break;
      default: t = ColumnType::Dynamic; break;
    }
    schema_.columns.push_back({std::string(key), t});
  }
  for (const auto& [k, v] : add_ons_) {
    if (schema_.index_of(k) < 0) schema_.columns.push_back({k, ColumnType::String});
  }
}

Row RowMapper::map(dom::element event) {
  if (infer_) {
    learn(event);
    index_columns();
  }
  return map_known(event);
}

Row RowMapper::map_known(dom::element event) const {
  Row row(schema_.columns.size());
  dom::object obj;
  if (event.get(obj) != simdjson::SUCCESS) {
    // A scalar or array event cannot match columns; it is offered as a single "value" column.
    int i = schema_.index_of("value");
    if (i >= 0) row[i] = convert(event, schema_.columns[i].type);
    return row;
  }
  // A member named exactly as a column wins over one that differs in case; the first of equal
  // names wins (as simdjson's at_key does).
  // 0 unset, 1 case-insensitive, 2 exact; on the stack for the usual stream of < 256 columns.
  std::array<uint8_t, 256> small{};
  std::vector<uint8_t> large;
  uint8_t* how = small.data();
  if (schema_.columns.size() > small.size()) {
    large.assign(schema_.columns.size(), 0);
    how = large.data();
  }
  std::string buf;
  for (auto field : obj) {
    int i = -1;
    uint8_t level = 2;
    if (auto it = exact_.find(field.key); it != exact_.end()) {
      i = it->second;
    } else if (auto f = folded_.find(fold(field.key, buf)); f != folded_.end()) {
      i = f->second;
      level = 1;
    }
    if (i < 0 || how[i] >= level) continue;
    how[i] = level;
    row[i] = convert(field.value, schema_.columns[i].type);
  }
  for (const auto& [k, v] : add_ons_) {
    int i = schema_.index_of(k);
    if (i >= 0 && row[i].is_null()) row[i] = convert_to(Value(v), schema_.columns[i].type);
  }
  return row;
}

}  // namespace intake::engine
