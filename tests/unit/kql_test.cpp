// KQL engine: lexer, parser and binder errors with positions; scan pushdown and streaming;
// the transformation subset; every corpus transformKql compiles against its stream declaration
// and runs over a synthetic row.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "ccp/diagnostics.h"
#include "core/time.h"
#include "dcr/dcr.h"
#include "json/value_json.h"
#include "kql/kql.h"
#include "kql/lexer.h"
#include "kql/parser.h"
#include "testing/support.h"

namespace {

using namespace intake;
using namespace intake::kql;

DateTime dt(const char* s) { return *parse_datetime(s); }

Schema schema(std::initializer_list<Column> cols) { return Schema{std::vector<Column>(cols)}; }

// A catalog that records the hints it receives and counts the rows it hands out.
class RecordingCatalog final : public Catalog {
 public:
  explicit RecordingCatalog(int64_t rows) : rows_(rows) {}
  std::optional<Schema> table_schema(std::string_view name) const override {
    if (name != "T") return std::nullopt;
    return schema({{"TimeGenerated", ColumnType::DateTime}, {"a", ColumnType::Long}});
  }
  Status scan(std::string_view, const ScanHints& hints, const std::function<bool(Row&&)>& sink) const override {
    last_hints = hints;
    for (int64_t i = 0; i < rows_; ++i) {
      ++pulled;
      if (!sink(Row{Value(DateTime{dt("2024-01-01T00:00:00Z").ticks + i * kTicksPerMinute}), Value(i)})) break;
    }
    return {};
  }
  std::vector<std::string> table_names() const override { return {"T"}; }
  mutable ScanHints last_hints;
  mutable int64_t pulled = 0;

 private:
  int64_t rows_;
};

QueryOptions fixed_clock(const char* when) {
  QueryOptions o;
  DateTime now = dt(when);
  o.clock = [now] { return now; };
  return o;
}

TEST(KqlLexer, TokensCarryPositionsAndLiterals) {
  auto toks = lex("T\n  | where x == 'a\\'b' and d > 1d and e !contains @'c:\\x' // c\n | project-away y");
  ASSERT_TRUE(toks) << toks.error().str();
  const auto& t = *toks;
  EXPECT_EQ(t[0].text, "T");
  EXPECT_EQ(t[1].text, "|");
  EXPECT_EQ(t[1].pos.line, 2);
  EXPECT_EQ(t[1].pos.col, 3);
  EXPECT_EQ(t[5].kind, Tok::String);
  EXPECT_EQ(t[5].text, "a'b");
  EXPECT_EQ(t[9].kind, Tok::TimeSpan);
  EXPECT_EQ(t[9].ticks, kTicksPerDay);
  EXPECT_EQ(t[12].text, "!contains");
  EXPECT_EQ(t[13].text, "c:\\x");
  EXPECT_EQ(t[15].text, "project-away");
  EXPECT_EQ(t[15].pos.line, 3);
}

TEST(KqlLexer, TypedLiteralsAndUnits) {
  auto toks = lex("datetime(2024-01-01) 100ms 5tick 2.5h dynamic({\"a\": [1, \")\"]}) h'secret'");
  ASSERT_TRUE(toks) << toks.error().str();
  EXPECT_EQ((*toks)[0].kind, Tok::TypedLit);
  EXPECT_EQ((*toks)[0].raw, "2024-01-01");
  EXPECT_EQ((*toks)[1].ticks, 100 * kTicksPerMillisecond);
  EXPECT_EQ((*toks)[2].ticks, 5);
  EXPECT_EQ((*toks)[3].ticks, 5 * kTicksPerHour / 2);
  EXPECT_EQ((*toks)[4].raw, "{\"a\": [1, \")\"]}");
  EXPECT_EQ((*toks)[5].text, "secret");
}

TEST(KqlLexer, ErrorsHavePositions) {
  auto r = lex("T | where s == 'abc");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().str(), "kql:1:16: unterminated string literal");
  auto u = lex("print 5parsecs");
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().str().find("kql:1:7:"), std::string::npos);
}

TEST(KqlParser, ErrorsHavePositions) {
  auto r = parse_query("T | where a >");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("kql:1:14:"), std::string::npos) << r.error().str();
  auto o = parse_query("T\n| frobnicate x");
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().str(), "kql:2:3: unknown operator 'frobnicate'");
}

