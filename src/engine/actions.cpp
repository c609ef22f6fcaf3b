#include "engine/actions.h"

#include <algorithm>
#include <random>
#include <thread>

#include "auth/authenticator.h"
#include "ccp/load.h"
#include "engine/package.h"
#include "engine/step_placeholders.h"
#include "http/client.h"
#include "http/url.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::engine {

namespace dom = simdjson::dom;

namespace {

std::string text_of(const Value* v) {
  if (!v) return {};
  return v->is_string() ? v->as_string() : json::to_json(*v);
}

std::vector<std::pair<std::string, std::string>> string_map(const Value* v, const std::string& path, ccp::Diagnostics& diag) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!v) return out;
  if (!v->is_object()) {
    diag.error(path, "expected an object of names to strings");
    return out;
  }
  for (const auto& [k, val] : v->as_object()) {
    if (val.is_object() || val.is_array() || val.is_null()) {
      diag.error(path + "/" + k, "expected a string or a number");
      continue;
    }
    out.emplace_back(k, text_of(&val));
  }
  return out;
}

std::vector<std::string> strings(const Value* v, const std::string& path, ccp::Diagnostics& diag) {
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) {
    diag.error(path, "expected an array of strings");
    return out;
  }
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const Value& s = v->as_array()[i];
    if (!s.is_string()) diag.error(path + "/" + std::to_string(i), "expected a string");
    else out.push_back(s.as_string());
  }
  return out;
}

void check_keys(const Value& o, std::initializer_list<const char*> keys, const std::string& path, ccp::Diagnostics& diag) {
  for (const auto& [k, v] : o.as_object()) {
    bool known = false;
    for (const char* key : keys) known = known || k == key;
    if (!known) {
      std::string list;
      for (const char* key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
      diag.error(path + "/" + k, "unknown key (expected one of " + list + ")");
    }
  }
}

}  // namespace

std::string ActionFailure::str() const {
  std::string s = "action " + action;
  if (!step.empty()) s += ", step " + step;
  if (status) s += ": HTTP " + std::to_string(status);
  if (!code.empty()) s += " " + code;
  s += (status || !code.empty() ? ": " : ": ") + message;
  return s;
}

