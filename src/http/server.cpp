// Boost.Beast HTTP/1.1 server: one acceptor, a pool of threads running one io_context, one
// strand per connection. Beast stays inside this file (its headers are slow to compile).
#include "http/server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace intake::http {

std::optional<std::string> ServerRequest::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

ServerResponse ServerResponse::json(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json;charset=UTF-8");
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

constexpr size_t kMaxHeaderBytes = 64 * 1024;

// What every connection needs from its server; outlives all sessions (see ServerImpl::stop).
struct Shared {
  ServerOptions options;
  Handler handler;
  std::atomic<int> connections{0};
};

ServerResponse plain_error(int status, std::string_view text) {
  ServerResponse r = ServerResponse::text(status, std::string(text) + "\n");
  r.headers.emplace_back("Connection", "close");
  return r;
}

ServerResponse call_handler(const Handler& handler, const ServerRequest& request) {
  // The handler is foreign code: an exception must cost one 500, not the server.
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return ServerResponse::text(500, std::string("internal error: ") + e.what() + "\n");
  } catch (...) {
    return ServerResponse::text(500, "internal error\n");
  }
}

ServerRequest to_server_request(const bhttp::request<bhttp::string_body>& msg, const std::string& remote) {
  ServerRequest r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  std::string_view target = r.target;
  size_t q = target.find('?');
  r.path = url_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
  for (const auto& field : msg) r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = msg.body();
  r.remote = remote;
  return r;
}

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(tcp::socket&& socket, Shared& shared, ssl::context* tls)
      : remote_(remote_text(socket)), shared_(shared), stream_(make_stream(std::move(socket), tls)),
        delay_(stream_.get_executor()) {
    shared_.connections.fetch_add(1);
  }
  ~Session() { shared_.connections.fetch_sub(1); }

  // Answers 503 and closes: the server is at max_connections.
  void refuse() {
    over_limit_ = true;
    start();
  }

  void start() {
    if constexpr (kTls) {
      arm_timeout();
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->drop();
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

 private:
  static std::string remote_text(const tcp::socket& socket) {
    beast::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return "";
    return ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  static Stream make_stream(tcp::socket&& socket, ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // One deadline covers the idle wait, the header and the body (slowloris guard).
  void arm_timeout() { lowest().expires_after(std::chrono::seconds(shared_.options.read_timeout_seconds)); }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(shared_.options.max_body_bytes);
    arm_timeout();
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& msg = parser_->get();
    if (over_limit_) {
      ServerResponse busy = plain_error(503, "too many connections; retry later");
      busy.headers.emplace_back("Retry-After", "1");
      return send(std::move(busy), false);
    }
    too_large_ = plain_error(413, "request body too large");
    size_t limit = shared_.options.max_body_bytes;
    if (shared_.options.body_limit) {
      BodyLimit chosen = shared_.options.body_limit(std::string_view(msg.method_string()), std::string_view(msg.target()));
      limit = std::min(limit, chosen.max_bytes);
      too_large_ = std::move(chosen.too_large);
      too_large_.headers.emplace_back("Connection", "close");
    }
    parser_->body_limit(limit);
    if (auto length = parser_->content_length(); length && *length > limit) return send(too_large_, false);
    auto expect = msg[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      continue_.version(11);
      continue_.result(bhttp::status::continue_);
      return bhttp::async_write(stream_, continue_,
                                [self = this->shared_from_this()](beast::error_code ec, size_t) {
                                  if (ec) return self->close();
                                  self->read_body();
                                });
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) return send(too_large_, false);
    if (ec == bhttp::error::header_limit) return send(plain_error(431, "request header too large"), false);
    if (ec == beast::error::timeout) return close();
    bool malformed = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                     ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (malformed) return send(plain_error(400, "malformed HTTP request"), false);
    close();
  }

  void on_body(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& msg = parser_->get();
    bool keep_alive = msg.keep_alive();
    ServerResponse response = call_handler(shared_.handler, to_server_request(msg, remote_));
    head_request_ = msg.method() == bhttp::verb::head;
    if (response.drop_connection) return drop();
    if (response.delay_ms <= 0) return send(std::move(response), keep_alive);
    delay_.expires_after(std::chrono::milliseconds(response.delay_ms));
    delay_.async_wait([self = this->shared_from_this(), response = std::move(response), keep_alive](
                          beast::error_code ec) mutable {
      if (ec) return self->close();
      self->send(std::move(response), keep_alive);
    });
  }

  void send(ServerResponse response, bool keep_alive) {
    response_ = {};
    response_.version(11);
    bool valid_status = response.status >= 100 && response.status <= 999;
    response_.result(static_cast<unsigned>(valid_status ? response.status : 500));
    for (auto& [name, value] : response.headers) {
      if (beast::iequals(name, "connection")) {
        if (beast::iequals(value, "close")) keep_alive = false;
        continue;
      }
      if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) continue;
      response_.insert(name, value);
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    if (head_request_) response_.body().clear();
    arm_timeout();
    bhttp::async_write(stream_, response_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (!self->response_.keep_alive()) return self->close();
      self->read_header();
    });
  }

  // Graceful end: TLS close_notify, or a TCP half-close followed by draining what the client
  // still sends (closing with unread bytes would reset the connection and could destroy an
  // error response the client has not read yet). Bounded by a short deadline.
  void close() {
    if (closing_) return drop();
    closing_ = true;
    lowest().expires_after(std::chrono::seconds(2));
    if constexpr (kTls) {
      tls_drain();
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      drain();
    }
  }

  // Over TLS the client may still be sending a body we refused (413): read and discard it until
  // the client closes, so that it reads our answer instead of a reset; then close_notify.
  void tls_drain() {
    if constexpr (kTls) {
      stream_.async_read_some(asio::buffer(scratch_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
        if (!ec) return self->tls_drain();
        if (ec == asio::error::eof) {
          return self->stream_.async_shutdown([self](beast::error_code) { self->drop(); });
        }
        self->drop();
      });
    }
  }

  void drain() {
    lowest().async_read_some(asio::buffer(scratch_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->drop();
      self->drain();
    });
  }

  void drop() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
  }

  std::string remote_;
  Shared& shared_;
  Stream stream_;
  asio::steady_timer delay_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::empty_body> continue_;
  bhttp::response<bhttp::string_body> response_;
  std::array<char, 4096> scratch_;
  ServerResponse too_large_;
  bool head_request_ = false;
  bool closing_ = false;
  bool over_limit_ = false;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

std::string ssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

Result<std::unique_ptr<ssl::context>> make_tls_context(const ServerOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  beast::error_code ec;
  ctx->use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) return fail(options.tls_cert_file, "cannot load the TLS certificate (PEM expected): " + ec.message());
  ctx->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  if (ec) return fail(options.tls_key_file, "cannot load the TLS private key (PEM expected): " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return fail(options.tls_key_file, "the private key does not match the certificate: " + ssl_reason());
  }
  return ctx;
}

