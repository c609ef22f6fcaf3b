// Dynamic (array and property bag) functions, gettype, extract_json and parse_xml. A non-array
// where an array is expected gives null; set functions compare numbers by value (1 == 1.0).
#include <algorithm>
#include <unordered_map>

#include "json/jsonpath.h"
#include "json/value_json.h"
#include "kql/functions_internal.h"

namespace intake::kql {

std::string_view kusto_type_name(const Value& v) {
  switch (v.kind()) {
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
    case Kind::Object: return "dictionary";
  }
  return "null";
}

namespace detail {
namespace {

using Args = std::span<const Value>;
using Bound = std::span<const BoundArg>;
constexpr ColumnType D = ColumnType::Dynamic;

// ---- arrays ----

Value eval_array_length(Args a, const EvalContext&) {
  return a[0].is_array() ? Value(static_cast<int64_t>(a[0].as_array().size())) : Value();
}

Value eval_array_concat(Args a, const EvalContext&) {
  Array out;
  for (const Value& v : a) {
    if (!v.is_array()) return Value();
    out.insert(out.end(), v.as_array().begin(), v.as_array().end());
  }
  return Value(std::move(out));
}

// Index within [0, size]; negative counts from the end.
int64_t resolve_index(int64_t i, int64_t size) { return i < 0 ? std::max<int64_t>(0, size + i) : std::min(i, size); }

// array_slice(array, start, end): end inclusive; negative indexes count from the end.
Value eval_array_slice(Args a, const EvalContext&) {
  if (!a[0].is_array()) return Value();
  auto start = long_arg(a[1]), end = long_arg(a[2]);
  if (!start || !end) return Value();
  const Array& arr = a[0].as_array();
  const auto size = static_cast<int64_t>(arr.size());
  const int64_t from = resolve_index(*start, size);
  const int64_t to = *end < 0 ? size + *end : std::min(*end, size - 1);
  if (to < from) return Value(Array{});
  return Value(Array(arr.begin() + from, arr.begin() + to + 1));
}

Value eval_array_reverse(Args a, const EvalContext&) {
  if (!a[0].is_array()) return Value();
  return Value(Array(a[0].as_array().rbegin(), a[0].as_array().rend()));
}

// array_index_of(array, value[, start[, length[, occurrence]]]) → index or -1.
Value eval_array_index_of(Args a, const EvalContext&) {
  if (!a[0].is_array()) return Value();
  const Array& arr = a[0].as_array();
  const auto size = static_cast<int64_t>(arr.size());
  int64_t start = 0, length = -1, occurrence = 1;
  if (a.size() > 2 && !a[2].is_null()) {
    auto v = long_arg(a[2]);
    if (!v) return Value();
    start = resolve_index(*v, size);
  }
  if (a.size() > 3 && !a[3].is_null()) {
    auto v = long_arg(a[3]);
    if (!v || *v < -1) return Value();
    length = *v;
  }
  if (a.size() > 4 && !a[4].is_null()) {
    auto v = long_arg(a[4]);
    if (!v || *v <= 0) return Value();
    occurrence = *v;
  }
  const int64_t end = length < 0 ? size : std::min(size, start + length);
  for (int64_t i = start; i < end; ++i) {
    if (same_value(arr[static_cast<size_t>(i)], a[1]) && --occurrence == 0) return Value(i);
  }
  return Value(int64_t{-1});
}

// array_sort_asc/desc(array[, nulls_last]): nulls go last unless nulls_last is false.
template <bool Asc>
Value eval_array_sort(Args a, const EvalContext&) {
  if (!a[0].is_array()) return Value();
  bool nulls_last = true;
  if (a.size() > 1 && a[1].kind() == Kind::Bool) nulls_last = a[1].as_bool();
  Array out = a[0].as_array();
  std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
    if (x.is_null() || y.is_null()) return !x.is_null() && y.is_null() ? nulls_last : (x.is_null() && !y.is_null() && !nulls_last);
    const int c = compare_values(x, y);
    return Asc ? c < 0 : c > 0;
  });
  return Value(std::move(out));
}

Value eval_array_sum(Args a, const EvalContext&) {
  if (!a[0].is_array()) return Value();
  double sum = 0;
  for (const Value& v : a[0].as_array()) {
    auto d = real_arg(v);
    if (!d) return Value();
    sum += *d;
  }
  return Value(sum);
}

Value eval_pack_array(Args a, const EvalContext&) { return Value(Array(a.begin(), a.end())); }

Value eval_zip(Args a, const EvalContext&) {
  size_t n = 0;
  for (const Value& v : a) {
    if (!v.is_array()) return Value();
    n = std::max(n, v.as_array().size());
  }
  Array out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Array row;
    row.reserve(a.size());
    for (const Value& v : a) row.push_back(i < v.as_array().size() ? v.as_array()[i] : Value());
    out.emplace_back(std::move(row));
  }
  return Value(std::move(out));
}