TEST(KqlParser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  deep = "print " + deep + "1" + std::string(5000, ')');
  auto r = parse_query(deep);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nested too deeply"), std::string::npos);
  std::string chain = "print x = 1";
  for (int i = 0; i < 10000; ++i) chain += " + 1";
  auto c = parse_query(chain);
  EXPECT_FALSE(c);
  std::string members = "print x = d";
  for (int i = 0; i < 10000; ++i) members += ".a";
  EXPECT_FALSE(parse_query(members));
}

// Inputs the fuzzer (tests/fuzz) found: each must be an error or a value, never a hang or a crash.
TEST(KqlParser, FuzzFindingsAreErrorsNotCrashes) {
  MemoryCatalog cat;
  Table t;
  t.schema = schema({{"a", ColumnType::Long}});
  cat.add_table("T", std::move(t));
  const char* errors[] = {
      "T | join $left.ter | pr, Ownen",         // used to loop forever on join parameters
      "T | join kindl=efn kitnefd=loutrn kitnefd=",  // used to read past the last token
      "print timespan(22222222222467171)",       // days overflowing the ticks
      "print x = 99999999999999999999d",
  };
  for (const char* q : errors) {
    auto r = Query::compile(q, cat);
    EXPECT_FALSE(r) << q;
  }
  // Long operator chains used to overflow the stack in the binder; they bind in a loop now.
  std::string chain = "print x = 1", columns = "T | extend y = a", ors = "T | where a == 0";
  for (int i = 0; i < 3000; ++i) {
    chain += "+1";
    columns += " + a";
    ors += " or a == " + std::to_string(i);
  }
  auto folded = Query::compile(chain, cat);
  ASSERT_TRUE(folded) << folded.error().str();
  auto fr = folded->run();
  ASSERT_TRUE(fr);
  EXPECT_EQ(json::to_json(fr->rows[0][0]), "3001");
  EXPECT_TRUE(Query::compile(columns, cat));
  EXPECT_TRUE(Query::compile(ors, cat));
  std::string parens = "print x = ";
  for (int i = 0; i < 500; ++i) parens += "(";
  EXPECT_FALSE(Query::compile(parens + "1", cat));

  // Folding - of a literal wraps like the run time does (it used to overflow).
  auto min = Query::compile("print x = -0x8000000000000000, y = - -9223372036854775807", cat);
  ASSERT_TRUE(min) << min.error().str();
  auto r = min->run();
  ASSERT_TRUE(r);
  EXPECT_EQ(json::to_json(r->rows[0][0]), "-9223372036854775808");
  EXPECT_EQ(json::to_json(r->rows[0][1]), "9223372036854775807");
  EXPECT_FALSE(Query::compile("T | extend c/---1.5e330s---1.--100s--a", cat));  // timespan beyond the ticks range
  std::string stars = "T | mv-expand x";
  for (int i = 0; i < 3000; ++i) stars += "*x";
  EXPECT_FALSE(Query::compile(stars, cat));  // unknown column x, found without a stack overflow
}

TEST(KqlBinder, UnknownNamesSuggest) {
  MemoryCatalog cat;
  cat.add_table("SecurityEvents", Table{schema({{"Severity", ColumnType::Long}}), {}});
  auto q = Query::compile("SecurityEvents | where Severty > 1", cat);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().str(), "kql:1:24: unknown column 'Severty' (did you mean 'Severity')");
  auto t = Query::compile("SecurityEvent | take 1", cat);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().str(), "kql:1:1: unknown table 'SecurityEvent' (did you mean 'SecurityEvents')");
  auto ty = Query::compile("SecurityEvents | where Severity > 'high'", cat);
  ASSERT_FALSE(ty);
  EXPECT_NE(ty.error().str().find("cannot compare long and string"), std::string::npos) << ty.error().str();
}

