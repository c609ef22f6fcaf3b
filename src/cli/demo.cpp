// intake demo: a Jira simulator on a free loopback port over HTTPS (certificate made on the spot),
// a backfill of its audit records through the shipped Jira package into a fresh workspace, then
// per-table counts and three sample rows.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/result_format.h"
#include "engine/poll_job.h"
#include "http/self_signed.h"
#include "sinks/workspace_catalog.h"

namespace intake::cli {

namespace fs = std::filesystem;

std::string executable_dir() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : p.parent_path().string();
}

std::optional<std::string> connectors_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("INTAKE_CONNECTORS")) candidates.emplace_back(env);
  candidates.emplace_back("connectors");
  fs::path exe(executable_dir());
  candidates.push_back(exe / ".." / "connectors");
  candidates.push_back(exe / ".." / "share" / "intake" / "connectors");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return fs::weakly_canonical(c).string();
  }
  return std::nullopt;
}

namespace {

struct Simulator {
  pid_t pid = -1;
  std::string url;
  ~Simulator() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
};

// Starts intake-sim and reads its "listening url=..." line (bounded wait).
Result<std::string> start_simulator(Simulator& sim, const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return fail("demo", "cannot create a pipe");
  sim.pid = fork();
  if (sim.pid < 0) return fail("demo", "cannot start the simulator");
  if (sim.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
    auto pos = line.find("url=");
    auto eol = line.find('\n', pos == std::string::npos ? 0 : pos);
    if (pos != std::string::npos && eol != std::string::npos) {
      close(fds[0]);
      return line.substr(pos + 4, eol - pos - 4);
    }
  }
  close(fds[0]);
  return fail("demo", "the simulator did not report its address within 15 s (" + args[0] + ")");
}

std::string show(const Value& v) {
  std::string s = cell_text(v);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

int run_demo(const DemoArgs& args) {
  auto connectors = connectors_dir();
  if (!connectors) {
    std::cerr << "error: the connectors folder was not found (run from the repository, or set INTAKE_CONNECTORS)\n";
    return kExitConfig;
  }
  std::string sim_bin = executable_dir() + "/intake-sim";
  if (access(sim_bin.c_str(), X_OK) != 0) {
    std::cerr << "error: " << sim_bin << " not found: build it first (make demo builds everything)\n";
    return kExitConfig;
  }
  char tmpl[] = "/tmp/intake-demo-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::cerr << "error: cannot create a temporary directory\n";
    return kExitRuntime;
  }
  std::string tmp = tmpl;
  auto cert = http::make_self_signed_cert(tmp);
  if (!cert) {
    std::cerr << "error: " << cert.error().str() << "\n";
    return kExitRuntime;
  }
  DateTime now = system_now();
  DateTime end{now.ticks / kTicksPerMinute * kTicksPerMinute - 5 * kTicksPerMinute};
  DateTime start{end.ticks - int64_t(args.hours) * kTicksPerHour};
  Simulator sim;
  auto url = start_simulator(sim, {sim_bin, "jira", "--port", "0", "--records", std::to_string(args.records), "--start",
                                   format_iso8601(start), "--end", format_iso8601(end), "--tls-cert", cert->cert,
                                   "--tls-key", cert->key, "--seed", "7"});
  if (!url) {
    std::cerr << "error: " << url.error().str() << "\n";
    return kExitRuntime;
  }
  std::cout << "Jira simulator: " << *url << " (" << args.records << " audit records over " << args.hours << " h)\n";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(args.workspace + suffix);

  engine::PollJobOptions opt;
  opt.package_path = *connectors + "/atlassian-jira-audit";
  std::string domain = url->substr(url->find("://") + 3);
  opt.params = {{"domain", domain}, {"username", "admin@example.com"}, {"password", "sim-token"}};
  opt.instance_name = "jira-demo";
  opt.workspace_path = args.workspace;
  opt.from = start;
  opt.to = end;
  opt.ca_file = cert->cert;
  opt.stop_requested = [] { return g_stop.load(); };
  auto t0 = std::chrono::steady_clock::now();
  auto result = engine::run_poll_job(opt);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fs::remove_all(tmp);
  if (!result) {
    for (const auto& e : result.error().errors) std::cerr << "error: " << e.str() << "\n";
    return kExitRuntime;
  }
  std::cout << "\nPolled " << result->stats.events << " events in " << result->stats.windows << " windows, "
            << result->stats.pages << " pages, " << secs << " s; " << result->sink.duplicates_dropped
            << " boundary duplicates dropped.\n\nWorkspace " << args.workspace << ":\n";
  auto ws = sinks::Workspace::open(args.workspace);
  if (!ws) {
    std::cerr << "error: " << ws.error().str() << "\n";
    return kExitRuntime;
  }
  auto tables = (*ws)->tables();
  if (!tables) {
    std::cerr << "error: " << tables.error().str() << "\n";
    return kExitRuntime;
  }
  for (const auto& t : *tables) std::cout << "  " << t.name << ": " << t.rows << " rows\n";
  for (const auto& t : *tables) {
    auto rows = (*ws)->read_rows(t.name, 3);
    if (!rows) continue;
    std::cout << "\nSample rows of " << t.name << ":\n";
    for (const auto& row : *rows) {
      std::cout << "  -";
      for (size_t i = 0; i < row.size() && i < t.schema.columns.size(); ++i) {
        if (row[i].is_null()) continue;
        std::cout << " " << t.schema.columns[i].name << "=" << show(row[i]);
      }
      std::cout << "\n";
    }
  }
  const std::string kql = "AtlassianJiraAudit_CL | summarize records = count() by category | order by records desc";
  std::cout << "\n$ intake query '" << kql << "' --workspace " << args.workspace << "\n";
  sinks::WorkspaceCatalog catalog(**ws);
  auto query = kql::Query::compile(kql, catalog);
  auto table = query ? query->run() : Result<kql::Table>(std::unexpected(query.error()));
  if (!table) {
    std::cerr << "error: " << table.error().str() << "\n";
    return kExitRuntime;
  }
  print_table(std::cout, *table);
  return kExitOk;
}

}  // namespace intake::cli
