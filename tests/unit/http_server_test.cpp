#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http/url.h"
#include "testing/support.h"

namespace intake::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct CurlReply {
  long status = 0;
  std::string body;
  std::string headers;
  long new_connections = 0;
  CURLcode code = CURLE_OK;
};

size_t append_to_string(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One libcurl easy handle: it keeps its connection alive between requests, like the engine.
class Curl {
 public:
  Curl() : h_(curl_easy_init()) {
    if (!h_) throw std::runtime_error("curl_easy_init failed");
  }
  ~Curl() { curl_easy_cleanup(h_); }

  CurlReply request(const std::string& url, const std::string& method = "GET", const std::string& body = "",
                    const std::vector<std::string>& headers = {}, const std::string& ca_file = "") {
    CurlReply reply;
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(h_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST") {
      curl_easy_setopt(h_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else {
      curl_easy_setopt(h_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(h_, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h_, CURLOPT_WRITEFUNCTION, append_to_string);
    curl_easy_setopt(h_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(h_, CURLOPT_HEADERFUNCTION, append_to_string);
    curl_easy_setopt(h_, CURLOPT_HEADERDATA, &reply.headers);
    curl_easy_setopt(h_, CURLOPT_TIMEOUT_MS, 10'000L);
    if (!ca_file.empty()) curl_easy_setopt(h_, CURLOPT_CAINFO, ca_file.c_str());
    reply.code = curl_easy_perform(h_);
    curl_easy_getinfo(h_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(h_, CURLINFO_NUM_CONNECTS, &reply.new_connections);
    curl_slist_free_all(list);
    curl_easy_setopt(h_, CURLOPT_HTTPHEADER, nullptr);
    return reply;
  }

 private:
  CURL* h_;
};

std::unique_ptr<HttpServer> start_server(Handler handler, ServerOptions options = {}) {
  auto server = HttpServer::start(options, std::move(handler));
  if (!server) throw std::runtime_error(server.error().str());
  return std::move(*server);
}

std::string base_url(const HttpServer& s) {
  return std::string(s.tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.port());
}

// Echoes what the server parsed, so tests can check the request side too.
ServerResponse echo(const ServerRequest& r) {
  std::string body = r.method + " " + r.path;
  for (const auto& [k, v] : r.query) body += " [" + k + "=" + v + "]";
  body += " body=" + r.body;
  if (auto h = r.header("X-Test")) body += " x-test=" + std::string(*h);
  ServerResponse resp = ServerResponse::text(200, body);
  resp.headers.emplace_back("X-Remote", r.remote);
  return resp;
}

// A raw TCP client for the cases curl hides (idle and slow clients).
int connect_raw(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

TEST(HttpServer, PlainRoundTripParsesPathQueryHeadersAndBody) {
  auto server = start_server(echo);
  EXPECT_FALSE(server->tls());
  Curl curl;
  auto r = curl.request(base_url(*server) + "/a%20b/c?x=1&y=two%20words&flag", "POST", "payload", {"X-Test: yes"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /a b/c [x=1] [y=two words] [flag=] body=payload x-test=yes");
  EXPECT_NE(r.headers.find("Content-Type: text/plain"), std::string::npos);
  EXPECT_NE(r.headers.find("X-Remote: 127.0.0.1:"), std::string::npos);
}

TEST(HttpServer, PortZeroPicksDistinctFreePorts) {
  auto a = start_server(echo);
  auto b = start_server(echo);
  EXPECT_NE(a->port(), 0);
  EXPECT_NE(b->port(), 0);
  EXPECT_NE(a->port(), b->port());
}

TEST(HttpServer, PortInUseIsAnError) {
  auto a = start_server(echo);
  ServerOptions o;
  o.port = a->port();
  auto b = HttpServer::start(o, echo);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().str().find(std::to_string(a->port())), std::string::npos) << b.error().str();
}

TEST(HttpServer, KeepAliveReusesTheConnection) {
  auto server = start_server(echo);
  Curl curl;
  auto first = curl.request(base_url(*server) + "/one");
  auto second = curl.request(base_url(*server) + "/two");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(first.new_connections, 1);
  EXPECT_EQ(second.new_connections, 0);
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  auto server = start_server([](const ServerRequest&) {
    ServerResponse r = ServerResponse::text(200, "bye");
    r.headers.emplace_back("Connection", "close");
    return r;
  });
  Curl curl;
  auto first = curl.request(base_url(*server) + "/");
  auto second = curl.request(base_url(*server) + "/");
  EXPECT_EQ(first.status, 200);
  EXPECT_NE(first.headers.find("Connection: close"), std::string::npos);
  EXPECT_EQ(second.new_connections, 1);

  auto echo_server = start_server(echo);
  auto asked = curl.request(base_url(*echo_server) + "/", "GET", "", {"Connection: close"});
  EXPECT_NE(asked.headers.find("Connection: close"), std::string::npos);
}

TEST(HttpServer, BodyOverTheLimitIs413) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  auto server = start_server(echo, o);
  Curl curl;
  auto small = curl.request(base_url(*server) + "/", "POST", std::string(1024, 'a'));
  EXPECT_EQ(small.status, 200);
  auto big = curl.request(base_url(*server) + "/", "POST", std::string(4096, 'a'));
  ASSERT_EQ(big.code, CURLE_OK) << curl_easy_strerror(big.code);
  EXPECT_EQ(big.status, 413);
  // Chunked uploads have no Content-Length: the parser's limit catches them.
  auto chunked = curl.request(base_url(*server) + "/", "POST", std::string(4096, 'b'), {"Transfer-Encoding: chunked"});
  ASSERT_EQ(chunked.code, CURLE_OK) << curl_easy_strerror(chunked.code);
  EXPECT_EQ(chunked.status, 413);
}

TEST(HttpServer, ExpectContinueIsAnsweredWithoutDelay) {
  auto server = start_server(echo);
  Curl curl;
  auto start = Clock::now();
  auto r = curl.request(base_url(*server) + "/", "POST", std::string(2000, 'c'), {"Expect: 100-continue"});
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(Clock::now() - start, 900ms);  // curl waits 1 s for a 100 that never comes
}

TEST(HttpServer, HandlerExceptionBecomes500AndServerKeepsServing) {
  auto server = start_server([](const ServerRequest& r) -> ServerResponse {
    if (r.path == "/boom") throw std::runtime_error("kaboom");
    return ServerResponse::text(200, "ok");
  });
  Curl curl;
  auto boom = curl.request(base_url(*server) + "/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_NE(boom.body.find("kaboom"), std::string::npos);
  EXPECT_EQ(curl.request(base_url(*server) + "/fine").status, 200);
}

TEST(HttpServer, JsonResponseAndDelay) {
  auto server = start_server([](const ServerRequest&) {
    ServerResponse r = ServerResponse::json(201, R"({"a":1})");
    r.delay_ms = 300;
    return r;
  });
  Curl curl;
  auto start = Clock::now();
  auto r = curl.request(base_url(*server) + "/");
  EXPECT_GE(Clock::now() - start, 290ms);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_NE(r.headers.find("Content-Type: application/json"), std::string::npos);
}

TEST(HttpServer, DropConnectionClosesWithoutAnswer) {
  auto server = start_server([](const ServerRequest&) {
    ServerResponse r;
    r.drop_connection = true;
    return r;
  });
  Curl curl;
  auto r = curl.request(base_url(*server) + "/");
  EXPECT_NE(r.code, CURLE_OK);
}

TEST(HttpServer, ManyConcurrentClients) {
  ServerOptions o;
  o.threads = 3;
  std::atomic<int> served{0};
  auto server = start_server([&](const ServerRequest&) {
    ++served;
    return ServerResponse::text(200, "ok");
  }, o);
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      Curl curl;
      for (int j = 0; j < 10; ++j) EXPECT_EQ(curl.request(base_url(*server) + "/").status, 200);
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(served.load(), 80);
}

TEST(HttpServer, StopIsPromptWithIdleKeepAliveAndSilentClients) {
  ServerOptions o;
  o.read_timeout_seconds = 60;
  auto server = start_server(echo, o);
  Curl curl;
  ASSERT_EQ(curl.request(base_url(*server) + "/").status, 200);  // connection now idle, kept alive
  int silent = connect_raw(server->port());                       // never sends a byte
  ASSERT_GE(silent, 0);
  auto start = Clock::now();
  server->stop();
  EXPECT_LT(Clock::now() - start, 1s);
  server->stop();  // idempotent
  char c;
  EXPECT_LE(::recv(silent, &c, 1, 0), 0);  // the server side is gone
  ::close(silent);
}

TEST(HttpServer, SlowClientIsCutOffByTheReadTimeout) {
  ServerOptions o;
  o.read_timeout_seconds = 1;
  auto server = start_server(echo, o);
  int fd = connect_raw(server->port());
  ASSERT_GE(fd, 0);
  std::string partial = "GET / HTTP/1.1\r\nHost: x\r\n";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  auto start = Clock::now();
  char buf[256];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  auto waited = Clock::now() - start;
  EXPECT_LE(n, 0);
  EXPECT_GE(waited, 800ms);
  EXPECT_LT(waited, 4s);
  ::close(fd);
}

TEST(HttpServer, MalformedRequestIs400) {
  auto server = start_server(echo);
  int fd = connect_raw(server->port());
  ASSERT_GE(fd, 0);
  std::string junk = "THIS IS NOT HTTP\r\n\r\n";
  ::send(fd, junk.data(), junk.size(), 0);
  char buf[512];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)).substr(0, 12), "HTTP/1.1 400");
  ::close(fd);
}

TEST(HttpServer, TlsRoundTripVerifiedAgainstTestCertificate) {
  testing::TempDir dir;
  auto [cert, key] = testing::make_self_signed_cert(dir.path());
  ServerOptions o;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  auto server = start_server(echo, o);
  EXPECT_TRUE(server->tls());
  Curl curl;
  auto first = curl.request(base_url(*server) + "/secure?q=1", "GET", "", {}, cert);
  ASSERT_EQ(first.code, CURLE_OK) << curl_easy_strerror(first.code);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, "GET /secure [q=1] body=");
  auto second = curl.request(base_url(*server) + "/again", "GET", "", {}, cert);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.new_connections, 0);

  // Without the test CA, verification must fail.
  Curl untrusting;
  auto rejected = untrusting.request(base_url(*server) + "/");
  EXPECT_NE(rejected.code, CURLE_OK);

  int idle = connect_raw(server->port());  // a TLS client that never says hello
  auto start = Clock::now();
  server->stop();
  EXPECT_LT(Clock::now() - start, 1s);
  ::close(idle);
}

TEST(HttpServer, BadCertificateFilesAreErrors) {
  testing::TempDir dir;
  ServerOptions o;
  o.tls_cert_file = (dir / "missing.pem").string();
  o.tls_key_file = (dir / "missing-key.pem").string();
  auto missing = HttpServer::start(o, echo);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().str().find("missing.pem"), std::string::npos) << missing.error().str();

  auto [cert, key] = testing::make_self_signed_cert(dir.path());
  o.tls_cert_file = cert;
  o.tls_key_file = "";
  EXPECT_FALSE(HttpServer::start(o, echo).has_value());
}

// ---------------------------------------------------------------------------------------------
// url.h

TEST(Url, EncodeAndDecode) {
  EXPECT_EQ(url_encode("a b&c=d/é~-._"), "a%20b%26c%3Dd%2F%C3%A9~-._");
  EXPECT_EQ(url_decode("a%20b+c%2"), "a b c%2");
  EXPECT_EQ(url_decode("a+b", false), "a+b");
  EXPECT_EQ(url_decode("%zz%41"), "%zzA");
}

TEST(Url, QueryStrings) {
  QueryParams p = parse_query("a=1&b=x%20y&flag&&c=a=b");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(p[1].second, "x y");
  EXPECT_EQ(p[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(p[3].second, "a=b");
  EXPECT_EQ(build_query({{"a", "1"}, {"b", "x y"}}), "a=1&b=x%20y");
  EXPECT_EQ(append_query("https://h/p", {{"a", "1"}}), "https://h/p?a=1");
  EXPECT_EQ(append_query("https://h/p?x=2", {{"a", "1"}}), "https://h/p?x=2&a=1");
  EXPECT_EQ(append_query("https://h/p?", {{"a", "1"}}), "https://h/p?a=1");
  EXPECT_EQ(append_query("https://h/p?x=2#frag", {{"a", "1"}}), "https://h/p?x=2&a=1#frag");
  EXPECT_EQ(append_query("https://h/p", {}), "https://h/p");
}

TEST(Url, SplitUrl) {
  auto u = split_url("HTTPS://user:pw@Example.atlassian.net/rest/api/3/auditing/record?from=1&to=2#x");
  ASSERT_TRUE(u.has_value()) << u.error().str();
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "example.atlassian.net");
  EXPECT_EQ(u->authority, "example.atlassian.net");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/rest/api/3/auditing/record");
  EXPECT_EQ(u->query, "from=1&to=2");

  auto local = split_url("http://127.0.0.1:8080");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->port, 8080);
  EXPECT_EQ(local->authority, "127.0.0.1:8080");
  EXPECT_EQ(local->path, "/");

  auto v6 = split_url("http://[::1]:9000/x");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 9000);

  EXPECT_FALSE(split_url("ftp://x/").has_value());
  EXPECT_FALSE(split_url("/relative/path").has_value());
  EXPECT_FALSE(split_url("http:///nohost").has_value());
  EXPECT_FALSE(split_url("http://h:99999/").has_value());
  EXPECT_FALSE(split_url("http://h:abc/").has_value());
}

TEST(Url, ResolveUrl) {
  std::string base = "https://api.example.com/v1/alerts?page=1";
  EXPECT_EQ(resolve_url(base, "https://other.example.com/x"), "https://other.example.com/x");
  EXPECT_EQ(resolve_url(base, "/v2/alerts?page=2"), "https://api.example.com/v2/alerts?page=2");
  EXPECT_EQ(resolve_url(base, "next?page=2"), "https://api.example.com/v1/next?page=2");
  EXPECT_EQ(resolve_url(base, "../v3/a"), "https://api.example.com/v3/a");
  EXPECT_EQ(resolve_url(base, "?page=3"), "https://api.example.com/v1/alerts?page=3");
  EXPECT_EQ(resolve_url(base, "//cdn.example.com/p"), "https://cdn.example.com/p");
  EXPECT_EQ(resolve_url("http://h:8080/a/b/", "c"), "http://h:8080/a/b/c");
}

TEST(Url, RedactUrl) {
  EXPECT_EQ(redact_url("https://h/p?token=secret&x=1"), "https://h/p");
  EXPECT_EQ(redact_url("https://user:pw@h/p#frag"), "https://h/p");
  EXPECT_EQ(redact_url("https://h/p"), "https://h/p");
}

}  // namespace
}  // namespace intake::http