// ---- sets ----

bool contains(const Array& arr, const Value& v) {
  return std::any_of(arr.begin(), arr.end(), [&](const Value& x) { return same_value(x, v); });
}

// A hash index over values for the set functions: O(n) instead of O(n²) on long arrays.
class ValueSet {
 public:
  bool insert(const Value& v) {
    auto& bucket = buckets_[value_hash(v)];
    if (std::any_of(bucket.begin(), bucket.end(), [&](const Value* x) { return same_value(*x, v); })) return false;
    bucket.push_back(&v);
    return true;
  }
  bool has(const Value& v) const {
    auto it = buckets_.find(value_hash(v));
    return it != buckets_.end() &&
           std::any_of(it->second.begin(), it->second.end(), [&](const Value* x) { return same_value(*x, v); });
  }

 private:
  std::unordered_map<uint64_t, std::vector<const Value*>> buckets_;
};

Value eval_set_union(Args a, const EvalContext&) {
  ValueSet seen;
  Array out;
  for (const Value& v : a) {
    if (!v.is_array()) return Value();
    for (const Value& x : v.as_array()) {
      if (seen.insert(x)) out.push_back(x);
    }
  }
  return Value(std::move(out));
}

Value eval_set_intersect(Args a, const EvalContext&) {
  for (const Value& v : a) {
    if (!v.is_array()) return Value();
  }
  ValueSet seen;
  Array out;
  for (const Value& x : a[0].as_array()) {
    if (!seen.insert(x)) continue;
    const bool everywhere = std::all_of(a.begin() + 1, a.end(), [&](const Value& v) { return contains(v.as_array(), x); });
    if (everywhere) out.push_back(x);
  }
  return Value(std::move(out));
}

Value eval_set_difference(Args a, const EvalContext&) {
  ValueSet others;
  for (const Value& v : a) {
    if (!v.is_array()) return Value();
  }
  for (const Value& v : a.subspan(1)) {
    for (const Value& x : v.as_array()) others.insert(x);
  }
  ValueSet seen;
  Array out;
  for (const Value& x : a[0].as_array()) {
    if (!others.has(x) && seen.insert(x)) out.push_back(x);
  }
  return Value(std::move(out));
}

Value eval_set_has_element(Args a, const EvalContext&) {
  if (!a[0].is_array()) return Value();
  return Value(contains(a[0].as_array(), a[1]));
}

// ---- property bags ----

// pack(key1, value1, ...): keys are strings; a later duplicate key replaces the earlier value.
Value eval_pack(Args a, const EvalContext&) {
  Object out;
  out.reserve(a.size() / 2);
  for (size_t i = 0; i + 1 < a.size(); i += 2) {
    std::string key = to_kusto_string(a[i]);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& m) { return m.first == key; });
    if (it != out.end()) {
      it->second = a[i + 1];
    } else {
      out.emplace_back(std::move(key), a[i + 1]);
    }
  }
  return Value(std::move(out));
}

Value eval_bag_keys(Args a, const EvalContext&) {
  if (!a[0].is_object()) return Value();
  Array out;
  for (const auto& [k, v] : a[0].as_object()) out.emplace_back(k);
  return Value(std::move(out));
}

