// A real PostgreSQL server for a test: initdb into a temporary folder, started on a free port
// and reachable only over loopback; stopped and removed with the object. initdb refuses to run
// as root, so under root the server runs as the `postgres` user.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "testing/process.h"

struct pg_conn;

namespace intake::testing {

class PostgresServer {
 public:
  // Throws std::runtime_error with the server's output when it cannot start.
  PostgresServer();
  ~PostgresServer();
  uint16_t port() const { return port_; }
  // "host=127.0.0.1 port=P user=intake dbname=postgres"
  std::string connection() const;
  // Runs a query and returns the first column of every row (throws on error).
  std::vector<std::string> query(const std::string& sql) const;
  int64_t scalar(const std::string& sql) const;  // -1 on error (e.g. no such table)

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> server_;
};

// True when the PostgreSQL server binaries are installed (scripts/setup installs them).
bool postgres_available();

}  // namespace intake::testing
