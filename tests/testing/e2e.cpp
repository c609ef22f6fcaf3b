#include "testing/e2e.h"

#include <sqlite3.h>

#include <stdexcept>

namespace intake::testing {

Simulator start_simulator(const std::vector<std::string>& args, const std::filesystem::path& log_dir) {
  std::vector<std::string> argv{(bin_dir() / "intake-sim").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  Simulator sim;
  sim.process = std::make_unique<Process>(argv, log_dir);
  auto line = sim.process->wait_for_output("listening url=", std::chrono::seconds(15));
  if (!line) throw std::runtime_error("intake-sim did not start: " + sim.process->err());
  sim.url = line->substr(std::string("listening url=").size());
  sim.domain = sim.url.substr(sim.url.find("://") + 3);
  return sim;
}

RunResult run_intake(const std::vector<std::string>& args, const std::filesystem::path& log_dir,
                     std::chrono::milliseconds deadline) {
  std::vector<std::string> argv{(bin_dir() / "intake").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, log_dir, deadline);
}

WorkspaceFile::WorkspaceFile(const std::filesystem::path& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open workspace " + path.string());
  }
  sqlite3_busy_timeout(db_, 10'000);
}

WorkspaceFile::~WorkspaceFile() { sqlite3_close(db_); }

int64_t WorkspaceFile::scalar(const std::string& sql) const {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return -1;
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

std::vector<std::string> WorkspaceFile::column(const std::string& sql) const {
  std::vector<std::string> out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
  }
  sqlite3_finalize(st);
  return out;
}

bool WorkspaceFile::has_table(const std::string& name) const {
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  bool found = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return found;
}

}  // namespace intake::testing