// bag_merge(bag1, bag2, ...): the leftmost bag wins on duplicate keys.
Value eval_bag_merge(Args a, const EvalContext&) {
  Object out;
  for (const Value& v : a) {
    if (!v.is_object()) return Value();
    for (const auto& member : v.as_object()) {
      const bool present = std::any_of(out.begin(), out.end(), [&](const auto& m) { return m.first == member.first; });
      if (!present) out.push_back(member);
    }
  }
  return Value(std::move(out));
}

Value eval_bag_remove_keys(Args a, const EvalContext&) {
  if (!a[0].is_object() || !a[1].is_array()) return Value();
  Object out;
  for (const auto& member : a[0].as_object()) {
    const bool removed = std::any_of(a[1].as_array().begin(), a[1].as_array().end(),
                                     [&](const Value& k) { return k.is_string() && k.as_string() == member.first; });
    if (!removed) out.push_back(member);
  }
  return Value(std::move(out));
}

Value eval_bag_has_key(Args a, const EvalContext&) {
  if (!a[0].is_object()) return Value();
  return Value(a[0].get(StringArg(a[1]).get()) != nullptr);
}

Value eval_bag_set_key(Args a, const EvalContext&) {
  if (!a[0].is_object()) return Value();
  Object out = a[0].as_object();
  std::string key = to_kusto_string(a[1]);
  auto it = std::find_if(out.begin(), out.end(), [&](const auto& m) { return m.first == key; });
  if (it != out.end()) {
    it->second = a[2];
  } else {
    out.emplace_back(std::move(key), a[2]);
  }
  return Value(std::move(out));
}

Value eval_gettype(Args a, const EvalContext&) { return Value(kusto_type_name(a[0])); }

// ---- extract_json ----

// extract_json(path, text[, type]): the selected node as text (strings unquoted), or converted.
Value eval_extract_json(Args a, const EvalContext&) {
  const StringArg path(a[0]);
  thread_local std::string last_source;
  thread_local std::optional<json::JsonPath> last;
  if (!last || last_source != path.get()) {
    auto compiled = json::JsonPath::compile(path.get());
    if (!compiled) return Value();
    last = std::move(*compiled);
    last_source = path.get();
  }
  Value doc;
  if (a[1].is_string()) {
    auto parsed = json::parse(a[1].as_string());
    if (!parsed) return Value();
    doc = std::move(*parsed);
  } else {
    doc = a[1];
  }
  const Value* node = last->first(doc);
  if (!node) return Value();
  Value out = Value(to_kusto_string(*node));
  if (a.size() > 2) {
    auto type = parse_column_type(StringArg(a[2]).get());
    if (type) return convert_to(node->is_string() || *type == ColumnType::String ? out : *node, *type);
  }
  return out;
}

Result<ColumnType> bind_extract_json(Bound args) {
  if (auto p = const_string(args, 0)) {
    if (auto compiled = json::JsonPath::compile(*p); !compiled) return fail("invalid JSONPath '" + std::string(*p) + "': " + compiled.error().message);
  }
  if (args.size() > 2) {
    auto name = const_string(args, 2);
    auto type = name ? parse_column_type(*name) : std::nullopt;
    if (!type) return fail("expects a type (typeof(T)) as its third argument");
    return *type;
  }
  return ColumnType::String;
}

// ---- parse_xml ----

// A small XML reader producing Newtonsoft's JSON shape (JsonConvert.SerializeXmlNode): elements
// are keys, repeated siblings become arrays, attributes are "@name", text beside attributes or
// children is "#text", CDATA is "#cdata-section", an empty element is null, the declaration is
// "?xml". Comments, processing instructions and DOCTYPE are skipped.
class XmlReader {
 public:
  explicit XmlReader(std::string_view text) : s_(text) {}

  std::optional<Value> document() {
    Object root;
    skip_misc(&root);
    if (!at('<')) return std::nullopt;
    std::string name;
    Value element;
    if (!read_element(name, element, 0)) return std::nullopt;
    add_member(root, std::move(name), std::move(element));
    skip_misc(nullptr);
    if (i_ != s_.size()) return std::nullopt;
    return Value(std::move(root));
  }

 private:
  static constexpr int kMaxDepth = 256;

  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool starts(std::string_view p) const { return s_.substr(i_).starts_with(p); }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  bool skip_past(std::string_view end) {
    const size_t p = s_.find(end, i_);
    if (p == std::string_view::npos) return false;
    i_ = p + end.size();
    return true;
  }

