#include "sinks/workspace.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <thread>

#include "testing/support.h"

namespace intake::sinks {
namespace {

using ::intake::testing::TempDir;

Schema schema_of(std::vector<Column> columns) { return Schema{std::move(columns)}; }

std::unique_ptr<Workspace> open_ok(const std::filesystem::path& p, const WorkspaceOptions& o = {}) {
  auto ws = Workspace::open(p.string(), o);
  EXPECT_TRUE(ws) << ws.error().str();
  return ws ? std::move(*ws) : nullptr;
}

// Reads the file with the plain C API, as any SQLite client would.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& p) {
    EXPECT_EQ(sqlite3_open_v2(p.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // The first column of the first row as text ("" for none or NULL).
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db_) << ": " << sql;
    std::string out;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
  }
  int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* db_ = nullptr;
};

Guid sample_guid() {
  Guid g;
  for (size_t i = 0; i < g.bytes.size(); ++i) g.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  return g;
}

TEST(Workspace, CreatesAndReopens) {
  TempDir dir;
  auto path = dir / "ws.db";
  {
    auto ws = open_ok(path);
    ASSERT_TRUE(ws);
    EXPECT_EQ(ws->path(), path.string());
    auto ok = ws->ensure_table("Events_CL", schema_of({{"Id", ColumnType::String}, {"Count", ColumnType::Long}}));
    ASSERT_TRUE(ok) << ok.error().str();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  auto ws = open_ok(path);
  ASSERT_TRUE(ws);
  auto schema = ws->table_schema("Events_CL");
  ASSERT_TRUE(schema && *schema);
  ASSERT_EQ((*schema)->columns.size(), 3u);
  EXPECT_EQ((*schema)->columns[0].name, "TimeGenerated");
  EXPECT_EQ((*schema)->columns[0].type, ColumnType::DateTime);
  EXPECT_EQ((*schema)->columns[1].name, "Id");
  EXPECT_EQ((*schema)->columns[2].type, ColumnType::Long);
  auto missing = ws->table_schema("Nope");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);

  auto tables = ws->tables();
  ASSERT_TRUE(tables) << tables.error().str();
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name, "Events_CL");
  EXPECT_EQ((*tables)[0].rows, 0);

  RawDb raw(path);
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
}

TEST(Workspace, AFileKeepsItsIdentityAndANewFileGetsAnother) {
  TempDir dir;
  std::string first;
  {
    auto ws = open_ok(dir / "a.db");
    auto id = ws->identity();
    ASSERT_TRUE(id) << id.error().str();
    EXPECT_EQ(id->size(), 32u);
    first = *id;
    EXPECT_EQ(*ws->identity(), first);
  }
  EXPECT_EQ(*open_ok(dir / "a.db")->identity(), first) << "kept across opens";
  std::filesystem::remove(dir / "a.db");
  std::filesystem::remove(dir / "a.db-wal");
  std::filesystem::remove(dir / "a.db-shm");
  EXPECT_NE(*open_ok(dir / "a.db")->identity(), first) << "a replaced file is another workspace";
}

TEST(Workspace, OpenErrorsNameThePath) {
  TempDir dir;
  auto bad_dir = (dir / "missing" / "ws.db").string();
  auto r = Workspace::open(bad_dir);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find(bad_dir), std::string::npos) << r.error().str();

  auto junk = dir / "junk.db";
  ::intake::testing::write_file(junk, std::string(8192, 'x'));
  r = Workspace::open(junk.string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find(junk.string()), std::string::npos) << r.error().str();
  EXPECT_NE(r.error().str().find("not a database"), std::string::npos) << r.error().str();

  WorkspaceOptions o;
  o.synchronous = "off";
  r = Workspace::open((dir / "a.db").string(), o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("synchronous"), std::string::npos);
  o.synchronous = "FULL";
  EXPECT_TRUE(Workspace::open((dir / "a.db").string(), o));
}

