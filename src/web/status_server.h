// The daemon's HTTP surface: the status page (static assets embedded in the binary), the JSON API
// (/api/connectors, /api/connectors/{name}, POST /api/query), /metrics (Prometheus text),
// /healthz and /readyz. With a bearer token configured, everything but the probes and the page's
// static files requires "Authorization: Bearer <token>".
#pragma once

#include <memory>
#include <string>

#include "engine/daemon.h"
#include "http/server.h"

namespace intake::web {

// Routes a request; used by the server and directly by tests.
http::ServerResponse handle(engine::Daemon& daemon, const http::ServerRequest& request);

// Binds host:port (port 0 picks a free one) and serves until stopped. Errors name the address.
Result<std::unique_ptr<http::HttpServer>> start_status_server(engine::Daemon& daemon, const std::string& host, uint16_t port);

struct Listener {
  std::string name;  // "daemon" or "receivers"
  std::unique_ptr<http::HttpServer> server;
  std::string url;
};

// The daemon's listeners as configured: `listen` (status page, API, metrics, and the receivers
// unless they have a listener of their own at receivers.listen), HTTPS when tls.cert/tls.key are
// set. Errors name the address.
Result<std::vector<Listener>> start_listeners(engine::Daemon& daemon);

// Embedded static files (generated from src/web/assets at build time): path -> (type, body).
struct Asset {
  const char* path;
  const char* content_type;
  const char* body;
};
const Asset* find_asset(std::string_view path);

}  // namespace intake::web
