// Tests of src/json: the JSON reader and writer (value_json) and JSONPath, including the
// conformance runner over tests/data/jsonpath/*.test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"
#include "json/jsonpath.h"
#include "json/value_json.h"

namespace intake::json {
namespace {

namespace fs = std::filesystem;

Value parse_ok(std::string_view text) {
  auto v = parse(text);
  EXPECT_TRUE(v.has_value()) << text << ": " << (v ? "" : v.error().str());
  return v ? *v : Value();
}

std::string roundtrip(std::string_view text) { return to_json(parse_ok(text)); }

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

TEST(JsonParse, Scalars) {
  EXPECT_TRUE(parse_ok("null").is_null());
  EXPECT_EQ(parse_ok("true"), Value(true));
  EXPECT_EQ(parse_ok("false"), Value(false));
  EXPECT_EQ(parse_ok("42"), Value(int64_t{42}));
  EXPECT_EQ(parse_ok("-9223372036854775808"), Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(parse_ok("1.5"), Value(1.5));
  EXPECT_EQ(parse_ok("1e2"), Value(100.0));
  EXPECT_EQ(parse_ok("1e-400"), Value(0.0));  // underflow reads as zero, as simdjson does
  EXPECT_EQ(parse_ok("\"text\""), Value("text"));
  EXPECT_EQ(parse_ok("\"\\u00e9\\ud83d\\ude00\""), Value("\xC3\xA9\xF0\x9F\x98\x80"));
}

TEST(JsonParse, IntegersBeyondInt64BecomeReal) {
  Value v = parse_ok("18446744073709551615");
  ASSERT_EQ(v.kind(), Kind::Real);
  EXPECT_EQ(v.as_real(), 18446744073709551615.0);
}

TEST(JsonParse, ObjectsKeepMemberOrder) {
  Value v = parse_ok(R"({"z": 1, "a": {"m": [1, "x", null]}, "b": false})");
  ASSERT_TRUE(v.is_object());
  const Object& o = v.as_object();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[0].first, "z");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_EQ(o[2].first, "b");
  EXPECT_EQ(to_json(v), R"({"z":1,"a":{"m":[1,"x",null]},"b":false})");
}

TEST(JsonParse, SkipsByteOrderMark) { EXPECT_EQ(parse_ok("\xEF\xBB\xBF{\"a\":1}"), parse_ok("{\"a\":1}")); }

TEST(JsonParse, ToValueMatchesParse) {
  const std::string text = R"({"a":[1,2.5,"s",true,null,{"b":[]}],"c":{}})";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(text).get(root));
  EXPECT_EQ(to_value(root), parse_ok(text));
  EXPECT_EQ(to_json(to_value(root)), text);
}

struct ErrorCase {
  std::string text;
  size_t line, column;
  std::string what;
};

TEST(JsonParse, ErrorsGiveLineAndColumn) {
  const std::vector<ErrorCase> cases = {
      {"{\"a\": 1,}", 1, 9, "trailing commas are not allowed"},
      {"[1, 2,]", 1, 7, "trailing commas are not allowed"},
      {"{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "expected ',' or '}' after an object member, found '\"'"},
      {"[1, 2", 1, 6, "unexpected end of input, expected ',' or ']'"},
      {"{\"a\": tru}", 1, 7, "invalid literal, expected 'true'"},
      {"{\"a\": \"x\ny\"}", 1, 9, "unescaped control character in string"},
      {"{'a': 1}", 1, 2, "expected a member name in double quotes, found '''"},
      {"{\"a\" 1}", 1, 6, "expected ':' after the member name, found '1'"},
      {"", 1, 1, "the document is empty"},
      {"  \n ", 2, 2, "the document is empty"},
      {"01", 1, 1, "leading zeros are not allowed"},
      {"[1.]", 1, 4, "expected a digit after '.'"},
      {"[-]", 1, 3, "expected a digit"},
      {"[1e]", 1, 4, "expected a digit in the exponent"},
      {"[1] x", 1, 5, "unexpected 'x' after the JSON value"},
      {"\"\\q\"", 1, 2, "invalid escape sequence \\q in string"},
      {"\"\\u12\"", 1, 2, "expected four hex digits"},
      {"\"\\ud800\"", 1, 2, "high surrogate without a low surrogate"},
      {"\"\\udc00\"", 1, 2, "unpaired low surrogate"},
      {"[123456789012345678901234]", 1, 2, "integer does not fit in 64 bits"},
      {"[1e400]", 1, 2, "too large for a double"},
      {"[\"\xFF\"]", 1, 3, "invalid UTF-8 in string"},
      {"[\"abc", 1, 2, "unterminated string"},
      {"{\"\xC3\xA9\": x}", 1, 7, "expected a value, found 'x'"},  // columns count characters
      {"[1 2]", 1, 4, "expected ',' or ']' after an array element, found '2'"},
      {"{\"a\":1", 1, 7, "unexpected end of input, expected ',' or '}'"},
      {"[\x01]", 1, 2, "expected a value, found byte 0x01"},
  };
  for (const auto& c : cases) {
    auto v = parse(c.text, "def.json");
    ASSERT_FALSE(v.has_value()) << c.text;
    const std::string expected_prefix =
        "line " + std::to_string(c.line) + ", column " + std::to_string(c.column) + ": ";
    EXPECT_EQ(v.error().where, "def.json") << c.text;
    EXPECT_TRUE(v.error().message.starts_with(expected_prefix)) << c.text << " -> " << v.error().message;
    EXPECT_NE(v.error().message.find(c.what), std::string::npos) << c.text << " -> " << v.error().message;
  }
}

TEST(JsonParse, ErrorWithoutWhere) {
  auto v = parse("[1,]");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().str(), "line 1, column 4: expected a value after ',' (trailing commas are not allowed)");
}

TEST(JsonParse, DeepNestingIsAnError) {
  auto v = parse(std::string(2000, '[') + std::string(2000, ']'));
  ASSERT_FALSE(v.has_value());
  EXPECT_NE(v.error().message.find("deeper than 1024"), std::string::npos) << v.error().message;
}

// ---------------------------------------------------------------------------------------------
// Writing

TEST(JsonWrite, RoundTrips) {
  for (std::string_view text : {
           R"(null)", R"(true)", R"(0)", R"(-7)", R"(9223372036854775807)", R"(0.1)", R"(-2.5)", R"(1.0)", R"(1e+300)",
           R"(5e-324)", R"("")", R"("a\"b\\c\n\t\u0001")", R"([])", R"({})", R"([[],{},[null]])",
           "{\"a\":{\"b\":[1,2,{\"c\":\"d\"}]},\"e\":\"\xC3\xA9\"}", R"({"dup":1,"dup":2})",
       }) {
    EXPECT_EQ(roundtrip(text), text);
  }
  EXPECT_EQ(roundtrip(R"( { "a" : [ 1 , 2 ] } )"), R"({"a":[1,2]})");
  EXPECT_EQ(roundtrip(R"("\u00e9\/")"), "\"\xC3\xA9/\"");
}