TEST(Workspace, RoundTripsEveryType) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  Schema schema = schema_of({{"TimeGenerated", ColumnType::DateTime},
                             {"b", ColumnType::Bool},
                             {"i", ColumnType::Int},
                             {"l", ColumnType::Long},
                             {"r", ColumnType::Real},
                             {"s", ColumnType::String},
                             {"ts", ColumnType::TimeSpan},
                             {"g", ColumnType::Guid},
                             {"d", ColumnType::Dynamic}});
  ASSERT_TRUE(ws->ensure_table("T", schema));

  Value dyn(Object{{"a", Value(int64_t{1})}, {"list", Value(Array{Value("x"), Value(true), Value()})}});
  std::vector<Row> rows = {
      {Value(DateTime{17'000'000'000'000'000}), Value(true), Value(int32_t{-7}), Value(int64_t{1} << 53),
       Value(2.5), Value("héllo \"q\""), Value(TimeSpan{-kTicksPerHour}), Value(sample_guid()), dyn},
      {Value(), Value(), Value(), Value(), Value(), Value(), Value(), Value(), Value()},
      {Value(DateTime{0}), Value(false), Value(int32_t{0}), Value(std::numeric_limits<int64_t>::min()),
       Value(std::nan("")), Value(""), Value(TimeSpan{0}), Value(Guid{}), Value("just text")},
  };
  auto txn = ws->begin();
  ASSERT_TRUE(txn) << txn.error().str();
  auto ok = txn->append("T", schema, rows);
  ASSERT_TRUE(ok) << ok.error().str();
  ASSERT_TRUE(txn->commit());

  auto back = ws->read_rows("T", 100);
  ASSERT_TRUE(back) << back.error().str();
  ASSERT_EQ(back->size(), 3u);
  EXPECT_EQ((*back)[0], rows[0]);
  EXPECT_EQ((*back)[1], rows[1]);
  Row expected = rows[2];
  expected[4] = Value();  // NaN is stored as NULL
  EXPECT_EQ((*back)[2], expected);

  RawDb raw(dir / "ws.db");
  EXPECT_EQ(raw.text("SELECT g FROM T LIMIT 1"), "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf");
  EXPECT_EQ(raw.text("SELECT typeof(TimeGenerated) FROM T LIMIT 1"), "integer");
  EXPECT_EQ(raw.text("SELECT TimeGenerated FROM T LIMIT 1"), "17000000000000000");
  EXPECT_EQ(raw.text("SELECT typeof(ts) || ts FROM T LIMIT 1"), "integer-36000000000");
  EXPECT_EQ(raw.text("SELECT typeof(b) || b FROM T LIMIT 1"), "integer1");
  EXPECT_EQ(raw.text("SELECT typeof(d) FROM T LIMIT 1"), "text");
  EXPECT_EQ(raw.text("SELECT json_extract(d, '$.list[0]') FROM T LIMIT 1"), "x");
  EXPECT_EQ(raw.text("SELECT d FROM T LIMIT 1 OFFSET 2"), "\"just text\"");
  EXPECT_EQ(raw.text("SELECT typeof(r) FROM T LIMIT 1 OFFSET 2"), "null");
  EXPECT_EQ(raw.text("SELECT kql_type FROM _intake_columns WHERE table_name = 'T' AND column_name = 'g'"), "guid");
}

TEST(Workspace, DynamicScalarsKeepTheirKind) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  Schema schema = schema_of({{"d", ColumnType::Dynamic}});
  ASSERT_TRUE(ws->ensure_table("T", schema));
  std::vector<Row> rows = {{Value(int64_t{5})}, {Value(1.0)}, {Value(true)}, {Value("12")}, {Value(Array{})}};
  auto txn = ws->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE(txn->append("T", schema, rows));
  ASSERT_TRUE(txn->commit());
  auto back = ws->read_rows("T", -1);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ((*back)[i][1], rows[i][0]) << "row " << i;
  RawDb raw(dir / "ws.db");
  EXPECT_EQ(raw.text("SELECT group_concat(typeof(d)) FROM T"), "text,text,text,text,text");
}

TEST(Workspace, ConvertsMismatchedKinds) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  Schema table = schema_of({{"l", ColumnType::Long}, {"r", ColumnType::Real}, {"s", ColumnType::String},
                            {"t", ColumnType::DateTime}});
  ASSERT_TRUE(ws->ensure_table("T", table));
  std::vector<Row> rows = {{Value("123"), Value(int64_t{2}), Value(Array{Value(int64_t{1})}),
                            Value("2024-01-01T00:00:00Z")}};
  auto txn = ws->begin();
  ASSERT_TRUE(txn);
  auto ok = txn->append("T", table, rows);
  ASSERT_TRUE(ok) << ok.error().str();
  ASSERT_TRUE(txn->commit());
  auto back = ws->read_rows("T", 10);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0][1], Value(int64_t{123}));
  EXPECT_EQ((*back)[0][2], Value(2.0));
  EXPECT_EQ((*back)[0][3], Value("[1]"));
  EXPECT_EQ((*back)[0][4], Value(DateTime{19723 * kTicksPerDay}));
}

