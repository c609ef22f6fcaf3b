#include "poll/request_builder.h"

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

http::Request RequestBuilder::build(const Window& window, const PageRequest& paging, const auth::Authenticator& auth) const {
  const ccp::RequestSpec& spec = def_->request;
  http::Request req;
  req.method = spec.method;
  req.headers = spec.headers;

  http::QueryParams params;
  for (const auto& [k, v] : spec.query_parameters) params.emplace_back(k, expand(v, window, auth));
  if (!spec.start_attribute.empty()) params.emplace_back(spec.start_attribute, format_.format(window.start));
  if (!spec.end_attribute.empty()) params.emplace_back(spec.end_attribute, format_.format(window.end));
  if (!spec.interval_attribute.empty()) {
    params.emplace_back(spec.interval_attribute,
                        spec.interval_prepend + format_.format(window.start) + spec.interval_delimiter + format_.format(window.end));
  }
  for (const auto& p : paging.query) params.push_back(p);
  for (const auto& h : paging.headers) http::set_header(req.headers, h.first, h.second);

  std::string base = paging.url_override ? *paging.url_override : spec.api_endpoint;
  if (req.method == "GET") {
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
  if (!http::find_header(req.headers, "Content-Type")) {
    http::set_header(req.headers, "Content-Type", json_body ? "application/json" : "application/x-www-form-urlencoded");
  }
  return req;
}

}  // namespace intake::poll