TEST(KqlQuery, PushesTimeRangeAndTakeToTheScan) {
  RecordingCatalog cat(100);
  auto q = Query::compile("T | where TimeGenerated > ago(1h) and TimeGenerated <= datetime(2024-01-01T12:00:00Z) | count", cat);
  ASSERT_TRUE(q) << q.error().str();
  auto r = q->run(fixed_clock("2024-01-01T01:00:00Z"));
  ASSERT_TRUE(r) << r.error().str();
  ASSERT_TRUE(cat.last_hints.time_from);
  EXPECT_EQ(cat.last_hints.time_from->ticks, dt("2024-01-01T00:00:00Z").ticks + 1);
  ASSERT_TRUE(cat.last_hints.time_to);
  EXPECT_EQ(*cat.last_hints.time_to, dt("2024-01-01T12:00:00Z"));
  EXPECT_EQ(r->rows[0][0].as_long(), 99);  // the engine still filters (the provider ignored the hints)

  auto b = Query::compile("T | where TimeGenerated between (datetime(2024-01-01) .. datetime(2024-01-02)) | take 1", cat);
  ASSERT_TRUE(b) << b.error().str();
  ASSERT_TRUE(b->run());
  EXPECT_EQ(*cat.last_hints.time_from, dt("2024-01-01T00:00:00Z"));
  EXPECT_EQ(*cat.last_hints.time_to, dt("2024-01-02T00:00:00Z"));
  EXPECT_FALSE(cat.last_hints.limit);

  auto t = Query::compile("T | take 5", cat);
  ASSERT_TRUE(t);
  ASSERT_TRUE(t->run());
  ASSERT_TRUE(cat.last_hints.limit);
  EXPECT_EQ(*cat.last_hints.limit, 5);
}

TEST(KqlQuery, PushesReadColumnsToTheScan) {
  RecordingCatalog cat(3);
  auto cols = [&](const char* text) {
    auto q = Query::compile(text, cat);
    EXPECT_TRUE(q) << text << ": " << q.error().str();
    if (!q) return std::vector<std::string>{"<error>"};
    EXPECT_TRUE(q->run()) << text;
    return cat.last_hints.columns;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(cols("T | summarize count() by bin(TimeGenerated, 1h)"), V{"TimeGenerated"});
  EXPECT_EQ(cols("T | project a"), V{"a"});
  EXPECT_EQ(cols("T | where a > 1 | project x = a * 2"), V{"a"});
  EXPECT_EQ(cols("T"), V{});  // every column: the hint stays empty
  EXPECT_EQ(cols("T | extend b = a | project TimeGenerated"), V{"TimeGenerated"});
  EXPECT_EQ(cols("T | count"), V{"TimeGenerated"});  // none read: the cheapest one, never "all"
  EXPECT_EQ(cols("T | extend a = 1 | project a"), V{"TimeGenerated"});
  EXPECT_EQ(cols("T | extend b = a + 1 | project b"), V{"a"});
  EXPECT_EQ(cols("T | project-away a"), V{"TimeGenerated"});
  EXPECT_EQ(cols("T | join kind=inner (T | project a) on a | project TimeGenerated"), V{"a"});
}

TEST(KqlQuery, ProjectionPushdownKeepsResults) {
  MemoryCatalog cat;
  Table t;
  t.schema = schema({{"TimeGenerated", ColumnType::DateTime}, {"a", ColumnType::Long}, {"s", ColumnType::String}});
  for (int64_t i = 0; i < 4; ++i)
    t.rows.push_back(Row{Value(DateTime{i * kTicksPerHour}), Value(i), Value("s" + std::to_string(i))});
  cat.add_table("T", std::move(t));
  auto run = [&](const char* text) {
    auto q = Query::compile(text, cat);
    EXPECT_TRUE(q) << text << ": " << q.error().str();
    if (!q) return std::string();
    auto r = q->run();
    EXPECT_TRUE(r) << text;
    std::string out;
    for (const auto& row : r->rows) {
      for (const auto& v : row) out += v.is_null() ? "null" : v.is_string() ? v.as_string() : std::to_string(v.kind() == Kind::Long ? v.as_long() : -1);
      out += ";";
    }
    return out;
  };
  EXPECT_EQ(run("T | extend b = a * 2, c = b + 1 | project c"), "1;3;5;7;");
  EXPECT_EQ(run("T | extend a = a + 10 | project a"), "10;11;12;13;");
  EXPECT_EQ(run("T | parse s with 's' n:long | project n"), "0;1;2;3;");
  EXPECT_EQ(run("T | where a > 1 | project s"), "s2;s3;");
  EXPECT_EQ(run("T | summarize x = sum(a) by s | where x > 1 | project s"), "s2;s3;");
  EXPECT_EQ(run("T | project a | union (T | project s) | summarize count()"), "8;");
  EXPECT_EQ(run("T | top 1 by a | project s"), "s3;");
  EXPECT_EQ(run("T | summarize arg_max(a, s) | project s"), "s3;");
}

TEST(KqlQuery, StreamsInsteadOfMaterialising) {
  RecordingCatalog cat(1'000'000);
  auto q = Query::compile("T | take 5", cat);
  ASSERT_TRUE(q);
  auto r = q->run();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rows.size(), 5u);
  EXPECT_LE(cat.pulled, 5);
  cat.pulled = 0;
  auto w = Query::compile("T | where a % 2 == 0 | extend b = a * 2 | project b | take 3", cat);
  ASSERT_TRUE(w);
  auto wr = w->run();
  ASSERT_TRUE(wr);
  EXPECT_EQ(wr->rows.size(), 3u);
  EXPECT_LE(cat.pulled, 6);
}

