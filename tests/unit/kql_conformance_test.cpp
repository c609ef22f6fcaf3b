// KQL conformance runner over tests/kql/*.test (a small relative of DuckDB's sqllogictest).
//
// File format (also in tests/kql/README.md):
//   # comment                      (outside query text)
//   table NAME                     schema line `a:long, s:string, ...`, then one row per line, cells in
//   a:long, s:string               canonical text (below); ends at `----` or a blank line
//   1, "x"
//   ----
//   function NAME                  stored function body up to `----`
//   now 2024-01-01T12:00:00Z       the clock for now()/ago() in later cases (this is the default)
//   query [rowsort] [skip]         KQL up to `----`, then the expected schema line and rows up to a
//   T | project s                  blank line; rows are compared in order (rowsort: sorted as text)
//   ----
//   s:string
//   "x"
//   query error                    KQL up to `----`, then one line: a substring of the error text
//   transform SRC [rowsort]        compiles the KQL as a DCR transformKql over table SRC's schema and
//   transform error SRC            applies it to SRC's rows (or expects an error)
// Canonical cells: null; true/false; integers; reals as format_real; strings as JSON literals;
// datetimes ISO 8601 (fraction only when non-zero); timespans [-][d.]hh:mm:ss[.fffffff]; guids
// lower-case; dynamic values as compact JSON.
// The runner fails on the first mismatch of each case, reporting file:line, and fails overall
// when the folder has no files or fewer cases than kMinCases.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "core/time.h"
#include "json/value_json.h"
#include "kql/kql.h"

namespace {

using namespace intake;
namespace fs = std::filesystem;

constexpr int kMinCases = 500;

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits on commas outside string literals and brackets.
std::vector<std::string> split_cells(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_str) {
      cur += c;
      if (c == '\\' && i + 1 < line.size()) cur += line[++i];
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
  return out;
}

std::string format_cell(const Value& v) {
  switch (v.kind()) {
    case Kind::Null: return "null";
    case Kind::Bool: return v.as_bool() ? "true" : "false";
    case Kind::Int: return std::to_string(v.as_int());
    case Kind::Long: return std::to_string(v.as_long());
    case Kind::Real: return format_real(v.as_real());
    case Kind::String: {
      std::string s;
      json::append_json_string(s, v.as_string());
      return s;
    }
    case Kind::DateTime: return format_iso8601(v.as_datetime());
    case Kind::TimeSpan: return format_timespan(v.as_timespan());
    case Kind::Guid: return format_guid(v.as_guid());
    default: return json::to_json(v);
  }
}

std::optional<Value> parse_cell(const std::string& text, ColumnType t) {
  if (text == "null") return Value();
  switch (t) {
    case ColumnType::String: {
      auto v = json::parse(text);
      if (!v || !v->is_string()) return std::nullopt;
      return *v;
    }
    case ColumnType::Dynamic: {
      auto v = json::parse(text);
      if (!v) return std::nullopt;
      return *v;
    }
    case ColumnType::Bool:
      if (text == "true") return Value(true);
      if (text == "false") return Value(false);
      return std::nullopt;
    case ColumnType::Int:
    case ColumnType::Long: {
      int64_t x = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), x);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
      return t == ColumnType::Int ? Value(static_cast<int32_t>(x)) : Value(x);
    }
    case ColumnType::Real: {
      if (text == "NaN") return Value(std::nan(""));
      if (text == "Infinity") return Value(HUGE_VAL);
      if (text == "-Infinity") return Value(-HUGE_VAL);
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return std::nullopt;
      return Value(d);
    }
    case ColumnType::DateTime: {
      auto d = parse_datetime(text);
      if (!d) return std::nullopt;
      return Value(*d);
    }
    case ColumnType::TimeSpan: {
      auto s = parse_timespan(text);
      if (!s) return std::nullopt;
      return Value(*s);
    }
    case ColumnType::Guid: {
      auto g = parse_guid(text);
      if (!g) return std::nullopt;
      return Value(*g);
    }
  }
  return std::nullopt;
}

std::optional<Schema> parse_schema_line(const std::string& line) {
  Schema s;
  for (const auto& cell : split_cells(line)) {
    auto colon = cell.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    auto t = parse_column_type(trim(cell.substr(colon + 1)));
    if (!t) return std::nullopt;
    s.columns.push_back({trim(cell.substr(0, colon)), *t});
  }
  return s;
}