TEST(Workspace, AddsMissingColumns) {
  TempDir dir;
  auto path = dir / "ws.db";
  auto ws = open_ok(path);
  ASSERT_TRUE(ws);
  Schema first = schema_of({{"a", ColumnType::String}});
  ASSERT_TRUE(ws->ensure_table("T", first));
  {
    auto txn = ws->begin();
    ASSERT_TRUE(txn);
    std::vector<Row> rows = {{Value("one")}};
    ASSERT_TRUE(txn->append("T", first, rows));
    ASSERT_TRUE(txn->commit());
  }
  Schema second = schema_of({{"b", ColumnType::Long}, {"a", ColumnType::String}});
  auto ok = ws->ensure_table("T", second);
  ASSERT_TRUE(ok) << ok.error().str();
  ASSERT_TRUE(ws->ensure_table("T", first));  // a subset changes nothing
  {
    auto txn = ws->begin();
    ASSERT_TRUE(txn);
    std::vector<Row> rows = {{Value(int64_t{2}), Value("two")}};
    auto appended = txn->append("T", second, rows);
    ASSERT_TRUE(appended) << appended.error().str();
    ASSERT_TRUE(txn->commit());
  }
  ws.reset();
  ws = open_ok(path);
  auto schema = ws->table_schema("T");
  ASSERT_TRUE(schema && *schema);
  ASSERT_EQ((*schema)->columns.size(), 3u);
  EXPECT_EQ((*schema)->columns[2].name, "b");
  auto back = ws->read_rows("T", 10);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], (Row{Value(), Value("one"), Value()}));
  EXPECT_EQ((*back)[1], (Row{Value(), Value("two"), Value(int64_t{2})}));
}

TEST(Workspace, SeesColumnsAddedByAnotherConnection) {
  TempDir dir;
  auto path = dir / "ws.db";
  auto first = open_ok(path);
  auto second = open_ok(path);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->ensure_table("T", schema_of({{"a", ColumnType::String}})));
  Schema wider = schema_of({{"a", ColumnType::String}, {"b", ColumnType::String}});
  ASSERT_TRUE(second->ensure_table("T", wider));

  auto txn = first->begin();
  ASSERT_TRUE(txn);
  std::vector<Row> rows = {{Value("x"), Value("y")}};
  auto ok = txn->append("T", wider, rows);
  ASSERT_TRUE(ok) << ok.error().str();
  ASSERT_TRUE(txn->commit());

  // One writer at a time across connections: the other waits busy_timeout_ms, then fails.
  WorkspaceOptions impatient;
  impatient.busy_timeout_ms = 50;
  auto third = open_ok(path, impatient);
  ASSERT_TRUE(third);
  {
    auto held = second->begin();
    ASSERT_TRUE(held);
    auto blocked = third->begin();
    ASSERT_FALSE(blocked);
    EXPECT_NE(blocked.error().str().find("locked"), std::string::npos) << blocked.error().str();
    EXPECT_NE(blocked.error().str().find(path.string()), std::string::npos) << blocked.error().str();
  }
  EXPECT_TRUE(third->begin()) << "free again once the holder rolled back";

  auto conflict = first->ensure_table("T", schema_of({{"b", ColumnType::Long}}));
  ASSERT_FALSE(conflict);
  EXPECT_NE(conflict.error().str().find("exists as string"), std::string::npos) << conflict.error().str();
  auto back = second->read_rows("T", 10);
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0][2], Value("y"));
}