TEST(KqlQuery, ResultRowCapIsAnError) {
  RecordingCatalog cat(100);
  auto q = Query::compile("T", cat);
  ASSERT_TRUE(q);
  QueryOptions o;
  o.max_rows = 10;
  auto r = q->run(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeds 10 rows"), std::string::npos);
}

TEST(KqlQuery, StoredFunctionsAsTables) {
  MemoryCatalog cat;
  cat.add_table("Raw", Table{schema({{"a", ColumnType::Long}}), {{Value(int64_t{1})}, {Value(int64_t{5})}}});
  cat.add_function("Parser", "Raw | where a > 2 | extend b = a + 1");
  for (const char* text : {"Parser | project b", "Parser() | project b"}) {
    auto q = Query::compile(text, cat);
    ASSERT_TRUE(q) << q.error().str();
    auto r = q->run();
    ASSERT_TRUE(r) << r.error().str();
    ASSERT_EQ(r->rows.size(), 1u);
    EXPECT_EQ(r->rows[0][0].as_long(), 6);
  }
}

TEST(KqlTransform, RejectsNonTransformOperators) {
  Schema s = schema({{"a", ColumnType::Long}});
  auto t = Transform::compile("source | summarize count()", s);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().str(), "kql:1:10: 'summarize' is not allowed in a transformation");
  EXPECT_FALSE(Transform::compile("source | join (source) on a", s));
  EXPECT_FALSE(Transform::compile("source | take 1", s));
  auto u = Transform::compile("Other | extend b = 1", s);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("unknown table 'Other'"), std::string::npos);
}

TEST(KqlTransform, AppliesRowByRowWithKustoTypes) {
  Schema s = schema({{"created", ColumnType::String}, {"obj", ColumnType::Dynamic}, {"n", ColumnType::String}});
  auto t = Transform::compile(
      "source | extend TimeGenerated = todatetime(created), Name = tostring(obj.name), N = toint(n), Raw = obj.name "
      "| project-away created",
      s);
  ASSERT_TRUE(t) << t.error().str();
  EXPECT_FALSE(t->is_identity());
  const Schema& out = t->output_schema();
  ASSERT_EQ(out.columns.size(), 6u);
  EXPECT_EQ(out.columns[0].name, "obj");
  EXPECT_EQ(out.columns[2].type, ColumnType::DateTime);
  EXPECT_EQ(out.columns[3].type, ColumnType::String);
  EXPECT_EQ(out.columns[4].type, ColumnType::Int);
  EXPECT_EQ(out.columns[5].type, ColumnType::Dynamic);
  std::vector<Row> in{{Value("2024-01-01T00:00:00Z"), *json::parse(R"({"name":"n1"})"), Value("42")}};
  std::vector<Row> rows;
  ASSERT_TRUE(t->apply(in, rows, dt("2024-06-01T00:00:00Z")));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][2], Value(dt("2024-01-01T00:00:00Z")));
  EXPECT_EQ(rows[0][3], Value("n1"));
  EXPECT_EQ(rows[0][4], Value(int32_t{42}));
  auto id = Transform::compile("  source\n", s);
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->is_identity());
}

