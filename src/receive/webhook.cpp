#include "receive/webhook.h"

#include "auth/hmac.h"

namespace intake::receive {

namespace dom = simdjson::dom;

namespace {

std::optional<WebhookAnswer> parse_answer(const Value* v, const std::string& path, ccp::Diagnostics& diag) {
  if (!v) return std::nullopt;
  if (!v->is_object()) {
    diag.error(path, "expected an object {\"status\": 200, \"body\": \"...\"}");
    return std::nullopt;
  }
  WebhookAnswer a;
  if (const Value* s = v->get("status")) {
    int64_t n = 0;
    if (!s->to_int64(n) || n < 200 || n > 599) diag.error(path + "/status", "expected an HTTP status from 200 to 599");
    else a.status = static_cast<int>(n);
  }
  if (const Value* b = v->get("body")) {
    if (!b->is_string()) diag.error(path + "/body", "expected a string");
    else a.body = b->as_string();
  }
  return a;
}

std::string string_at(const Value& o, std::string_view key, const std::string& path, ccp::Diagnostics& diag, bool required) {
  const Value* v = o.get(key);
  if (!v) {
    if (required) diag.error(path + "/" + std::string(key), "missing");
    return {};
  }
  if (!v->is_string()) {
    diag.error(path + "/" + std::string(key), "expected a string");
    return {};
  }
  return v->as_string();
}

std::string fill(std::string text, std::string_view name, std::string_view value) {
  std::string token = "{{" + std::string(name) + "}}";
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
    text.replace(at, token.size(), value);
  }
  return text;
}

http::ServerResponse answer(const WebhookAnswer& a) { return http::ServerResponse::text(a.status, a.body); }

std::string scalar_text(dom::element e) {
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) return std::string(s);
  return simdjson::minify(e);
}

}  // namespace

std::optional<WebhookSpec> parse_webhook_spec(const Value& root, ccp::Diagnostics& diag) {
  if (!root.is_object()) {
    diag.error("", "expected an object with stream, eventsJsonPaths, responses, commands");
    return std::nullopt;
  }
  WebhookSpec spec;
  for (const auto& [key, v] : root.as_object()) {
    if (key != "stream" && key != "eventsJsonPaths" && key != "responses" && key != "commands" && key != "description") {
      diag.error("/" + key, "unknown key (expected stream, eventsJsonPaths, responses, commands, description)");
    }
  }
  spec.stream = string_at(root, "stream", "", diag, true);
  if (const Value* paths = root.get("eventsJsonPaths")) {
    if (!paths->is_array() || paths->as_array().empty()) {
      diag.error("/eventsJsonPaths", "expected a non-empty array of JSON paths");
    } else {
      spec.events_json_paths.clear();
      for (size_t i = 0; i < paths->as_array().size(); ++i) {
        const Value& p = paths->as_array()[i];
        std::string where = "/eventsJsonPaths/" + std::to_string(i);
        if (!p.is_string()) {
          diag.error(where, "expected a string");
          continue;
        }
        if (auto c = json::JsonPath::compile(p.as_string()); !c) diag.error(where, c.error().message);
        spec.events_json_paths.push_back(p.as_string());
      }
    }
  }
  if (const Value* r = root.get("responses")) {
    if (!r->is_object()) diag.error("/responses", "expected an object with accepted and empty");
    else {
      if (auto a = parse_answer(r->get("accepted"), "/responses/accepted", diag)) spec.accepted = *a;
      if (auto a = parse_answer(r->get("empty"), "/responses/empty", diag)) spec.empty = *a;
    }
  }
  if (const Value* cmds = root.get("commands")) {
    if (!cmds->is_array()) diag.error("/commands", "expected an array");
    else {
      for (size_t i = 0; i < cmds->as_array().size(); ++i) {
        const Value& c = cmds->as_array()[i];
        std::string where = "/commands/" + std::to_string(i);
        if (!c.is_object()) {
          diag.error(where, "expected an object with when, action, parameters, response");
          continue;
        }
        WebhookCommand cmd;
        const Value* when = c.get("when");
        if (!when || !when->is_object()) diag.error(where + "/when", "expected {\"jsonPath\": \"...\", \"equals\": \"...\"}");
        else {
          cmd.when_path = string_at(*when, "jsonPath", where + "/when", diag, true);
          cmd.equals = string_at(*when, "equals", where + "/when", diag, true);
          if (auto p = json::JsonPath::compile(cmd.when_path); !p) diag.error(where + "/when/jsonPath", p.error().message);
        }
        cmd.action = string_at(c, "action", where, diag, true);
        if (const Value* ps = c.get("parameters")) {
          if (!ps->is_object()) diag.error(where + "/parameters", "expected an object: action parameter -> JSON path in the body");
          else {
            for (const auto& [name, path] : ps->as_object()) {
              if (!path.is_string()) {
                diag.error(where + "/parameters/" + name, "expected a JSON path");
                continue;
              }
              if (auto p = json::JsonPath::compile(path.as_string()); !p) diag.error(where + "/parameters/" + name, p.error().message);
              cmd.parameters.emplace_back(name, path.as_string());
            }
          }
        }
        if (auto a = parse_answer(c.get("response"), where + "/response", diag)) cmd.success = *a;
        if (auto a = parse_answer(c.get("failure"), where + "/failure", diag)) cmd.failure = *a;
        spec.commands.push_back(std::move(cmd));
      }
    }
  }
  if (diag.has_errors()) return std::nullopt;
  return spec;
}