TEST(Workspace, TypeConflictIsAnError) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  ASSERT_TRUE(ws->ensure_table("T", schema_of({{"a", ColumnType::String}})));
  auto r = ws->ensure_table("T", schema_of({{"z", ColumnType::Bool}, {"a", ColumnType::Long}}));
  ASSERT_FALSE(r);
  std::string msg = r.error().str();
  const std::string path = (dir / "ws.db").string();
  for (std::string_view part : {std::string_view("\"T\""), std::string_view("\"a\""), std::string_view("string"),
                                std::string_view("long"), std::string_view(path)}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part << " not in: " << msg;
  }
  auto schema = ws->table_schema("T");
  ASSERT_TRUE(schema && *schema);
  EXPECT_EQ((*schema)->columns.size(), 2u) << "the failed call added nothing";

  r = ws->ensure_table("T", schema_of({{"A", ColumnType::String}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("case-insensitive"), std::string::npos) << r.error().str();
  EXPECT_FALSE(ws->ensure_table("_intake_state", schema_of({{"a", ColumnType::String}})));
  EXPECT_FALSE(ws->ensure_table("", schema_of({{"a", ColumnType::String}})));
}

TEST(Workspace, AppendErrors) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  Schema schema = schema_of({{"a", ColumnType::String}});
  ASSERT_TRUE(ws->ensure_table("T", schema));
  auto txn = ws->begin();
  ASSERT_TRUE(txn);
  std::vector<Row> rows = {{Value("x")}};
  EXPECT_FALSE(txn->append("Nope", schema, rows));
  EXPECT_FALSE(txn->append("T", schema_of({{"b", ColumnType::String}}), rows));
  std::vector<Row> wide = {{Value("x"), Value("y")}};
  auto r = txn->append("T", schema, wide);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().str().find("row 0"), std::string::npos) << r.error().str();
  EXPECT_FALSE(txn->commit()) << "a transaction with a failed write must not commit";
  EXPECT_FALSE(txn->commit()) << "nor be usable after commit";
  auto tables = ws->tables();
  ASSERT_TRUE(tables);
  EXPECT_EQ((*tables)[0].rows, 0);
}

TEST(Workspace, RollsBackWhenDestroyed) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  Schema schema = schema_of({{"a", ColumnType::String}});
  ASSERT_TRUE(ws->ensure_table("T", schema));
  {
    auto txn = ws->begin();
    ASSERT_TRUE(txn);
    EXPECT_FALSE(ws->begin()) << "one transaction at a time";
    std::vector<Row> rows = {{Value("x")}, {Value("y")}};
    ASSERT_TRUE(txn->append("T", schema, rows));
    ASSERT_TRUE(txn->put_state("inst", R"({"cp":1})"));
    ASSERT_TRUE(txn->admit("inst", 42, 1));
    // Schema changes inside the transaction are undone with it.
    ASSERT_TRUE(ws->ensure_table("U", schema));
    ASSERT_TRUE(ws->ensure_table("T", schema_of({{"b", ColumnType::Long}})));
    WriteTxn moved = std::move(*txn);
    EXPECT_FALSE(txn->commit()) << "moved-from transaction is closed";
  }
  auto tables = ws->tables();
  ASSERT_TRUE(tables);
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].rows, 0);
  EXPECT_EQ((*tables)[0].schema.columns.size(), 2u);
  auto st = ws->state("inst");
  ASSERT_TRUE(st);
  EXPECT_FALSE(*st);

  auto txn = ws->begin();
  ASSERT_TRUE(txn) << "the workspace is usable again";
  EXPECT_EQ(txn->admit("inst", 42, 5), true) << "the key was rolled back";
  std::vector<Row> rows = {{Value("z")}};
  ASSERT_TRUE(txn->append("T", schema, rows));
  ASSERT_TRUE(txn->commit());
  EXPECT_EQ(ws->read_rows("T", 10)->size(), 1u);
}