TEST(KqlTransform, ParseJsonOfToStringKeepsValues) {
  Schema src = schema({{"d", ColumnType::Dynamic}, {"unused", ColumnType::String}});
  auto t = Transform::compile("source | extend o = parse_json(tostring(d)) | project o", src);
  ASSERT_TRUE(t) << t.error().str();
  std::vector<Row> in = {Row{*json::parse(R"({"a":[1,2],"b":"x"})"), Value("z")}, Row{Value("[1, 2]"), Value("z")},
                         Row{Value("text"), Value("z")}, Row{Value(int64_t{5}), Value("z")}, Row{Value(), Value("z")}};
  std::vector<Row> out;
  ASSERT_TRUE(t->apply(in, out, DateTime{}));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(json::to_json(out[0][0]), R"({"a":[1,2],"b":"x"})");
  EXPECT_EQ(json::to_json(out[1][0]), "[1,2]");  // a string holding JSON is parsed
  EXPECT_EQ(json::to_json(out[2][0]), R"("text")");
  EXPECT_EQ(json::to_json(out[3][0]), "5");
  EXPECT_EQ(out[0].size(), 1u);
}

TEST(KqlTransform, LenientProjectRenameWithExpression) {
  // Shipped by ZeroFox; not valid Kusto. Accepted in transformations: the expression takes the
  // place of the column it reads.
  Schema s = schema({{"b", ColumnType::String}, {"c", ColumnType::Long}});
  auto t = Transform::compile("source | project-rename a = toint(b)", s);
  ASSERT_TRUE(t) << t.error().str();
  EXPECT_EQ(t->output_schema().columns[0].name, "a");
  EXPECT_EQ(t->output_schema().columns[0].type, ColumnType::Int);
  MemoryCatalog cat;
  cat.add_table("T", Table{s, {}});
  EXPECT_FALSE(Query::compile("T | project-rename a = toint(b)", cat));
}

Value synthetic(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return Value(true);
    case ColumnType::Int: return Value(int32_t{7});
    case ColumnType::Long: return Value(int64_t{1700000000});
    case ColumnType::Real: return Value(1.5);
    case ColumnType::String: return Value("SUCCESS");
    case ColumnType::DateTime: return Value(dt("2024-01-01T00:00:00Z"));
    case ColumnType::TimeSpan: return Value(TimeSpan{kTicksPerSecond});
    case ColumnType::Guid: return Value(*parse_guid("74be27de-1e4e-49d9-b579-fe0b331d3642"));
    case ColumnType::Dynamic: return *json::parse(R"({"id":"x","type":"User","name":"n","result":"SUCCESS"})");
  }
  return Value();
}

TEST(KqlCorpus, EveryTransformCompilesAndRuns) {
  INTAKE_REQUIRE_CORPUS(corpus);
  int total = 0, ok = 0;
  for (const auto& dir : std::filesystem::directory_iterator(corpus)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
      std::string fname = f.path().filename().string();
      if (f.path().extension() != ".json" || fname.find("DCR") == std::string::npos) continue;
      auto root = json::parse(intake::testing::read_file(f.path()), fname);
      ASSERT_TRUE(root) << root.error().str();
      ccp::Diagnostics diag(fname);
      auto rule = dcr::parse_rule(*root, diag);
      ASSERT_TRUE(rule) << fname;
      for (const auto& flow : rule->flows) {
        if (flow.transform_kql.empty() || flow.streams.empty()) continue;
        ++total;
        const dcr::StreamDeclaration* decl = rule->stream(flow.streams[0]);
        ASSERT_NE(decl, nullptr) << fname << ": no declaration for " << flow.streams[0];
        auto t = Transform::compile(flow.transform_kql, decl->schema);
        if (!t) {
          ADD_FAILURE() << fname << " (" << flow.streams[0] << "): " << t.error().str();
          continue;
        }
        Row row;
        for (const auto& c : decl->schema.columns) row.push_back(synthetic(c.type));
        std::vector<Row> out;
        auto st = t->apply({row}, out, dt("2024-06-01T00:00:00Z"));
        if (!st) {
          ADD_FAILURE() << fname << ": apply failed: " << st.error().str();
          continue;
        }
        for (const auto& r : out) EXPECT_EQ(r.size(), t->output_schema().columns.size()) << fname;
        ++ok;
      }
    }
  }
  std::cout << "[kql] corpus transforms: " << ok << " of " << total << " compile and run\n";
  EXPECT_GT(total, 0);
  EXPECT_EQ(ok, total);
}

// Every connectorUiConfig in the corpus, in legacy APIPolling resources and connector definitions.
void collect_ui_configs(const Value& v, std::vector<const Value*>& out) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.as_object()) {
      if (k == "connectorUiConfig" && x.is_object()) out.push_back(&x);
      collect_ui_configs(x, out);
    }
  } else if (v.is_array()) {
    for (const auto& x : v.as_array()) collect_ui_configs(x, out);
  }
}

