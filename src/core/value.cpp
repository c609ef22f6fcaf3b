#include "core/value.h"

#include <cctype>

namespace intake {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Long: return "long";
    case Kind::Real: return "real";
    case Kind::String: return "string";
    case Kind::DateTime: return "datetime";
    case Kind::TimeSpan: return "timespan";
    case Kind::Guid: return "guid";
    case Kind::Array: return "array";
    case Kind::Object: return "object";
  }
  return "?";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

const Value* Value::get(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

const Value* Value::get_ci(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Value* loose = nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
    if (!loose && iequals(k, key)) loose = &v;
  }
  return loose;
}

const Value* Value::at(size_t index) const {
  if (!is_array()) return nullptr;
  const auto& a = as_array();
  return index < a.size() ? &a[index] : nullptr;
}

bool Value::to_int64(int64_t& out) const {
  switch (kind()) {
    case Kind::Bool: out = as_bool() ? 1 : 0; return true;
    case Kind::Int: out = as_int(); return true;
    case Kind::Long: out = as_long(); return true;
    case Kind::Real: {
      double d = as_real();
      if (!(d >= -9.2e18 && d <= 9.2e18)) return false;
      out = static_cast<int64_t>(d);
      return true;
    }
    default: return false;
  }
}

bool Value::to_double(double& out) const {
  switch (kind()) {
    case Kind::Bool: out = as_bool() ? 1 : 0; return true;
    case Kind::Int: out = as_int(); return true;
    case Kind::Long: out = static_cast<double>(as_long()); return true;
    case Kind::Real: out = as_real(); return true;
    default: return false;
  }
}

Value Value::raw_json(std::string canonical_text, Value (*parse)(std::string_view)) {
  Value v;
  v.v_ = std::make_shared<const RawJson>(std::move(canonical_text), parse);
  return v;
}

Kind Value::raw_kind() const {
  return std::get<std::shared_ptr<const RawJson>>(v_)->is_array() ? Kind::Array : Kind::Object;
}

const Value& Value::raw_tree() const { return std::get<std::shared_ptr<const RawJson>>(v_)->tree(); }

const std::string* Value::raw_json_text() const {
  if (v_.index() != kRawIndex) return nullptr;
  return &std::get<std::shared_ptr<const RawJson>>(v_)->text();
}

const Value& RawJson::tree() const {
  std::call_once(once_, [this] {
    Value parsed = parse_(text_);
    // The text is canonical JSON made by the engine, so this holds; an empty container keeps
    // kind() and the tree in agreement if it ever does not.
    if (is_array() ? parsed.is_array() : parsed.is_object()) {
      tree_ = std::move(parsed);
    } else {
      tree_ = is_array() ? Value(Array{}) : Value(Object{});
    }
  });
  return tree_;
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Array: return a.as_array() == b.as_array();
    case Kind::Object: return a.as_object() == b.as_object();
    default: return a.v_ == b.v_;
  }
}

}  // namespace intake
