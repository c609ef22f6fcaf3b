#include "receive/legacy_table.h"

#include <cctype>

#include "core/time.h"

namespace intake::receive {

namespace dom = simdjson::dom;

namespace {

constexpr int64_t kPastWindow = 2 * kTicksPerDay;
constexpr int64_t kFutureWindow = kTicksPerDay;

const char* suffix_of(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return "_b";
    case ColumnType::Real: return "_d";
    case ColumnType::DateTime: return "_t";
    case ColumnType::Guid: return "_g";
    default: return "_s";
  }
}

std::optional<ColumnType> type_of_suffix(std::string_view name, const Column& c) {
  if (name.size() < 3 || name[name.size() - 2] != '_') return std::nullopt;
  ColumnType want;
  switch (name.back()) {
    case 's': want = ColumnType::String; break;
    case 'd': want = ColumnType::Real; break;
    case 'b': want = ColumnType::Bool; break;
    case 't': want = ColumnType::DateTime; break;
    case 'g': want = ColumnType::Guid; break;
    default: return std::nullopt;
  }
  if (c.type != want) return std::nullopt;
  return want;
}

std::string sanitize(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return out;
}

// An ISO 8601 date-time as the service detects them: starts with yyyy-MM-dd, parses.
std::optional<DateTime> iso_datetime(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  }
  return parse_datetime(s);
}

std::optional<Guid> guid_text(std::string_view s) {
  // Dashed (36) or bare (32) hex digits; braces are not a GUID here.
  if (s.size() != 36 && s.size() != 32) return std::nullopt;
  return parse_guid(s);
}

std::string truncated(std::string_view s) {
  if (s.size() <= kLegacyMaxValueBytes) return std::string(s);
  size_t n = kLegacyMaxValueBytes;
  // Do not cut a UTF-8 sequence in half.
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

// One leaf value of a record and what it can be stored as.
struct Leaf {
  std::string property;
  dom::element value;
};

void flatten(dom::object obj, const std::string& prefix, std::vector<Leaf>& out) {
  for (auto field : obj) {
    std::string name = prefix.empty() ? sanitize(field.key) : prefix + "_" + sanitize(field.key);
    dom::object inner;
    if (field.value.get(inner) == simdjson::SUCCESS) {
      flatten(inner, name, out);
      continue;
    }
    if (field.value.is_null()) continue;
    out.push_back({std::move(name), field.value});
  }
}

// The value converted to a column type, or null when it does not convert.
Value convert(dom::element e, ColumnType t) {
  switch (e.type()) {
    case dom::element_type::BOOL: {
      bool b = e.get_bool().value_unsafe();
      if (t == ColumnType::Bool) return Value(b);
      if (t == ColumnType::String) return Value(std::string(b ? "true" : "false"));
      return Value();
    }
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      double d = 0;
      if (e.type() == dom::element_type::INT64) d = static_cast<double>(e.get_int64().value_unsafe());
      else if (e.type() == dom::element_type::UINT64) d = static_cast<double>(e.get_uint64().value_unsafe());
      else d = e.get_double().value_unsafe();
      if (t == ColumnType::Real) return Value(d);
      if (t == ColumnType::String) return Value(simdjson::minify(e));
      return Value();
    }
    case dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      switch (t) {
        case ColumnType::String: return Value(truncated(s));
        case ColumnType::Guid:
          if (auto g = guid_text(s)) return Value(*g);
          return Value();
        case ColumnType::DateTime:
          if (auto d = iso_datetime(s)) return Value(*d);
          return Value();
        case ColumnType::Real:
        case ColumnType::Bool: {
          Value v = convert_to(Value(std::string(s)), t);
          return v;
        }
        default: return Value();
      }
    }
    default:
      // Arrays (and anything complex) are stored as their JSON text.
      if (t == ColumnType::String) return Value(truncated(simdjson::minify(e)));
      return Value();
  }
}

ColumnType natural_type(dom::element e) {
  switch (e.type()) {
    case dom::element_type::BOOL: return ColumnType::Bool;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return ColumnType::Real;
    case dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (guid_text(s)) return ColumnType::Guid;
      if (iso_datetime(s)) return ColumnType::DateTime;
      return ColumnType::String;
    }
    default: return ColumnType::String;
  }
}

bool reserved(std::string_view name) {
  return iequals(name, "tenant") || iequals(name, "TimeGenerated") || iequals(name, "RawData");
}

}  // namespace

std::string legacy_column_name(std::string_view property, ColumnType type) { return sanitize(property) + suffix_of(type); }

