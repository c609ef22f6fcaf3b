// Shared helpers for unit and end-to-end tests: paths, temporary directories, deadlines.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace intake::testing {

// The repository root, the build directory (binaries), and the shared folder with the corpus.
std::filesystem::path source_dir();
std::filesystem::path bin_dir();
// The corpus folder (shared/corpus/ccp), or nullopt when it is not beside the checkout.
std::optional<std::filesystem::path> corpus_dir();

// A fresh directory removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p);
// The full path of a program found on PATH (tests start processes with execve), or the name itself.
std::string find_program(const std::string& name);
void write_file(const std::filesystem::path& p, const std::string& content);

// Polls `ready` until it returns true or the deadline passes; returns the last result.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds deadline,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

// Makes a self-signed certificate for 127.0.0.1/localhost with the openssl command;
// returns {cert, key} paths inside dir.
std::pair<std::string, std::string> make_self_signed_cert(const std::filesystem::path& dir);
// The same, also valid for these DNS names (vendor hosts reached through a ConnectProxy).
std::pair<std::string, std::string> make_self_signed_cert(const std::filesystem::path& dir,
                                                          const std::vector<std::string>& dns_names);

}  // namespace intake::testing

// Skips the current test when the shared corpus is absent (a user's clone).
#define INTAKE_REQUIRE_CORPUS(var)                                                         \
  auto var##_opt = ::intake::testing::corpus_dir();                                        \
  if (!var##_opt) GTEST_SKIP() << "shared/corpus/ccp not found beside the checkout; corpus tests skipped"; \
  const std::filesystem::path var = *var##_opt
