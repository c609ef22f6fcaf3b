#include "web/status_server.h"

#include <algorithm>

#include <openssl/crypto.h>

#include "core/time.h"
#include "json/value_json.h"

namespace intake::web {

namespace {

constexpr int64_t kMaxQueryRows = 10'000;

http::ServerResponse with_headers(http::ServerResponse r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

http::ServerResponse json_response(int status, const Value& v, const engine::Daemon& d) {
  return with_headers(http::ServerResponse::json(status, d.redact(json::to_json(v))));
}

http::ServerResponse error_json(int status, const std::string& message, const engine::Daemon& d, const std::string& where = {}) {
  Object o{{"error", Value(message)}};
  if (!where.empty()) o.emplace_back("where", Value(where));
  return json_response(status, Value(std::move(o)), d);
}

Value opt_time(const std::optional<DateTime>& t) { return t ? Value(*t) : Value(); }

Value view_json(const engine::InstanceView& v, const engine::Daemon& d, bool detail) {
  Object params;
  for (const auto& [k, val] : v.parameters) params.emplace_back(k, Value(val));
  Array tables;
  for (const auto& t : v.tables) tables.push_back(Value(t));
  Array chart;
  for (const auto& [day, n] : d.rows_per_day(v)) {
    chart.push_back(Value(Object{{"day", Value(format_iso8601(day).substr(0, 10))}, {"rows", Value(n)}}));
  }
  auto ui_field = [&](const char* key) -> Value {
    const Value* f = v.ui && v.ui->kind() == Kind::Object ? v.ui->get(key) : nullptr;
    return f ? *f : Value();
  };
  Object o{{"name", Value(v.name)},
           {"package", Value(v.package)},
           {"title", ui_field("title")},
           {"publisher", ui_field("publisher")},
           {"descriptionMarkdown", ui_field("descriptionMarkdown")},
           {"logo", ui_field("logo")},
           {"enabled", Value(v.enabled)},
           {"status", Value(v.status)},
           {"reason", Value(v.reason)},
           {"schedule", Value(v.schedule)},
           {"lastRun", opt_time(v.last_run)},
           {"lastSuccess", opt_time(v.last_success)},
           {"lastFailure", opt_time(v.last_failure)},
           {"lastDataReceived", opt_time(v.last_data)},
           {"nextRun", opt_time(v.next_run)},
           {"checkpoint", opt_time(v.checkpoint)},
           {"lastError", v.last_error.empty() ? Value() : Value(v.last_error)},
           {"events", Value(v.events)},
           {"rows", Value(v.rows)},
           {"runs", Value(v.runs)},
           {"failures", Value(v.failures)},
           {"tables", Value(std::move(tables))},
           {"parameters", Value(std::move(params))},
           {"rowsPerDay", Value(std::move(chart))},
           {"sampleQueries", ui_field("sampleQueries")}};
  Array actions;
  for (const auto& a : v.actions ? *v.actions : std::vector<engine::ActionSpec>{}) {
    Array ps;
    for (const auto& p : a.parameters) {
      Array allowed;
      for (const auto& x : p.allowed) allowed.push_back(Value(x));
      ps.push_back(Value(Object{{"name", Value(p.name)},
                                {"description", Value(p.description)},
                                {"required", Value(p.required)},
                                {"secret", Value(p.secret)},
                                {"allowed", Value(std::move(allowed))},
                                {"default", p.default_value ? Value(*p.default_value) : Value()}}));
    }
    actions.push_back(Value(Object{{"name", Value(a.name)}, {"description", Value(a.description)}, {"parameters", Value(std::move(ps))}}));
  }
  o.emplace_back("actions", Value(std::move(actions)));
  if (detail) o.emplace_back("connectorUiConfig", v.ui ? *v.ui : Value());
  return Value(std::move(o));
}

// POST /api/connectors/{name}/actions/{action} with {"parameters": {"contentType": "..."}}: runs
// the action with the instance's parameters; 200 with the service's answer, 502 with the failing
// step, status and the service's error code when the service refused.
http::ServerResponse run_action(engine::Daemon& d, const std::string& name, const std::string& action, const http::ServerRequest& req) {
  ccp::Params args;
  if (!req.body.empty()) {
    auto body = json::parse(req.body, "request body");
    if (!body || body->kind() != Kind::Object) return error_json(400, "expected a JSON object {\"parameters\": {...}}", d);
    if (const Value* ps = body->get("parameters")) {
      if (ps->kind() != Kind::Object) return error_json(400, "'parameters' must be an object of strings", d);
      for (const auto& [k, v] : ps->as_object()) {
        if (v.kind() != Kind::String) return error_json(400, "parameter '" + k + "' must be a string", d);
        args[k] = v.as_string();
      }
    }
  }
  auto known = d.instance(name);
  if (!known) return error_json(404, "no connector instance named '" + name + "'", d);
  if (!known->actions || std::none_of(known->actions->begin(), known->actions->end(), [&](const auto& a) { return a.name == action; })) {
    return error_json(404, "the package of '" + name + "' has no action '" + action + "'", d);
  }
  auto out = d.run_action(name, action, args);
  if (!out) return error_json(404, "no connector instance named '" + name + "'", d);
  if (!*out) {
    const auto& f = out->error();
    return json_response(f.status ? 502 : 400,
                         Value(Object{{"ok", Value(false)},
                                      {"action", Value(action)},
                                      {"step", Value(f.step)},
                                      {"status", Value(static_cast<int64_t>(f.status))},
                                      {"code", f.code.empty() ? Value() : Value(f.code)},
                                      {"error", Value(f.str())}}),
                         d);
  }
  const auto& o = **out;
  return json_response(200,
                       Value(Object{{"ok", Value(true)},
                                    {"action", Value(action)},
                                    {"status", Value(static_cast<int64_t>(o.status))},
                                    {"acceptedError", o.error_code.empty() ? Value() : Value(o.error_code)},
                                    {"result", Value(o.result)}}),
                       d);
}

bool authorized(const engine::Daemon& d, const http::ServerRequest& req) {
  std::string token = d.bearer_token();
  if (token.empty()) return true;
  auto h = req.header("Authorization");
  if (!h) return false;
  std::string expected = "Bearer " + token;
  return h->size() == expected.size() && CRYPTO_memcmp(h->data(), expected.data(), expected.size()) == 0;
}

http::ServerResponse run_query(engine::Daemon& d, const http::ServerRequest& req) {
  auto body = json::parse(req.body, "request body");
  if (!body || body->kind() != Kind::Object) return error_json(400, "expected a JSON object {\"query\": \"...\"}", d);
  const Value* q = body->get("query");
  if (!q || q->kind() != Kind::String || q->as_string().empty()) return error_json(400, "expected a non-empty string 'query'", d);
  int64_t max_rows = 1000;
  if (const Value* m = body->get("maxRows")) {
    if (!m->to_int64(max_rows) || max_rows < 1 || max_rows > kMaxQueryRows) {
      return error_json(400, "maxRows must be from 1 to " + std::to_string(kMaxQueryRows), d);
    }
  }
  auto result = d.query(q->as_string(), max_rows);
  if (!result) return error_json(400, result.error().message, d, result.error().where);
  Array columns;
  for (const auto& c : result->schema.columns) {
    columns.push_back(Value(Object{{"name", Value(c.name)}, {"type", Value(std::string(column_type_name(c.type)))}}));
  }
  Array rows;
  rows.reserve(result->rows.size());
  for (auto& r : result->rows) rows.push_back(Value(Array(r.begin(), r.end())));
  return json_response(200, Value(Object{{"columns", Value(std::move(columns))}, {"rows", Value(std::move(rows))}}), d);
}

}  // namespace

http::ServerResponse handle(engine::Daemon& d, const http::ServerRequest& req) {
  const std::string& path = req.path;
  if (path == "/healthz") return with_headers(http::ServerResponse::text(200, "ok\n"));
  if (path == "/readyz") {
    return with_headers(d.ready() ? http::ServerResponse::text(200, "ready\n") : http::ServerResponse::text(503, "not ready\n"));
  }
  if (req.method == "GET" || req.method == "HEAD") {
    if (const Asset* a = find_asset(path == "/" ? "/index.html" : path)) {
      http::ServerResponse r;
      r.status = 200;
      r.body = a->body;
      r.headers.emplace_back("Content-Type", a->content_type);
      // Everything the page runs comes from here: no inline script, no third party.
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                             "object-src 'none'; frame-ancestors 'none'; base-uri 'none'");
      r.headers.emplace_back("X-Frame-Options", "DENY");
      r.headers.emplace_back("Referrer-Policy", "no-referrer");
      return with_headers(std::move(r));
    }
  }
  if (!authorized(d, req)) {
    auto r = error_json(401, "a bearer token is required (Authorization: Bearer <token>)", d);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (path == "/metrics" && req.method == "GET") {
    http::ServerResponse r = http::ServerResponse::text(200, d.metrics());
    r.headers.clear();
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return with_headers(std::move(r));
  }
  if (path == "/api/connectors" && req.method == "GET") {
    Array list;
    for (const auto& v : d.instances()) list.push_back(view_json(v, d, false));
    return json_response(200, Value(Object{{"connectors", Value(std::move(list))}}), d);
  }
  if (path.starts_with("/api/connectors/") && path.find("/actions/") != std::string::npos) {
    std::string rest = path.substr(std::string("/api/connectors/").size());
    size_t at = rest.find("/actions/");
    if (req.method != "POST") return error_json(405, "use POST to run an action", d);
    return run_action(d, rest.substr(0, at), rest.substr(at + 9), req);
  }
  if (path.starts_with("/api/connectors/") && req.method == "GET") {
    std::string name = path.substr(std::string("/api/connectors/").size());
    auto v = d.instance(name);
    if (!v) return error_json(404, "no connector instance named '" + name + "'", d);
    return json_response(200, view_json(*v, d, true), d);
  }
  if (path == "/api/destinations" && req.method == "GET") {
    Array list;
    for (const auto& dst : d.destinations()) {
      list.push_back(Value(Object{{"name", Value(dst.name)},
                                  {"type", Value(dst.type)},
                                  {"status", Value(std::string(dst.busy ? "Full" : dst.connected || dst.errors == 0 ? "Delivering" : "Failing"))},
                                  {"spooledEntries", Value(dst.spooled_entries)},
                                  {"spooledRows", Value(dst.spooled_rows)},
                                  {"spooledBytes", Value(dst.spooled_bytes)},
                                  {"oldestSpooled", opt_time(dst.oldest)},
                                  {"deliveredRows", Value(dst.delivered_rows)},
                                  {"requests", Value(dst.requests)},
                                  {"retries", Value(dst.retries)},
                                  {"errors", Value(dst.errors)},
                                  {"rejected", Value(dst.rejected)},
                                  {"lastDelivery", opt_time(dst.last_delivery)},
                                  {"lastError", dst.last_error.empty() ? Value() : Value(dst.last_error)}}));
    }
    return json_response(200, Value(Object{{"destinations", Value(std::move(list))}}), d);
  }
  if (path == "/api/query") {
    if (req.method != "POST") return error_json(405, "use POST with {\"query\": \"...\"}", d);
    return run_query(d, req);
  }
  return error_json(404, "not found: " + path, d);
}

Result<std::vector<Listener>> start_listeners(engine::Daemon& daemon) {
  const engine::DaemonConfig& cfg = daemon.config();
  const engine::ReceiversConfig& rc = cfg.receivers;
  bool own_listener = rc.listen.has_value();
  receive::Receivers* receivers = daemon.receivers().empty() ? nullptr : &daemon.receivers();
  auto options = [&](const std::string& host, uint16_t port) {
    http::ServerOptions o;
    o.host = host;
    o.port = port;
    o.tls_cert_file = cfg.tls_cert;
    o.tls_key_file = cfg.tls_key;
    o.max_body_bytes = 32 << 20;
    o.read_timeout_seconds = static_cast<int>(std::max<int64_t>(1, rc.read_timeout_ticks / kTicksPerSecond));
    return o;
  };
  auto url_of = [&](const std::string& host, const http::HttpServer& server) {
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return std::string(server.tls() ? "https" : "http") + "://" + h + ":" + std::to_string(server.port());
  };
  std::vector<Listener> out;
  {
    http::ServerOptions o = options(cfg.listen_host, cfg.listen_port);
    o.threads = receivers && !own_listener ? std::max(2, rc.threads) : 2;
    if (receivers && !own_listener) o.max_connections = rc.max_connections;
    bool with_receivers = receivers && !own_listener;
    o.body_limit = [receivers, with_receivers](std::string_view, std::string_view target) {
      if (with_receivers) {
        if (auto l = receivers->body_limit(target)) return *l;
      }
      return http::BodyLimit{1 << 20, http::ServerResponse::text(413, "request body too large\n")};
    };
    auto server = http::HttpServer::start(o, [&daemon, receivers, with_receivers](const http::ServerRequest& req) {
      if (with_receivers) {
        if (auto r = receivers->handle(req)) return std::move(*r);
      }
      return handle(daemon, req);
    });
    if (!server) return std::unexpected(server.error());
    std::string url = url_of(cfg.listen_host, **server);
    out.push_back(Listener{"daemon", std::move(*server), url});
  }
  if (receivers && own_listener) {
    http::ServerOptions o = options(rc.listen->first, rc.listen->second);
    o.threads = rc.threads;
    o.max_connections = rc.max_connections;
    o.body_limit = [receivers](std::string_view, std::string_view target) {
      if (auto l = receivers->body_limit(target)) return *l;
      return http::BodyLimit{1 << 20, http::ServerResponse::text(413, "request body too large\n")};
    };
    auto server = http::HttpServer::start(o, [receivers](const http::ServerRequest& req) {
      if (auto r = receivers->handle(req)) return std::move(*r);
      if (req.path == "/healthz") return http::ServerResponse::text(200, "ok\n");
      return http::ServerResponse::text(404, "not found: " + req.path + "\n");
    });
    if (!server) return std::unexpected(server.error());
    std::string url = url_of(rc.listen->first, **server);
    out.push_back(Listener{"receivers", std::move(*server), url});
  }
  return out;
}

Result<std::unique_ptr<http::HttpServer>> start_status_server(engine::Daemon& daemon, const std::string& host, uint16_t port) {
  http::ServerOptions o;
  o.host = host;
  o.port = port;
  o.threads = 2;
  o.max_body_bytes = 1 << 20;
  return http::HttpServer::start(o, [&daemon](const http::ServerRequest& req) { return handle(daemon, req); });
}

}  // namespace intake::web