Result<std::unique_ptr<WebhookReceiver>> WebhookReceiver::create(std::vector<WebhookEndpoint> endpoints) {
  std::unique_ptr<WebhookReceiver> r(new WebhookReceiver());
  for (auto& e : endpoints) {
    auto c = std::make_unique<Compiled>();
    c->endpoint = std::move(e);
    for (const auto& p : c->endpoint.spec.events_json_paths) {
      auto compiled = json::JsonPath::compile(p);
      if (!compiled) return std::unexpected(compiled.error().within("webhook " + c->endpoint.name + " eventsJsonPaths"));
      c->paths.push_back(std::move(*compiled));
    }
    for (const auto& cmd : c->endpoint.spec.commands) {
      auto compiled = json::JsonPath::compile(cmd.when_path);
      if (!compiled) return std::unexpected(compiled.error().within("webhook " + c->endpoint.name + " command"));
      c->commands.emplace_back(std::move(*compiled), &cmd);
    }
    r->endpoints_.push_back(std::move(c));
  }
  return r;
}

WebhookReceiver::Counters WebhookReceiver::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

http::ServerResponse WebhookReceiver::handle(const http::ServerRequest& req) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.requests;
  }
  auto refuse = [this](http::ServerResponse r) {
    std::lock_guard lock(mutex_);
    ++counters_.refused;
    return r;
  };
  std::string name = req.path.substr(std::string("/webhooks/").size());
  Compiled* ep = nullptr;
  for (auto& e : endpoints_) {
    if (e->endpoint.name == name) ep = e.get();
  }
  if (!ep) return refuse(http::ServerResponse::text(404, "No webhook named '" + name + "'.\n"));
  if (req.method != "POST") return refuse(http::ServerResponse::text(405, "Use POST.\n"));
  if (!ep->endpoint.tokens.empty()) {
    std::string presented;
    if (auto h = req.header("x-functions-key")) presented = *h;
    else if (auto a = req.header("Authorization"); a && a->size() > 7 && iequals(a->substr(0, 7), "Bearer ")) presented = a->substr(7);
    else if (auto code = req.param("code")) presented = *code;
    bool ok = false;
    for (const auto& t : ep->endpoint.tokens) ok = auth::constant_time_equal(t, presented) || ok;
    if (!ok) {
      auto r = http::ServerResponse::text(401, "A valid webhook token is required (x-functions-key header, Bearer or ?code=).\n");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refuse(std::move(r));
    }
  }
  thread_local dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(req.body).get(root); err) {
    return refuse(http::ServerResponse::text(400, std::string("Error: the body is not valid JSON (") + simdjson::error_message(err) + ").\n"));
  }
  for (const auto& [path, cmd] : ep->commands) {
    auto marker = path.first(root);
    if (!marker || !iequals(scalar_text(*marker), cmd->equals)) continue;
    ccp::Params params;
    for (const auto& [pname, ppath] : cmd->parameters) {
      auto p = json::JsonPath::compile(ppath);
      if (!p) continue;
      if (auto v = p->first(root)) params[pname] = scalar_text(*v);
    }
    {
      std::lock_guard lock(mutex_);
      ++counters_.commands;
    }
    if (!ep->endpoint.run_action) return refuse(answer({500, "Error: this webhook cannot run actions"}));
    auto result = ep->endpoint.run_action(cmd->action, params);
    if (!result) {
      WebhookAnswer a = cmd->failure;
      a.body = fill(a.body, "error", result.error().str());
      return refuse(answer(a));
    }
    WebhookAnswer a = cmd->success;
    a.body = fill(a.body, "result", *result);
    return answer(a);
  }
  std::vector<dom::element> events;
  for (const auto& p : ep->paths) json::extract_events(p, root, [&](dom::element e) { events.push_back(e); });
  if (events.empty()) return answer(ep->endpoint.spec.empty);
  for (size_t i = 0; i < events.size(); ++i) {
    if (!events[i].is_object()) {
      return refuse(http::ServerResponse::text(400, "Error: event " + std::to_string(i) + " is not a JSON object.\n"));
    }
  }
  if (ep->endpoint.sink->busy()) {
    auto r = http::ServerResponse::text(429, "The receiver's destinations are full; retry later.\n");
    r.headers.emplace_back("Retry-After", "5");
    return refuse(std::move(r));
  }
  auto w = ep->endpoint.sink->write(events);
  if (!w) {
    switch (w.error().kind) {
      case WriteFailure::Busy: {
        auto r = http::ServerResponse::text(429, "The receiver's destinations are full; retry later.\n");
        r.headers.emplace_back("Retry-After", "5");
        return refuse(std::move(r));
      }
      case WriteFailure::Invalid: return refuse(http::ServerResponse::text(400, "Error: " + w.error().error.str() + "\n"));
      case WriteFailure::Internal: return refuse(http::ServerResponse::text(500, "Error: the events could not be stored; retry.\n"));
    }
  }
  std::lock_guard lock(mutex_);
  ++counters_.accepted;
  counters_.events += static_cast<int64_t>(events.size());
  return answer(ep->endpoint.spec.accepted);
}

}  // namespace intake::receive
