#include "testing/e2e.h"

#include <sqlite3.h>

#include <stdexcept>

#include "http/client.h"
#include "json/value_json.h"

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

std::string sim_get(const Simulator& sim, const std::string& path, const std::string& ca_file) {
  http::ClientOptions o;
  o.ca_file = ca_file;
  auto client = http::Client::create(o);
  if (!client) throw std::runtime_error(client.error().str());
  http::Request req;
  req.url = sim.url + path;
  auto resp = (*client)->send(req, std::chrono::seconds(10));
  if (!resp) throw std::runtime_error(resp.error().str());
  return resp->body;
}

std::vector<SimRequest> sim_requests(const Simulator& sim, const std::string& ca_file) {
  std::vector<SimRequest> out;
  std::string log = sim_get(sim, "/_sim/requests", ca_file);
  for (size_t pos = 0; pos < log.size();) {
    size_t eol = log.find('\n', pos);
    if (eol == std::string::npos) eol = log.size();
    auto line = json::parse(std::string_view(log).substr(pos, eol - pos));
    pos = eol + 1;
    if (!line || !line->is_object()) continue;
    SimRequest r;
    if (const Value* v = line->get("method"); v && v->is_string()) r.method = v->as_string();
    if (const Value* v = line->get("target"); v && v->is_string()) r.target = v->as_string();
    int64_t n = 0;
    if (const Value* v = line->get("status"); v && v->to_int64(n)) r.status = static_cast<int>(n);
    if (const Value* v = line->get("ts_ms"); v && v->to_int64(n)) r.ts_ms = n;
    out.push_back(std::move(r));
  }
  return out;
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
