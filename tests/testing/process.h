// Child processes for end-to-end tests: start a built binary with its output captured to files,
// wait for a line it prints, signal it, and collect its exit code, all with deadlines.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace intake::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  int signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

class Process {
 public:
  // Starts `argv[0]` with the arguments; stdout and stderr go to files under `log_dir`.
  // Extra environment entries are "NAME=value"; they replace inherited ones of the same name.
  Process(std::vector<std::string> argv, const std::filesystem::path& log_dir,
          std::vector<std::string> extra_env = {});
  ~Process();  // SIGKILLs the child if still running

  pid_t pid() const { return pid_; }
  std::string out() const;
  std::string err() const;

  // Waits until stdout contains `needle`; returns the text from the needle to the end of its line.
  std::optional<std::string> wait_for_output(const std::string& needle, std::chrono::milliseconds deadline) const;
  void signal(int sig);
  // Waits for exit; on deadline the child is SIGKILLed and timed_out is set.
  RunResult wait(std::chrono::milliseconds deadline);
  bool running();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::filesystem::path out_path_, err_path_;
};

// Runs a command to completion (bounded by `deadline`).
RunResult run(std::vector<std::string> argv, const std::filesystem::path& log_dir,
              std::chrono::milliseconds deadline = std::chrono::seconds(120),
              std::vector<std::string> extra_env = {});

}  // namespace intake::testing