std::string substitute(std::string text, std::string_view placeholder, std::string_view value) {
  for (size_t p = 0; (p = text.find(placeholder, p)) != std::string::npos; p += value.size()) text.replace(p, placeholder.size(), value);
  return text;
}

TEST(KqlCorpus, EveryConnectorUiQueryParses) {
  INTAKE_REQUIRE_CORPUS(corpus);
  int total = 0, ok = 0;
  for (const auto& dir : std::filesystem::directory_iterator(corpus)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
      if (f.path().extension() != ".json") continue;
      std::string text = intake::testing::read_file(f.path());
      if (text.find("connectorUiConfig") == std::string::npos) continue;
      if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
      std::string fname = dir.path().filename().string() + "/" + f.path().filename().string();
      auto root = json::parse(text, fname);
      ASSERT_TRUE(root) << root.error().str();
      std::vector<const Value*> configs;
      collect_ui_configs(*root, configs);
      for (const Value* ui : configs) {
        const Value* table = ui->get("graphQueriesTableName");
        std::string table_name = table && table->is_string() ? table->as_string() : "";
        auto check = [&](const char* list, const char* field) {
          const Value* items = ui->get(list);
          if (!items || !items->is_array()) return;
          for (const auto& item : items->as_array()) {
            const Value* q = item.get(field);
            if (!q || !q->is_string()) continue;
            ++total;
            std::string query = substitute(q->as_string(), "{{graphQueriesTableName}}", table_name);
            auto ast = parse_query(query);
            if (!ast) {
              ADD_FAILURE() << fname << " " << list << "[]." << field << ": " << ast.error().str() << "\n" << query;
              continue;
            }
            ++ok;
          }
        };
        check("graphQueries", "baseQuery");
        check("dataTypes", "lastDataReceivedQuery");
        check("sampleQueries", "query");
      }
    }
  }
  std::cout << "[kql] corpus connector UI queries: " << ok << " of " << total << " parse\n";
  EXPECT_GT(total, 0);
  EXPECT_EQ(ok, total);
}

// Shapes of real Sentinel queries (content hub parsers, workbooks, UI queries) the parser accepts.
TEST(KqlParser, AcceptsRealWorldQueryShapes) {
  const char* queries[] = {
      "T | summarize count() by bin(TimeGenerated, 1d)",
      "T\n| summarize Time = max(TimeGenerated)\n| where isnotempty(Time)",
      "let threshold = 5;\nlet lookback = 1h;\nT | where TimeGenerated > ago(lookback) | where n > threshold",
      "let allowed = _GetWatchlist('AllowedIPs') | project SearchKey;\nT | where ip !in (allowed)",
      "let base = materialize(T | where x > 1);\nbase | union base",
      "// leading comment\nT // trailing\n| take 10 // done",
      "let f = (x:long) { x * 2 };\nT | extend y = f(a)",
      "let F = (t:datetime) { T | where TimeGenerated > t };\nF(ago(1d))",
      "T | mv-expand todynamic(target_s) | where target_s.type == \"AppInstance\" | summarize count() by tostring(target_s.alternateId) | top 10 by count_",
      "T | extend p = parse_json(Props) | extend u = tostring(p['user'].name), f = toint(p.items[0])",
      "T | project-rename Time = TimeGenerated | project-reorder Time",
      "T | where Msg has_any ('a', 'b') and Msg !contains 'c' | where Level in~ ('warning', 'error')",
      "T | summarize arg_max(TimeGenerated, *) by Id",
      "T | join kind=leftouter (U | project Id, Name) on $left.Id == $right.Id",
      "T | extend ts = iff(isnotempty(a), todatetime(a), datetime(null))",
      "T | where TimeGenerated between (ago(7d) .. now())",
      "union isfuzzy=true T, U | summarize count() by Type",
      "datatable(a:long, b:string)[1, 'x', 2, 'y'] | where a > 1",
      "T | parse Msg with * 'user=' User:string ' ' *",
      "T | extend s = case(a == 1, 'one', a == 2, 'two', 'many')",
      "T | order by TimeGenerated desc nulls last",
  };
  for (const char* q : queries) {
    auto ast = parse_query(q);
    EXPECT_TRUE(ast) << q << "\n" << (ast ? "" : ast.error().str());
  }
}

}  // namespace
