// Servers whose paging never ends, through the binary: intake-sim script answering the same next
// token forever, or a new token forever. `intake poll` must stop with one clear error naming the
// guard that tripped, leave the window open in its checkpoint (not done), and a rerun against a
// fixed server must finish that window without losing or repeating an event.
#include <gtest/gtest.h>

#include "testing/e2e.h"

namespace fs = std::filesystem;
using namespace intake::testing;

namespace {

constexpr const char* kStart = "2024-05-01T00:00:00Z";
constexpr const char* kEnd = "2024-05-01T01:00:00Z";  // one window of the definition's 60 minutes
constexpr const char* kKey = "loop-e2e-key-3b1";

// A NextPageToken connector with its own loop guard (intake's paging.maxPagesPerWindow).
std::string definition(int max_pages) {
  std::string guard = max_pages > 0 ? ", \"maxPagesPerWindow\": " + std::to_string(max_pages) : "";
  return R"({"name": "LoopingApi", "kind": "RestApiPoller", "properties": {
    "dataType": "LoopingApi_CL",
    "dcrConfig": {"streamName": "Custom-LoopingApi_CL"},
    "auth": {"type": "APIKey", "ApiKey": "{{apiKey}}", "ApiKeyName": "X-Api-Key"},
    "request": {"apiEndpoint": "https://{{host}}/api/events", "httpMethod": "GET", "queryWindowInMin": 60,
                "startTimeAttributeName": "since", "endTimeAttributeName": "until",
                "queryTimeFormat": "yyyy-MM-ddTHH:mm:ssZ", "retryCount": 1},
    "paging": {"pagingType": "NextPageToken", "nextPageParaName": "cursor", "nextPageTokenJsonPath": "$.next",
               "pageSize": 10, "pageSizeParameterName": "limit")" + guard + R"(},
    "response": {"eventsJsonPaths": ["$.events"], "format": "json"}}})";
}

// `count` events in the window, pages of 10; `loop` makes the server misbehave.
std::string script(const std::string& loop, int count = 100) {
  std::string l = loop.empty() ? "" : ", \"loop\": \"" + loop + "\"";
  return std::string(R"({"auth": {"type": "apikey", "header": "X-Api-Key", "key": ")") + kKey + R"("},
    "routes": [{"path": "/api/events",
      "time_filter": {"start_param": "since", "end_param": "until"},
      "paging": {"type": "next_token", "param": "cursor", "size_param": "limit", "token_path": "$.next")" + l + R"(},
      "envelope": "$.events",
      "events": {"count": )" + std::to_string(count) + R"(, "start": "2024-05-01T00:00:00Z", "end": "2024-05-01T01:00:00Z",
                 "template": {"id": "{{n}}", "time": "{{time}}", "message": "event {{n}}"}}}]})";
}

class PageLoopE2E : public ::testing::Test {
 protected:
  void SetUp() override { cert_ = make_self_signed_cert(dir_.path()); }

  Simulator start(const std::string& name, const std::string& text) {
    write_file(dir_ / name, text);
    return start_simulator({"script", (dir_ / name).string(), "--tls-cert", cert_.first, "--tls-key", cert_.second},
                           dir_.path());
  }

  RunResult poll(const Simulator& sim, const fs::path& def) {
    return run_intake({"poll", def.string(), "--param", "host=" + sim.domain, "--param", std::string("apiKey=") + kKey,
                       "--workspace", ws().string(), "--from", kStart, "--to", kEnd, "--ca-file", cert_.first},
                      dir_.path(), std::chrono::seconds(60));
  }

  fs::path ws() const { return dir_ / "loop.db"; }
  std::string state() const { return WorkspaceFile(ws()).column("SELECT state FROM _intake_state")[0]; }

  TempDir dir_;
  std::pair<std::string, std::string> cert_;
};

int count_lines_with(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t pos = 0; (pos = text.find(needle, pos)) != std::string::npos; pos += needle.size()) ++n;
  return n;
}

}  // namespace

TEST_F(PageLoopE2E, SameTokenForeverStopsTheWindowUncheckpointedAndARerunFinishesIt) {
  fs::path def = dir_ / "looping.json";
  write_file(def, definition(0));
  {
    auto sim = start("stuck.json", script("same_token"));
    auto r = poll(sim, def);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(count_lines_with(r.err, "error: "), 1) << r.err;
    EXPECT_NE(r.err.find("connector=LoopingApi error=the server returned the same next-page token twice"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find(kKey), std::string::npos) << r.err;
    // Page one named page two; page two named itself again; no third request.
    EXPECT_EQ(sim_requests(sim, cert_.first).size(), 2u);
  }
  {
    WorkspaceFile w(ws());
    EXPECT_EQ(w.scalar("SELECT count(*) FROM LoopingApi_CL"), 10) << "only the first page was committed";
  }
  // The window is still open: the next start is its start, and the resume point is page two.
  EXPECT_NE(state().find(std::string("\"next_start\":\"") + kStart + "\""), std::string::npos) << state();
  EXPECT_NE(state().find("\"window\":{\"start\":\"2024-05-01T00:00:00Z\",\"end\":\"2024-05-01T01:00:00Z\""), std::string::npos)
      << state();

  auto fixed = start("fixed.json", script(""));
  auto r = poll(fixed, def);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("done windows=1 pages=9 events=90"), std::string::npos) << r.out;
  auto log = sim_requests(fixed, cert_.first);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].target.find("&cursor="), std::string::npos) << "the rerun resumed at the saved page: " << log[0].target;
  WorkspaceFile w(ws());
  EXPECT_EQ(w.scalar("SELECT count(*) FROM LoopingApi_CL"), 100);
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM LoopingApi_CL"), 100);
  EXPECT_EQ(state(), "{\"next_start\":\"2024-05-01T01:00:00Z\"}");
}

TEST_F(PageLoopE2E, EndlessNewTokensStopAtMaxPagesPerWindow) {
  fs::path def = dir_ / "guarded.json";
  write_file(def, definition(25));
  auto sim = start("endless.json", script("new_token", 1000));
  auto r = poll(sim, def);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(count_lines_with(r.err, "error: "), 1) << r.err;
  EXPECT_NE(r.err.find("window 2024-05-01T00:00:00Z..2024-05-01T01:00:00Z"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("connector=LoopingApi error=more than 25 pages in one window"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("paging.maxPagesPerWindow"), std::string::npos) << r.err;
  EXPECT_EQ(sim_requests(sim, cert_.first).size(), 25u);
  EXPECT_NE(state().find(std::string("\"next_start\":\"") + kStart + "\""), std::string::npos) << state();
  EXPECT_NE(state().find("\"pages\":25"), std::string::npos) << state();
  WorkspaceFile w(ws());
  EXPECT_EQ(w.scalar("SELECT count(DISTINCT id) FROM LoopingApi_CL"), 250) << "the 25 pages before the guard are kept";
}