TEST(Workspace, StatePutGetReset) {
  TempDir dir;
  auto path = dir / "ws.db";
  auto ws = open_ok(path);
  ASSERT_TRUE(ws);
  auto put = [&](std::string_view instance, std::string_view state) {
    auto txn = ws->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE(txn->put_state(instance, state));
    ASSERT_TRUE(txn->commit());
  };
  put("a", R"({"v":1})");
  put("b", R"({"v":"b"})");
  put("a", R"({"v":2})");
  EXPECT_EQ(ws->state("a").value(), R"({"v":2})");
  EXPECT_EQ(ws->state("b").value(), R"({"v":"b"})");
  EXPECT_EQ(ws->state("c").value(), std::nullopt);
  {
    auto txn = ws->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE(txn->admit("a", 1, 10));
    ASSERT_TRUE(txn->admit("b", 1, 10));
    ASSERT_TRUE(txn->commit());
  }
  ASSERT_TRUE(ws->reset_state("a"));
  EXPECT_EQ(ws->state("a").value(), std::nullopt);
  EXPECT_EQ(ws->state("b").value(), R"({"v":"b"})");
  ws.reset();
  ws = open_ok(path);
  EXPECT_EQ(ws->state("a").value(), std::nullopt);
  auto txn = ws->begin();
  ASSERT_TRUE(txn);
  EXPECT_EQ(txn->admit("a", 1, 20), true) << "reset forgot a's keys";
  EXPECT_EQ(txn->admit("b", 1, 20), false) << "but kept b's";
  ASSERT_TRUE(txn->commit());
  RawDb raw(path);
  EXPECT_GT(raw.integer("SELECT updated_at FROM _intake_state WHERE instance = 'b'"), 0);
}

TEST(Workspace, AdmitSemantics) {
  TempDir dir;
  auto ws = open_ok(dir / "ws.db");
  ASSERT_TRUE(ws);
  const uint64_t big = std::numeric_limits<uint64_t>::max() - 3;  // negative once bit-cast
  {
    auto txn = ws->begin();
    ASSERT_TRUE(txn);
    EXPECT_EQ(txn->admit("i", 7, 100), true) << "new";
    EXPECT_EQ(txn->admit("i", 7, 100), true) << "same epoch: a repeat within the window";
    EXPECT_EQ(txn->admit("i", 7, 200), false) << "recorded in an earlier epoch";
    EXPECT_EQ(txn->admit("i", 7, 50), false) << "recorded in a later epoch";
    EXPECT_EQ(txn->admit("other", 7, 200), true) << "keys are per instance";
    EXPECT_EQ(txn->admit("i", big, 100), true);
    EXPECT_EQ(txn->admit("i", big - 1, 150), true);
    EXPECT_EQ(txn->admit("i", 8, 200), true);
    ASSERT_TRUE(txn->commit());
  }
  auto txn = ws->begin();
  ASSERT_TRUE(txn);
  EXPECT_EQ(txn->admit("i", big, 300), false);
  EXPECT_EQ(txn->admit("i", 7, 100), true) << "committed with its epoch";
  ASSERT_TRUE(txn->forget_before("i", 150));
  EXPECT_EQ(txn->admit("i", 7, 300), true) << "forgotten";
  EXPECT_EQ(txn->admit("i", big, 300), true) << "forgotten";
  EXPECT_EQ(txn->admit("i", big - 1, 300), false) << "epoch 150 is kept";
  EXPECT_EQ(txn->admit("i", 8, 300), false) << "epoch 200 is kept";
  EXPECT_EQ(txn->admit("other", 7, 300), false) << "other instances untouched";
  ASSERT_TRUE(txn->commit());
}

TEST(Workspace, WeirdIdentifiers) {
  TempDir dir;
  auto path = dir / "ws.db";
  auto ws = open_ok(path);
  ASSERT_TRUE(ws);
  const std::string table = "my.table \"x\" 'y' [z]";
  Schema schema = schema_of({{"a b", ColumnType::String},
                             {"c.d", ColumnType::Long},
                             {"e\"f", ColumnType::String},
                             {"'g'", ColumnType::Bool},
                             {"select", ColumnType::Real},
                             {"rowid", ColumnType::Long}});
  auto ok = ws->ensure_table(table, schema);
  ASSERT_TRUE(ok) << ok.error().str();
  std::vector<Row> rows;
  for (int i = 0; i < 3; ++i) {
    rows.push_back({Value("v" + std::to_string(i)), Value(int64_t{i}), Value("\"" + std::to_string(i)),
                    Value(i % 2 == 0), Value(i * 0.5), Value(int64_t{100 - i})});
  }
  auto txn = ws->begin();
  ASSERT_TRUE(txn);
  ASSERT_TRUE(txn->append(table, schema, rows));
  ASSERT_TRUE(txn->commit());
  ws.reset();
  ws = open_ok(path);
  auto back = ws->read_rows(table, 2, 1);
  ASSERT_TRUE(back) << back.error().str();
  ASSERT_EQ(back->size(), 2u);
  for (size_t r = 0; r < 2; ++r) {
    Row expected = rows[r + 1];
    expected.insert(expected.begin(), Value());
    EXPECT_EQ((*back)[r], expected);
  }
  auto tables = ws->tables();
  ASSERT_TRUE(tables);
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name, table);
  EXPECT_EQ((*tables)[0].rows, 3);
  RawDb raw(path);
  EXPECT_EQ(raw.text(R"(SELECT "e""f" FROM "my.table ""x"" 'y' [z]" WHERE "c.d" = 2)"), "\"2");
}