std::string schema_text(const Schema& s) {
  std::string out;
  for (const auto& c : s.columns) {
    if (!out.empty()) out += ", ";
    out += c.name + ":" + std::string(column_type_name(c.type));
  }
  return out;
}

std::string row_text(const Row& r) {
  std::string out;
  for (size_t i = 0; i < r.size(); ++i) {
    if (i) out += ", ";
    out += format_cell(r[i]);
  }
  return out;
}

std::string normalise_row(const std::string& line) {
  std::string out;
  auto cells = split_cells(line);
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ", ";
    out += cells[i];
  }
  return out;
}

struct Counts {
  int cases = 0, passed = 0, skipped = 0;
};

class FileRunner {
 public:
  FileRunner(fs::path path, Counts& counts) : path_(std::move(path)), counts_(counts) {
    std::ifstream in(path_);
    std::string l;
    while (std::getline(in, l)) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      lines_.push_back(l);
    }
  }

  void run() {
    while (i_ < lines_.size()) {
      std::string line = trim(lines_[i_]);
      if (line.empty() || line[0] == '#') {
        ++i_;
        continue;
      }
      size_t at = i_ + 1;
      std::istringstream words(line);
      std::vector<std::string> w;
      for (std::string x; words >> x;) w.push_back(x);
      ++i_;
      if (w[0] == "table" && w.size() == 2) table(w[1], at);
      else if (w[0] == "function" && w.size() == 2) function(w[1]);
      else if (w[0] == "now" && w.size() == 2) {
        auto d = parse_datetime(w[1]);
        if (!d) fail(at, "bad datetime in 'now'");
        else now_ = *d;
      } else if (w[0] == "query" || w[0] == "transform") {
        test_case(w, at);
      } else {
        fail(at, "unknown directive '" + w[0] + "'");
      }
    }
  }

 private:
  void fail(size_t line, const std::string& what) {
    ADD_FAILURE() << path_.filename().string() << ":" << line << ": " << what;
  }

  // Lines up to a `----` line (consumed); returns false at end of file.
  bool block(std::vector<std::string>& out) {
    while (i_ < lines_.size()) {
      if (trim(lines_[i_]) == "----") {
        ++i_;
        return true;
      }
      out.push_back(lines_[i_++]);
    }
    return false;
  }
  // Lines up to a blank line or end of file.
  std::vector<std::string> until_blank() {
    std::vector<std::string> out;
    while (i_ < lines_.size() && !trim(lines_[i_]).empty()) out.push_back(trim(lines_[i_++]));
    return out;
  }

  void table(const std::string& name, size_t at) {
    std::vector<std::string> body;
    while (i_ < lines_.size()) {
      std::string l = trim(lines_[i_]);
      if (l.empty()) break;
      ++i_;
      if (l == "----") break;
      body.push_back(l);
    }
    if (body.empty()) return fail(at, "table without a schema line");
    auto schema = parse_schema_line(body[0]);
    if (!schema) return fail(at + 1, "bad schema line");
    kql::Table t;
    t.schema = *schema;
    for (size_t r = 1; r < body.size(); ++r) {
      auto cells = split_cells(body[r]);
      if (cells.size() != schema->columns.size()) return fail(at + 1 + r, "row has " + std::to_string(cells.size()) + " cells, schema has " + std::to_string(schema->columns.size()));
      Row row;
      for (size_t c = 0; c < cells.size(); ++c) {
        auto v = parse_cell(cells[c], schema->columns[c].type);
        if (!v) return fail(at + 1 + r, "cannot read '" + cells[c] + "' as " + std::string(column_type_name(schema->columns[c].type)));
        row.push_back(std::move(*v));
      }
      t.rows.push_back(std::move(row));
    }
    catalog_.add_table(name, t);
    tables_[name] = std::move(t);
  }

  void function(const std::string& name) {
    std::vector<std::string> body;
    block(body);
    std::string text;
    for (const auto& l : body) text += l + "\n";
    catalog_.add_function(name, text);
  }

  void test_case(const std::vector<std::string>& w, size_t at) {
    bool is_transform = w[0] == "transform";
    bool expect_error = false, rowsort = false, skip = false;
    std::string source;
    for (size_t k = 1; k < w.size(); ++k) {
      if (w[k] == "error") expect_error = true;
      else if (w[k] == "rowsort") rowsort = true;
      else if (w[k] == "skip") skip = true;
      else if (is_transform && source.empty()) source = w[k];
      else return fail(at, "unknown option '" + w[k] + "'");
    }
    std::vector<std::string> text_lines;
    if (!block(text_lines)) return fail(at, "case without '----'");
    std::vector<std::string> expected = until_blank();
    ++counts_.cases;
    if (skip) {
      ++counts_.skipped;
      return;
    }
    std::string text;
    for (const auto& l : text_lines) text += l + "\n";
    while (!text.empty() && text.back() == '\n') text.pop_back();

    Result<kql::Table> result = std::unexpected(Error("no result"));
    if (is_transform) {
      auto it = tables_.find(source);
      if (it == tables_.end()) return fail(at, "transform source table '" + source + "' is not declared");
      auto t = kql::Transform::compile(text, it->second.schema);
      if (!t) {
        result = std::unexpected(t.error());
      } else {
        kql::Table out;
        out.schema = t->output_schema();
        auto st = t->apply(it->second.rows, out.rows, now_);
        if (!st) result = std::unexpected(st.error());
        else result = std::move(out);
      }
    } else {
      auto q = kql::Query::compile(text, catalog_);
      if (!q) {
        result = std::unexpected(q.error());
      } else {
        kql::QueryOptions opts;
        DateTime now = now_;
        opts.clock = [now] { return now; };
        result = q->run(opts);
      }
    }

    if (expect_error) {
      if (result) return fail(at, "expected an error containing '" + (expected.empty() ? "" : expected[0]) + "', but the query succeeded");
      if (!expected.empty() && result.error().str().find(expected[0]) == std::string::npos)
        return fail(at, "error '" + result.error().str() + "' does not contain '" + expected[0] + "'");
      ++counts_.passed;
      return;
    }
    if (!result) return fail(at, "unexpected error: " + result.error().str());
    if (expected.empty()) return fail(at, "no expected schema line");
    auto want_schema = parse_schema_line(expected[0]);
    if (!want_schema) return fail(at, "bad expected schema line '" + expected[0] + "'");
    if (schema_text(*want_schema) != schema_text(result->schema))
      return fail(at, "schema: expected '" + schema_text(*want_schema) + "', got '" + schema_text(result->schema) + "'");
    std::vector<std::string> want, got;
    for (size_t k = 1; k < expected.size(); ++k) want.push_back(normalise_row(expected[k]));
    for (const auto& r : result->rows) got.push_back(row_text(r));
    if (rowsort) {
      std::sort(want.begin(), want.end());
      std::sort(got.begin(), got.end());
    }
    if (want != got) {
      std::string msg = "rows differ\nexpected:\n";
      for (const auto& x : want) msg += "  " + x + "\n";
      msg += "got:\n";
      for (const auto& x : got) msg += "  " + x + "\n";
      return fail(at, msg);
    }
    ++counts_.passed;
  }

  fs::path path_;
  Counts& counts_;
  std::vector<std::string> lines_;
  size_t i_ = 0;
  kql::MemoryCatalog catalog_;
  std::map<std::string, kql::Table> tables_;
  DateTime now_ = *parse_datetime("2024-01-01T12:00:00Z");
};

TEST(KqlConformance, AllFiles) {
  fs::path dir = fs::path(std::string(INTAKE_SOURCE_DIR) + "/tests/kql");
  std::vector<fs::path> files;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no .test files in " << dir;
  Counts counts;
  for (const auto& f : files) {
    Counts before = counts;
    FileRunner(f, counts).run();
    std::cout << "[kql] " << f.filename().string() << ": " << (counts.cases - before.cases) << " cases, "
              << (counts.passed - before.passed) << " passed, " << (counts.skipped - before.skipped) << " skipped\n";
  }
  std::cout << "[kql] total: " << counts.cases << " cases in " << files.size() << " files, " << counts.passed << " passed, "
            << counts.skipped << " skipped\n";
  EXPECT_GE(counts.cases, kMinCases) << "fewer conformance cases than the floor";
}

}  // namespace
