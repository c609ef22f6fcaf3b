// A minimal HTTP CONNECT proxy for end-to-end tests. It tunnels every CONNECT to one port on
// loopback, so that a definition whose endpoint is a fixed vendor host (https://api.slack.com/...)
// reaches a simulator: intake honours https_proxy as curl does, and TLS still verifies the vendor
// host name against the simulator's certificate.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace intake::testing {

class ConnectProxy {
 public:
  // Listens on 127.0.0.1 (a free port) and tunnels to 127.0.0.1:`target_port`. Throws when the
  // socket cannot be set up.
  explicit ConnectProxy(uint16_t target_port);
  ~ConnectProxy();  // stops accepting, closes every tunnel, joins its threads
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  uint16_t port() const { return port_; }
  // "http://127.0.0.1:PORT", for https_proxy.
  std::string url() const;
  // The CONNECT targets ("host:port") seen so far, in order.
  std::vector<std::string> targets() const;

 private:
  void accept_loop();
  void tunnel(int client);

  uint16_t target_port_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> tunnels_;
  std::vector<std::string> targets_;
};

}  // namespace intake::testing