std::vector<ActionSpec> parse_actions(const Value& root, ccp::Diagnostics& diag) {
  std::vector<ActionSpec> out;
  const Value* list = root.is_object() ? root.get("actions") : nullptr;
  if (!list || !list->is_array()) {
    diag.error("/actions", "expected an array of actions");
    return out;
  }
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    const Value& a = list->as_array()[i];
    std::string p = "/actions/" + std::to_string(i);
    if (!a.is_object()) {
      diag.error(p, "expected an object with name, parameters, steps");
      continue;
    }
    check_keys(a, {"name", "description", "connection", "parameters", "steps", "errorCodeJsonPath", "errorMessageJsonPath", "acceptErrorCodes"}, p, diag);
    ActionSpec s;
    s.name = text_of(a.get("name"));
    if (s.name.empty()) diag.error(p + "/name", "missing");
    s.description = text_of(a.get("description"));
    s.connection = text_of(a.get("connection"));
    if (const Value* v = a.get("errorCodeJsonPath")) s.error_code_json_path = text_of(v);
    if (const Value* v = a.get("errorMessageJsonPath")) s.error_message_json_path = text_of(v);
    for (const auto* path : {&s.error_code_json_path, &s.error_message_json_path}) {
      if (auto c = json::JsonPath::compile(*path); !c) diag.error(p, c.error().message);
    }
    s.accept_error_codes = strings(a.get("acceptErrorCodes"), p + "/acceptErrorCodes", diag);
    if (const Value* ps = a.get("parameters")) {
      if (!ps->is_array()) diag.error(p + "/parameters", "expected an array");
      else {
        for (size_t k = 0; k < ps->as_array().size(); ++k) {
          const Value& pv = ps->as_array()[k];
          std::string pp = p + "/parameters/" + std::to_string(k);
          if (!pv.is_object()) {
            diag.error(pp, "expected an object with name");
            continue;
          }
          check_keys(pv, {"name", "description", "required", "secret", "allowed", "default"}, pp, diag);
          ActionParameter ap;
          ap.name = text_of(pv.get("name"));
          if (ap.name.empty()) diag.error(pp + "/name", "missing");
          ap.description = text_of(pv.get("description"));
          if (const Value* r = pv.get("required")) ap.required = r->kind() == Kind::Bool && r->as_bool();
          if (const Value* r = pv.get("secret")) ap.secret = r->kind() == Kind::Bool && r->as_bool();
          ap.allowed = strings(pv.get("allowed"), pp + "/allowed", diag);
          if (const Value* d = pv.get("default")) ap.default_value = text_of(d);
          s.parameters.push_back(std::move(ap));
        }
      }
    }
    const Value* steps = a.get("steps");
    if (!steps || !steps->is_array() || steps->as_array().empty()) {
      diag.error(p + "/steps", "expected a non-empty array of requests");
    } else {
      for (size_t k = 0; k < steps->as_array().size(); ++k) {
        const Value& st = steps->as_array()[k];
        std::string sp = p + "/steps/" + std::to_string(k);
        if (!st.is_object()) {
          diag.error(sp, "expected an object with method and url");
          continue;
        }
        check_keys(st, {"name", "method", "url", "queryParameters", "headers", "body", "expectStatus", "eventsJsonPaths",
                        "outputsKql", "resultJsonPath"},
                   sp, diag);
        ActionStep step;
        step.name = st.get("name") ? text_of(st.get("name")) : "step " + std::to_string(k + 1);
        if (const Value* m = st.get("method")) step.method = text_of(m);
        if (step.method != "GET" && step.method != "POST" && step.method != "PUT" && step.method != "DELETE" && step.method != "PATCH") {
          diag.error(sp + "/method", "expected GET, POST, PUT, PATCH or DELETE, got '" + step.method + "'");
        }
        step.url = text_of(st.get("url"));
        if (step.url.empty()) diag.error(sp + "/url", "missing");
        step.query = string_map(st.get("queryParameters"), sp + "/queryParameters", diag);
        step.headers = string_map(st.get("headers"), sp + "/headers", diag);
        if (const Value* b = st.get("body"); b && !b->is_null()) step.body = text_of(b);
        if (const Value* e = st.get("expectStatus")) {
          step.expect_status.clear();
          if (!e->is_array()) diag.error(sp + "/expectStatus", "expected an array of HTTP statuses");
          else {
            for (const auto& n : e->as_array()) {
              int64_t code = 0;
              if (!n.to_int64(code) || code < 100 || code > 599) diag.error(sp + "/expectStatus", "expected HTTP statuses");
              else step.expect_status.push_back(static_cast<int>(code));
            }
          }
        }
        step.events_json_paths = strings(st.get("eventsJsonPaths"), sp + "/eventsJsonPaths", diag);
        for (const auto& ep : step.events_json_paths) {
          if (auto c = json::JsonPath::compile(ep); !c) diag.error(sp + "/eventsJsonPaths", c.error().message);
        }
        step.outputs_kql = text_of(st.get("outputsKql"));
        step.result_json_path = text_of(st.get("resultJsonPath"));
        if (!step.result_json_path.empty()) {
          if (auto c = json::JsonPath::compile(step.result_json_path); !c) diag.error(sp + "/resultJsonPath", c.error().message);
        }
        if (!step.outputs_kql.empty() && step.events_json_paths.empty()) step.events_json_paths = {"$"};
        s.steps.push_back(std::move(step));
      }
    }
    for (const auto& o : out) {
      if (o.name == s.name) diag.error(p + "/name", "duplicate action '" + s.name + "'");
    }
    out.push_back(std::move(s));
  }
  return out;
}

struct ActionRunner::Impl {
  std::vector<ActionSpec> actions;
  ccp::Params params;
  std::vector<ccp::Definition> definitions;  // instantiated
  std::unique_ptr<http::Client> client;
  std::vector<std::unique_ptr<auth::Authenticator>> auths;  // per definition
  std::vector<std::string> secrets;
  std::mt19937_64 rng{42};
};

ActionRunner::ActionRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ActionRunner::~ActionRunner() = default;

const std::vector<ActionSpec>& ActionRunner::actions() const { return impl_->actions; }
std::vector<std::string> ActionRunner::secrets() const { return impl_->secrets; }

