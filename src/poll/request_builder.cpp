#include "poll/request_builder.h"

#include <algorithm>
#include <functional>

#include "json/value_json.h"

namespace intake::poll {

Result<RequestBuilder> RequestBuilder::create(const ccp::Definition& def) {
  auto format = TimeFormat::compile(def.request.time_format);
  if (!format) return std::unexpected(format.error());
  return RequestBuilder(def, std::move(*format));
}

namespace {
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}
}  // namespace

std::string RequestBuilder::expand(std::string_view text, const Window& window, const auth::Authenticator& auth) const {
  std::string out(text);
  if (out.find('{') == std::string::npos) return out;
  replace_all(out, "{_QueryWindowStartTime}", format_.format(window.start));
  replace_all(out, "{_QueryWindowEndTime}", format_.format(window.end));
  if (out.find("{_APIKey") != std::string::npos) {
    auto [name, key] = auth.template_key();
    replace_all(out, "{_APIKeyName}", name);
    replace_all(out, "{_APIKey}", key);
  }
  return out;
}

namespace {

// Sets `value` (JSON text) at a "$.a.b" path (or a plain member name) inside a JSON object,
// creating intermediate objects.
Status set_member(Value& root, std::string_view path, const Value& value) {
  if (path.starts_with("$.")) path.remove_prefix(2);
  else if (path.starts_with("$")) path.remove_prefix(1);
  std::vector<std::string> keys;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    keys.emplace_back(path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  // Rebuild along the path (Values are immutable trees).
  std::function<Value(const Value&, size_t)> put = [&](const Value& node, size_t i) -> Value {
    Object obj = node.is_object() ? node.as_object() : Object{};
    auto it = std::find_if(obj.begin(), obj.end(), [&](const auto& kv) { return kv.first == keys[i]; });
    Value child = i + 1 == keys.size() ? value : put(it != obj.end() ? it->second : Value(), i + 1);
    if (it != obj.end()) it->second = std::move(child);
    else obj.emplace_back(keys[i], std::move(child));
    return Value(std::move(obj));
  };
  if (keys.empty() || keys[0].empty()) return fail("paging", "empty body path");
  root = put(root, 0);
  return {};
}

}  // namespace

Result<http::Request> RequestBuilder::build(const Window& window, const PageRequest& paging,
                                            const auth::Authenticator& auth) const {
  const ccp::RequestSpec& spec = def_->request;
  http::Request req;
  req.method = spec.method;
  req.headers = spec.headers;

  // A next-page link already carries every parameter; pagingQueryParamOnly follow-ups carry
  // only the paging ones.
  bool only_paging = paging.url_override.has_value() || paging.paging_params_only;
  http::QueryParams params;
  if (!only_paging) {
    for (const auto& [k, v] : spec.query_parameters) params.emplace_back(k, expand(v, window, auth));
    if (!spec.start_attribute.empty()) params.emplace_back(spec.start_attribute, format_.format(window.start));
    if (!spec.end_attribute.empty()) params.emplace_back(spec.end_attribute, format_.format(window.end));
    if (!spec.interval_attribute.empty()) {
      params.emplace_back(spec.interval_attribute, spec.interval_prepend + format_.format(window.start) +
                                                       spec.interval_delimiter + format_.format(window.end));
    }
  }
  for (const auto& p : paging.query) params.push_back(p);
  for (const auto& h : paging.headers) http::set_header(req.headers, h.first, h.second);

  std::string base = paging.url_override ? *paging.url_override : spec.api_endpoint;
  if (req.method == "GET") {
    for (const auto& [k, v] : paging.body_fields) {
      params.emplace_back(k.starts_with("$.") ? k.substr(2) : k, v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : v);
    }
    req.url = http::append_query(base, params);
    return req;
  }
  bool json_body = spec.post_payload_json ||
                   http::find_header(req.headers, "Content-Type").value_or("").find("json") != std::string_view::npos;
  if (spec.query_parameters_template) {
    // A template is the body; the plain parameters then stay in the query string.
    req.body = expand(*spec.query_parameters_template, window, auth);
    req.url = http::append_query(base, params);
  } else if (json_body) {
    Object body;
    for (auto& [k, v] : params) body.emplace_back(k, Value(v));
    req.body = json::to_json(Value(std::move(body)));
    req.url = base;
  } else {
    req.body = http::build_query(params);
    req.url = base;
  }
  if (!paging.body_fields.empty()) {
    if (json_body || spec.query_parameters_template) {
      auto parsed = json::parse(req.body.empty() ? "{}" : req.body, "request body");
      if (!parsed) {
        return fail("request body", "paging values go into the request body, but the body is not JSON: " + parsed.error().message);
      }
      Value root = *parsed;
      for (const auto& [path, text] : paging.body_fields) {
        auto v = json::parse(text);
        if (auto ok = set_member(root, path, v ? *v : Value(text)); !ok) return std::unexpected(ok.error());
      }
      req.body = json::to_json(root);
    } else {
      http::QueryParams form;
      for (const auto& [k, v] : paging.body_fields) {
        form.emplace_back(k, v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : v);
      }
      req.body += (req.body.empty() ? "" : "&") + http::build_query(form);
    }
  }
  if (!http::find_header(req.headers, "Content-Type")) {
    http::set_header(req.headers, "Content-Type", json_body ? "application/json" : "application/x-www-form-urlencoded");
  }
  return req;
}

}  // namespace intake::poll
