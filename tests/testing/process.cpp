#include "testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "testing/support.h"

extern char** environ;

namespace intake::testing {

namespace {
std::atomic<int> counter{0};
}

Process::Process(std::vector<std::string> argv, const std::filesystem::path& log_dir, std::vector<std::string> extra_env) {
  int n = counter++;
  std::string base = std::filesystem::path(argv.at(0)).filename().string() + "-" + std::to_string(n);
  out_path_ = log_dir / (base + ".out");
  err_path_ = log_dir / (base + ".err");
  std::vector<std::string> env;
  // An extra entry replaces an inherited one of the same name (execve would take the first).
  auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    bool replaced = false;
    for (const auto& x : extra_env) replaced = replaced || name_of(x) == name_of(entry);
    if (!replaced) env.push_back(std::move(entry));
  }
  for (auto& e : extra_env) env.push_back(e);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    setpgid(0, 0);
    execve(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
}

std::string Process::out() const { return read_file(out_path_); }
std::string Process::err() const { return read_file(err_path_); }

std::optional<std::string> Process::wait_for_output(const std::string& needle, std::chrono::milliseconds deadline) const {
  std::optional<std::string> found;
  wait_until(
      [&] {
        std::string text = out();
        auto pos = text.find(needle);
        if (pos == std::string::npos) return false;
        auto eol = text.find('\n', pos);
        if (eol == std::string::npos) return false;  // wait for the whole line
        found = text.substr(pos, eol - pos);
        return true;
      },
      deadline);
  return found;
}

void Process::signal(int sig) {
  if (!reaped_ && pid_ > 0) ::kill(pid_, sig);
}

bool Process::running() {
  if (reaped_) return false;
  pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) reaped_ = true;
  return !reaped_;
}

RunResult Process::wait(std::chrono::milliseconds deadline) {
  RunResult res;
  bool done = wait_until([&] { return !running(); }, deadline, std::chrono::milliseconds(5));
  if (!done) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
    reaped_ = true;
    res.timed_out = true;
  }
  if (WIFEXITED(status_)) res.exit_code = WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) res.signal = WTERMSIG(status_);
  res.out = out();
  res.err = err();
  return res;
}

RunResult run(std::vector<std::string> argv, const std::filesystem::path& log_dir, std::chrono::milliseconds deadline,
              std::vector<std::string> extra_env) {
  Process p(std::move(argv), log_dir, std::move(extra_env));
  return p.wait(deadline);
}

}  // namespace intake::testing
