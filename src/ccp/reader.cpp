#include "ccp/reader.h"

#include <charconv>
#include <cmath>

#include "core/schema.h"

namespace intake::ccp {

bool is_template_expression(std::string_view s) {
  return (s.starts_with("[") && s.ends_with("]")) || s.find("{{") != std::string_view::npos;
}

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string describe(const Value& v) {
  switch (v.kind()) {
    case Kind::String: return "the string '" + v.as_string() + "'";
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
    case Kind::Null: return "null";
    default: return std::string("a ") + std::string(kind_name(v.kind()));
  }
}
}  // namespace

Reader::Reader(const Value* object, std::string path, Diagnostics& diag)
    : obj_(object && object->is_object() ? object : nullptr), path_(std::move(path)), diag_(diag) {
  if (obj_) used_.assign(obj_->as_object().size(), false);
  if (object && !object->is_object() && !object->is_null()) diag_.error(path_, "expected an object, found " + describe(*object));
}

std::string Reader::path_of(std::string_view key) const {
  if (obj_) {
    for (const auto& [k, v] : obj_->as_object()) {
      if (iequals(k, key)) return path_ + "/" + k;
    }
  }
  return path_ + "/" + std::string(key);
}

const Value* Reader::find(std::string_view key) {
  if (!obj_) return nullptr;
  const auto& members = obj_->as_object();
  const Value* loose = nullptr;
  size_t loose_index = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    if (members[i].first == key) {
      used_[i] = true;
      return &members[i].second;
    }
    if (!loose && iequals(members[i].first, key)) {
      loose = &members[i].second;
      loose_index = i;
    }
  }
  if (loose) used_[loose_index] = true;
  return loose;
}

const Value* Reader::raw(std::string_view key) { return find(key); }

std::optional<std::string> Reader::str(std::string_view key, bool required) {
  const Value* v = find(key);
  if (!v || v->is_null()) {
    if (required) diag_.error(path_of(key), "required property is missing");
    return std::nullopt;
  }
  switch (v->kind()) {
    case Kind::String: return v->as_string();
    case Kind::Bool: return std::string(v->as_bool() ? "true" : "false");
    case Kind::Long: return std::to_string(v->as_long());
    case Kind::Int: return std::to_string(v->as_int());
    case Kind::Real: return format_real(v->as_real());
    default:
      diag_.error(path_of(key), "expected a string, found " + describe(*v));
      return std::nullopt;
  }
}

std::optional<int64_t> Reader::integer(std::string_view key, int64_t min, int64_t max, bool required) {
  const Value* v = find(key);
  if (!v || v->is_null()) {
    if (required) diag_.error(path_of(key), "required property is missing");
    return std::nullopt;
  }
  int64_t out = 0;
  bool ok = false;
  if (v->kind() == Kind::Real) {
    double d = v->as_real();
    ok = std::floor(d) == d && v->to_int64(out);
  } else if (v->is_string()) {
    auto s = trim(v->as_string());
    if (is_template_expression(s)) return std::nullopt;  // resolved per instance
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    ok = ec == std::errc() && p == s.data() + s.size();
  } else if (v->kind() != Kind::Bool) {
    ok = v->to_int64(out);
  }
  if (!ok) {
    diag_.error(path_of(key), "expected an integer, found " + describe(*v));
    return std::nullopt;
  }
  if (out < min || out > max) {
    diag_.error(path_of(key), "value " + std::to_string(out) + " is out of range (expected " + std::to_string(min) +
                                  " to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return out;
}

std::optional<double> Reader::number(std::string_view key, double min, double max) {
  const Value* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  double out = 0;
  bool ok = false;
  if (v->is_string()) {
    auto s = trim(v->as_string());
    if (is_template_expression(s)) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    ok = ec == std::errc() && p == s.data() + s.size();
  } else if (v->kind() != Kind::Bool) {
    ok = v->to_double(out);
  }
  if (!ok || !std::isfinite(out)) {
    diag_.error(path_of(key), "expected a number, found " + describe(*v));
    return std::nullopt;
  }
  if (out < min || out > max) {
    diag_.error(path_of(key), "value " + format_real(out) + " is out of range (expected " + format_real(min) + " to " +
                                  format_real(max) + ")");
    return std::nullopt;
  }
  return out;
}

std::optional<bool> Reader::boolean(std::string_view key) {
  const Value* v = find(key);
  if (!v || v->is_null()) return std::nullopt;
  if (v->kind() == Kind::Bool) return v->as_bool();
  if (v->is_string()) {
    auto s = trim(v->as_string());
    if (iequals(s, "true")) return true;
    if (iequals(s, "false")) return false;
    if (is_template_expression(s)) return std::nullopt;
  }
  diag_.error(path_of(key), "expected true or false, found " + describe(*v));
  return std::nullopt;
}

std::optional<std::string> Reader::one_of(std::string_view key, std::initializer_list<std::string_view> allowed,
                                          bool required) {
  auto s = str(key, required);
  if (!s) return std::nullopt;
  for (auto a : allowed) {
    if (iequals(*s, a)) return std::string(a);
  }
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  diag_.error(path_of(key), "unknown value '" + *s + "' (expected one of " + list + ")");
  return std::nullopt;
}

Reader Reader::object(std::string_view key) {
  const Value* v = find(key);
  return Reader(v, path_of(key), diag_);
}

std::optional<std::vector<std::string>> Reader::strings(std::string_view key, bool required) {
  const Value* v = find(key);
  if (!v || v->is_null()) {
    if (required) diag_.error(path_of(key), "required property is missing");
    return std::nullopt;
  }
  if (v->is_string()) return std::vector<std::string>{v->as_string()};
  if (!v->is_array()) {
    diag_.error(path_of(key), "expected an array of strings, found " + describe(*v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  const auto& a = v->as_array();
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_string()) {
      diag_.error(path_of(key) + "/" + std::to_string(i), "expected a string, found " + describe(a[i]));
      continue;
    }
    out.push_back(a[i].as_string());
  }
  return out;
}

void Reader::ignore(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) find(k);
}

void Reader::finish() {
  if (!obj_) return;
  const auto& members = obj_->as_object();
  for (size_t i = 0; i < members.size(); ++i) {
    if (!used_[i]) diag_.warning(path_ + "/" + members[i].first, "unknown property (ignored)");
  }
}

}  // namespace intake::ccp
