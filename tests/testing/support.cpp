#include "testing/support.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace intake::testing {

namespace fs = std::filesystem;

fs::path source_dir() { return INTAKE_SOURCE_DIR; }
fs::path bin_dir() { return INTAKE_BIN_DIR; }

std::optional<fs::path> corpus_dir() {
  if (const char* env = std::getenv("INTAKE_SHARED_DIR")) {
    fs::path p = fs::path(env) / "corpus" / "ccp";
    if (fs::is_directory(p)) return p;
  }
  fs::path p = fs::path(INTAKE_SHARED_DIR) / "corpus" / "ccp";
  if (fs::is_directory(p)) return fs::canonical(p);
  return std::nullopt;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = fs::temp_directory_path() / ("intake-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t pos = 0; pos <= dirs.size();) {
    size_t colon = dirs.find(':', pos);
    if (colon == std::string::npos) colon = dirs.size();
    std::filesystem::path candidate = std::filesystem::path(dirs.substr(pos, colon - pos)) / name;
    if (!dirs.substr(pos, colon - pos).empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    pos = colon + 1;
  }
  return name;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds deadline, std::chrono::milliseconds step) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(step);
  }
}

std::pair<std::string, std::string> make_self_signed_cert(const fs::path& dir) { return make_self_signed_cert(dir, {}); }

std::pair<std::string, std::string> make_self_signed_cert(const fs::path& dir, const std::vector<std::string>& dns_names) {
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  std::string names = "DNS:localhost,IP:127.0.0.1";
  for (const auto& n : dns_names) names += ",DNS:" + n;
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                    "-addext subjectAltName=" + names + " -keyout '" + key + "' -out '" + cert +
                    "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a test certificate");
  return {cert, key};
}

}  // namespace intake::testing