Result<std::unique_ptr<ActionRunner>> ActionRunner::create(const Package& pkg, const ccp::Params& params, const std::string& ca_file) {
  auto impl = std::make_unique<Impl>();
  impl->actions = pkg.actions;
  impl->params = params;
  http::ClientOptions copts;
  copts.ca_file = ca_file;
  auto client = http::Client::create(copts);
  if (!client) return std::unexpected(client.error());
  impl->client = std::move(*client);
  for (const auto& d : pkg.definitions.definitions) {
    auto inst = ccp::instantiate(d, params);
    if (!inst) return std::unexpected(inst.error());
    for (const auto& s : auth::secrets_of(inst->auth)) impl->secrets.push_back(s);
    auto a = auth::make_authenticator(inst->auth, *impl->client);
    if (!a) return std::unexpected(a.error());
    impl->auths.push_back(std::move(*a));
    impl->definitions.push_back(std::move(*inst));
  }
  for (const auto& d : pkg.definitions.definitions) {
    for (const auto& p : d.parameters) {
      if (!p.secret) continue;
      if (auto it = params.find(p.name); it != params.end()) impl->secrets.push_back(it->second);
    }
  }
  return std::unique_ptr<ActionRunner>(new ActionRunner(std::move(impl)));
}

namespace {

std::string excerpt(std::string_view body) {
  std::string out(body.substr(0, 300));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

std::optional<std::string> path_text(dom::element root, const std::string& path) {
  auto p = json::JsonPath::compile(path);
  if (!p) return std::nullopt;
  auto found = p->first(root);
  if (!found) return std::nullopt;
  std::string_view s;
  if (found->get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(*found);
}

}  // namespace

std::expected<ActionOutcome, ActionFailure> ActionRunner::run(const std::string& name, const ccp::Params& args) {
  Impl& m = *impl_;
  const ActionSpec* spec = nullptr;
  for (const auto& a : m.actions) {
    if (a.name == name) spec = &a;
  }
  if (!spec) {
    std::string names;
    for (const auto& a : m.actions) names += (names.empty() ? "" : ", ") + a.name;
    return std::unexpected(ActionFailure{name, "", 0, "", "no such action (this package has: " + (names.empty() ? "none" : names) + ")"});
  }
  // Parameters: the package's, then the action's own (validated, defaults applied).
  ccp::Params values = m.params;
  for (const auto& p : spec->parameters) {
    // Parameter names match case-insensitively, as CCP's do (ccp::Params compares so).
    auto it = args.find(p.name);
    std::optional<std::string> v = it != args.end() ? std::optional<std::string>(it->second) : p.default_value;
    if (!v) {
      if (p.required) return std::unexpected(ActionFailure{name, "", 0, "", "missing parameter " + p.name + " (required by this action; on the command line: --param " + p.name + "=...)"});
      continue;
    }
    if (!p.allowed.empty() && std::find(p.allowed.begin(), p.allowed.end(), *v) == p.allowed.end()) {
      std::string list;
      for (const auto& a : p.allowed) list += (list.empty() ? "" : ", ") + a;
      return std::unexpected(ActionFailure{name, "", 0, "", "parameter " + p.name + " must be one of " + list + ", got '" + *v + "'"});
    }
    if (p.secret) m.secrets.push_back(*v);
    values[p.name] = *v;
  }
  for (const auto& [k, v] : args) {
    bool declared = false;
    for (const auto& p : spec->parameters) declared = declared || iequals(p.name, k);
    if (!declared) return std::unexpected(ActionFailure{name, "", 0, "", "unknown parameter '" + k + "'"});
  }
  size_t conn = 0;
  if (!spec->connection.empty()) {
    conn = m.definitions.size();
    for (size_t i = 0; i < m.definitions.size(); ++i) {
      if (m.definitions[i].name == spec->connection) conn = i;
    }
    if (conn == m.definitions.size()) return std::unexpected(ActionFailure{name, "", 0, "", "no connection named '" + spec->connection + "'"});
  }
  auth::Authenticator* authenticator = conn < m.auths.size() ? m.auths[conn].get() : nullptr;

  ccp::Params outputs;
  ActionOutcome outcome;
  outcome.action = name;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (const auto& step : spec->steps) {
    std::vector<std::string> missing_dollar;
    std::set<std::string> missing;
    auto fill = [&](std::string_view t) { return substitute_dollar(ccp::substitute(t, values, &missing), outputs, &missing_dollar); };
    http::Request req;
    req.method = step.method;
    http::QueryParams q;
    for (const auto& [k, v] : step.query) q.emplace_back(k, fill(v));
    req.url = http::append_query(fill(step.url), q);
    for (const auto& [k, v] : step.headers) req.headers.emplace_back(k, fill(v));
    if (step.body) {
      req.body = fill(*step.body);
      bool has_type = false;
      for (const auto& [k, v] : req.headers) has_type = has_type || iequals(k, "Content-Type");
      if (!has_type) req.headers.emplace_back("Content-Type", "application/json");
    }
    if (!missing.empty() || !missing_dollar.empty()) {
      std::string what = missing.empty() ? "$" + missing_dollar.front() + "$ (no earlier step produced it)"
                                         : "{{" + *missing.begin() + "}} (give --param " + *missing.begin() + "=...)";
      return std::unexpected(ActionFailure{name, step.name, 0, "", "no value for " + what});
    }
    http::Response resp;
    bool refreshed = false;
    for (int attempt = 0;; ++attempt) {
      http::Request sent = req;
      if (authenticator) {
        if (auto ok = authenticator->apply(sent); !ok) return std::unexpected(ActionFailure{name, step.name, 0, "", ok.error().str()});
      }
      auto r = m.client->send(sent, std::chrono::seconds(60));
      std::optional<std::chrono::milliseconds> wait;
      if (r) {
        auto d = http::classify_status(r->status);
        if (d == http::Disposition::Unauthorized && authenticator && !refreshed) {
          refreshed = true;
          auto again = authenticator->refresh();
          if (again && *again) continue;
        }
        if (d != http::Disposition::Retry || attempt >= backoff.max_retries) {
          resp = std::move(*r);
          break;
        }
        wait = http::retry_after_of(*r, system_now());
      } else if (attempt >= backoff.max_retries) {
        return std::unexpected(ActionFailure{name, step.name, 0, "", r.error().str()});
      }
      std::this_thread::sleep_for(http::backoff_delay(backoff, attempt + 1, unit(m.rng), wait));
    }
    outcome.status = resp.status;
    outcome.body = resp.body;
    dom::parser parser;
    dom::element root;
    bool parsed = !resp.body.empty() && parser.parse(resp.body).get(root) == simdjson::SUCCESS;
    bool expected = std::find(step.expect_status.begin(), step.expect_status.end(), resp.status) != step.expect_status.end();
    if (!expected) {
      std::string code = parsed ? path_text(root, spec->error_code_json_path).value_or("") : "";
      std::string message = parsed ? path_text(root, spec->error_message_json_path).value_or(excerpt(resp.body)) : excerpt(resp.body);
      if (!code.empty() && std::find(spec->accept_error_codes.begin(), spec->accept_error_codes.end(), code) != spec->accept_error_codes.end()) {
        outcome.error_code = code;
        outcome.result = message;
        continue;  // counts as done (e.g. AF20024 "already enabled")
      }
      return std::unexpected(ActionFailure{name, step.name, resp.status, code, message});
    }
    if (!step.outputs_kql.empty()) {
      if (!parsed) return std::unexpected(ActionFailure{name, step.name, 0, "", "the response is not JSON; outputsKql needs records"});
      std::vector<dom::element> records;
      for (const auto& ep : step.events_json_paths) {
        auto path = json::JsonPath::compile(ep);
        if (path) json::extract_events(*path, root, [&](dom::element e) { records.push_back(e); });
      }
      auto rows = placeholders_from_kql(step.outputs_kql, records);
      if (!rows) return std::unexpected(ActionFailure{name, step.name, 0, "", rows.error().str()});
      if (rows->empty()) {
        return std::unexpected(ActionFailure{name, step.name, 0, "",
                                             "outputsKql produced no row from " + std::to_string(records.size()) +
                                                 " records, so the next steps have no values"});
      }
      for (const auto& [k, v] : rows->front()) outputs[k] = v;
    }
    if (!step.result_json_path.empty()) {
      if (!parsed) return std::unexpected(ActionFailure{name, step.name, 0, "", "the response is not JSON (resultJsonPath)"});
      auto r = path_text(root, step.result_json_path);
      if (!r) return std::unexpected(ActionFailure{name, step.name, 0, "", "no value at " + step.result_json_path + " in the response"});
      outcome.result = *r;
    } else {
      outcome.result = resp.body;
    }
  }
  return outcome;
}

std::expected<std::vector<ActionOutcome>, Error> run_ensure(ActionRunner& runner, const ccp::Definition& def, const std::string& where) {
  std::vector<ActionOutcome> done;
  for (const auto& e : def.ensure) {
    ccp::Params args;
    for (const auto& [k, v] : e.parameters) args[k] = v;
    auto out = runner.run(e.action, args);
    if (!out) return std::unexpected(Error(where, "ensure " + e.action + " failed: " + out.error().str()));
    done.push_back(std::move(*out));
  }
  return done;
}

}  // namespace intake::engine
