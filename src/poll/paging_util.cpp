// Helpers shared by the paginators: reading tokens from bodies, flags, Link headers, and sending
// paging values where the definition puts them.
#include "json/jsonpath.h"
#include "poll/paginator.h"

namespace intake::poll::paging {

std::optional<std::string> text_at(std::optional<simdjson::dom::element> body, const std::string& json_path) {
  if (!body || json_path.empty()) return std::nullopt;
  auto path = json::JsonPath::compile(json_path);
  if (!path) return std::nullopt;
  auto node = path->first(*body);
  if (!node || node->is_null()) return std::nullopt;
  std::string out;
  if (node->is_string()) {
    out = std::string(node->get_string().value_unsafe());
  } else if (node->is_array()) {
    // Duo returns next_offset as [timestamp, id]: the API expects them comma-joined.
    simdjson::dom::array items = node->get_array().value_unsafe();
    for (auto e : items) {
      if (!out.empty()) out += ',';
      out += e.is_string() ? std::string(e.get_string().value_unsafe()) : simdjson::minify(e);
    }
  } else {
    out = simdjson::minify(*node);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool has_next(std::optional<simdjson::dom::element> body, const std::string& json_path) {
  if (!body || json_path.empty()) return true;
  auto path = json::JsonPath::compile(json_path);
  if (!path) return true;
  auto node = path->first(*body);
  if (!node || node->is_null()) return false;
  bool b = false;
  if (node->get(b) == simdjson::SUCCESS) return b;
  std::string_view s;
  if (node->get(s) == simdjson::SUCCESS) return !(s == "false" || s == "False" || s.empty());
  return true;
}

void send_value(PageRequest& request, const ccp::PagingSpec& spec, const std::string& name, const std::string& value,
                bool numeric) {
  if (name.starts_with("$") || spec.info_in_body) {
    std::string json;
    if (numeric) {
      json = value;
    } else {
      json.reserve(value.size() + 2);
      json.push_back('"');
      for (char c : value) {
        if (c == '"' || c == '\\') json += '\\';
        json += c;
      }
      json += '"';
    }
    request.body_fields.emplace_back(name, json);
  } else {
    request.query.emplace_back(name, value);
  }
}

std::optional<std::string> link_with_rel(std::string_view header, std::string_view rel) {
  // Link: <https://x/?page=2>; rel="next", <https://x/?page=9>; rel="last"
  size_t pos = 0;
  while (pos < header.size()) {
    size_t open = header.find('<', pos);
    if (open == std::string_view::npos) break;
    size_t close = header.find('>', open);
    if (close == std::string_view::npos) break;
    size_t next = header.find('<', close);
    std::string_view params = header.substr(close + 1, (next == std::string_view::npos ? header.size() : next) - close - 1);
    std::string wanted_quoted = "rel=\"" + std::string(rel) + "\"";
    std::string wanted_plain = "rel=" + std::string(rel);
    bool match = params.find(wanted_quoted) != std::string_view::npos;
    if (!match) {
      size_t p = params.find(wanted_plain);
      match = p != std::string_view::npos &&
              (p + wanted_plain.size() == params.size() || params[p + wanted_plain.size()] == ';' ||
               params[p + wanted_plain.size()] == ',' || params[p + wanted_plain.size()] == ' ');
    }
    // rel may list several relation types: rel="next last"
    if (!match) {
      size_t r = params.find("rel=\"");
      if (r != std::string_view::npos) {
        size_t end = params.find('"', r + 5);
        std::string_view rels = params.substr(r + 5, end == std::string_view::npos ? std::string_view::npos : end - r - 5);
        size_t q = 0;
        while (q < rels.size()) {
          size_t sp = rels.find(' ', q);
          if (rels.substr(q, sp == std::string_view::npos ? std::string_view::npos : sp - q) == rel) match = true;
          if (sp == std::string_view::npos) break;
          q = sp + 1;
        }
      }
    }
    if (match) return std::string(header.substr(open + 1, close - open - 1));
    pos = close + 1;
  }
  return std::nullopt;
}

}  // namespace intake::poll::paging