Result<tcp::endpoint> resolve_endpoint(asio::io_context& ioc, const ServerOptions& options) {
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (!ec) return tcp::endpoint(address, options.port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec || results.empty()) return fail(options.host, "cannot resolve the listen address: " + ec.message());
  return results.begin()->endpoint();
}

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const ServerOptions& options, Handler handler) : shared_{options, std::move(handler)} {}
  ~ServerImpl() override { stop(); }

  Status start() {
    const ServerOptions& o = shared_.options;
    std::string where = o.host + ":" + std::to_string(o.port);
    if (o.threads < 1) return fail(where, "threads must be at least 1");
    if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
      return fail(where, "TLS needs both a certificate file and a key file");
    }
    if (!o.tls_cert_file.empty()) {
      auto ctx = make_tls_context(o);
      if (!ctx) return std::unexpected(ctx.error());
      tls_ = std::move(*ctx);
    }
    ioc_ = std::make_unique<asio::io_context>(o.threads);
    if (auto st = listen(where); !st) return st;
    accept();
    try {
      for (int i = 0; i < o.threads; ++i) threads_.emplace_back([this] { run(); });
    } catch (const std::system_error& e) {
      stop();
      return fail(where, std::string("cannot start the server threads: ") + e.what());
    }
    return {};
  }

  uint16_t port() const override { return port_; }
  bool tls() const override { return tls_ != nullptr; }

  void stop() override {
    std::lock_guard lock(stop_mutex_);
    if (!ioc_) return;
    // Stopping the io_context abandons idle reads at once; destroying it destroys their
    // sessions while the TLS context and the handler are still alive.
    ioc_->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
    acceptor_.reset();
    ioc_.reset();
  }

 private:
  Status listen(const std::string& where) {
    auto endpoint = resolve_endpoint(*ioc_, shared_.options);
    if (!endpoint) return std::unexpected(endpoint.error());
    acceptor_ = std::make_unique<tcp::acceptor>(*ioc_);
    beast::error_code ec;
    acceptor_->open(endpoint->protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(*endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(where, "cannot listen: " + ec.message());
    port_ = acceptor_->local_endpoint(ec).port();
    return {};
  }

  void accept() {
    acceptor_->async_accept(asio::make_strand(*ioc_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
      if (!ec) on_accept(std::move(socket));
      accept();
    });
  }

  void on_accept(tcp::socket&& socket) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    int limit = shared_.options.max_connections;
    bool over = limit > 0 && shared_.connections.load() >= limit;
    if (tls_) {
      auto s = std::make_shared<TlsSession>(std::move(socket), shared_, tls_.get());
      over ? s->refuse() : s->start();
    } else {
      auto s = std::make_shared<PlainSession>(std::move(socket), shared_, nullptr);
      over ? s->refuse() : s->start();
    }
  }

  void run() {
    // Handlers catch their own exceptions; this keeps a thread alive if something slips through.
    while (true) {
      try {
        ioc_->run();
        return;
      } catch (...) {
        if (ioc_->stopped()) return;
      }
    }
  }

  Shared shared_;
  std::unique_ptr<ssl::context> tls_;  // declared before ioc_: sessions hold SSL objects from it
  std::unique_ptr<asio::io_context> ioc_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ServerOptions& options, Handler handler) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler));
  if (auto st = server->start(); !st) return std::unexpected(st.error());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace intake::http