bool valid_log_type(std::string_view log_type) {
  if (log_type.empty() || log_type.size() > 100) return false;
  for (char c : log_type) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

LegacyTable::LegacyTable(std::string table, const std::optional<Schema>& stored) : table_(std::move(table)) {
  schema_.columns.push_back({"TimeGenerated", ColumnType::DateTime});
  if (!stored) return;
  for (const auto& c : stored->columns) {
    if (c.name == "TimeGenerated") continue;
    schema_.columns.push_back(c);
    if (auto t = type_of_suffix(c.name, c)) {
      properties_[c.name.substr(0, c.name.size() - 2)].columns.push_back(schema_.columns.size() - 1);
    }
  }
}

Result<LegacyBatch> LegacyTable::map(std::span<const dom::element> records, std::string_view time_field,
                                     std::string_view resource_id, DateTime now) {
  std::lock_guard lock(mutex_);
  const size_t old_width = schema_.columns.size();
  auto rollback = [&] {
    schema_.columns.resize(old_width);
    for (auto it = properties_.begin(); it != properties_.end();) {
      std::erase_if(it->second.columns, [&](size_t i) { return i >= old_width; });
      it = it->second.columns.empty() ? properties_.erase(it) : std::next(it);
    }
  };
  auto add_column = [&](std::string name, ColumnType type) -> std::optional<size_t> {
    if (schema_.columns.size() >= kLegacyMaxColumns) return std::nullopt;
    schema_.columns.push_back({std::move(name), type});
    return schema_.columns.size() - 1;
  };
  int resource_col = schema_.index_of("_ResourceId");
  if (!resource_id.empty() && resource_col < 0) {
    auto at = add_column("_ResourceId", ColumnType::String);
    if (!at) return fail(table_, "the table has " + std::to_string(kLegacyMaxColumns) + " columns; no more can be added");
    resource_col = static_cast<int>(*at);
  }

  LegacyBatch out;
  out.rows.reserve(records.size());
  std::vector<Leaf> leaves;
  for (size_t r = 0; r < records.size(); ++r) {
    dom::object obj;
    if (records[r].get(obj) != simdjson::SUCCESS) {
      rollback();
      return fail("record " + std::to_string(r), "expected a JSON object");
    }
    leaves.clear();
    for (auto field : obj) {
      if (reserved(field.key)) {
        rollback();
        return fail("record " + std::to_string(r), "property '" + std::string(field.key) +
                                                       "' is reserved (tenant, TimeGenerated and RawData cannot be sent)");
      }
    }
    flatten(obj, "", leaves);
    std::vector<std::pair<size_t, Value>> cells;
    cells.reserve(leaves.size());
    for (auto& leaf : leaves) {
      auto& prop = properties_[leaf.property];
      bool placed = false;
      for (size_t col : prop.columns) {
        Value v = convert(leaf.value, schema_.columns[col].type);
        if (v.is_null()) continue;
        cells.emplace_back(col, std::move(v));
        placed = true;
        break;
      }
      if (placed) continue;
      ColumnType t = natural_type(leaf.value);
      auto at = add_column(legacy_column_name(leaf.property, t), t);
      if (!at) {
        rollback();
        return fail("record " + std::to_string(r), "property '" + leaf.property + "' would be column " +
                                                       std::to_string(kLegacyMaxColumns + 1) + " of " + table_ +
                                                       " (at most " + std::to_string(kLegacyMaxColumns) + " columns)");
      }
      prop.columns.push_back(*at);
      cells.emplace_back(*at, convert(leaf.value, t));
    }
    DateTime generated = now;
    if (!time_field.empty()) {
      dom::element tf;
      std::string_view text;
      if (obj.at_key(time_field).get(tf) == simdjson::SUCCESS && tf.get(text) == simdjson::SUCCESS) {
        if (auto t = parse_datetime(text); t && t->ticks >= now.ticks - kPastWindow && t->ticks <= now.ticks + kFutureWindow) {
          generated = *t;
        }
      }
    }
    Row row;
    row.reserve(schema_.columns.size());
    row.emplace_back(generated);
    for (auto& [col, v] : cells) {
      if (row.size() <= col) row.resize(col + 1);
      row[col] = std::move(v);
    }
    if (resource_col >= 0 && !resource_id.empty()) {
      if (row.size() <= static_cast<size_t>(resource_col)) row.resize(static_cast<size_t>(resource_col) + 1);
      row[static_cast<size_t>(resource_col)] = Value(std::string(resource_id));
    }
    out.rows.push_back(std::move(row));
  }
  out.schema = schema_;
  for (auto& row : out.rows) row.resize(out.schema.columns.size());
  return out;
}

}  // namespace intake::receive