TEST(JsonWrite, RealsAreShortestAndKeepTheirType) {
  EXPECT_EQ(to_json(Value(0.1)), "0.1");
  EXPECT_EQ(to_json(Value(1.0)), "1.0");
  EXPECT_EQ(to_json(Value(-0.0)), "-0.0");
  EXPECT_EQ(to_json(Value(100.0)), "100.0");
  EXPECT_EQ(to_json(Value(1e300)), "1e+300");
  EXPECT_EQ(to_json(Value(123456.789)), "123456.789");
  EXPECT_EQ(to_json(Value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(to_json(Value(std::numeric_limits<double>::infinity())), "null");
  for (double d : {0.1, 1.0 / 3, 2.0 / 3 * 1e-200, 1e22, 4.35, 12345678901234567.0, -5e-324}) {
    Value back = parse_ok(to_json(Value(d)));
    ASSERT_EQ(back.kind(), Kind::Real) << d;
    EXPECT_EQ(back.as_real(), d);
  }
  EXPECT_EQ(parse_ok(to_json(Value(3.0))).kind(), Kind::Real);
}

TEST(JsonWrite, Integers) {
  EXPECT_EQ(to_json(Value(int32_t{-5})), "-5");
  EXPECT_EQ(to_json(Value(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
}

TEST(JsonWrite, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_string(std::string_view("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(json_string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonWrite, InvalidUtf8BecomesReplacementCharacters) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(json_string("a\xFFz"), "\"a" + fffd + "z\"");
  EXPECT_EQ(json_string("\xC3"), "\"" + fffd + "\"");                              // truncated at the end
  EXPECT_EQ(json_string("\xE2\x82z"), "\"" + fffd + "z\"");                        // one maximal subpart
  EXPECT_EQ(json_string("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");        // UTF-16 surrogate
  EXPECT_EQ(json_string("\xC0\xAF"), "\"" + fffd + fffd + "\"");                   // overlong
  EXPECT_EQ(json_string("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // above U+10FFFF
  // Whatever the input, the output is JSON that simdjson accepts and reads back.
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  bytes += "\xE0\x80\xF0\x80\x80";
  auto back = parse(json_string(bytes));
  ASSERT_TRUE(back.has_value()) << back.error().str();
  EXPECT_TRUE(back->is_string());
}

TEST(JsonWrite, TypedScalarsAsStrings) {
  EXPECT_EQ(to_json(Value(DateTime{0})), "\"1970-01-01T00:00:00Z\"");
  auto t = parse_datetime("2024-01-01T12:00:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(to_json(Value(*t)), "\"2024-01-01T12:00:00Z\"");
  EXPECT_EQ(to_json(Value(TimeSpan{90 * kTicksPerMinute})), "\"01:30:00\"");
  EXPECT_EQ(to_json(Value(TimeSpan{-(kTicksPerDay + kTicksPerSecond)})), "\"-1.00:00:01\"");
  Guid g;
  for (size_t i = 0; i < g.bytes.size(); ++i) g.bytes[i] = static_cast<uint8_t>(0x10 + i);
  EXPECT_EQ(to_json(Value(g)), "\"10111213-1415-1617-1819-1a1b1c1d1e1f\"");
  Value row(Object{{"when", Value(DateTime{0})}, {"n", Value(int32_t{1})}});
  EXPECT_EQ(to_json(row), R"({"when":"1970-01-01T00:00:00Z","n":1})");
}

// ---------------------------------------------------------------------------------------------
// JSONPath API

struct PathError {
  std::string expression;
  std::string where;
  std::string what;
};

TEST(JsonPath, CompileErrorsNamePositionAndExpectation) {
  const std::vector<PathError> cases = {
      {"$.a[", "jsonpath:5", "expected a quoted name, an index, a slice, '*' or a filter"},
      {"$.a[0", "jsonpath:6", "expected ',' or ']', found end of path"},
      {"$.", "jsonpath:3", "expected a member name, '*' or '[' after '.'"},
      {"$..", "jsonpath:4", "expected a member name, '*' or '[' after '..'"},
      {"$['a", "jsonpath:3", "unterminated string literal"},
      {"$[a]", "jsonpath:3", "member names in brackets must be quoted"},
      {"$a", "jsonpath:2", "expected '.', '..', '[' or the end of the path, found 'a'"},
      {"@.a", "jsonpath:1", "only valid inside a filter"},
      {"$[?(@.a = 1)]", "jsonpath:9", "expected '=='"},
      {"$[?(@.a == )]", "jsonpath:12", "expected '@', '$' or a literal"},
      {"$[?(@.a == 1]", "jsonpath:13", "expected ')'"},
      {"$[?(@..a == 1)]", "jsonpath:5", "must select at most one node"},
      {"$.\xC3\xA9\xC3\xA9[", "jsonpath:6", "expected a quoted name"},  // positions count characters
  };
  for (const auto& c : cases) {
    auto p = JsonPath::compile(c.expression);
    ASSERT_FALSE(p.has_value()) << c.expression;
    EXPECT_EQ(p.error().where, c.where) << c.expression << " -> " << p.error().str();
    EXPECT_NE(p.error().message.find(c.what), std::string::npos) << c.expression << " -> " << p.error().str();
    EXPECT_NE(p.error().message.find(c.expression), std::string::npos) << "the message quotes the path";
  }
  auto p = JsonPath::compile("$.a[0");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().within("definition.json:/properties/response/eventsJsonPaths/0").str(),
            "definition.json:/properties/response/eventsJsonPaths/0: jsonpath:6: expected ',' or ']', found end of "
            "path in \"$.a[0\"");
}

TEST(JsonPath, Singular) {
  for (std::string_view e : {"", "$", "$.a", "$.a.b[0]", "$['x'][-1]", "a.b"}) {
    auto p = JsonPath::compile(e);
    ASSERT_TRUE(p.has_value()) << e;
    EXPECT_TRUE(p->is_singular()) << e;
  }
  for (std::string_view e : {"$..a", "$[*]", "$.*", "$[0,1]", "$[0:1]", "$[?(@.a)]", "$['a','b']"}) {
    auto p = JsonPath::compile(e);
    ASSERT_TRUE(p.has_value()) << e;
    EXPECT_FALSE(p->is_singular()) << e;
  }
  EXPECT_TRUE(JsonPath().is_singular());
}

TEST(JsonPath, KeepsSource) {
  auto p = JsonPath::compile("$.['@odata.nextLink']");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->source(), "$.['@odata.nextLink']");
}

TEST(JsonPath, FirstAndVectorFormsOverBothTrees) {
  const std::string text = R"({"items":[{"id":1},{"id":2}],"next":"abc"})";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(text).get(root));
  const Value tree = parse_ok(text);

  auto ids = JsonPath::compile("$.items[*].id");
  ASSERT_TRUE(ids.has_value());
  auto dom_hits = ids->select(root);
  ASSERT_EQ(dom_hits.size(), 2u);
  EXPECT_EQ(dom_hits[1].get_int64().value_unsafe(), 2);
  auto value_hits = ids->select(tree);
  ASSERT_EQ(value_hits.size(), 2u);
  EXPECT_EQ(*value_hits[0], Value(int64_t{1}));

  auto next = JsonPath::compile("$.next");
  ASSERT_TRUE(next.has_value());
  auto first = next->first(root);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->get_string().value_unsafe(), "abc");
  ASSERT_NE(next->first(tree), nullptr);
  EXPECT_EQ(*next->first(tree), Value("abc"));

  auto missing = JsonPath::compile("$.nope");
  ASSERT_TRUE(missing.has_value());
  EXPECT_FALSE(missing->first(root).has_value());
  EXPECT_EQ(missing->first(tree), nullptr);
}

TEST(JsonPath, FiltersCompareTypedValuesAsTheirJsonText) {
  Value tree(Array{Value(Object{{"t", Value(DateTime{0})}}), Value(Object{{"t", Value(DateTime{kTicksPerDay})}})});
  auto p = JsonPath::compile("$[?(@.t > '1970-01-01T12:00:00Z')].t");
  ASSERT_TRUE(p.has_value());
  auto hits = p->select(tree);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(*hits[0], Value(DateTime{kTicksPerDay}));
}

TEST(JsonPath, ExtractEvents) {
  const std::string text = R"({"a":[{"x":1},{"x":2}],"o":{"y":1},"n":null,"s":"str","e":[]})";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(text).get(root));
  const Value tree = parse_ok(text);
  auto count = [&](std::string_view expr) {
    auto p = JsonPath::compile(expr);
    EXPECT_TRUE(p.has_value()) << expr;
    size_t dom_events = 0, value_events = 0;
    extract_events(*p, root, [&](simdjson::dom::element) { ++dom_events; });
    extract_events(*p, tree, [&](const Value&) { ++value_events; });
    EXPECT_EQ(dom_events, value_events) << expr;
    return dom_events;
  };
  EXPECT_EQ(count("$.a"), 2u);
  EXPECT_EQ(count("$.o"), 1u);
  EXPECT_EQ(count("$.n"), 0u);
  EXPECT_EQ(count("$.missing"), 0u);
  EXPECT_EQ(count("$.s"), 1u);
  EXPECT_EQ(count("$.e"), 0u);
  EXPECT_EQ(count("$"), 1u);
  EXPECT_EQ(count("$.a[*]"), 2u);
}

// ---------------------------------------------------------------------------------------------
// Conformance runner over tests/data/jsonpath/*.test.
//
// A .test file is a sequence of blocks separated by blank lines; lines starting with '#' are
// comments. JSON never starts a line with '#', so comments may appear anywhere.
//
//   document                  the JSON that following cases run on, up to the "----" line;
//   {"a": {"b": [1, 2]}}      it replaces the previous document
//   ----
//
//   path $.a.b[*]             a JSONPath (everything after "path "; a bare "path" is the
//   ----                      empty path); then one compact JSON line per selected node,
//   1                         in order, up to a blank line. No lines: nothing selected.
//   2
//
//   events $.a.b              the same through extract_events (CCP eventsJsonPaths)
//   ----
//   1
//   2
//
//   path $.a[                 a compile error: the message contains the text after "error: "
//   ----
//   error: expected a quoted name
//
// Every case runs over the simdjson DOM and over the Value tree; both must give the expected
// lines. Expected lines are normalised (parsed and written compactly) before comparing.

struct Case {
  int line = 0;
  bool events = false;
  std::string expression;
  std::string document;
  int document_line = 0;
  std::vector<std::string> expected;
  std::optional<std::string> error;
};

struct CaseFile {
  std::vector<Case> cases;
  std::vector<std::pair<int, std::string>> problems;  // malformed test file
};

CaseFile load_cases(const fs::path& file) {
  CaseFile out;
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  std::string document;
  int document_line = 0;
  size_t i = 0;
  auto comment = [&](size_t k) { return lines[k].starts_with("#"); };
  while (i < lines.size()) {
    const std::string& l = lines[i];
    const int line_no = static_cast<int>(i) + 1;
    if (l.empty() || comment(i)) {
      ++i;
      continue;
    }
    if (l == "document") {
      document.clear();
      document_line = line_no;
      for (++i; i < lines.size() && lines[i] != "----"; ++i) {
        if (!comment(i)) document += lines[i] + "\n";
      }
      if (i == lines.size()) out.problems.emplace_back(line_no, "document without a closing ----");
      ++i;
      continue;
    }
    Case c;
    c.line = line_no;
    if (l == "path" || l == "events") {
      c.events = l == "events";
    } else if (l.starts_with("path ")) {
      c.expression = l.substr(5);
    } else if (l.starts_with("events ")) {
      c.events = true;
      c.expression = l.substr(7);
    } else {
      out.problems.emplace_back(line_no, "expected 'document', 'path' or 'events', found: " + l);
      ++i;
      continue;
    }
    ++i;
    if (i >= lines.size() || lines[i] != "----") {
      out.problems.emplace_back(line_no, "expected ---- after the path");
      continue;
    }
    for (++i; i < lines.size() && !lines[i].empty(); ++i) {
      if (comment(i)) continue;
      if (lines[i].starts_with("error: ")) c.error = lines[i].substr(7);
      else c.expected.push_back(lines[i]);
    }
    c.document = document;
    c.document_line = document_line;
    out.cases.push_back(std::move(c));
  }
  return out;
}

fs::path conformance_dir() { return fs::path(INTAKE_SOURCE_DIR) / "tests" / "data" / "jsonpath"; }

std::vector<fs::path> conformance_files() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(conformance_dir(), ec)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out.empty() ? "  (nothing)\n" : out;
}

void run_case(const fs::path& file, const Case& c) {
  const std::string where = file.string();
  auto path = JsonPath::compile(c.expression);
  if (c.error) {
    if (path) {
      ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression << "' compiled; expected error: " << *c.error;
    } else if (path.error().str().find(*c.error) == std::string::npos) {
      ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression << "' error\n  " << path.error().str()
                                           << "\ndoes not contain\n  " << *c.error;
    }
    return;
  }
  if (!path) {
    ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression << "' failed to compile: " << path.error().str();
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(c.document);
  if (c.document_line == 0 || parser.parse(padded).get(root)) {
    ADD_FAILURE_AT(where.c_str(), c.document_line ? c.document_line : c.line) << "missing or invalid document";
    return;
  }
  const Value tree = to_value(root);

  std::vector<std::string> expected;
  for (const auto& e : c.expected) {
    auto v = parse(e);
    if (!v) {
      ADD_FAILURE_AT(where.c_str(), c.line) << "expected line is not JSON: " << e << ": " << v.error().str();
      return;
    }
    expected.push_back(to_json(*v));
  }

  std::vector<std::string> from_dom, from_value;
  if (c.events) {
    extract_events(*path, root, [&](simdjson::dom::element e) { from_dom.push_back(to_json(to_value(e))); });
    extract_events(*path, tree, [&](const Value& v) { from_value.push_back(to_json(v)); });
  } else {
    path->select(root, [&](simdjson::dom::element e) { from_dom.push_back(to_json(to_value(e))); });
    path->select(tree, [&](const Value& v) { from_value.push_back(to_json(v)); });

    // The other entry points agree with the callback form.
    std::vector<std::string> vec_dom, vec_value;
    for (auto e : path->select(root)) vec_dom.push_back(to_json(to_value(e)));
    for (auto* v : path->select(tree)) vec_value.push_back(to_json(*v));
    auto first_dom = path->first(root);
    const Value* first_value = path->first(tree);
    const bool firsts_ok =
        from_dom.empty() ? (!first_dom && !first_value)
                         : (first_dom && first_value && to_json(to_value(*first_dom)) == from_dom[0] &&
                            to_json(*first_value) == from_value[0]);
    if (vec_dom != from_dom || vec_value != from_value || !firsts_ok) {
      ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression
                                           << "': the callback, vector and first() forms disagree";
    }
    if (path->is_singular() && from_dom.size() > 1) {
      ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression << "' is singular but selected several nodes";
    }
  }
  if (from_dom != expected) {
    ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression << "' over simdjson selected\n"
                                         << join(from_dom) << "expected\n" << join(expected);
  }
  if (from_value != expected) {
    ADD_FAILURE_AT(where.c_str(), c.line) << "'" << c.expression << "' over Value selected\n"
                                         << join(from_value) << "expected\n" << join(expected);
  }
}

class JsonPathConformance : public ::testing::TestWithParam<fs::path> {};

TEST_P(JsonPathConformance, File) {
  const CaseFile f = load_cases(GetParam());
  for (const auto& [line, what] : f.problems) ADD_FAILURE_AT(GetParam().string().c_str(), line) << what;
  EXPECT_FALSE(f.cases.empty()) << GetParam() << " has no cases";
  for (const auto& c : f.cases) run_case(GetParam(), c);
}

INSTANTIATE_TEST_SUITE_P(Files, JsonPathConformance, ::testing::ValuesIn(conformance_files()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = info.param.stem().string();
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(JsonPathConformanceFiles, Found) {
  const auto files = conformance_files();
  ASSERT_FALSE(files.empty()) << "no .test files in " << conformance_dir();
  size_t cases = 0;
  for (const auto& f : files) cases += load_cases(f).cases.size();
  EXPECT_GE(cases, 120u) << "the conformance suite shrank";
}

}  // namespace
}  // namespace intake::json
