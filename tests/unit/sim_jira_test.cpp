#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "core/base64.h"
#include "core/time.h"
#include "sim/common.h"
#include "sim/jira.h"

namespace intake::sim::jira {
namespace {

constexpr const char* kPath = "/rest/api/3/auditing/record";

int64_t ms(const char* iso) {
  auto t = parse_datetime(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t ? t->ticks / kTicksPerMillisecond : 0;
}

Options day_of(int64_t records) {
  Options o;
  o.records = records;
  o.start_ms = ms("2024-01-01T00:00:00Z");
  o.end_ms = ms("2024-01-02T00:00:00Z");
  o.seed = 42;
  o.now = [] { return ms("2024-01-03T00:00:00Z"); };
  return o;
}

std::unique_ptr<Simulator> make(Options o) {
  auto sim = Simulator::create(std::move(o));
  EXPECT_TRUE(sim.has_value()) << (sim ? "" : sim.error().str());
  return sim ? std::move(*sim) : nullptr;
}

http::ServerRequest get(http::QueryParams query, std::string credentials = "admin@example.com:sim-token",
                        std::string path = kPath) {
  http::ServerRequest r;
  r.method = "GET";
  r.path = path;
  r.target = path + "?" + http::build_query(query);
  r.query = std::move(query);
  if (!credentials.empty()) r.headers.emplace_back("Authorization", "Basic " + base64_encode(credentials));
  return r;
}

struct Page {
  int64_t offset = -1, limit = -1, total = -1;
  std::vector<int64_t> ids;
  std::vector<std::string> created;
};

Page parse_page(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(simdjson::padded_string(body));
  Page p;
  p.offset = doc["offset"].get_int64();
  p.limit = doc["limit"].get_int64();
  p.total = doc["total"].get_int64();
  for (auto rec : doc["records"].get_array()) {
    p.ids.push_back(rec["id"].get_int64());
    p.created.emplace_back(std::string_view(rec["created"].get_string()));
  }
  return p;
}

Page fetch(Simulator& sim, http::QueryParams query) {
  auto r = sim.handle(get(std::move(query)));
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? parse_page(r.body) : Page{};
}

TEST(SimJira, PagingCoversEveryRecordOnceNewestFirst) {
  auto sim = make(day_of(2500));
  std::set<int64_t> seen;
  std::vector<int64_t> sizes;
  std::string previous_created = "9999";
  for (int64_t offset = 0;; offset += 1000) {
    Page p = fetch(*sim, {{"offset", std::to_string(offset)}, {"limit", "1000"}});
    EXPECT_EQ(p.total, 2500);
    EXPECT_EQ(p.offset, offset);
    sizes.push_back(static_cast<int64_t>(p.ids.size()));
    if (p.ids.empty()) break;
    for (size_t i = 0; i < p.ids.size(); ++i) {
      EXPECT_TRUE(seen.insert(p.ids[i]).second) << "duplicate id " << p.ids[i];
      EXPECT_LE(p.created[i], previous_created);  // same fixed-width format: text order is time order
      previous_created = p.created[i];
    }
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{1000, 1000, 500, 0}));
  EXPECT_EQ(seen.size(), 2500u);
  EXPECT_EQ(*seen.begin(), 1);
  EXPECT_EQ(*seen.rbegin(), 2500);
  EXPECT_EQ(fetch(*sim, {{"limit", "3"}}).ids, (std::vector<int64_t>{2500, 2499, 2498}));
}

TEST(SimJira, OldestFirstOrder) {
  Options o = day_of(100);
  o.order = Order::OldestFirst;
  auto sim = make(o);
  EXPECT_EQ(fetch(*sim, {{"limit", "3"}}).ids, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(fetch(*sim, {{"limit", "3"}, {"offset", "98"}}).ids, (std::vector<int64_t>{99, 100}));
}

TEST(SimJira, LimitDefaultsClampAndValidation) {
  auto sim = make(day_of(3000));
  Page d = fetch(*sim, {});
  EXPECT_EQ(d.limit, 1000);
  EXPECT_EQ(d.ids.size(), 1000u);
  Page clamped = fetch(*sim, {{"limit", "5000"}});
  EXPECT_EQ(clamped.limit, 1000);
  EXPECT_EQ(clamped.ids.size(), 1000u);
  for (const char* bad : {"0", "-5", "ten"}) {
    auto r = sim->handle(get({{"limit", bad}}));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.body.find("\"errorMessages\":["), std::string::npos);
    EXPECT_NE(r.body.find("\"errors\":{}"), std::string::npos);
  }
  EXPECT_EQ(sim->handle(get({{"offset", "-1"}})).status, 400);
  EXPECT_EQ(sim->handle(get({{"from", "yesterday"}})).status, 400);
  EXPECT_EQ(sim->handle(get({{"to", "2024-13-45"}})).status, 400);
}

TEST(SimJira, BasicAuthIsChecked) {
  auto sim = make(day_of(10));
  for (std::string credentials : {"", "admin@example.com:wrong", "other@example.com:sim-token"}) {
    auto r = sim->handle(get({}, credentials));
    EXPECT_EQ(r.status, 401) << credentials;
    EXPECT_EQ(r.body, R"({"errorMessages":["Client must be authenticated to access this resource."],"errors":{}})");
    EXPECT_TRUE(http::find_header(r.headers, "WWW-Authenticate").has_value());
  }
  EXPECT_EQ(sim->handle(get({}, "admin@example.com:sim-token", "/rest/api/2/auditing/record")).status, 200);
  EXPECT_EQ(sim->handle(get({}, "admin@example.com:sim-token", "/rest/api/3/other")).status, 404);
}

TEST(SimJira, RecordTimesAreSortedInRangeAndSomeSitOnWholeMinutes) {
  for (int64_t n : {7, 100, 5000, 100000}) {
    auto sim = make(day_of(n));
    const Options& o = sim->options();
    int64_t previous = o.start_ms;
    int64_t on_minute = 0;
    for (int64_t i = 0; i < n; ++i) {
      int64_t t = sim->created_ms(i);
      ASSERT_GE(t, previous) << "n=" << n << " i=" << i;
      ASSERT_LT(t, o.end_ms);
      previous = t;
      if (t % 60'000 == 0) ++on_minute;
      if (i % 50 == 0 && n <= 5000) {
        EXPECT_EQ(t % 60'000, 0) << "n=" << n << " i=" << i;
      }
    }
    // Dense data still puts a record on every minute of the day.
    EXPECT_GE(on_minute, std::min<int64_t>((n + 49) / 50, 1440)) << "n=" << n;
  }
}

TEST(SimJira, WholeHoursGetBoundaryRecordsWhenSlicesAreShorter) {
  Options o = day_of(2500);
  o.end_ms = ms("2024-01-01T03:00:00Z");  // 50-record slices of 3.6 minutes
  auto sim = make(o);
  for (const char* hour : {"2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z"}) {
    int64_t at = ms(hour);
    int64_t i = 0;
    while (i < 2500 && sim->created_ms(i) < at) ++i;
    ASSERT_LT(i, 2500);
    EXPECT_EQ(sim->created_ms(i), at) << hour;
  }
  // Sub-millisecond bounds select exactly one instant (from must stay before to).
  Page at = fetch(*sim, {{"from", "2024-01-01T01:00:00Z"}, {"to", "2024-01-01T01:00:00.0001Z"}});
  EXPECT_GE(at.total, 1);
  for (const auto& c : at.created) EXPECT_EQ(c, "2024-01-01T01:00:00.000+0000");
}

TEST(SimJira, FromAndToAreBothInclusive) {
  auto sim = make(day_of(100000));
  auto count_between = [&](int64_t from, int64_t to) {
    int64_t c = 0;
    for (int64_t i = 0; i < 100000; ++i) c += sim->created_ms(i) >= from && sim->created_ms(i) <= to;
    return c;
  };
  Page first = fetch(*sim, {{"from", "2024-01-01T00:10:00Z"}, {"to", "2024-01-01T00:11:00Z"}});
  Page second = fetch(*sim, {{"from", "2024-01-01T00:11:00Z"}, {"to", "2024-01-01T00:12:00Z"}});
  EXPECT_EQ(first.total, count_between(ms("2024-01-01T00:10:00Z"), ms("2024-01-01T00:11:00Z")));
  EXPECT_EQ(second.total, count_between(ms("2024-01-01T00:11:00Z"), ms("2024-01-01T00:12:00Z")));
  ASSERT_FALSE(first.ids.empty());
  ASSERT_FALSE(second.ids.empty());
  // Newest first: the window's end is the first record, its start the last one.
  EXPECT_EQ(first.created.front(), "2024-01-01T00:11:00.000+0000");
  EXPECT_EQ(first.created.back(), "2024-01-01T00:10:00.000+0000");
  // The shared boundary record comes back in both windows.
  std::set<int64_t> first_ids(first.ids.begin(), first.ids.end());
  EXPECT_TRUE(first_ids.count(second.ids.back()));

  // Jira-style times and fractions are accepted too.
  Page jira_style = fetch(*sim, {{"from", "2024-01-01T00:10:00.000+0000"}, {"to", "2024-01-01T01:11:00.000+01:00"}});
  EXPECT_EQ(jira_style.total, first.total);
  Page exclusive = fetch(*sim, {{"from", "2024-01-01T00:10:00.0001Z"}, {"to", "2024-01-01T00:10:59.9999Z"}});
  EXPECT_EQ(exclusive.total, count_between(ms("2024-01-01T00:10:00Z") + 1, ms("2024-01-01T00:11:00Z") - 1));
  EXPECT_LE(exclusive.total, first.total - 2);
}

TEST(SimJira, FromNotBeforeToIsEmpty) {
  auto sim = make(day_of(1000));
  for (auto [from, to] : {std::pair{"2024-01-01T12:00:00Z", "2024-01-01T12:00:00Z"},
                          std::pair{"2024-01-01T13:00:00Z", "2024-01-01T12:00:00Z"}}) {
    Page p = fetch(*sim, {{"from", from}, {"to", to}});
    EXPECT_EQ(p.total, 0);
    EXPECT_TRUE(p.ids.empty());
  }
  EXPECT_EQ(fetch(*sim, {{"from", "2024-01-01T12:00:00Z"}}).total + fetch(*sim, {{"to", "2024-01-01T11:59:59.999Z"}}).total,
            1000);
}

TEST(SimJira, RecordsAreDeterministicRealisticAndSized) {
  auto a = make(day_of(2000));
  auto b = make(day_of(2000));
  Options other = day_of(2000);
  other.seed = 43;
  auto c = make(other);
  EXPECT_EQ(a->record_json(17), b->record_json(17));
  EXPECT_NE(a->record_json(17), c->record_json(17));

  simdjson::dom::parser parser;
  size_t bytes = 0;
  std::set<std::string> categories;
  for (int64_t i = 0; i < 2000; ++i) {
    std::string json = a->record_json(i);
    bytes += json.size();
    simdjson::dom::element rec = parser.parse(simdjson::padded_string(json));
    EXPECT_EQ(rec["id"].get_int64().value(), i + 1);
    for (const char* key : {"summary", "remoteAddress", "authorKey", "authorAccountId", "created", "category",
                            "eventSource", "description"}) {
      EXPECT_FALSE(rec[key].get_string().error()) << key;
    }
    for (const char* key : {"id", "name", "typeName", "parentId", "parentName"}) {
      EXPECT_FALSE(rec["objectItem"][key].get_string().error()) << key;
    }
    EXPECT_LE(rec["changedValues"].get_array().size(), 3u);
    EXPECT_LE(rec["associatedItems"].get_array().size(), 2u);
    categories.emplace(std::string_view(rec["category"].get_string()));
  }
  double average = static_cast<double>(bytes) / 2000;
  EXPECT_GE(average, 700);
  EXPECT_LE(average, 1200);
  EXPECT_GE(categories.size(), 6u);
  EXPECT_TRUE(categories.count("group management"));
  EXPECT_TRUE(categories.count("user management"));
}

TEST(SimJira, FilterWordsMustAllMatch) {
  auto sim = make(day_of(3000));
  Page all = fetch(*sim, {{"limit", "1000"}});
  Page groups = fetch(*sim, {{"filter", "GROUP"}, {"limit", "1000"}});
  Page added = fetch(*sim, {{"filter", "group added"}, {"limit", "1000"}});
  EXPECT_GT(groups.total, 0);
  EXPECT_LT(groups.total, all.total);
  EXPECT_GT(added.total, 0);
  EXPECT_LT(added.total, groups.total);
  auto r = sim->handle(get({{"filter", "user added"}, {"limit", "5"}}));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(simdjson::padded_string(r.body));
  for (auto rec : doc["records"].get_array()) {
    std::string searchable;
    for (const char* key : {"summary", "category", "eventSource", "remoteAddress"}) {
      searchable += std::string(std::string_view(rec[key].get_string())) + "|";
    }
    for (const char* key : {"name", "typeName", "parentName"}) {
      searchable += std::string(std::string_view(rec["objectItem"][key].get_string())) + "|";
    }
    for (auto change : rec["changedValues"].get_array()) {
      searchable += std::string(std::string_view(change["changedFrom"].get_string())) + "|";
      searchable += std::string(std::string_view(change["changedTo"].get_string())) + "|";
    }
    std::transform(searchable.begin(), searchable.end(), searchable.begin(), ::tolower);
    EXPECT_NE(searchable.find("user"), std::string::npos) << searchable;
    EXPECT_NE(searchable.find("added"), std::string::npos) << searchable;
  }
  // Paging through a filtered result sees each match once.
  Page p1 = fetch(*sim, {{"filter", "group"}, {"limit", "10"}});
  Page p2 = fetch(*sim, {{"filter", "group"}, {"limit", "10"}, {"offset", "10"}});
  Page p12 = fetch(*sim, {{"filter", "group"}, {"limit", "20"}});
  std::vector<int64_t> joined = p1.ids;
  joined.insert(joined.end(), p2.ids.begin(), p2.ids.end());
  EXPECT_EQ(joined, p12.ids);
}

TEST(SimJira, MillionRecordsServeQuickly) {
  auto sim = make(day_of(1'000'000));
  auto start = std::chrono::steady_clock::now();
  Page p = fetch(*sim, {{"from", "2024-01-01T06:00:00Z"}, {"to", "2024-01-01T18:00:00Z"}, {"offset", "200000"}});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(p.ids.size(), 1000u);
  EXPECT_GT(p.total, 400'000);
  EXPECT_LT(took, std::chrono::seconds(3));  // sanitizer build; release serves a page in milliseconds
}

TEST(SimJira, RateLimitAnswers429WithJiraHeaders) {
  Options o = day_of(10);
  auto now = std::make_shared<std::atomic<int64_t>>(ms("2024-05-01T10:00:30Z"));
  o.now = [now] { return now->load(); };
  o.rate_limit = 2;
  auto sim = make(o);
  EXPECT_EQ(sim->handle(get({})).status, 200);
  EXPECT_EQ(sim->handle(get({})).status, 200);
  auto limited = sim->handle(get({}));
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, R"({"errorMessages":["Rate limit exceeded."]})");
  EXPECT_EQ(http::find_header(limited.headers, "Retry-After"), "1");
  EXPECT_EQ(http::find_header(limited.headers, "RateLimit-Reason"), "jira-quota-based");
  EXPECT_EQ(http::find_header(limited.headers, "X-RateLimit-Reset"), "2024-05-01T10:01Z");
  *now += 1000;
  EXPECT_EQ(sim->handle(get({})).status, 200);
}

TEST(SimJira, FailRateIsDeterministic) {
  auto statuses = [](double rate) {
    Options o = day_of(10);
    o.fail_rate = rate;
    auto sim = make(o);
    std::vector<int> out;
    for (int i = 0; i < 200; ++i) out.push_back(sim->handle(get({})).status);
    return out;
  };
  auto first = statuses(0.3);
  EXPECT_EQ(first, statuses(0.3));
  int failures = 0;
  for (int s : first) {
    if (s != 200) {
      EXPECT_TRUE(s == 500 || s == 503) << s;
      ++failures;
    }
  }
  EXPECT_GT(failures, 30);
  EXPECT_LT(failures, 90);
  for (int s : statuses(1.0)) EXPECT_NE(s, 200);
  for (int s : statuses(0.0)) EXPECT_EQ(s, 200);
}

TEST(SimJira, InsertDuringPagingShiftsNewestFirstPages) {
  Options o = day_of(100);
  o.insert_during_paging = 3;
  o.now = [] { return ms("2024-01-02T00:05:00Z"); };
  auto sim = make(o);
  Page first = fetch(*sim, {{"limit", "10"}});
  EXPECT_EQ(first.total, 100);
  EXPECT_EQ(first.ids.front(), 100);
  Page second = fetch(*sim, {{"limit", "10"}, {"offset", "10"}});
  EXPECT_EQ(second.total, 103);
  // The three new records pushed the old ones down: the page repeats ids 93..91 of page one.
  EXPECT_EQ(second.ids.front(), 93);
  Page next_query = fetch(*sim, {{"limit", "4"}});
  EXPECT_EQ(next_query.ids, (std::vector<int64_t>{103, 102, 101, 100}));
  EXPECT_EQ(next_query.created.front(), "2024-01-02T00:05:00.000+0000");
  // A window that ends before "now" never sees them.
  EXPECT_EQ(fetch(*sim, {{"to", "2024-01-02T00:00:00Z"}}).total, 100);
}

TEST(SimJira, SlowMsDelaysEveryResponse) {
  Options o = day_of(10);
  o.slow_ms = 250;
  auto sim = make(o);
  EXPECT_EQ(sim->handle(get({})).delay_ms, 250);
  EXPECT_EQ(sim->handle(get({}, "")).delay_ms, 250);
}

TEST(SimJira, InvalidOptionsAreErrors) {
  Options o = day_of(10);
  o.end_ms = o.start_ms;
  EXPECT_FALSE(Simulator::create(o).has_value());
  o = day_of(10);
  o.fail_rate = 2;
  EXPECT_FALSE(Simulator::create(o).has_value());
}

TEST(SimJira, JiraTimeFormat) {
  EXPECT_EQ(format_jira_time(0), "1970-01-01T00:00:00.000+0000");
  EXPECT_EQ(format_jira_time(ms("2024-02-29T23:59:58.123Z")), "2024-02-29T23:59:58.123+0000");
}

TEST(SimRecorder, StatsAndRequestLog) {
  auto recorder = std::make_shared<Recorder>([] { return int64_t{1700000000123}; });
  auto sim = make(day_of(5));
  auto handler = with_sim_endpoints(recorder, [&](const http::ServerRequest& r) { return sim->handle(r); });
  handler(get({}));
  handler(get({{"limit", "2"}}));
  handler(get({}, ""));
  http::ServerRequest stats;
  stats.path = "/_sim/stats";
  auto s = handler(stats);
  EXPECT_EQ(s.status, 200);
  const std::string prefix = R"({"requests":3,"by_status":{"200":2,"401":1},"records_served":0,"bytes_served":)";
  ASSERT_TRUE(s.body.starts_with(prefix)) << s.body;
  EXPECT_GT(std::stoll(s.body.substr(prefix.size())), 100) << "the bodies of the three answers are counted";
  http::ServerRequest log;
  log.path = "/_sim/requests";
  auto l = handler(log);
  EXPECT_EQ(l.body.substr(0, l.body.find('\n')),
            R"({"method":"GET","target":"/rest/api/3/auditing/record?","status":200,"ts_ms":1700000000123})");
  EXPECT_EQ(std::count(l.body.begin(), l.body.end(), '\n'), 3);
}

TEST(SimRecorder, RecordsServedComeFromTheSimulator) {
  auto recorder = std::make_shared<Recorder>();
  auto sim = Simulator::create(day_of(5), recorder);
  ASSERT_TRUE(sim.has_value());
  (*sim)->handle(get({}));
  (*sim)->handle(get({{"limit", "2"}}));
  EXPECT_NE(recorder->stats_json().find("\"records_served\":7"), std::string::npos) << recorder->stats_json();
}

}  // namespace
}  // namespace intake::sim::jira
