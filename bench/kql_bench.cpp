// KQL engine throughput.
//   Transform          - a Jira-like DCR transform (todatetime, member access, parse_json of a
//                        re-serialised object, project-away) over 1,000,000 rows in 1000-row pages;
//                        reports rows/s.
//   SummarizeCountBin  - `T | summarize count() by bin(TimeGenerated, 1h)` over 10,000,000
//                        in-memory rows through MemoryCatalog.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "json/value_json.h"
#include "kql/kql.h"

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

}  // namespace
