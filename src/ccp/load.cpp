#include "ccp/load.h"

#include <fstream>
#include <sstream>

#include "ccp/parse.h"
#include "ccp/reader.h"
#include "http/url.h"
#include "json/value_json.h"

namespace intake::ccp {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Characters that cannot appear unescaped in a URL; a stray one usually means a typo in the file.
Status check_url(const std::string& url, const std::string& where) {
  auto parts = http::split_url(url);
  if (!parts) return std::unexpected(Error(where, "apiEndpoint '" + url + "' is not a valid URL: " + parts.error().message));
  for (size_t i = 0; i < url.size(); ++i) {
    char c = url[i];
    if (c == '\'' || c == '"' || c == ' ' || c == '<' || c == '>' || c == '\\' || c == '`' ||
        static_cast<unsigned char>(c) < 0x20) {
      std::string what = c == '\'' ? "a stray quote (')" : c == '"' ? "a stray double quote" : c == ' ' ? "a space"
                                                                                                          : "the character '" + std::string(1, c) + "'";
      return std::unexpected(Error(where, "apiEndpoint '" + url + "' contains " + what + " at position " + std::to_string(i + 1) +
                                              ", which is not allowed in a URL; the definition likely has a typo there"));
    }
  }
  return {};
}

}  // namespace

LoadedFile load_definition_file(const std::string& path, const Params& params) {
  LoadedFile out{path, Value(), {}, 0, Diagnostics(path)};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.diagnostics.error("", "cannot read the file");
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto parsed = json::parse(ss.str());
  if (!parsed) {
    out.diagnostics.error("", "not valid JSON: " + parsed.error().str());
    return out;
  }
  out.root = substitute_tree(*parsed, params);
  auto resources = find_connector_resources(out.root);
  out.connector_resources = static_cast<int>(resources.size());
  if (resources.empty()) {
    out.diagnostics.error("", "no data connector resource found (expected an object with \"kind\" and \"properties\", "
                              "an array of them, or an ARM template with \"resources\")");
    return out;
  }
  int polling = 0;
  for (const auto& r : resources) {
    if (!is_polling_kind(r.resource->get_ci("kind")->as_string())) continue;
    ++polling;
    if (auto def = parse_definition(*r.resource, r.path, out.diagnostics)) out.definitions.push_back(std::move(*def));
  }
  if (polling == 0) {
    // Other kinds (Push, blob containers, Pub/Sub, streaming, UI definitions) are valid CCP but
    // nothing to poll; a kind nobody knows is an error.
    static constexpr std::string_view kOtherKinds[] = {"Push", "WebSocket", "GCP", "StorageAccountBlobContainer", "OCI",
                                                       "AmazonWebServicesS3", "Customizable", "GenericUI", "StaticUI"};
    for (const auto& r : resources) {
      const std::string& kind = r.resource->get_ci("kind")->as_string();
      bool known = false;
      for (auto k : kOtherKinds) known = known || iequals(k, kind);
      if (known) {
        out.diagnostics.warning(r.path + "/kind", "kind '" + kind + "' is valid CCP but not a polling connector; intake does not run it");
      } else {
        out.diagnostics.error(r.path + "/kind", "unknown kind '" + kind + "' (intake polls RestApiPoller and APIPolling)");
      }
    }
  }
  return out;
}

namespace {

// Fills the placeholders of one definition (and, recursively, of its nested steps' configs).
void fill_placeholders(Definition& d, const Params& params, std::set<std::string>& missing) {
  auto sub = [&](std::string& s) { s = substitute(s, params, &missing); };
  sub(d.request.api_endpoint);
  for (auto& [k, v] : d.request.headers) sub(v);
  for (auto& [k, v] : d.request.query_parameters) sub(v);
  if (d.request.query_parameters_template) sub(*d.request.query_parameters_template);
  for (auto& [k, v] : d.add_on_attributes) sub(v);
  auto sub_pairs = [&](auto& list) {
    for (auto& [k, v] : list) sub(v);
  };
  // Optional credential fields: a placeholder nobody supplied means "not given".
  auto sub_optional = [&](std::string& s) {
    s = substitute(s, params);
    if (is_template_expression(s)) s.clear();
  };
  auto sub_key_value = [&](auth::KeyValue& kv) { sub(kv.key); sub(kv.value); };
  std::visit(Overloaded{[](auth::NoneSpec&) {},
                        [&](auth::BasicSpec& b) { sub(b.user); sub(b.password); },
                        [&](auth::ApiKeySpec& a) { sub(a.key); sub(a.header); sub(a.identifier); },
                        [&](auth::OAuth2Spec& o) {
                          for (auto* s : {&o.client_id, &o.client_secret, &o.grant_type, &o.token_endpoint, &o.scope,
                                          &o.access_token_prepend}) {
                            sub(*s);
                          }
                          sub_pairs(o.token_endpoint_headers);
                          sub_pairs(o.token_endpoint_query);
                          for (auto* s : {&o.refresh_token, &o.authorization_code, &o.redirect_uri, &o.access_token}) sub_optional(*s);
                          auto grant = o.grant();
                          if (grant == auth::OAuth2Grant::AuthorizationCode && o.refresh_token.empty()) {
                            // Unattended runs start from an operator-supplied refresh token.
                            sub_optional(o.refresh_token = "{{refreshToken}}");
                            if (o.refresh_token.empty() && o.authorization_code.empty() && o.access_token.empty()) {
                              missing.insert("refreshToken");
                            }
                          }
                          if (grant == auth::OAuth2Grant::Password) {
                            // Salesforce chooses its user with an ARM if(): fall back to username/password.
                            for (auto [s, name] : {std::pair{&o.user, "{{username}}"}, std::pair{&o.password, "{{password}}"}}) {
                              sub(*s);
                              if (s->empty() || s->starts_with("[")) sub(*s = name);
                            }
                          } else {
                            o.user.clear();
                            o.password.clear();
                          }
                        },
                        [&](auth::JwtTokenSpec& j) {
                          for (auto* s : {&j.token_endpoint, &j.user_token, &j.user_token_prepend, &j.header}) sub(*s);
                          sub_key_value(j.user);
                          sub_key_value(j.password);
                          sub_pairs(j.headers);
                          sub_pairs(j.query);
                        },
                        [&](auth::SessionSpec& s) {
                          sub(s.login_uri);
                          sub(s.session_id_name);
                          sub_key_value(s.user);
                          sub_key_value(s.password);
                          sub_pairs(s.headers);
                          sub_pairs(s.query);
                        },
                        [&](auth::CiscoDuoSpec& c) { sub(c.integration_key); sub(c.secret_key); },
                        [&](auth::AliCloudSlsSpec& a) { sub(a.access_key_id); sub(a.access_key_secret); }},
             d.auth);
  for (auto& step : d.steps) {
    // Copy on write: the loaded definition's steps are shared.
    step.config = std::make_shared<Definition>(*step.config);
    fill_placeholders(*step.config, params, missing);
  }
}

// Checks the endpoints of the nested steps that hold no $placeholder$ (those are whole only per record).
Status check_step_urls(const Definition& d) {
  for (const auto& step : d.steps) {
    const std::string& url = step.config->request.api_endpoint;
    if (url.find('$') == std::string::npos) {
      if (auto ok = check_url(url, step.config->source + ":" + step.config->json_path + "/request/apiEndpoint"); !ok) return ok;
    }
    if (auto ok = check_step_urls(*step.config); !ok) return ok;
  }
  return {};
}

}  // namespace

Result<Definition> instantiate(const Definition& def, const Params& params) {
  Definition d = def;
  std::set<std::string> missing;
  fill_placeholders(d, params, missing);
  std::string where = def.source + ":" + def.json_path;
  if (!missing.empty()) {
    std::string flags;
    for (const auto& m : missing) flags += " --param " + m + "=...";
    return std::unexpected(Error(where, "parameter" + std::string(missing.size() > 1 ? "s " : " ") + join(missing) +
                                            " not set (pass" + flags + ")"));
  }
  std::string endpoint_path = where + (d.kind == ConnectorKind::APIPolling ? "/properties/pollingConfig" : "/properties") +
                              "/request/apiEndpoint";
  if (auto ok = check_url(d.request.api_endpoint, endpoint_path); !ok) return std::unexpected(ok.error());
  if (auto ok = check_step_urls(d); !ok) return std::unexpected(ok.error());
  return d;
}

}  // namespace intake::ccp