  static bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
           c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
  }
  std::string_view read_name() {
    const size_t b = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    return s_.substr(b, i_ - b);
  }

  // Declaration, comments, processing instructions, DOCTYPE and whitespace around the root.
  void skip_misc(Object* root) {
    while (true) {
      skip_space();
      if (starts("<?xml") && root) {
        i_ += 5;
        Object attrs;
        read_attributes(attrs);
        skip_space();
        if (!starts("?>")) return;
        i_ += 2;
        root->emplace_back("?xml", Value(std::move(attrs)));
      } else if (starts("<?")) {
        if (!skip_past("?>")) return;
      } else if (starts("<!--")) {
        if (!skip_past("-->")) return;
      } else if (starts("<!DOCTYPE")) {
        if (!skip_past(">")) return;
      } else {
        return;
      }
    }
  }

  bool decode(std::string_view raw, std::string& out) {
    out.reserve(out.size() + raw.size());
    for (size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] != '&') {
        out += raw[k];
        continue;
      }
      const size_t semi = raw.find(';', k);
      if (semi == std::string_view::npos) return false;
      const std::string_view ent = raw.substr(k + 1, semi - k - 1);
      if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "amp") out += '&';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else if (ent.starts_with('#')) {
        if (!append_code_point(ent.substr(1), out)) return false;
      } else {
        return false;
      }
      k = semi;
    }
    return true;
  }

  static bool append_code_point(std::string_view num, std::string& out) {
    uint32_t cp = 0;
    const bool hex = !num.empty() && (num[0] == 'x' || num[0] == 'X');
    if (hex) num.remove_prefix(1);
    if (num.empty() || num.size() > 8) return false;
    for (char c : num) {
      int d = c >= '0' && c <= '9' ? c - '0' : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10 : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return false;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    if (cp > 0x10FFFF) return false;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return true;
  }

  bool read_attributes(Object& attrs) {
    while (true) {
      skip_space();
      if (i_ >= s_.size() || s_[i_] == '>' || s_[i_] == '/' || s_[i_] == '?') return true;
      const std::string_view name = read_name();
      if (name.empty()) return false;
      skip_space();
      if (!at('=')) return false;
      ++i_;
      skip_space();
      if (!at('"') && !at('\'')) return false;
      const char q = s_[i_++];
      const size_t end = s_.find(q, i_);
      if (end == std::string_view::npos) return false;
      std::string value;
      if (!decode(s_.substr(i_, end - i_), value)) return false;
      i_ = end + 1;
      attrs.emplace_back("@" + std::string(name), Value(std::move(value)));
    }
  }

  // Repeated names collect into an array at the first occurrence's position.
  static void add_member(Object& obj, std::string name, Value v) {
    for (auto& [k, existing] : obj) {
      if (k != name) continue;
      if (existing.is_array()) {
        Array arr = existing.as_array();
        arr.push_back(std::move(v));
        existing = Value(std::move(arr));
      } else {
        existing = Value(Array{existing, std::move(v)});
      }
      return;
    }
    obj.emplace_back(std::move(name), std::move(v));
  }

  static bool blank(std::string_view t) {
    return std::all_of(t.begin(), t.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
  }

  bool read_element(std::string& name_out, Value& out, int depth) {
    if (depth > kMaxDepth || !at('<')) return false;
    ++i_;
    const std::string_view name = read_name();
    if (name.empty()) return false;
    name_out = std::string(name);
    Object members;
    if (!read_attributes(members)) return false;
    if (starts("/>")) {
      i_ += 2;
      out = members.empty() ? Value() : Value(std::move(members));
      return true;
    }
    if (!at('>')) return false;
    ++i_;
    std::string text;
    while (true) {
      if (i_ >= s_.size()) return false;
      if (starts("</")) {
        i_ += 2;
        if (read_name() != name) return false;
        skip_space();
        if (!at('>')) return false;
        ++i_;
        break;
      }
      if (starts("<!--")) {
        if (!skip_past("-->")) return false;
      } else if (starts("<![CDATA[")) {
        const size_t b = i_ + 9;
        if (!skip_past("]]>")) return false;
        add_member(members, "#cdata-section", Value(s_.substr(b, i_ - 3 - b)));
      } else if (starts("<?")) {
        if (!skip_past("?>")) return false;
      } else if (at('<')) {
        std::string child_name;
        Value child;
        if (!read_element(child_name, child, depth + 1)) return false;
        add_member(members, std::move(child_name), std::move(child));
      } else {
        const size_t b = i_;
        while (i_ < s_.size() && s_[i_] != '<') ++i_;
        const std::string_view raw = s_.substr(b, i_ - b);
        // Whitespace-only text is layout, not content (Newtonsoft drops it too).
        if (!blank(raw) && !decode(raw, text)) return false;
      }
    }
    if (members.empty()) {
      out = text.empty() ? Value() : Value(std::move(text));
      return true;
    }
    if (!text.empty()) members.emplace_back("#text", Value(std::move(text)));
    out = Value(std::move(members));
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

Value eval_parse_xml(Args a, const EvalContext&) {
  if (a[0].is_null()) return Value();
  auto doc = XmlReader(StringArg(a[0]).get()).document();
  return doc ? std::move(*doc) : Value();
}

// ---- bind ----

Result<ColumnType> bind_pack(Bound args) {
  if (args.size() % 2 != 0) return fail("expects key/value pairs (an even number of arguments)");
  return D;
}

constexpr auto kDyn = bind_sig<D, Want::Any>;
constexpr auto kDynAll = bind_all<D, Want::Any>;

constexpr ScalarFunction kFunctions[] = {
    {"array_concat", 1, 64, kDynAll, eval_array_concat},
    {"array_index_of", 2, 5, bind_sig<ColumnType::Long, Want::Any, Want::Any, Want::Integer, Want::Integer, Want::Integer>, eval_array_index_of},
    {"array_length", 1, 1, bind_sig<ColumnType::Long, Want::Any>, eval_array_length},
    {"array_reverse", 1, 1, kDyn, eval_array_reverse},
    {"array_slice", 3, 3, bind_sig<D, Want::Any, Want::Integer, Want::Integer>, eval_array_slice},
    {"array_sort_asc", 1, 2, bind_sig<D, Want::Any, Want::Bool>, eval_array_sort<true>},
    {"array_sort_desc", 1, 2, bind_sig<D, Want::Any, Want::Bool>, eval_array_sort<false>},
    {"array_sum", 1, 1, bind_sig<ColumnType::Real, Want::Any>, eval_array_sum},
    {"bag_has_key", 2, 2, bind_sig<ColumnType::Bool, Want::Any, Want::String>, eval_bag_has_key},
    {"bag_keys", 1, 1, kDyn, eval_bag_keys},
    {"bag_merge", 1, 64, kDynAll, eval_bag_merge},
    {"bag_pack", 0, 128, bind_pack, eval_pack},
    {"bag_remove_keys", 2, 2, kDynAll, eval_bag_remove_keys},
    {"bag_set_key", 3, 3, bind_sig<D, Want::Any, Want::String, Want::Any>, eval_bag_set_key},
    {"extract_json", 2, 3, bind_extract_json, eval_extract_json},
    {"extractjson", 2, 3, bind_extract_json, eval_extract_json},
    {"gettype", 1, 1, bind_sig<ColumnType::String, Want::Any>, eval_gettype},
    {"pack", 0, 128, bind_pack, eval_pack},
    {"pack_array", 0, 128, kDynAll, eval_pack_array},
    {"parse_xml", 1, 1, bind_sig<D, Want::String>, eval_parse_xml},
    {"set_difference", 2, 64, kDynAll, eval_set_difference},
    {"set_has_element", 2, 2, bind_sig<ColumnType::Bool, Want::Any, Want::Any>, eval_set_has_element},
    {"set_intersect", 2, 64, kDynAll, eval_set_intersect},
    {"set_union", 2, 64, kDynAll, eval_set_union},
    {"zip", 2, 16, kDynAll, eval_zip},
};

}  // namespace

std::span<const ScalarFunction> dynamic_functions() { return kFunctions; }

}  // namespace detail
}  // namespace intake::kql
