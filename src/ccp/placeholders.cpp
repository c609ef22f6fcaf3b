#include "ccp/placeholders.h"

#include "ccp/arm.h"
#include "json/value_json.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace intake::ccp {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

bool is_system_placeholder(std::string_view name) {
  static constexpr std::string_view kSystem[] = {
      "location", "workspace", "innerWorkspace", "workspaceResourceId", "dataCollectionEndpoint",
      "dataCollectionEndpointId", "dataCollectionRuleImmutableId", "graphQueriesTableName"};
  for (auto s : kSystem) {
    if (iequals(s, name)) return true;
  }
  return false;
}

namespace {

// "[[parameters('x')]" or "[parameters('x')]" as a whole string → "x".
std::optional<std::string> arm_parameter_name(std::string_view s) {
  if (s.starts_with("[[")) s.remove_prefix(2);
  else if (s.starts_with("[")) s.remove_prefix(1);
  else return std::nullopt;
  if (!s.ends_with("]")) return std::nullopt;
  s.remove_suffix(1);
  constexpr std::string_view kOpen = "parameters('";
  if (!s.starts_with(kOpen) || !s.ends_with("')")) return std::nullopt;
  s = s.substr(kOpen.size(), s.size() - kOpen.size() - 2);
  if (s.empty() || s.find('\'') != std::string_view::npos) return std::nullopt;
  return std::string(s);
}

}  // namespace

namespace {

std::string replace_braces(std::string_view text, const Params& params, std::set<std::string>* missing);

// An ARM expression string evaluated with the parameters; nullopt when it cannot be (a missing
// parameter is recorded; anything else leaves the text as it is, for validation to judge).
std::optional<Value> eval_expression(std::string_view text, const Params& params, std::set<std::string>* missing) {
  if (!is_arm_expression(text)) return std::nullopt;
  std::string inner = replace_braces(text, params, missing);
  std::set<std::string> absent;
  auto v = eval_arm(inner, params, &absent);
  if (missing) {
    for (const auto& a : absent) {
      if (!is_system_placeholder(a)) missing->insert(a);
    }
  }
  if (!v) return std::nullopt;
  return *v;
}

std::string text_of(const Value& v) {
  if (v.is_string()) return v.as_string();
  if (v.kind() == Kind::Long) return std::to_string(v.as_long());
  if (v.kind() == Kind::Bool) return v.as_bool() ? "true" : "false";
  if (v.is_null()) return "";
  return json::to_json(v);
}

}  // namespace

std::string substitute(std::string_view text, const Params& params, std::set<std::string>* missing) {
  if (auto v = eval_expression(text, params, missing)) return text_of(*v);
  if (is_arm_expression(text)) return std::string(text);
  return replace_braces(text, params, missing);
}

namespace {
std::string replace_braces(std::string_view text, const Params& params, std::set<std::string>* missing) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    std::string name(text.substr(open + 2, close - open - 2));
    out.append(text.substr(pos, open - pos));
    auto it = params.find(name);
    if (it != params.end()) {
      out += it->second;
    } else {
      if (missing && !is_system_placeholder(name)) missing->insert(name);
      out.append(text.substr(open, close + 2 - open));
    }
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}
}  // namespace

Value substitute_tree(const Value& tree, const Params& params, std::set<std::string>* missing) {
  switch (tree.kind()) {
    case Kind::String: {
      // An expression keeps the type it evaluates to: int(parameters('window')) stays a number.
      if (auto v = eval_expression(tree.as_string(), params, missing)) return *v;
      return Value(substitute(tree.as_string(), params, missing));
    }
    case Kind::Array: {
      Array out;
      out.reserve(tree.as_array().size());
      for (const auto& v : tree.as_array()) out.push_back(substitute_tree(v, params, missing));
      return Value(std::move(out));
    }
    case Kind::Object: {
      Object out;
      out.reserve(tree.as_object().size());
      for (const auto& [k, v] : tree.as_object()) out.emplace_back(k, substitute_tree(v, params, missing));
      return Value(std::move(out));
    }
    default: return tree;
  }
}

std::set<std::string> placeholders_in(std::string_view text) {
  std::set<std::string> names;
  if (auto name = arm_parameter_name(text)) names.insert(*name);
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) break;
    names.insert(std::string(text.substr(pos + 2, close - pos - 2)));
    pos = close + 2;
  }
  return names;
}

}  // namespace intake::ccp