// A child commits pages (rows + checkpoint + keys in one transaction) until it is killed at a
// random moment; every reopen must find the checkpoint and the rows in exact agreement.
[[noreturn]] void write_until_killed(const std::string& path, const Schema& schema) {
  auto ws = Workspace::open(path);
  if (!ws) _exit(2);
  auto state = (*ws)->state("inst");
  if (!state) _exit(3);
  int64_t total = *state ? std::stoll(**state) : 0;
  std::vector<Row> rows;
  for (int64_t page = 0;; ++page) {
    rows.clear();
    int64_t n = 1 + page % 97;
    for (int64_t i = 0; i < n; ++i) {
      rows.push_back({Value(DateTime{total + i}), Value(total + i), Value("payload " + std::to_string(total + i)),
                      Value(Object{{"seq", Value(total + i)}})});
    }
    auto txn = (*ws)->begin();
    if (!txn) _exit(4);
    if (!txn->append("Crash_CL", schema, rows)) _exit(5);
    for (int64_t i = 0; i < n; ++i) {
      if (!txn->admit("inst", static_cast<uint64_t>(total + i), page)) _exit(6);
    }
    total += n;
    if (!txn->put_state("inst", std::to_string(total))) _exit(7);
    if (!txn->commit()) _exit(8);
  }
}

TEST(Workspace, KillNineKeepsRowsAndCheckpointTogether) {
  TempDir dir;
  const std::string path = (dir / "crash.db").string();
  Schema schema = schema_of({{"TimeGenerated", ColumnType::DateTime},
                             {"Seq", ColumnType::Long},
                             {"Text", ColumnType::String},
                             {"Extra", ColumnType::Dynamic}});
  {
    auto ws = open_ok(path);
    ASSERT_TRUE(ws);
    ASSERT_TRUE(ws->ensure_table("Crash_CL", schema));
  }
  std::mt19937 rng(std::random_device{}());
  int64_t previous = 0;
  for (int round = 0; round < 8; ++round) {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) write_until_killed(path, schema);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, WNOHANG), 0) << "the writer exited early with status " << status;
    ASSERT_EQ(kill(child, SIGKILL), 0);
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

    {
      RawDb raw(path);  // a plain client first: it replays the WAL like any reader
      int64_t committed = raw.integer("SELECT COALESCE((SELECT state FROM _intake_state WHERE instance = 'inst'), 0)");
      EXPECT_EQ(raw.integer("SELECT COUNT(*) FROM Crash_CL"), committed) << "round " << round;
      EXPECT_EQ(raw.integer("SELECT COUNT(*) FROM _intake_seen"), committed) << "round " << round;
      if (committed > 0) {
        EXPECT_EQ(raw.integer("SELECT MAX(Seq) FROM Crash_CL"), committed - 1);
        EXPECT_EQ(raw.text("SELECT json_extract(Extra, '$.seq') FROM Crash_CL ORDER BY rowid DESC LIMIT 1"),
                  std::to_string(committed - 1));
      }
    }
    auto ws = open_ok(path);
    ASSERT_TRUE(ws);
    auto state = ws->state("inst");
    ASSERT_TRUE(state);
    int64_t committed = *state ? std::stoll(**state) : 0;
    auto tables = ws->tables();
    ASSERT_TRUE(tables);
    ASSERT_EQ(tables->size(), 1u);
    EXPECT_EQ((*tables)[0].rows, committed) << "round " << round;
    EXPECT_GE(committed, previous);
    previous = committed;
  }
  EXPECT_GT(previous, 0) << "the writer never committed";
  RecordProperty("committed_rows", std::to_string(previous));
}

}  // namespace
}  // namespace intake::sinks
