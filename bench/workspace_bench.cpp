// Workspace write path: 1,000,000 Jira-like 12-column rows in 1000-row transactions.
//   BareInsert   - a hand-written prepared INSERT on the same table layout and pragmas (the floor);
//   Append       - WriteTxn::append;
//   AppendAdmit  - WriteTxn::append plus one WriteTxn::admit per row (hashed keys); each page is a
//                  window and forget_before drops the keys of windows before the previous one, so
//                  the recorded set stays at about two pages (the engine's steady state);
//   AppendAdmitUnbounded - the same without forget_before: 1,000,000 keys accumulate (worst case:
//                  every page dirties most leaves of the key B-tree).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "sinks/workspace.h"

namespace {

using intake::DateTime;
using intake::kTicksPerDay;
using intake::kTicksPerSecond;
using intake::Row;
using intake::Schema;
using intake::Value;
using intake::ColumnType;
using intake::sinks::Workspace;

constexpr int64_t kRows = 1'000'000;
constexpr int64_t kPage = 1000;

Schema jira_schema() {
  return Schema{{{"TimeGenerated", ColumnType::DateTime},
                 {"IssueKey", ColumnType::String},
                 {"IssueId", ColumnType::Long},
                 {"Summary", ColumnType::String},
                 {"Status", ColumnType::String},
                 {"Priority", ColumnType::String},
                 {"Assignee", ColumnType::String},
                 {"Reporter", ColumnType::String},
                 {"Created", ColumnType::DateTime},
                 {"Updated", ColumnType::DateTime},
                 {"StoryPoints", ColumnType::Real},
                 {"IsSubtask", ColumnType::Bool}}};
}

// One page of rows; the benchmarks rewrite the ids of each page so every row differs.
std::vector<Row> jira_page() {
  static const char* kStatus[] = {"Open", "In Progress", "Done", "Blocked"};
  static const char* kPeople[] = {"alice", "bob", "carol", "dave", "erin"};
  std::vector<Row> rows;
  for (int64_t i = 0; i < kPage; ++i) {
    int64_t t = 17'000'000'000'000'000 + i * kTicksPerSecond;
    rows.push_back({Value(DateTime{t}), Value("PROJ-" + std::to_string(i)), Value(i),
                    Value("Fix login " + std::to_string(i % 97)), Value(kStatus[i % 4]), Value("Medium"),
                    Value(kPeople[i % 5]), Value(kPeople[(i + 2) % 5]), Value(DateTime{t - kTicksPerDay}),
                    Value(DateTime{t}), Value(static_cast<double>(i % 8)), Value(i % 3 == 0)});
  }
  return rows;
}

void renumber(std::vector<Row>& rows, int64_t first) {
  for (int64_t i = 0; i < kPage; ++i) rows[static_cast<size_t>(i)][2] = Value(first + i);
}

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string fresh_path() {
  static int n = 0;
  auto p = std::filesystem::temp_directory_path() /
           ("intake-bench-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".db");
  return p.string();
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

void report(benchmark::State& state) {
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(kRows * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_BareInsert(benchmark::State& state) {
  auto rows = jira_page();
  for (auto _ : state) {
    state.PauseTiming();
    std::string path = fresh_path();
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                 "PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=4096;"
                 "CREATE TABLE t(TimeGenerated DATETIME, IssueKey TEXT, IssueId BIGINT, Summary TEXT, Status TEXT,"
                 " Priority TEXT, Assignee TEXT, Reporter TEXT, Created DATETIME, Updated DATETIME,"
                 " StoryPoints REAL, IsSubtask BOOLEAN)",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v3(db, "INSERT INTO t VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, SQLITE_PREPARE_PERSISTENT, &st,
                       nullptr);
    state.ResumeTiming();
    for (int64_t first = 0; first < kRows; first += kPage) {
      renumber(rows, first);
      sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      // Types known at compile time: no dispatch on the column type, no checks.
      for (const Row& r : rows) {
        auto text = [&](int c) {
          const std::string& s = r[static_cast<size_t>(c)].as_string();
          sqlite3_bind_text(st, c + 1, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
        };
        sqlite3_bind_int64(st, 1, r[0].as_datetime().ticks);
        text(1);
        sqlite3_bind_int64(st, 3, r[2].as_long());
        for (int c = 3; c <= 7; ++c) text(c);
        sqlite3_bind_int64(st, 9, r[8].as_datetime().ticks);
        sqlite3_bind_int64(st, 10, r[9].as_datetime().ticks);
        sqlite3_bind_double(st, 11, r[10].as_real());
        sqlite3_bind_int(st, 12, r[11].as_bool());
        if (sqlite3_step(st) != SQLITE_DONE) state.SkipWithError(sqlite3_errmsg(db));
        sqlite3_reset(st);
      }
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    state.PauseTiming();
    sqlite3_finalize(st);
    sqlite3_close(db);
    remove_db(path);
    state.ResumeTiming();
  }
  report(state);
}

enum class Keys { None, Windowed, Unbounded };

void run_workspace(benchmark::State& state, Keys keys) {
  auto rows = jira_page();
  const Schema schema = jira_schema();
  for (auto _ : state) {
    state.PauseTiming();
    std::string path = fresh_path();
    auto ws = Workspace::open(path);
    if (!ws || !(*ws)->ensure_table("Jira_CL", schema)) {
      state.SkipWithError("cannot open the workspace");
      return;
    }
    state.ResumeTiming();
    for (int64_t first = 0; first < kRows; first += kPage) {
      renumber(rows, first);
      auto txn = (*ws)->begin();
      if (!txn || !txn->append("Jira_CL", schema, rows)) state.SkipWithError("append failed");
      if (keys != Keys::None) {
        int64_t epoch = keys == Keys::Windowed ? first / kPage : 0;
        for (int64_t i = 0; i < kPage; ++i) {
          if (!txn->admit("jira", mix(static_cast<uint64_t>(first + i)), epoch)) state.SkipWithError("admit failed");
        }
        if (keys == Keys::Windowed && !txn->forget_before("jira", epoch - 1)) state.SkipWithError("forget failed");
      }
      if (!txn->commit()) state.SkipWithError("commit failed");
    }
    state.PauseTiming();
    ws->reset();
    remove_db(path);
    state.ResumeTiming();
  }
  report(state);
}

void BM_Append(benchmark::State& state) { run_workspace(state, Keys::None); }
void BM_AppendAdmit(benchmark::State& state) { run_workspace(state, Keys::Windowed); }
void BM_AppendAdmitUnbounded(benchmark::State& state) { run_workspace(state, Keys::Unbounded); }

BENCHMARK(BM_BareInsert)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_Append)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_AppendAdmit)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_AppendAdmitUnbounded)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
