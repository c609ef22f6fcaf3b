// KQL engine throughput.
//   Transform          - a Jira-like DCR transform (todatetime, member access, parse_json of a
//                        re-serialised object, project-away) over 1,000,000 rows in 1000-row pages;
//                        reports rows/s.
//   SummarizeCountBin  - `T | summarize count() by bin(TimeGenerated, 1h)` over 10,000,000
//                        in-memory rows through MemoryCatalog.
//   WorkspaceSummarizeCountBin10M - the same query over 10,000,000 rows of a 4-column table IN A
//                        WORKSPACE file (sinks::Workspace + WorkspaceCatalog, projection pushed
//                        into SQLite). The file is written once per run in a temporary directory
//                        (its size and write time are reported as counters) and removed at exit.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "json/value_json.h"
#include "kql/kql.h"
#include "sinks/workspace.h"
#include "sinks/workspace_catalog.h"

namespace {

using namespace intake;

Schema jira_source_schema() {
  return Schema{{{"created", ColumnType::String},
                 {"summary", ColumnType::String},
                 {"category", ColumnType::String},
                 {"authorKey", ColumnType::String},
                 {"objectItem", ColumnType::Dynamic},
                 {"description", ColumnType::String},
                 {"id", ColumnType::Long}}};
}

std::vector<Row> jira_rows(int64_t n) {
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Object item{{"id", Value("1000" + std::to_string(i % 997))},
                {"name", Value("PROJ-" + std::to_string(i % 5000))},
                {"typeName", Value("ISSUE")}};
    rows.push_back(Row{Value("2024-01-0" + std::to_string(1 + i % 9) + "T12:34:56.789+0000"),
                       Value("User updated issue"), Value("issues"), Value("user" + std::to_string(i % 100)),
                       Value(std::move(item)), Value("A longer description that the transform drops"), Value(i)});
  }
  return rows;
}

void Transform(benchmark::State& state) {
  constexpr int64_t kRows = 1'000'000;
  constexpr size_t kPage = 1000;
  auto t = kql::Transform::compile(
      "source | extend TimeGenerated = todatetime(created), Item = tostring(objectItem.name), "
      "Obj = parse_json(tostring(objectItem)) | project-away description",
      jira_source_schema());
  if (!t) {
    state.SkipWithError(t.error().str().c_str());
    return;
  }
  std::vector<Row> rows = jira_rows(kRows);
  std::vector<std::vector<Row>> pages;
  for (size_t i = 0; i < rows.size(); i += kPage)
    pages.emplace_back(rows.begin() + static_cast<std::ptrdiff_t>(i), rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), i + kPage)));
  DateTime now{0};
  for (auto _ : state) {
    std::vector<Row> out;
    for (const auto& page : pages) {
      out.clear();
      auto st = t->apply(page, out, now);
      if (!st) {
        state.SkipWithError(st.error().str().c_str());
        return;
      }
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kRows), benchmark::Counter::kIsRate);
}
BENCHMARK(Transform)->Unit(benchmark::kMillisecond)->UseRealTime();

void SummarizeCountBin(benchmark::State& state) {
  constexpr int64_t kRows = 10'000'000;
  kql::MemoryCatalog cat;
  kql::Table t;
  t.schema = Schema{{{"TimeGenerated", ColumnType::DateTime}, {"v", ColumnType::Long}}};
  t.rows.reserve(kRows);
  for (int64_t i = 0; i < kRows; ++i) t.rows.push_back(Row{Value(DateTime{i * kTicksPerSecond}), Value(i)});
  cat.add_table("T", std::move(t));
  auto q = kql::Query::compile("T | summarize count() by bin(TimeGenerated, 1h)", cat);
  if (!q) {
    state.SkipWithError(q.error().str().c_str());
    return;
  }
  for (auto _ : state) {
    auto r = q->run();
    if (!r) {
      state.SkipWithError(r.error().str().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->rows.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(SummarizeCountBin)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// The 10M-row workspace, built on first use and deleted when the process exits.
struct BigWorkspace {
  static constexpr int64_t kRows = 10'000'000;
  std::filesystem::path dir;
  std::unique_ptr<sinks::Workspace> ws;
  double write_seconds = 0;
  std::string error;

  BigWorkspace() {
    dir = std::filesystem::temp_directory_path() / ("intake-kql-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto opened = sinks::Workspace::open((dir / "workspace.db").string());
    if (!opened) {
      error = opened.error().str();
      return;
    }
    ws = std::move(*opened);
    Schema schema{{{"TimeGenerated", ColumnType::DateTime},
                   {"Computer", ColumnType::String},
                   {"Level", ColumnType::String},
                   {"Value", ColumnType::Long}}};
    if (auto st = ws->ensure_table("Events_CL", schema); !st) {
      error = st.error().str();
      return;
    }
    static const char* kLevels[] = {"Information", "Warning", "Error"};
    auto start = std::chrono::steady_clock::now();
    constexpr int64_t kTxn = 100'000;
    std::vector<Row> page;
    page.reserve(kTxn);
    for (int64_t first = 0; first < kRows; first += kTxn) {
      page.clear();
      // One row a second from 2024-01-01: 10M rows span about 116 days (2778 hourly bins).
      for (int64_t i = first; i < first + kTxn; ++i)
        page.push_back(Row{Value(DateTime{1'704'067'200 * kTicksPerSecond + i * kTicksPerSecond}),
                           Value("host-" + std::to_string(i % 50)), Value(kLevels[i % 3]), Value(i)});
      auto txn = ws->begin();
      if (!txn) {
        error = txn.error().str();
        return;
      }
      if (auto st = txn->append("Events_CL", schema, page); !st) {
        error = st.error().str();
        return;
      }
      if (auto st = txn->commit(); !st) {
        error = st.error().str();
        return;
      }
    }
    write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  ~BigWorkspace() {
    ws.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  // The database and its WAL.
  double size_mb() const {
    double bytes = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.is_regular_file()) bytes += static_cast<double>(e.file_size());
    return bytes / (1024.0 * 1024.0);
  }
};

void WorkspaceSummarizeCountBin10M(benchmark::State& state) {
  static BigWorkspace big;
  if (!big.error.empty()) {
    state.SkipWithError(big.error.c_str());
    return;
  }
  sinks::WorkspaceCatalog cat(*big.ws);
  auto q = kql::Query::compile("Events_CL | summarize count() by bin(TimeGenerated, 1h)", cat);
  if (!q) {
    state.SkipWithError(q.error().str().c_str());
    return;
  }
  size_t groups = 0;
  for (auto _ : state) {
    auto r = q->run();
    if (!r) {
      state.SkipWithError(r.error().str().c_str());
      return;
    }
    groups = r->rows.size();
    benchmark::DoNotOptimize(r->rows.data());
  }
  state.SetItemsProcessed(state.iterations() * BigWorkspace::kRows);
  state.counters["groups"] = static_cast<double>(groups);
  state.counters["file_MB"] = big.size_mb();
  state.counters["write_s"] = big.write_seconds;
}
BENCHMARK(WorkspaceSummarizeCountBin10M)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace
