// The daemon's end-to-end fixture: Jira sites on simulators (each site its own package copy and
// table), an intake.yaml writer, and `intake run` started with its API URL read from stdout.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/time.h"
#include "http/client.h"
#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace intake::testing {

constexpr const char* kUser = "soc@example.com";
constexpr const char* kBearer = "api-bearer-7d1e4c2b9a";

inline std::string password_of(const std::string& site) { return "jira-token-" + site + "-5f2a9c81"; }

inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  uint16_t port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

inline std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

struct HttpResult {
  int status = 0;
  std::string body;
};

class DaemonE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = make_self_signed_cert(dir_.path());
    int64_t now = intake::system_now().ticks;
    int64_t end = now / intake::kTicksPerMinute * intake::kTicksPerMinute;
    end_ = intake::format_iso8601(intake::DateTime{end});
    start_ = intake::format_iso8601(intake::DateTime{end - 20 * intake::kTicksPerMinute});
  }

  // The Jira package as site `site`'s own connector: one-minute windows without delay, its own
  // table (Jira<site>_CL), and optionally small pages.
  std::string package(const std::string& site, int page_size = 0) {
    fs::path pkg = dir_.path() / ("pkg-" + site);
    if (fs::exists(pkg)) return pkg.string();
    fs::copy(source_dir() / "connectors/atlassian-jira-audit", pkg, fs::copy_options::recursive);
    for (const char* f : {"definition.json", "dcr.json", "table.json", "ui.json"}) {
      std::string text = read_file(pkg / f);
      text = replace_all(text, "AtlassianJiraAudit_CL", table(site));
      text = replace_all(text, "\"queryWindowInMin\": 60", "\"queryWindowInMin\": 1");
      text = replace_all(text, "\"queryWindowDelayInMin\": 2", "\"queryWindowDelayInMin\": 0");
      text = replace_all(text, "\"title\": \"Atlassian Jira audit records\"", "\"title\": \"Jira site " + site + "\"");
      if (page_size) text = replace_all(text, "\"pageSize\": 1000", "\"pageSize\": " + std::to_string(page_size));
      write_file(pkg / f, text);
    }
    return pkg.string();
  }
  static std::string table(const std::string& site) { return "Jira" + site + "_CL"; }

  Simulator start_jira(const std::string& site, uint16_t port, int records, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"jira", "--records", std::to_string(records), "--start", start_, "--end", end_,
                                  "--seed", std::to_string(7 + site[0]), "--user", kUser, "--password", password_of(site),
                                  "--tls-cert", cert_.first, "--tls-key", cert_.second, "--port", std::to_string(port)};
    args.insert(args.end(), extra.begin(), extra.end());
    return start_simulator(args, dir_.path());
  }

  // One connector entry of intake.yaml; the password comes from the environment.
  std::string connector_yaml(const std::string& site, uint16_t port, const std::string& pkg, int windows_per_run = 2) {
    return "  - name: jira-" + site + "\n    package: " + pkg + "\n    parameters:\n      domain: \"127.0.0.1:" +
           std::to_string(port) + "\"\n      username: " + kUser + "\n      password: ${JIRA_TOKEN_" + site +
           "}\n    schedule: \"* * * * * ?\"\n    start: " + start_ + "\n    windowsPerRun: " + std::to_string(windows_per_run) + "\n";
  }

  fs::path write_config(const std::string& connectors, const std::string& extra = "") {
    fs::path p = dir_.path() / "intake.yaml";
    write_file(p, "workspace: ws.db\nlisten: 127.0.0.1:0\nbearerToken: ${INTAKE_BEARER}\nhealthSummaryInterval: 3s\n"
                  "tls:\n  caFile: " + cert_.first + "\n" + extra + "connectors:\n" + connectors);
    return p;
  }

  std::vector<std::string> env() const {
    std::vector<std::string> e{std::string("INTAKE_BEARER=") + kBearer};
    for (const char* site : {"A", "B", "C"}) e.push_back(std::string("JIRA_TOKEN_") + site + "=" + password_of(site));
    return e;
  }

  std::unique_ptr<Process> start_daemon(const fs::path& config, std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv{(bin_dir() / "intake").string(), "run", "--config", config.string()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    auto p = std::make_unique<Process>(argv, dir_.path(), env());
    auto line = p->wait_for_output("listening url=", 30s);
    if (!line) {
      ADD_FAILURE() << "intake run did not start: " << p->err();
      return p;
    }
    url_ = line->substr(std::string("listening url=").size());
    return p;
  }

  HttpResult http(const std::string& method, const std::string& path, const std::string& body = {}) {
    auto client = intake::http::Client::create({}).value();
    intake::http::Request req;
    req.method = method;
    req.url = url_ + path;
    req.body = body;
    req.headers = {{"Authorization", std::string("Bearer ") + kBearer}};
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    auto resp = client->send(req, 10s);
    if (!resp) return {0, resp.error().str()};
    return {resp->status, resp->body};
  }

  int64_t count(const std::string& sql) {
    fs::path ws = dir_.path() / "ws.db";
    if (!fs::exists(ws)) return -1;
    WorkspaceFile w(ws);
    return w.scalar(sql);
  }
  int64_t health(const std::string& where) { return count("SELECT count(*) FROM SentinelHealth WHERE " + where); }
  bool wait_for(const std::function<bool()>& f, std::chrono::milliseconds d = 60s) { return wait_until(f, d, 100ms); }

  // Asks the daemon to stop and checks it does so cleanly within 10 seconds.
  void stop_daemon(Process& p) {
    auto t0 = std::chrono::steady_clock::now();
    p.signal(SIGTERM);
    auto r = p.wait(15s);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 4000 ? r.err.size() - 4000 : 0);
    EXPECT_LT(took, 10s);
  }

  TempDir dir_;
  std::pair<std::string, std::string> cert_;
  std::string start_, end_, url_;
};

}  // namespace intake::testing
