#include "testing/postgres.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <thread>

#include "testing/support.h"

namespace intake::testing {

namespace fs = std::filesystem;

namespace {

fs::path bin_dir_of_postgres() {
  for (const char* v : {"17", "16", "15", "14", "13"}) {
    fs::path p = fs::path("/usr/lib/postgresql") / v / "bin";
    if (fs::exists(p / "postgres")) return p;
  }
  return {};
}

uint16_t pick_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  uint16_t port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// Runs `argv` as the postgres user when we are root.
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> out{"/usr/sbin/runuser", "-u", "postgres", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace

bool postgres_available() { return !bin_dir_of_postgres().empty(); }

PostgresServer::PostgresServer() {
  fs::path bin = bin_dir_of_postgres();
  if (bin.empty()) throw std::runtime_error("PostgreSQL is not installed (scripts/setup installs it)");
  char tmpl[] = "/tmp/intake-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (::geteuid() == 0) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root, but there is no postgres user to run the server as");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown of the data folder failed");
  }
  fs::path data = dir_ / "data";
  auto init = run(as_server_user({(bin / "initdb").string(), "-D", data.string(), "-U", "intake", "--auth=trust", "-E", "UTF8",
                                  "--no-sync"}),
                  "/tmp", std::chrono::seconds(120));
  if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.out + init.err);
  for (int attempt = 0; attempt < 5 && !server_; ++attempt) {
    port_ = pick_port();
    auto p = std::make_unique<Process>(as_server_user({(bin / "postgres").string(), "-D", data.string(), "-p", std::to_string(port_),
                                                       "-k", dir_.string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"}),
                                       "/tmp");
    bool ready = wait_until(
        [&] {
          auto r = run({"/usr/bin/pg_isready", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "intake"}, "/tmp",
                       std::chrono::seconds(5));
          return r.exit_code == 0 || !p->running();
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100));
    if (ready && p->running()) server_ = std::move(p);
  }
  if (!server_) throw std::runtime_error("PostgreSQL did not start");
}

PostgresServer::~PostgresServer() {
  if (server_) {
    server_->signal(SIGINT);  // fast shutdown
    server_->wait(std::chrono::seconds(20));
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PostgresServer::connection() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=intake dbname=postgres";
}

std::vector<std::string> PostgresServer::query(const std::string& sql) const {
  PGconn* c = PQconnectdb(connection().c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error(why);
  }
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string why = PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    throw std::runtime_error(why);
  }
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetisnull(r, i, 0) ? "" : PQgetvalue(r, i, 0));
  PQclear(r);
  PQfinish(c);
  return out;
}

int64_t PostgresServer::scalar(const std::string& sql) const {
  try {
    auto rows = query(sql);
    return rows.empty() || rows[0].empty() ? -1 : std::stoll(rows[0]);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace intake::testing
