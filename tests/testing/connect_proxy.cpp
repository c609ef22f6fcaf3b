#include "testing/connect_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace intake::testing {

namespace {

constexpr int kPollMs = 100;  // how often blocked loops look at the stop flag

bool send_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

ConnectProxy::ConnectProxy(uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("proxy: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("proxy: cannot listen on loopback");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> tunnels;
  {
    std::lock_guard lock(mutex_);
    tunnels.swap(tunnels_);
  }
  for (auto& t : tunnels) t.join();
  ::close(listen_fd_);
}

std::string ConnectProxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> ConnectProxy::targets() const {
  std::lock_guard lock(mutex_);
  return targets_;
}

void ConnectProxy::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mutex_);
    tunnels_.emplace_back([this, client] { tunnel(client); });
  }
}

void ConnectProxy::tunnel(int client) {
  // The request head: "CONNECT host:port HTTP/1.1\r\n...\r\n\r\n".
  std::string head;
  char buf[16384];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192 && !stop_) {
    pollfd p{client, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    ssize_t r = ::recv(client, buf, sizeof buf, 0);
    if (r <= 0) {
      ::close(client);
      return;
    }
    head.append(buf, static_cast<size_t>(r));
  }
  size_t end = head.find("\r\n\r\n");
  if (end == std::string::npos || !head.starts_with("CONNECT ")) {
    static constexpr char kNotConnect[] = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
    send_all(client, kNotConnect, sizeof kNotConnect - 1);
    ::close(client);
    return;
  }
  std::string target = head.substr(8, head.find(' ', 8) - 8);
  {
    std::lock_guard lock(mutex_);
    targets_.push_back(target);
  }
  int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(target_port_);
  if (upstream < 0 || ::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    static constexpr char kBadGateway[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    send_all(client, kBadGateway, sizeof kBadGateway - 1);
    if (upstream >= 0) ::close(upstream);
    ::close(client);
    return;
  }
  static constexpr char kOk[] = "HTTP/1.1 200 Connection established\r\n\r\n";
  bool open = send_all(client, kOk, sizeof kOk - 1);
  std::string early = head.substr(end + 4);  // bytes the client sent right after the head
  if (open && !early.empty()) open = send_all(upstream, early.data(), early.size());
  while (open && !stop_) {
    pollfd p[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    int n = ::poll(p, 2, kPollMs);
    if (n <= 0) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t r = ::recv(p[i].fd, buf, sizeof buf, 0);
      open = r > 0 && send_all(p[1 - i].fd, buf, static_cast<size_t>(r));
    }
  }
  ::close(upstream);
  ::close(client);
}

}  // namespace intake::testing
