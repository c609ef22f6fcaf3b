// HTTP client on libcurl: one reusable connection per client object, TLS verification always on
// (an extra CA bundle may be trusted), redirects off, transparent gzip/deflate decoding.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "http/message.h"

namespace intake::http {

struct ClientOptions {
  std::string ca_file;  // extra PEM bundle to trust (tls.caFile / --ca-file); system store otherwise
  std::chrono::milliseconds connect_timeout{10'000};
  std::string user_agent = "intake/0.1";
  bool follow_redirects = false;
  // Polled during a transfer (a few times a second); returning true aborts it (daemon shutdown).
  std::function<bool()> abort;
  // Called after every exchange with its HTTP status, or 0 for a transport failure (metrics).
  std::function<void(int status)> observe;
};

// Bytes kept free after a response body so that simdjson can parse it in place without a copy.
constexpr size_t kBodyPadding = 64;

// Not thread-safe: one client per thread (each poller owns one).
class Client {
 public:
  static Result<std::unique_ptr<Client>> create(const ClientOptions& options);
  ~Client();

  // Sends the request and returns any HTTP status as a Response. Transport failures (DNS,
  // connect, TLS, timeout, reset) are Errors whose `where` is the URL without its query string
  // and whose message is curl's reason plus a hint.
  Result<Response> send(const Request& request, std::chrono::milliseconds timeout);
  // Closes the kept-alive connection (and its TLS session), freeing its socket, buffers and curl
  // handle (the next send() makes a new one). The daemon calls it after each scheduled run:
  // thousands of idle instances hold no connections.
  void disconnect();

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake::http
