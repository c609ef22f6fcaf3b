// Event extraction from a large vendor response: the cost of JSONPath selection (and of building
// Values) next to the bare simdjson parse. The response is generated in-process, shaped like a
// Jira audit-records page (~50 MB, ~1 KB per record).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "json/jsonpath.h"
#include "json/value_json.h"

namespace {

using intake::json::JsonPath;

constexpr size_t kTargetBytes = 50u << 20;

constexpr const char* kDirectory = "com.atlassian.crowd.directory.IdentityPlatformRemoteDirectory";

std::string make_record(size_t i) {
  char head[512];
  std::snprintf(head, sizeof head,
                R"({"id":%zu,"summary":"User added to group","remoteAddress":"10.%zu.%zu.%zu",)"
                R"("authorKey":"admin-%zu","authorAccountId":"5b10a2844c20165700ede2%04zu",)"
                R"("created":"2024-01-%02zuT%02zu:%02zu:%02zu.000+0000","category":"group management",)"
                R"("eventSource":"","description":"Membership change %zu",)",
                i, i % 256, (i / 256) % 256, i % 200, i % 97, i % 10000, 1 + i % 28, i % 24, i % 60, (i * 7) % 60, i);
  std::string r = head;
  r += R"("objectItem":{"id":"jira-software-users","name":"jira-software-users","typeName":"GROUP",)";
  r += R"("parentId":"10000","parentName":")" + std::string(kDirectory) + R"("},)";
  r += R"("changedValues":[)";
  for (int k = 0; k < 3; ++k) {
    if (k) r += ',';
    r += R"({"fieldName":"Membership )" + std::to_string(k) +
         R"(","changedFrom":"none","changedTo":"jira-software-users \u00e9 member since 2024"})";
  }
  r += R"(],"associatedItems":[)";
  for (int k = 0; k < 2; ++k) {
    if (k) r += ',';
    r += R"({"id":"ug:)" + std::to_string(i * 2 + k) +
         R"(","name":"user-)" + std::to_string(i) +
         R"(","typeName":"USER","parentId":"10000","parentName":")" + kDirectory + R"("})";
  }
  r += R"(],"score":)" + std::to_string(i % 1000) + ".25,\"sensitive\":" + (i % 2 ? "true" : "false") + "}";
  return r;
}

struct Response {
  simdjson::padded_string json;
  size_t records = 0;
};

const Response& response() {
  static const Response r = [] {
    std::string records;
    size_t n = 0;
    while (records.size() < kTargetBytes) {
      if (n) records += ',';
      records += make_record(n++);
    }
    std::string doc = R"({"offset":0,"limit":)" + std::to_string(n) + R"(,"total":)" + std::to_string(n) +
                      R"(,"records":[)" + records + "]}";
    return Response{simdjson::padded_string(doc), n};
  }();
  return r;
}

JsonPath compiled(const char* expression) {
  auto p = JsonPath::compile(expression);
  if (!p) std::abort();
  return *p;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, benchmark::State& state) {
  simdjson::dom::element root;
  if (auto error = parser.parse(response().json).get(root)) state.SkipWithError(simdjson::error_message(error));
  return root;
}

void report(benchmark::State& state, size_t events) {
  if (events != response().records) state.SkipWithError("wrong number of events");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * response().json.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * response().records));
  state.counters["MB"] = static_cast<double>(response().json.size()) / 1e6;
}

// A parser that has already parsed the page once: buffers allocated, the response generated.
simdjson::dom::parser warm_parser(benchmark::State& state) {
  simdjson::dom::parser parser;
  parse(parser, state);
  return parser;
}

// (a) The floor: simdjson's DOM parse of the page.
void BM_Parse(benchmark::State& state) {
  simdjson::dom::parser parser = warm_parser(state);
  for (auto _ : state) benchmark::DoNotOptimize(parse(parser, state));
  report(state, response().records);
}

// (b, c) Parse, then count the events of `$.records` or `$..records` (the whole tree is walked).
void extract(benchmark::State& state, const char* expression) {
  simdjson::dom::parser parser = warm_parser(state);
  const JsonPath path = compiled(expression);
  size_t events = 0;
  for (auto _ : state) {
    events = 0;
    intake::json::extract_events(path, parse(parser, state), [&](simdjson::dom::element) { ++events; });
  }
  report(state, events);
}
void BM_ParseExtractRecords(benchmark::State& state) { extract(state, "$.records"); }
void BM_ParseExtractRecursive(benchmark::State& state) { extract(state, "$..records"); }

// (d) Parse, extract and convert every event to a Value tree (what the poller hands on).
void BM_ParseExtractToValue(benchmark::State& state) {
  simdjson::dom::parser parser = warm_parser(state);
  const JsonPath path = compiled("$.records");
  size_t events = 0;
  for (auto _ : state) {
    events = 0;
    intake::json::extract_events(path, parse(parser, state), [&](simdjson::dom::element e) {
      benchmark::DoNotOptimize(intake::json::to_value(e));
      ++events;
    });
  }
  report(state, events);
}

// Selection alone over an already parsed page, to isolate the walk.
void select_only(benchmark::State& state, const char* expression) {
  simdjson::dom::parser parser;
  const simdjson::dom::element root = parse(parser, state);
  const JsonPath path = compiled(expression);
  size_t events = 0;
  for (auto _ : state) {
    events = 0;
    intake::json::extract_events(path, root, [&](simdjson::dom::element) { ++events; });
  }
  report(state, events);
}
void BM_SelectOnlyRecursive(benchmark::State& state) { select_only(state, "$..records"); }
void BM_SelectOnlyWildcard(benchmark::State& state) { select_only(state, "$.records[*]"); }

BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseExtractRecords)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseExtractRecursive)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseExtractToValue)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectOnlyRecursive)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SelectOnlyWildcard)->Unit(benchmark::kMillisecond);

}  // namespace
