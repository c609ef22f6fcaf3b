// A small embedded HTTP/1.1 server (Boost.Beast) with optional TLS, used by the simulators,
// and later by the receivers and the status page. Handlers run on the server's worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/message.h"
#include "http/url.h"

namespace intake::http {

struct ServerRequest {
  std::string method;   // "GET"
  std::string target;   // "/rest/api/3/auditing/record?offset=0"
  std::string path;     // "/rest/api/3/auditing/record" (percent-decoded)
  QueryParams query;    // decoded query parameters in order
  Headers headers;
  std::string body;
  std::string remote;   // "127.0.0.1:54321"

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
  // First query parameter with this exact name.
  std::optional<std::string> param(std::string_view name) const;
};

struct ServerResponse {
  int status = 200;
  Headers headers;
  std::string body;
  // Fault injection for simulators: wait this long before answering (no worker thread is held),
  // or close the connection without answering.
  int delay_ms = 0;
  bool drop_connection = false;

  static ServerResponse json(int status, std::string body);
  static ServerResponse text(int status, std::string body);
};

using Handler = std::function<ServerResponse(const ServerRequest&)>;

// The body limit of one request, chosen from its method and target once the headers are in, and
// the answer to a body beyond it (APIs answer oversize bodies differently: 413, or 404).
struct BodyLimit {
  size_t max_bytes = 0;
  ServerResponse too_large;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;              // 0 = pick a free port (read it back with port())
  std::string tls_cert_file;      // PEM; TLS is on when both files are set
  std::string tls_key_file;
  int threads = 4;                // connection worker threads
  size_t max_body_bytes = 64 << 20;
  // Optional per-request limit (at most max_body_bytes); without it, max_body_bytes and a 413.
  std::function<BodyLimit(std::string_view method, std::string_view target)> body_limit;
  int read_timeout_seconds = 30;  // header + body must arrive within this (slowloris guard)
  // Connections served at once; more are answered 503 and closed (0 = no limit).
  int max_connections = 0;
};

class HttpServer {
 public:
  // Binds and starts serving; errors name the address and the reason (in use, bad certificate).
  static Result<std::unique_ptr<HttpServer>> start(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;
  virtual bool tls() const = 0;
  // Stops accepting, closes connections and joins the worker threads. Idempotent.
  virtual void stop() = 0;
};

}  // namespace intake::http
