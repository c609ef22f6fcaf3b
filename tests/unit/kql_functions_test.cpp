// The KQL function library called directly: lookup, bind checks, Kusto semantics per family.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/time.h"
#include "json/value_json.h"
#include "kql/functions.h"

namespace intake::kql {
namespace {

Value L(int64_t v) { return Value(v); }
Value I(int32_t v) { return Value(v); }
Value R(double v) { return Value(v); }
Value S(std::string_view v) { return Value(v); }
Value B(bool v) { return Value(v); }
Value N() { return Value(); }
Value DT(std::string_view text) {
  auto t = parse_datetime(text);
  EXPECT_TRUE(t) << text;
  return t ? Value(*t) : Value();
}
Value TS(std::string_view text) {
  auto t = parse_timespan(text);
  EXPECT_TRUE(t) << text;
  return t ? Value(*t) : Value();
}
Value J(std::string_view text) {
  auto v = json::parse(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : Value();
}

const EvalContext kCtx{*parse_datetime("2024-01-01T12:00:00Z")};

Value call(std::string_view name, std::vector<Value> args) {
  const ScalarFunction* f = find_scalar_function(name);
  if (!f) {
    ADD_FAILURE() << "no function " << name;
    return Value();
  }
  const int n = static_cast<int>(args.size());
  EXPECT_GE(n, f->min_args) << name;
  if (f->max_args >= 0) {
    EXPECT_LE(n, f->max_args) << name;
  }
  return f->eval(args, kCtx);
}

// The text form the conformance files use, so expectations read like Kusto output.
std::string text(const Value& v) {
  switch (v.kind()) {
    case Kind::Null: return "null";
    case Kind::String: return json::to_json(v);
    case Kind::Real: return format_real(v.as_real());
    default: return json::to_json(v);
  }
}

#define EXPECT_CALL_EQ(expected, name, ...) EXPECT_EQ(text(call(name, {__VA_ARGS__})), expected)

std::vector<BoundArg> bound(std::initializer_list<ColumnType> types) {
  std::vector<BoundArg> out;
  for (auto t : types) out.push_back({t, nullptr});
  return out;
}

Result<ColumnType> bind_fn(std::string_view name, const std::vector<BoundArg>& args) {
  const ScalarFunction* f = find_scalar_function(name);
  if (!f) return fail("no function");
  return f->bind(args);
}

Value aggregate(std::string_view name, const std::vector<std::vector<Value>>& rows, std::vector<BoundArg> args = {}) {
  const AggregateFunction* f = find_aggregate_function(name);
  if (!f) {
    ADD_FAILURE() << "no aggregate " << name;
    return Value();
  }
  if (args.empty() && !rows.empty()) {
    for (const auto& v : rows[0]) args.push_back({v.is_null() ? ColumnType::Dynamic : ColumnType::Long, nullptr});
  }
  auto acc = f->make(args);
  for (const auto& row : rows) acc->add(row);
  return acc->result();
}

constexpr ColumnType kS = ColumnType::String;
constexpr ColumnType kL = ColumnType::Long;
constexpr ColumnType kR = ColumnType::Real;
constexpr ColumnType kDT = ColumnType::DateTime;
constexpr ColumnType kTS = ColumnType::TimeSpan;
constexpr ColumnType kD = ColumnType::Dynamic;
constexpr ColumnType kB = ColumnType::Bool;

// ---- lookup ----

TEST(KqlFunctions, LookupIsExactAndSorted) {
  EXPECT_NE(find_scalar_function("strlen"), nullptr);
  EXPECT_EQ(find_scalar_function("StrLen"), nullptr);
  EXPECT_EQ(find_scalar_function("nope"), nullptr);
  EXPECT_EQ(find_scalar_function(""), nullptr);
  for (auto alias : {"iff", "iif", "todynamic", "parse_json", "toreal", "todouble", "tobool", "toboolean",
                     "base64_encodestring", "base64_encode_tostring", "pack", "bag_pack", "bin", "floor"}) {
    EXPECT_NE(find_scalar_function(alias), nullptr) << alias;
  }
  auto names = scalar_function_names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_TRUE(std::adjacent_find(names.begin(), names.end()) == names.end());
  EXPECT_GT(names.size(), 140u);
  for (auto name : names) {
    const ScalarFunction* f = find_scalar_function(name);
    ASSERT_NE(f, nullptr);
    EXPECT_TRUE(f->bind && f->eval) << name;
  }
  auto aggs = aggregate_function_names();
  EXPECT_TRUE(std::is_sorted(aggs.begin(), aggs.end()));
  for (auto name : {"count", "countif", "dcount", "sum", "avg", "min", "max", "arg_max", "arg_min", "make_list",
                    "make_set", "make_bag", "percentile", "percentiles", "stdev", "variance", "take_any"}) {
    EXPECT_NE(find_aggregate_function(name), nullptr) << name;
  }
  EXPECT_EQ(find_aggregate_function("strlen"), nullptr);
}

TEST(KqlFunctions, Determinism) {
  EXPECT_FALSE(find_scalar_function("now")->deterministic);
  EXPECT_FALSE(find_scalar_function("ago")->deterministic);
  EXPECT_FALSE(find_scalar_function("rand")->deterministic);
  EXPECT_FALSE(find_scalar_function("new_guid")->deterministic);
  EXPECT_TRUE(find_scalar_function("strlen")->deterministic);
}

// ---- conversion ----

TEST(KqlConversion, ToBool) {
  EXPECT_CALL_EQ("true", "tobool", S("true"));
  EXPECT_CALL_EQ("true", "tobool", S("TRUE"));
  EXPECT_CALL_EQ("false", "tobool", S("false"));
  EXPECT_CALL_EQ("true", "tobool", L(1));
  EXPECT_CALL_EQ("false", "tobool", L(0));
  EXPECT_CALL_EQ("true", "tobool", R(2.5));
  EXPECT_CALL_EQ("null", "tobool", S("yes"));
  EXPECT_CALL_EQ("null", "tobool", N());
  EXPECT_CALL_EQ("true", "toboolean", S("1"));
}

TEST(KqlConversion, ToIntAndLong) {
  EXPECT_CALL_EQ("123", "toint", S("123"));
  EXPECT_CALL_EQ("-5", "toint", S(" -5 "));
  EXPECT_CALL_EQ("2", "toint", R(2.9));
  EXPECT_CALL_EQ("-2", "toint", R(-2.9));
  EXPECT_CALL_EQ("null", "toint", S("abc"));
  EXPECT_CALL_EQ("null", "toint", N());
  EXPECT_CALL_EQ("null", "toint", L(int64_t{1} << 40));
  EXPECT_CALL_EQ("1", "toint", B(true));
  EXPECT_CALL_EQ("1099511627776", "tolong", L(int64_t{1} << 40));
  EXPECT_CALL_EQ("9223372036854775807", "tolong", S("9223372036854775807"));
  EXPECT_CALL_EQ("null", "tolong", S("9223372036854775808"));
  EXPECT_CALL_EQ("12", "tolong", S("12.7"));
  EXPECT_CALL_EQ("null", "tolong", R(std::nan("")));
  EXPECT_EQ(call("toint", {S("7")}).kind(), Kind::Int);
  EXPECT_EQ(call("tolong", {I(7)}).kind(), Kind::Long);
}

TEST(KqlConversion, ToReal) {
  EXPECT_CALL_EQ("1.5", "toreal", S("1.5"));
  EXPECT_CALL_EQ("1E+15", "todouble", S("1e15"));
  EXPECT_CALL_EQ("3", "toreal", L(3));
  EXPECT_CALL_EQ("NaN", "toreal", S("NaN"));
  EXPECT_CALL_EQ("null", "toreal", S("x1"));
  EXPECT_CALL_EQ("0.1", "todecimal", S("0.1"));
}

TEST(KqlConversion, ToString) {
  EXPECT_CALL_EQ("\"\"", "tostring", N());
  EXPECT_CALL_EQ("\"abc\"", "tostring", S("abc"));
  EXPECT_CALL_EQ("\"true\"", "tostring", B(true));
  EXPECT_CALL_EQ("\"42\"", "tostring", L(42));
  EXPECT_CALL_EQ("\"1.5\"", "tostring", R(1.5));
  EXPECT_CALL_EQ("\"2024-01-01T12:00:00Z\"", "tostring", DT("2024-01-01T12:00:00Z"));
  EXPECT_CALL_EQ("\"2024-01-01T12:00:00.123Z\"", "tostring", DT("2024-01-01T12:00:00.123Z"));
  EXPECT_CALL_EQ("\"01:30:00\"", "tostring", TS("01:30:00"));
  EXPECT_CALL_EQ("\"{\\\"a\\\":[1,2]}\"", "tostring", J(R"({"a": [1, 2]})"));
  EXPECT_CALL_EQ("\"[]\"", "tostring", J("[]"));
}

TEST(KqlConversion, ToDateTimeTimeSpanGuid) {
  EXPECT_CALL_EQ("\"2024-03-01T10:00:00Z\"", "todatetime", S("2024-03-01T12:00:00+02:00"));
  EXPECT_CALL_EQ("\"2024-03-01T00:00:00Z\"", "todatetime", S("2024-03-01"));
  EXPECT_CALL_EQ("null", "todatetime", S("not a date"));
  EXPECT_CALL_EQ("null", "todatetime", L(5));
  EXPECT_CALL_EQ("\"2024-01-01T00:00:00Z\"", "todatetime", DT("2024-01-01"));
  EXPECT_CALL_EQ("\"1.02:03:04\"", "totimespan", S("1.02:03:04"));
  EXPECT_CALL_EQ("null", "totimespan", S("abc"));
  EXPECT_CALL_EQ("\"74be27de-1e4e-49d9-b579-fe0b331d3642\"", "toguid", S("74BE27DE-1E4E-49D9-B579-FE0B331D3642"));
  EXPECT_CALL_EQ("null", "toguid", S("74be27de"));
}

TEST(KqlConversion, ToDynamic) {
  EXPECT_CALL_EQ(R"({"a":1})", "todynamic", S(R"({"a": 1})"));
  EXPECT_CALL_EQ("[1,\"x\"]", "parse_json", S("[1, \"x\"]"));
  EXPECT_CALL_EQ("123", "parse_json", S("123"));
  EXPECT_CALL_EQ("\"not json\"", "parse_json", S("not json"));
  EXPECT_CALL_EQ("\"{broken\"", "parse_json", S("{broken"));
  EXPECT_CALL_EQ("5", "parse_json", L(5));
  EXPECT_CALL_EQ("null", "parse_json", N());
  EXPECT_EQ(call("parse_json", {S("1.5")}).kind(), Kind::Real);
}

TEST(KqlConversion, ToHex) {
  EXPECT_CALL_EQ("\"ff\"", "tohex", L(255));
  EXPECT_CALL_EQ("\"00ff\"", "tohex", L(255), L(4));
  EXPECT_CALL_EQ("\"ffffffffffffffff\"", "tohex", L(-1));
  EXPECT_CALL_EQ("\"ffffffff\"", "tohex", I(-1));
  EXPECT_CALL_EQ("\"0\"", "tohex", L(0));
  EXPECT_CALL_EQ("null", "tohex", N());
}

TEST(KqlConversion, BindTypes) {
  EXPECT_EQ(*bind_fn("toint", bound({kS})), ColumnType::Int);
  EXPECT_EQ(*bind_fn("tolong", bound({kS})), kL);
  EXPECT_EQ(*bind_fn("toreal", bound({kS})), kR);
  EXPECT_EQ(*bind_fn("tostring", bound({kD})), kS);
  EXPECT_EQ(*bind_fn("todatetime", bound({kS})), kDT);
  EXPECT_EQ(*bind_fn("todynamic", bound({kS})), kD);
  EXPECT_EQ(*bind_fn("toguid", bound({kS})), ColumnType::Guid);
  EXPECT_FALSE(bind_fn("tohex", bound({kS})));
}

// ---- strings ----

TEST(KqlString, StrlenAndCase) {
  EXPECT_CALL_EQ("3", "strlen", S("abc"));
  EXPECT_CALL_EQ("0", "strlen", S(""));
  EXPECT_CALL_EQ("0", "strlen", N());
  EXPECT_CALL_EQ("5", "strlen", S("h\xc3\xa9llo"));
  EXPECT_CALL_EQ("1", "strlen", S("\xf0\x9f\x98\x80"));
  EXPECT_CALL_EQ("2", "strlen", L(42));
  EXPECT_CALL_EQ("\"ABC1\"", "toupper", S("aBc1"));
  EXPECT_CALL_EQ("\"abc1\"", "tolower", S("aBC1"));
  EXPECT_CALL_EQ("\"\"", "toupper", N());
}

TEST(KqlString, Strcat) {
  EXPECT_CALL_EQ("\"ab1\"", "strcat", S("a"), S("b"), L(1));
  EXPECT_CALL_EQ("\"ac\"", "strcat", S("a"), N(), S("c"));
  EXPECT_CALL_EQ("\"x\"", "strcat", S("x"));
  EXPECT_CALL_EQ("\"a,b,c\"", "strcat_delim", S(","), S("a"), S("b"), S("c"));
  EXPECT_CALL_EQ("\"a--2\"", "strcat_delim", S("-"), S("a"), N(), L(2));
  EXPECT_CALL_EQ("\"2024-01-01T00:00:00Z|true\"", "strcat_delim", S("|"), DT("2024-01-01"), B(true));
}

TEST(KqlString, Substring) {
  EXPECT_CALL_EQ("\"23\"", "substring", S("123456"), L(1), L(2));
  EXPECT_CALL_EQ("\"3456\"", "substring", S("123456"), L(2));
  EXPECT_CALL_EQ("\"AB\"", "substring", S("ABCD"), L(0), L(2));
  EXPECT_CALL_EQ("\"A\"", "substring", S("ABCD"), L(-1), L(2));
  EXPECT_CALL_EQ("\"\"", "substring", S("ABCD"), L(10));
  EXPECT_CALL_EQ("\"CD\"", "substring", S("ABCD"), L(2), L(100));
  EXPECT_CALL_EQ("\"\"", "substring", S("ABCD"), L(1), L(0));
  EXPECT_CALL_EQ("\"\xc3\xa9l\"", "substring", S("h\xc3\xa9llo"), L(1), L(2));
  EXPECT_CALL_EQ("\"\"", "substring", N(), L(0), L(1));
}

TEST(KqlString, Split) {
  EXPECT_CALL_EQ(R"(["aa","bb","cc"])", "split", S("aa_bb_cc"), S("_"));
  EXPECT_CALL_EQ(R"(["aa","","cc"])", "split", S("aa__cc"), S("_"));
  EXPECT_CALL_EQ(R"(["bb"])", "split", S("aa_bb_cc"), S("_"), L(1));
  EXPECT_CALL_EQ(R"([])", "split", S("aa_bb_cc"), S("_"), L(5));
  EXPECT_CALL_EQ(R"(["abc"])", "split", S("abc"), S(""));
  EXPECT_CALL_EQ(R"([""])", "split", S(""), S(","));
  EXPECT_CALL_EQ(R"(["a","b"])", "split", S("a::b"), S("::"));
}

TEST(KqlString, Replace) {
  EXPECT_CALL_EQ("\"A cat\"", "replace_string", S("A dog"), S("dog"), S("cat"));
  EXPECT_CALL_EQ("\"xx\"", "replace_string", S("aaaa"), S("aa"), S("x"));
  EXPECT_CALL_EQ("\"abc\"", "replace_string", S("abc"), S(""), S("x"));
  EXPECT_CALL_EQ("\"A cat cat\"", "replace_regex", S("A dog dog"), S("d[a-z]+"), S("cat"));
  EXPECT_CALL_EQ("\"b-a\"", "replace_regex", S("a-b"), S("(\\w)-(\\w)"), S("\\2-\\1"));
  EXPECT_CALL_EQ("\"<abc>\"", "replace_regex", S("abc"), S(".+"), S("<\\0>"));
}

TEST(KqlString, Trim) {
  EXPECT_CALL_EQ("\"abc\"", "trim", S("\\s+"), S("  abc  "));
  EXPECT_CALL_EQ("\"abc--\"", "trim_start", S("-"), S("--abc--"));
  EXPECT_CALL_EQ("\"--abc\"", "trim_end", S("-"), S("--abc--"));
  EXPECT_CALL_EQ("\"bxb\"", "trim", S("a"), S("aabxbaa"));
  EXPECT_CALL_EQ("\"\"", "trim", S("a"), S("aaaa"));
  EXPECT_CALL_EQ("\"x\"", "trim", S("[0-9]"), S("12x34"));
}

TEST(KqlString, IndexOfAndCountOf) {
  EXPECT_CALL_EQ("2", "indexof", S("abcdefg"), S("cde"));
  EXPECT_CALL_EQ("2", "indexof", S("abcdefg"), S("cde"), L(1), L(4));
  EXPECT_CALL_EQ("-1", "indexof", S("abcdefg"), S("cde"), L(1), L(2));
  EXPECT_CALL_EQ("-1", "indexof", S("abcdefg"), S("cde"), L(3), L(4));
  EXPECT_CALL_EQ("0", "indexof", S("abcdefg"), S(""));
  EXPECT_CALL_EQ("-1", "indexof", S("abc"), S("x"));
  EXPECT_CALL_EQ("null", "indexof", S("abc"), S("a"), L(10));
  EXPECT_CALL_EQ("4", "indexof", S("abcabc"), S("bc"), L(0), L(-1), L(2));
  EXPECT_CALL_EQ("2", "indexof", S("\xc3\xa9\xc3\xa9x"), S("x"));
  EXPECT_CALL_EQ("3", "countof", S("The cat sat on the mat"), S("at"));
  EXPECT_CALL_EQ("3", "countof", S("aaa"), S("a"));
  EXPECT_CALL_EQ("3", "countof", S("aaaa"), S("aa"));
  EXPECT_CALL_EQ("2", "countof", S("aaaa"), S("aa"), S("regex"));
  EXPECT_CALL_EQ("4", "countof", S("ababaa"), S("a"), S("regex"));
  EXPECT_CALL_EQ("0", "countof", S("abc"), S(""));
}

TEST(KqlString, Extract) {
  EXPECT_CALL_EQ("\"1234\"", "extract", S("x=([0-9.]+)"), L(1), S("hello x=1234, y=2"));
  EXPECT_CALL_EQ("\"x=1234\"", "extract", S("x=([0-9.]+)"), L(0), S("hello x=1234, y=2"));
  EXPECT_CALL_EQ("\"\"", "extract", S("z=([0-9]+)"), L(1), S("hello x=1234"));
  EXPECT_CALL_EQ("\"\"", "extract", S("x=([0-9]+)"), L(2), S("hello x=1234"));
  EXPECT_CALL_EQ("1234", "extract", S("x=([0-9]+)"), L(1), S("hello x=1234"), S("long"));
  EXPECT_EQ(call("extract", {S("x=([0-9]+)"), L(1), S("x=12"), S("long")}).kind(), Kind::Long);
  EXPECT_CALL_EQ("null", "extract", S("x=([a-z]+)"), L(1), S("x=ab"), S("long"));
  EXPECT_CALL_EQ("\"a\"", "extract", S("(a)|(b)"), L(1), S("a"));
  EXPECT_CALL_EQ("\"\"", "extract", S("(a)|(b)"), L(2), S("a"));
  EXPECT_CALL_EQ(R"(["1","2","3"])", "extract_all", S("(\\d)"), S("a1b2c3"));
  EXPECT_CALL_EQ(R"(["12","3"])", "extract_all", S("\\d+"), S("a12b3"));
  EXPECT_CALL_EQ(R"([["a","1"],["b","2"]])", "extract_all", S("([a-z])=(\\d)"), S("a=1, b=2"));
  EXPECT_CALL_EQ(R"([["1","a"],["2","b"]])", "extract_all", S("([a-z])=(\\d)"), J("[2,1]"), S("a=1, b=2"));
  EXPECT_CALL_EQ(R"(["1","2"])", "extract_all", S("([a-z])=(\\d)"), J("[2]"), S("a=1, b=2"));
  EXPECT_CALL_EQ("null", "extract_all", S("\\d"), S("abc"));
}

TEST(KqlString, RegexBindErrors) {
  Value bad("(unclosed");
  std::vector<BoundArg> args = {{kS, &bad}, {kL, nullptr}, {kS, nullptr}};
  auto r = bind_fn("extract", args);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("invalid regular expression"), std::string::npos) << r.error().message;
  std::vector<BoundArg> rep = {{kS, nullptr}, {kS, &bad}, {kS, nullptr}};
  EXPECT_FALSE(bind_fn("replace_regex", rep));
  std::vector<BoundArg> tr = {{kS, &bad}, {kS, nullptr}};
  EXPECT_FALSE(bind_fn("trim", tr));
  EXPECT_FALSE(bind_fn("extract_all", tr));
  Value regex("regex"), nope("fuzzy");
  EXPECT_FALSE(bind_fn("countof", {{kS, nullptr}, {kS, &bad}, {kS, &regex}}));
  EXPECT_TRUE(bind_fn("countof", {{kS, nullptr}, {kS, &bad}, {kS, nullptr}}));
  EXPECT_FALSE(bind_fn("countof", {{kS, nullptr}, {kS, nullptr}, {kS, &nope}}));
  // A regex computed per row that does not compile yields no match rather than an error.
  EXPECT_CALL_EQ("\"\"", "extract", S("(x"), L(1), S("x"));
  EXPECT_CALL_EQ("\"abc\"", "replace_regex", S("abc"), S("("), S("x"));
}

TEST(KqlString, ExtractTypeBind) {
  Value re("(\\d+)"), type("long"), bogus("number");
  EXPECT_EQ(*bind_fn("extract", {{kS, &re}, {kL, nullptr}, {kS, nullptr}, {kS, &type}}), kL);
  EXPECT_FALSE(bind_fn("extract", {{kS, &re}, {kL, nullptr}, {kS, nullptr}, {kS, &bogus}}));
  EXPECT_EQ(*bind_fn("extract", {{kS, &re}, {kL, nullptr}, {kS, nullptr}}), kS);
  EXPECT_FALSE(bind_fn("extract", {{kS, &re}, {kS, nullptr}, {kS, nullptr}}));
}

TEST(KqlString, EmptinessAndNulls) {
  EXPECT_CALL_EQ("true", "isempty", S(""));
  EXPECT_CALL_EQ("true", "isempty", N());
  EXPECT_CALL_EQ("false", "isempty", S(" "));
  EXPECT_CALL_EQ("false", "isempty", L(0));
  EXPECT_CALL_EQ("true", "isnotempty", S("a"));
  EXPECT_CALL_EQ("false", "isnotempty", N());
  EXPECT_CALL_EQ("true", "isnull", N());
  EXPECT_CALL_EQ("false", "isnull", S(""));
  EXPECT_CALL_EQ("true", "isnotnull", L(0));
  EXPECT_CALL_EQ("false", "isnotnull", N());
}

TEST(KqlString, ReverseAndStrrep) {
  EXPECT_CALL_EQ("\"cba\"", "reverse", S("abc"));
  EXPECT_CALL_EQ("\"x\xc3\xa9\"", "reverse", S("\xc3\xa9x"));
  EXPECT_CALL_EQ("\"\"", "reverse", S(""));
  EXPECT_CALL_EQ("\"abcabcabc\"", "strrep", S("abc"), L(3));
  EXPECT_CALL_EQ("\"a,a\"", "strrep", S("a"), L(2), S(","));
  EXPECT_CALL_EQ("\"\"", "strrep", S("a"), L(0));
  EXPECT_EQ(call("strrep", {S("ab"), L(1'000'000)}).as_string().size(), 2048u);
}

TEST(KqlString, Base64AndUrl) {
  EXPECT_CALL_EQ("\"S3VzdG8=\"", "base64_encode_tostring", S("Kusto"));
  EXPECT_CALL_EQ("\"Kusto\"", "base64_decode_tostring", S("S3VzdG8="));
  EXPECT_CALL_EQ("\"Kusto\"", "base64_decodestring", S("S3VzdG8"));
  EXPECT_CALL_EQ("\"\"", "base64_decode_tostring", S("!!!"));
  EXPECT_CALL_EQ("\"\"", "base64_decode_tostring", S("/w=="));  // 0xFF is not UTF-8
  EXPECT_CALL_EQ("\"\"", "base64_encodestring", S(""));
  EXPECT_CALL_EQ("\"https%3a%2f%2fwww.bing.com%2f\"", "url_encode", S("https://www.bing.com/"));
  EXPECT_CALL_EQ("\"a+b%26c\"", "url_encode", S("a b&c"));
  EXPECT_CALL_EQ("\"https://www.bing.com/\"", "url_decode", S("https%3a%2f%2fwww.bing.com%2f"));
  EXPECT_CALL_EQ("\"a b&c%zz\"", "url_decode", S("a+b%26c%zz"));
}

TEST(KqlString, Hashes) {
  EXPECT_CALL_EQ("\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"", "hash_sha256", S(""));
  EXPECT_CALL_EQ("\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"", "hash_sha256", S("abc"));
  EXPECT_CALL_EQ("\"900150983cd24fb0d6963f7d28e17f72\"", "hash_md5", S("abc"));
  EXPECT_CALL_EQ("\"a9993e364706816aba3e25717850c26c9cd0d89d\"", "hash_sha1", S("abc"));
  // xxHash64 as Kusto's hash() documents: hash("World") = 1846988464401551951.
  EXPECT_CALL_EQ("1846988464401551951", "hash", S("World"));
  EXPECT_CALL_EQ("51", "hash", S("World"), L(100));
  EXPECT_CALL_EQ("-1205034819632174695", "hash", S(""));
  EXPECT_EQ(call("hash", {S(std::string(100, 'x'))}), call("hash", {S(std::string(100, 'x'))}));
  EXPECT_CALL_EQ("null", "hash", N());
}

TEST(KqlString, ParseUrl) {
  EXPECT_CALL_EQ(
      R"({"Scheme":"scheme","Host":"host","Port":"1234","Path":"/this/is/a/path","Username":"username","Password":"password","Query Parameters":{"k1":"v1","k2":"v2"},"Fragment":"fragment"})",
      "parse_url", S("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment"));
  EXPECT_CALL_EQ(
      R"({"Scheme":"https","Host":"example.com","Port":"","Path":"","Username":"","Password":"","Query Parameters":{},"Fragment":""})",
      "parse_url", S("https://example.com"));
  EXPECT_CALL_EQ("{}", "parse_url", S("not a url"));
}

TEST(KqlString, ParseCefDictionary) {
  EXPECT_CALL_EQ(R"({"rt":"Jan 01 2024","src":"10.0.0.1","msg":"a=b c"})", "parse_cef_dictionary",
                 S("rt=Jan 01 2024 src=10.0.0.1 msg=a\\=b c"));
  EXPECT_CALL_EQ(R"({"k":"v\\x","n":"line1\nline2"})", "parse_cef_dictionary", S("k=v\\\\x n=line1\\nline2"));
  EXPECT_CALL_EQ(R"({"a":""})", "parse_cef_dictionary", S("a="));
  EXPECT_CALL_EQ("{}", "parse_cef_dictionary", S("no pairs here"));
  EXPECT_CALL_EQ("{}", "parse_cef_dictionary", N());
  EXPECT_CALL_EQ(R"({"cs1Label":"x","cs1":"url=http://a/b?c=d"})", "parse_cef_dictionary",
                 S("cs1Label=x cs1=url\\=http://a/b?c\\=d"));
}

TEST(KqlString, FormatDatetime) {
  Value t = DT("2017-01-29T09:00:05.1234567Z");
  EXPECT_CALL_EQ("\"17-01-29 09:00:05\"", "format_datetime", t, S("yy-MM-dd HH:mm:ss"));
  EXPECT_CALL_EQ("\"2017-01-29 09:00:05.1234\"", "format_datetime", t, S("yyyy-MM-dd HH:mm:ss.ffff"));
  EXPECT_CALL_EQ("\"2017-01-29 09:00:05\"", "format_datetime", t, S("yyyy-MM-dd HH:mm:ss"));
  EXPECT_CALL_EQ("\"29/01/2017 09 AM\"", "format_datetime", t, S("dd/MM/yyyy hh tt"));
  EXPECT_CALL_EQ("\"29\"", "format_datetime", t, S("d"));
  EXPECT_CALL_EQ("\"1\"", "format_datetime", t, S("M"));
  EXPECT_CALL_EQ("\"\"", "format_datetime", N(), S("yyyy"));
}

TEST(KqlString, FormatTimespan) {
  Value t = TS("1.02:03:04.5678901");
  EXPECT_CALL_EQ("\"02:03:04\"", "format_timespan", t, S("hh:mm:ss"));
  EXPECT_CALL_EQ("\"1.02:03:04.567\"", "format_timespan", t, S("d.hh:mm:ss.fff"));
  EXPECT_CALL_EQ("\"001:02\"", "format_timespan", t, S("ddd:hh"));
  EXPECT_CALL_EQ("\"04.56789\"", "format_timespan", t, S("ss.FFFFF"));
  EXPECT_CALL_EQ("\"04\"", "format_timespan", TS("00:00:04"), S("ss"));
  EXPECT_CALL_EQ("\"-01:00\"", "format_timespan", TS("-01:00:00"), S("hh:mm"));
  EXPECT_CALL_EQ("\"2 h\"", "format_timespan", TS("02:00:00"), S("H' h'"));
}

TEST(KqlString, Ipv4AndGuid) {
  EXPECT_CALL_EQ("true", "ipv4_is_private", S("10.1.2.3"));
  EXPECT_CALL_EQ("true", "ipv4_is_private", S("172.16.0.1"));
  EXPECT_CALL_EQ("true", "ipv4_is_private", S("172.31.255.255"));
  EXPECT_CALL_EQ("false", "ipv4_is_private", S("172.32.0.1"));
  EXPECT_CALL_EQ("true", "ipv4_is_private", S("192.168.1.1/24"));
  EXPECT_CALL_EQ("false", "ipv4_is_private", S("8.8.8.8"));
  EXPECT_CALL_EQ("null", "ipv4_is_private", S("300.1.1.1"));
  EXPECT_CALL_EQ("null", "ipv4_is_private", S("1.2.3"));
  Value g1 = call("new_guid", {}), g2 = call("new_guid", {});
  ASSERT_EQ(g1.kind(), Kind::Guid);
  EXPECT_NE(g1, g2);
  EXPECT_EQ(format_guid(g1.as_guid())[14], '4');
}

TEST(KqlString, BindMessages) {
  auto r = bind_fn("substring", bound({kS, kDT}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "expects an integer as its second argument, not datetime");
  EXPECT_EQ(*bind_fn("strlen", bound({kL})), kL);
  EXPECT_EQ(*bind_fn("strlen", bound({kD})), kL);
  EXPECT_EQ(*bind_fn("split", bound({kS, kS})), kD);
  EXPECT_FALSE(bind_fn("format_datetime", bound({kS, kS})));
  EXPECT_EQ(*bind_fn("format_datetime", bound({kDT, kS})), kS);
  Value bad("yyyy-MM-dd'unterminated");
  std::vector<BoundArg> fmt = {{kDT, nullptr}, {kS, &bad}};
  (void)bind_fn("format_datetime", fmt);
}

// ---- datetime ----

TEST(KqlDatetime, NowAndAgo) {
  EXPECT_CALL_EQ("\"2024-01-01T12:00:00Z\"", "now");
  EXPECT_CALL_EQ("\"2024-01-01T11:00:00Z\"", "now", TS("-01:00:00"));
  EXPECT_CALL_EQ("\"2024-01-01T11:00:00Z\"", "ago", TS("01:00:00"));
  EXPECT_CALL_EQ("\"2023-12-31T12:00:00Z\"", "ago", TS("1.00:00:00"));
  EXPECT_CALL_EQ("\"2024-01-01T13:00:00Z\"", "ago", TS("-01:00:00"));
  EXPECT_CALL_EQ("null", "ago", N());
}

TEST(KqlDatetime, Parts) {
  Value t = DT("2024-02-29T13:45:30.1234567Z");
  EXPECT_CALL_EQ("29", "dayofmonth", t);
  EXPECT_CALL_EQ("60", "dayofyear", t);
  EXPECT_CALL_EQ("2", "getmonth", t);
  EXPECT_CALL_EQ("2", "monthofyear", t);
  EXPECT_CALL_EQ("2024", "getyear", t);
  EXPECT_CALL_EQ("13", "hourofday", t);
  EXPECT_CALL_EQ("\"4.00:00:00\"", "dayofweek", t);  // Thursday
  EXPECT_CALL_EQ("\"00:00:00\"", "dayofweek", DT("2024-03-03"));  // Sunday
  EXPECT_CALL_EQ("\"6.00:00:00\"", "dayofweek", DT("2024-03-02"));
  EXPECT_CALL_EQ("366", "dayofyear", DT("2024-12-31"));
  EXPECT_CALL_EQ("365", "dayofyear", DT("2023-12-31"));
  EXPECT_CALL_EQ("null", "dayofmonth", N());
  EXPECT_EQ(call("getyear", {t}).kind(), Kind::Int);
}

TEST(KqlDatetime, DatetimePart) {
  Value t = DT("2017-10-30T01:02:03.7654321Z");
  EXPECT_CALL_EQ("2017", "datetime_part", S("year"), t);
  EXPECT_CALL_EQ("4", "datetime_part", S("Quarter"), t);
  EXPECT_CALL_EQ("10", "datetime_part", S("month"), t);
  EXPECT_CALL_EQ("44", "datetime_part", S("week_of_year"), t);
  EXPECT_CALL_EQ("30", "datetime_part", S("day"), t);
  EXPECT_CALL_EQ("303", "datetime_part", S("dayOfYear"), t);
  EXPECT_CALL_EQ("1", "datetime_part", S("hour"), t);
  EXPECT_CALL_EQ("2", "datetime_part", S("minute"), t);
  EXPECT_CALL_EQ("3", "datetime_part", S("second"), t);
  EXPECT_CALL_EQ("765", "datetime_part", S("millisecond"), t);
  EXPECT_CALL_EQ("765432", "datetime_part", S("microsecond"), t);
  EXPECT_CALL_EQ("765432100", "datetime_part", S("nanosecond"), t);
  EXPECT_CALL_EQ("null", "datetime_part", S("fortnight"), t);
  Value bad("fortnight");
  EXPECT_FALSE(bind_fn("datetime_part", {{kS, &bad}, {kDT, nullptr}}));
}

TEST(KqlDatetime, WeekOfYearIso) {
  EXPECT_CALL_EQ("1", "weekofyear", DT("2021-01-04"));
  EXPECT_CALL_EQ("53", "weekofyear", DT("2021-01-01"));
  EXPECT_CALL_EQ("53", "weekofyear", DT("2020-12-31"));
  EXPECT_CALL_EQ("1", "weekofyear", DT("2019-12-30"));
  EXPECT_CALL_EQ("52", "weekofyear", DT("2023-01-01"));
  EXPECT_CALL_EQ("1", "weekofyear", DT("2024-01-01"));
  EXPECT_CALL_EQ("9", "weekofyear", DT("2024-02-29"));
  EXPECT_CALL_EQ("52", "weekofyear", DT("2022-12-31"));
}

TEST(KqlDatetime, DatetimeAdd) {
  Value t = DT("2017-10-30T01:02:03.7654321Z");
  EXPECT_CALL_EQ("\"2018-10-30T01:02:03.7654321Z\"", "datetime_add", S("year"), L(1), t);
  EXPECT_CALL_EQ("\"2018-01-30T01:02:03.7654321Z\"", "datetime_add", S("quarter"), L(1), t);
  EXPECT_CALL_EQ("\"2017-11-30T01:02:03.7654321Z\"", "datetime_add", S("month"), L(1), t);
  EXPECT_CALL_EQ("\"2017-11-06T01:02:03.7654321Z\"", "datetime_add", S("week"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-31T01:02:03.7654321Z\"", "datetime_add", S("day"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-30T02:02:03.7654321Z\"", "datetime_add", S("hour"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-30T01:03:03.7654321Z\"", "datetime_add", S("minute"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-30T01:02:04.7654321Z\"", "datetime_add", S("second"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-30T01:02:03.7664321Z\"", "datetime_add", S("millisecond"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-30T01:02:03.7654331Z\"", "datetime_add", S("microsecond"), L(1), t);
  EXPECT_CALL_EQ("\"2017-10-30T01:02:03.7654322Z\"", "datetime_add", S("nanosecond"), L(100), t);
  EXPECT_CALL_EQ("\"2024-02-29T00:00:00Z\"", "datetime_add", S("month"), L(1), DT("2024-01-31"));
  EXPECT_CALL_EQ("\"2023-02-28T00:00:00Z\"", "datetime_add", S("year"), L(-1), DT("2024-02-29"));
  EXPECT_CALL_EQ("\"2023-12-29T00:00:00Z\"", "datetime_add", S("month"), L(-2), DT("2024-02-29"));
  EXPECT_CALL_EQ("\"2024-02-29T00:00:00Z\"", "datetime_add", S("month"), L(-1), DT("2024-03-31"));
  EXPECT_CALL_EQ("null", "datetime_add", S("year"), L(10000), t);
  EXPECT_CALL_EQ("null", "datetime_add", S("day"), L(std::numeric_limits<int64_t>::max()), t);
  EXPECT_CALL_EQ("null", "datetime_add", S("day"), N(), t);
}

TEST(KqlDatetime, DatetimeDiff) {
  EXPECT_CALL_EQ("17", "datetime_diff", S("year"), DT("2017-01-01"), DT("2000-12-31"));
  EXPECT_CALL_EQ("2", "datetime_diff", S("quarter"), DT("2017-07-01"), DT("2017-03-30"));
  EXPECT_CALL_EQ("13", "datetime_diff", S("month"), DT("2017-01-01"), DT("2015-12-30"));
  EXPECT_CALL_EQ("5", "datetime_diff", S("week"), DT("2017-10-29 00:00"), DT("2017-09-30 23:59"));
  EXPECT_CALL_EQ("29", "datetime_diff", S("day"), DT("2017-10-29 00:00"), DT("2017-09-30 23:59"));
  EXPECT_CALL_EQ("2", "datetime_diff", S("hour"), DT("2017-10-31 01:00"), DT("2017-10-30 23:59"));
  EXPECT_CALL_EQ("5", "datetime_diff", S("minute"), DT("2017-10-30 23:05:01"), DT("2017-10-30 23:00:59"));
  EXPECT_CALL_EQ("10", "datetime_diff", S("second"), DT("2017-10-30 23:00:10.100"), DT("2017-10-30 23:00:00.900"));
  EXPECT_CALL_EQ("100", "datetime_diff", S("millisecond"), DT("2017-10-30 23:00:00.2001"), DT("2017-10-30 23:00:00.1009"));
  EXPECT_CALL_EQ("1", "datetime_diff", S("microsecond"), DT("2017-10-30 23:00:00.0000010"), DT("2017-10-30 23:00:00.0000009"));
  EXPECT_CALL_EQ("100", "datetime_diff", S("nanosecond"), DT("2017-10-30 23:00:00.0000001"), DT("2017-10-30 23:00:00"));
  EXPECT_CALL_EQ("-17", "datetime_diff", S("year"), DT("2000-12-31"), DT("2017-01-01"));
  EXPECT_CALL_EQ("null", "datetime_diff", S("year"), N(), DT("2017-01-01"));
}

TEST(KqlDatetime, StartAndEnd) {
  Value t = DT("2017-01-01T10:10:17Z");
  EXPECT_CALL_EQ("\"2017-01-01T00:00:00Z\"", "startofday", t);
  EXPECT_CALL_EQ("\"2016-12-31T00:00:00Z\"", "startofday", t, L(-1));
  EXPECT_CALL_EQ("\"2017-01-01T23:59:59.9999999Z\"", "endofday", t);
  EXPECT_CALL_EQ("\"2017-01-02T23:59:59.9999999Z\"", "endofday", t, L(1));
  EXPECT_CALL_EQ("\"2017-01-01T00:00:00Z\"", "startofweek", t);  // a Sunday
  EXPECT_CALL_EQ("\"2017-01-07T23:59:59.9999999Z\"", "endofweek", t);
  EXPECT_CALL_EQ("\"2016-12-25T00:00:00Z\"", "startofweek", DT("2016-12-31"));
  EXPECT_CALL_EQ("\"2017-01-01T00:00:00Z\"", "startofmonth", t);
  EXPECT_CALL_EQ("\"2016-12-01T00:00:00Z\"", "startofmonth", t, L(-1));
  EXPECT_CALL_EQ("\"2017-01-31T23:59:59.9999999Z\"", "endofmonth", t);
  EXPECT_CALL_EQ("\"2024-02-29T23:59:59.9999999Z\"", "endofmonth", DT("2024-02-10"));
  EXPECT_CALL_EQ("\"2023-02-28T23:59:59.9999999Z\"", "endofmonth", DT("2023-02-10"));
  EXPECT_CALL_EQ("\"2017-01-01T00:00:00Z\"", "startofyear", t);
  EXPECT_CALL_EQ("\"2018-01-01T00:00:00Z\"", "startofyear", t, L(1));
  EXPECT_CALL_EQ("\"2017-12-31T23:59:59.9999999Z\"", "endofyear", t);
  EXPECT_CALL_EQ("\"9999-12-31T23:59:59.9999999Z\"", "endofyear", DT("9999-06-01"));
  EXPECT_CALL_EQ("\"9999-12-31T23:59:59.9999999Z\"", "endofday", DT("9999-12-31T05:00:00Z"));
  EXPECT_CALL_EQ("null", "startofyear", DT("0001-06-01"), L(-1));
  EXPECT_CALL_EQ("\"1969-12-28T00:00:00Z\"", "startofweek", DT("1969-12-31"));
  EXPECT_CALL_EQ("\"1969-12-31T00:00:00Z\"", "startofday", DT("1969-12-31T23:00:00Z"));
}

TEST(KqlDatetime, Constructors) {
  EXPECT_CALL_EQ("\"2017-10-01T12:10:00Z\"", "make_datetime", L(2017), L(10), L(1), L(12), L(10));
  EXPECT_CALL_EQ("\"2017-10-01T12:11:00.1234567Z\"", "make_datetime", L(2017), L(10), L(1), L(12), L(11), R(0.1234567));
  EXPECT_CALL_EQ("\"2017-10-01T00:00:00Z\"", "make_datetime", L(2017), L(10), L(1));
  EXPECT_CALL_EQ("\"2024-02-29T00:00:00Z\"", "make_datetime", L(2024), L(2), L(29));
  EXPECT_CALL_EQ("null", "make_datetime", L(2023), L(2), L(29));
  EXPECT_CALL_EQ("null", "make_datetime", L(2023), L(13), L(1));
  EXPECT_CALL_EQ("null", "make_datetime", L(10000), L(1), L(1));
  EXPECT_CALL_EQ("null", "make_datetime", L(2023), L(1), L(1), L(24), L(0));
  EXPECT_CALL_EQ("\"01:30:00\"", "make_timespan", L(1), L(30));
  EXPECT_CALL_EQ("\"01:30:15.5000000\"", "make_timespan", L(1), L(30), R(15.5));
  EXPECT_CALL_EQ("\"2.01:30:15\"", "make_timespan", L(2), L(1), L(30), L(15));
  EXPECT_CALL_EQ("\"1.01:00:00\"", "make_timespan", L(25), L(0));
  EXPECT_CALL_EQ("null", "make_timespan", L(1), N());
}

TEST(KqlDatetime, UnixTime) {
  EXPECT_CALL_EQ("\"2023-11-14T22:13:20Z\"", "unixtime_seconds_todatetime", L(1700000000));
  EXPECT_CALL_EQ("\"1970-01-01T00:00:01.5Z\"", "unixtime_seconds_todatetime", R(1.5));
  EXPECT_CALL_EQ("\"1969-12-31T23:59:59Z\"", "unixtime_seconds_todatetime", L(-1));
  EXPECT_CALL_EQ("\"2023-11-14T22:13:20.123Z\"", "unixtime_milliseconds_todatetime", L(1700000000123));
  EXPECT_CALL_EQ("\"1970-01-01T00:00:00.000001Z\"", "unixtime_microseconds_todatetime", L(1));
  EXPECT_CALL_EQ("\"1970-01-01T00:00:00.0000001Z\"", "unixtime_nanoseconds_todatetime", L(100));
  EXPECT_CALL_EQ("null", "unixtime_seconds_todatetime", L(std::numeric_limits<int64_t>::max()));
  EXPECT_CALL_EQ("null", "unixtime_seconds_todatetime", L(400'000'000'000LL));
  EXPECT_CALL_EQ("null", "unixtime_seconds_todatetime", N());
  EXPECT_CALL_EQ("null", "unixtime_seconds_todatetime", R(std::nan("")));
}

TEST(KqlDatetime, BindChecks) {
  auto r = bind_fn("startofday", bound({kS}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "expects a datetime as its first argument, not string");
  r = bind_fn("ago", bound({kL}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "expects a timespan as its first argument, not long");
  EXPECT_EQ(*bind_fn("startofday", bound({kD})), kDT);
  EXPECT_EQ(*bind_fn("dayofweek", bound({kDT})), kTS);
  EXPECT_EQ(*bind_fn("getyear", bound({kDT})), ColumnType::Int);
  EXPECT_EQ(*bind_fn("datetime_diff", bound({kS, kDT, kDT})), kL);
  EXPECT_FALSE(bind_fn("datetime_add", bound({kS, kL, kTS})));
  EXPECT_FALSE(bind_fn("startofmonth", bound({kDT, kS})));
}

// ---- math ----

TEST(KqlMath, BinNumbers) {
  EXPECT_CALL_EQ("4", "bin", L(4), L(1));
  EXPECT_CALL_EQ("4", "bin", L(5), L(2));
  EXPECT_CALL_EQ("-6", "bin", L(-5), L(2));
  EXPECT_CALL_EQ("-4", "bin", L(-4), L(2));
  EXPECT_CALL_EQ("0", "bin", L(0), L(7));
  EXPECT_CALL_EQ("4.5", "bin", R(4.6), R(0.5));
  EXPECT_CALL_EQ("-5", "bin", R(-4.5), L(1));
  EXPECT_CALL_EQ("10", "floor", L(17), L(10));
  EXPECT_CALL_EQ("null", "bin", L(5), L(0));
  EXPECT_CALL_EQ("null", "bin", L(5), L(-2));
  EXPECT_CALL_EQ("null", "bin", N(), L(2));
  EXPECT_CALL_EQ("null", "bin", L(5), N());
  EXPECT_EQ(call("bin", {L(5), R(2)}).kind(), Kind::Real);
}

TEST(KqlMath, BinDatetimeAlignsLikeKusto) {
  EXPECT_CALL_EQ("\"2024-01-01T12:00:00Z\"", "bin", DT("2024-01-01T12:34:56Z"), TS("01:00:00"));
  EXPECT_CALL_EQ("\"2024-01-01T12:00:00Z\"", "bin", DT("2024-01-01T12:00:00Z"), TS("01:00:00"));
  EXPECT_CALL_EQ("\"2024-01-01T11:00:00Z\"", "bin", DT("2024-01-01T11:59:59.9999999Z"), TS("01:00:00"));
  EXPECT_CALL_EQ("\"2024-01-01T00:00:00Z\"", "bin", DT("2024-01-01T23:59:59Z"), TS("1.00:00:00"));
  EXPECT_CALL_EQ("\"2024-01-01T12:30:00Z\"", "bin", DT("2024-01-01T12:34:56Z"), TS("00:15:00"));
  EXPECT_CALL_EQ("\"1969-12-31T23:00:00Z\"", "bin", DT("1969-12-31T23:30:00Z"), TS("01:00:00"));
  // 7-day bins align to 0001-01-01 (a Monday), not to the Unix epoch (a Thursday).
  EXPECT_CALL_EQ("\"2024-01-01T00:00:00Z\"", "bin", DT("2024-01-03T10:00:00Z"), TS("7.00:00:00"));
  EXPECT_CALL_EQ("\"2023-12-25T00:00:00Z\"", "bin", DT("2023-12-31T10:00:00Z"), TS("7.00:00:00"));
  EXPECT_CALL_EQ("\"0001-01-01T00:00:00Z\"", "bin", DT("0001-01-01T05:00:00Z"), TS("1.00:00:00"));
  EXPECT_CALL_EQ("\"01:00:00\"", "bin", TS("01:29:00"), TS("01:00:00"));
  EXPECT_CALL_EQ("\"-01:00:00\"", "bin", TS("-00:10:00"), TS("01:00:00"));
  EXPECT_CALL_EQ("null", "bin", DT("2024-01-01"), TS("00:00:00"));
}

TEST(KqlMath, BinAt) {
  EXPECT_CALL_EQ("4.5", "bin_at", R(6.5), R(2.5), R(7));
  EXPECT_CALL_EQ("\"-12:00:00\"", "bin_at", TS("01:00:00"), TS("1.00:00:00"), TS("12:00:00"));
  EXPECT_CALL_EQ("\"2017-05-14T12:00:00Z\"", "bin_at", DT("2017-05-15T10:20:00Z"), TS("1.00:00:00"), DT("2017-05-14T12:00:00Z"));
  EXPECT_CALL_EQ("\"2017-05-16T12:00:00Z\"", "bin_at", DT("2017-05-17T10:20:00Z"), TS("2.00:00:00"), DT("2017-05-14T12:00:00Z"));
  EXPECT_CALL_EQ("13", "bin_at", L(15), L(5), L(3));
}

TEST(KqlMath, BinBind) {
  EXPECT_EQ(*bind_fn("bin", bound({kDT, kTS})), kDT);
  EXPECT_EQ(*bind_fn("bin", bound({kTS, kTS})), kTS);
  EXPECT_EQ(*bind_fn("bin", bound({kL, kL})), kL);
  EXPECT_EQ(*bind_fn("bin", bound({ColumnType::Int, kL})), kL);
  EXPECT_EQ(*bind_fn("bin", bound({kR, kL})), kR);
  EXPECT_EQ(*bind_fn("bin", bound({kL, kR})), kR);
  auto r = bind_fn("bin", bound({kDT, kL}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "expects a timespan as its second argument, not long");
  EXPECT_FALSE(bind_fn("bin", bound({kS, kL})));
}

TEST(KqlMath, Rounding) {
  EXPECT_CALL_EQ("3", "round", R(2.5));
  EXPECT_CALL_EQ("-3", "round", R(-2.5));
  EXPECT_CALL_EQ("2.988", "round", R(2.98765), L(3));
  EXPECT_CALL_EQ("2.2", "round", R(2.15), L(1));
  EXPECT_CALL_EQ("1200", "round", L(1234), L(-2));
  EXPECT_CALL_EQ("1300", "round", L(1250), L(-2));
  EXPECT_CALL_EQ("-1300", "round", L(-1250), L(-2));
  EXPECT_CALL_EQ("7", "round", L(7));
  EXPECT_CALL_EQ("null", "round", N());
  EXPECT_CALL_EQ("3", "ceiling", R(2.1));
  EXPECT_CALL_EQ("-2", "ceiling", R(-2.9));
  EXPECT_CALL_EQ("5", "ceiling", L(5));
}

TEST(KqlMath, Elementary) {
  EXPECT_CALL_EQ("5", "abs", L(-5));
  EXPECT_CALL_EQ("2.5", "abs", R(-2.5));
  EXPECT_CALL_EQ("\"01:00:00\"", "abs", TS("-01:00:00"));
  EXPECT_CALL_EQ("-9223372036854775808", "abs", L(std::numeric_limits<int64_t>::min()));
  EXPECT_CALL_EQ("1", "exp", L(0));
  EXPECT_CALL_EQ("8", "exp2", L(3));
  EXPECT_CALL_EQ("1000", "exp10", L(3));
  EXPECT_CALL_EQ("0", "log", L(1));
  EXPECT_CALL_EQ("-Infinity", "log", L(0));
  EXPECT_CALL_EQ("null", "log", L(-1));
  EXPECT_CALL_EQ("10", "log2", L(1024));
  EXPECT_CALL_EQ("3", "log10", L(1000));
  EXPECT_CALL_EQ("1024", "pow", L(2), L(10));
  EXPECT_CALL_EQ("0.5", "pow", L(2), L(-1));
  EXPECT_CALL_EQ("3", "sqrt", L(9));
  EXPECT_CALL_EQ("null", "sqrt", L(-1));
  EXPECT_CALL_EQ("-1", "sign", L(-7));
  EXPECT_CALL_EQ("0", "sign", L(0));
  EXPECT_CALL_EQ("1", "sign", R(0.1));
  EXPECT_CALL_EQ("true", "isfinite", R(1));
  EXPECT_CALL_EQ("false", "isfinite", R(INFINITY));
  EXPECT_CALL_EQ("true", "isinf", R(-INFINITY));
  EXPECT_CALL_EQ("true", "isnan", R(NAN));
  EXPECT_CALL_EQ("false", "isnan", L(1));
  EXPECT_CALL_EQ("null", "exp", N());
  EXPECT_CALL_EQ("3.141592653589793", "pi");
}

TEST(KqlMath, Bitwise) {
  EXPECT_CALL_EQ("8", "binary_and", L(12), L(10));
  EXPECT_CALL_EQ("14", "binary_or", L(12), L(10));
  EXPECT_CALL_EQ("6", "binary_xor", L(12), L(10));
  EXPECT_CALL_EQ("-101", "binary_not", L(100));
  EXPECT_CALL_EQ("4", "binary_shift_left", L(1), L(2));
  EXPECT_CALL_EQ("2", "binary_shift_left", L(1), L(65));
  EXPECT_CALL_EQ("-9223372036854775808", "binary_shift_left", L(1), L(63));
  EXPECT_CALL_EQ("2", "binary_shift_right", L(8), L(2));
  EXPECT_CALL_EQ("-1", "binary_shift_right", L(-1), L(10));
  EXPECT_CALL_EQ("null", "binary_and", N(), L(1));
  EXPECT_FALSE(bind_fn("binary_and", bound({kR, kL})));
}

TEST(KqlMath, Rand) {
  for (int i = 0; i < 100; ++i) {
    Value r = call("rand", {});
    ASSERT_EQ(r.kind(), Kind::Real);
    EXPECT_GE(r.as_real(), 0.0);
    EXPECT_LT(r.as_real(), 1.0);
    Value n = call("rand", {L(10)});
    ASSERT_EQ(n.kind(), Kind::Long);
    EXPECT_GE(n.as_long(), 0);
    EXPECT_LT(n.as_long(), 10);
  }
}

TEST(KqlMath, MaxOfMinOf) {
  EXPECT_CALL_EQ("10", "max_of", L(10), L(1), L(-3));
  EXPECT_CALL_EQ("-3", "min_of", L(10), L(1), L(-3));
  EXPECT_CALL_EQ("5", "max_of", N(), L(5), N());
  EXPECT_CALL_EQ("null", "max_of", N(), N());
  EXPECT_CALL_EQ("2.5", "max_of", L(1), R(2.5));
  EXPECT_CALL_EQ("1", "min_of", L(1), R(2.5));
  EXPECT_EQ(call("min_of", {L(1), R(2.5)}).kind(), Kind::Real);
  EXPECT_CALL_EQ("\"b\"", "max_of", S("a"), S("b"));
  EXPECT_CALL_EQ("\"2024-01-02T00:00:00Z\"", "max_of", DT("2024-01-01"), DT("2024-01-02"));
  EXPECT_EQ(*bind_fn("max_of", bound({kL, kR})), kR);
  EXPECT_FALSE(bind_fn("max_of", bound({kL, kS})));
}

// ---- dynamic ----

TEST(KqlDynamic, Arrays) {
  EXPECT_CALL_EQ("3", "array_length", J("[1,2,3]"));
  EXPECT_CALL_EQ("0", "array_length", J("[]"));
  EXPECT_CALL_EQ("null", "array_length", J("{}"));
  EXPECT_CALL_EQ("null", "array_length", S("[1]"));
  EXPECT_CALL_EQ("[1,2,3,4]", "array_concat", J("[1,2]"), J("[3,4]"));
  EXPECT_CALL_EQ("null", "array_concat", J("[1,2]"), L(3));
  EXPECT_CALL_EQ("[2,3]", "array_slice", J("[1,2,3,4]"), L(1), L(2));
  EXPECT_CALL_EQ("[3,4]", "array_slice", J("[1,2,3,4]"), L(-2), L(-1));
  EXPECT_CALL_EQ("[2,3,4]", "array_slice", J("[1,2,3,4]"), L(1), L(10));
  EXPECT_CALL_EQ("[]", "array_slice", J("[1,2,3,4]"), L(3), L(1));
  EXPECT_CALL_EQ("1", "array_index_of", J("[1,2,3]"), L(2));
  EXPECT_CALL_EQ("1", "array_index_of", J("[\"a\",\"b\"]"), S("b"));
  EXPECT_CALL_EQ("-1", "array_index_of", J("[1,2,3]"), L(5));
  EXPECT_CALL_EQ("3", "array_index_of", J("[1,2,3,2]"), L(2), L(2));
  EXPECT_CALL_EQ("0", "array_index_of", J("[1.0]"), L(1));
  EXPECT_CALL_EQ("[3,2,1]", "array_reverse", J("[1,2,3]"));
  EXPECT_CALL_EQ("6", "array_sum", J("[1,2,3]"));
}

TEST(KqlDynamic, Sorting) {
  EXPECT_CALL_EQ("[1,2,3,null]", "array_sort_asc", J("[3,null,1,2]"));
  EXPECT_CALL_EQ("[null,1,2,3]", "array_sort_asc", J("[3,null,1,2]"), B(false));
  EXPECT_CALL_EQ("[3,2,1,null]", "array_sort_desc", J("[3,null,1,2]"));
  EXPECT_CALL_EQ("[\"a\",\"b\",\"c\"]", "array_sort_asc", J("[\"b\",\"c\",\"a\"]"));
  EXPECT_CALL_EQ("[1,1.5,2]", "array_sort_asc", J("[2,1.5,1]"));
  EXPECT_CALL_EQ("null", "array_sort_asc", L(1));
}

TEST(KqlDynamic, Pack) {
  EXPECT_CALL_EQ(R"({"a":1,"b":"x"})", "pack", S("a"), L(1), S("b"), S("x"));
  EXPECT_CALL_EQ(R"({"a":2})", "bag_pack", S("a"), L(1), S("a"), L(2));
  EXPECT_CALL_EQ(R"({"a":null})", "pack", S("a"), N());
  EXPECT_CALL_EQ("{}", "pack");
  EXPECT_CALL_EQ(R"([1,"a",null,[2]])", "pack_array", L(1), S("a"), N(), J("[2]"));
  EXPECT_CALL_EQ("[]", "pack_array");
  EXPECT_FALSE(bind_fn("pack", bound({kS})));
  EXPECT_TRUE(bind_fn("pack", bound({kS, kL})));
}

TEST(KqlDynamic, Bags) {
  EXPECT_CALL_EQ(R"(["a","b"])", "bag_keys", J(R"({"a":1,"b":2})"));
  EXPECT_CALL_EQ("null", "bag_keys", J("[1]"));
  EXPECT_CALL_EQ(R"({"a":1,"b":2,"c":4})", "bag_merge", J(R"({"a":1,"b":2})"), J(R"({"b":3,"c":4})"));
  EXPECT_CALL_EQ(R"({"b":2})", "bag_remove_keys", J(R"({"a":1,"b":2,"c":3})"), J(R"(["a","c","z"])"));
  EXPECT_CALL_EQ("true", "bag_has_key", J(R"({"a":1})"), S("a"));
  EXPECT_CALL_EQ("false", "bag_has_key", J(R"({"a":1})"), S("b"));
  EXPECT_CALL_EQ(R"({"a":1,"b":2})", "bag_set_key", J(R"({"a":1})"), S("b"), L(2));
}

TEST(KqlDynamic, Sets) {
  EXPECT_CALL_EQ("[1,2,3,4]", "set_union", J("[1,2,2]"), J("[3,1,4]"));
  EXPECT_CALL_EQ("[1,3]", "set_intersect", J("[1,2,3,1]"), J("[3,1,5]"));
  EXPECT_CALL_EQ("[]", "set_intersect", J("[1]"), J("[2]"));
  EXPECT_CALL_EQ("[2]", "set_difference", J("[1,2,2,3]"), J("[1]"), J("[3]"));
  EXPECT_CALL_EQ("[\"a\"]", "set_union", J("[\"a\"]"), J("[\"a\"]"));
  EXPECT_CALL_EQ("true", "set_has_element", J("[1,2]"), L(2));
  EXPECT_CALL_EQ("null", "set_union", J("[1]"), S("x"));
}

TEST(KqlDynamic, Zip) {
  EXPECT_CALL_EQ(R"([[1,"a"],[2,"b"]])", "zip", J("[1,2]"), J(R"(["a","b"])"));
  EXPECT_CALL_EQ(R"([[1,"a"],[2,null]])", "zip", J("[1,2]"), J(R"(["a"])"));
  EXPECT_CALL_EQ("[]", "zip", J("[]"), J("[]"));
}

TEST(KqlDynamic, GetType) {
  EXPECT_CALL_EQ("\"string\"", "gettype", S("a"));
  EXPECT_CALL_EQ("\"long\"", "gettype", L(1));
  EXPECT_CALL_EQ("\"int\"", "gettype", I(1));
  EXPECT_CALL_EQ("\"real\"", "gettype", R(1));
  EXPECT_CALL_EQ("\"bool\"", "gettype", B(true));
  EXPECT_CALL_EQ("\"datetime\"", "gettype", DT("2024-01-01"));
  EXPECT_CALL_EQ("\"timespan\"", "gettype", TS("01:00:00"));
  EXPECT_CALL_EQ("\"array\"", "gettype", J("[]"));
  EXPECT_CALL_EQ("\"dictionary\"", "gettype", J("{}"));
  EXPECT_CALL_EQ("\"null\"", "gettype", N());
  EXPECT_EQ(kusto_type_name(Value(Guid{})), "guid");
}

TEST(KqlDynamic, ExtractJson) {
  const Value doc = S(R"({"user":{"name":"Ann","age":41,"tags":["a","b"]}})");
  EXPECT_CALL_EQ("\"Ann\"", "extract_json", S("$.user.name"), doc);
  EXPECT_CALL_EQ("\"41\"", "extract_json", S("$.user.age"), doc);
  EXPECT_CALL_EQ("41", "extract_json", S("$.user.age"), doc, S("long"));
  EXPECT_CALL_EQ("\"[\\\"a\\\",\\\"b\\\"]\"", "extractjson", S("$.user.tags"), doc);
  EXPECT_CALL_EQ("\"b\"", "extract_json", S("$.user.tags[1]"), doc);
  EXPECT_CALL_EQ("null", "extract_json", S("$.user.missing"), doc);
  EXPECT_CALL_EQ("null", "extract_json", S("$.a"), S("not json"));
}

TEST(KqlDynamic, ParseXml) {
  EXPECT_CALL_EQ(R"({"root":{"a":["1","2"],"b":{"@x":"y","#text":"t"}}})", "parse_xml",
                 S(R"(<root><a>1</a><a>2</a><b x="y">t</b></root>)"));
  EXPECT_CALL_EQ(R"({"?xml":{"@version":"1.0","@encoding":"UTF-8"},"note":{"@id":"1","to":"Tove","from":"Jani","body":"Don't forget & <me>"}})",
                 "parse_xml",
                 S("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<note id='1'>\n  <to>Tove</to>\n  <from>Jani</from>\n  "
                   "<body>Don&apos;t forget &amp; &lt;me&gt;</body>\n</note>"));
  EXPECT_CALL_EQ(R"({"e":null})", "parse_xml", S("<e/>"));
  EXPECT_CALL_EQ(R"({"e":null})", "parse_xml", S("<e></e>"));
  EXPECT_CALL_EQ(R"({"e":{"@a":"1"}})", "parse_xml", S("<e a=\"1\"/>"));
  EXPECT_CALL_EQ(R"({"e":{"#cdata-section":"<raw>"}})", "parse_xml", S("<e><![CDATA[<raw>]]></e>"));
  EXPECT_CALL_EQ("{\"e\":\"A\xc3\xa9\"}", "parse_xml", S("<e>&#65;&#xE9;</e>"));
  EXPECT_CALL_EQ(R"({"r":{"x":{"y":"1"}}})", "parse_xml", S("<!-- c --><r><!-- in --><x><y>1</y></x></r>"));
  EXPECT_CALL_EQ("null", "parse_xml", S("<a><b></a>"));
  EXPECT_CALL_EQ("null", "parse_xml", S("not xml"));
  EXPECT_CALL_EQ("null", "parse_xml", S("<a>1</a><b/>"));
  EXPECT_CALL_EQ("null", "parse_xml", N());
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "<a>";
  EXPECT_CALL_EQ("null", "parse_xml", S(deep));
}

// ---- conditional ----

TEST(KqlConditional, IffCaseCoalesce) {
  EXPECT_CALL_EQ("\"yes\"", "iff", B(true), S("yes"), S("no"));
  EXPECT_CALL_EQ("\"no\"", "iif", B(false), S("yes"), S("no"));
  EXPECT_CALL_EQ("\"no\"", "iff", N(), S("yes"), S("no"));
  EXPECT_CALL_EQ("\"b\"", "case", B(false), S("a"), B(true), S("b"), S("c"));
  EXPECT_CALL_EQ("\"c\"", "case", B(false), S("a"), N(), S("b"), S("c"));
  EXPECT_CALL_EQ("\"a\"", "case", B(true), S("a"), B(true), S("b"), S("c"));
  EXPECT_CALL_EQ("2", "coalesce", N(), L(2), L(3));
  EXPECT_CALL_EQ("\"x\"", "coalesce", S(""), N(), S("x"));
  EXPECT_CALL_EQ("null", "coalesce", N(), N());
  EXPECT_EQ(*bind_fn("iff", bound({kB, kS, kS})), kS);
  EXPECT_EQ(*bind_fn("iff", bound({kB, kL, kR})), kR);
  EXPECT_EQ(*bind_fn("iff", bound({kB, kD, kS})), kD);
  EXPECT_FALSE(bind_fn("iff", bound({kB, kS, kL})));
  EXPECT_FALSE(bind_fn("iff", bound({kS, kS, kS})));
  EXPECT_EQ(*bind_fn("case", bound({kB, kS, kB, kS, kS})), kS);
  EXPECT_FALSE(bind_fn("case", bound({kB, kS, kB, kS})));
  EXPECT_FALSE(bind_fn("case", bound({kB, kS, kB, kL, kS})));
}

TEST(KqlConditional, CaseWithManyBranches) {
  std::vector<Value> args;
  std::vector<BoundArg> types;
  for (int i = 0; i < 150; ++i) {
    args.push_back(B(i == 149));
    args.push_back(L(i));
    types.push_back({kB, nullptr});
    types.push_back({kL, nullptr});
  }
  args.push_back(L(-1));
  types.push_back({kL, nullptr});
  EXPECT_EQ(text(find_scalar_function("case")->eval(args, kCtx)), "149");
  EXPECT_EQ(*bind_fn("case", types), kL);
}

// ---- aggregates ----

TEST(KqlAggregate, CountFamily) {
  EXPECT_EQ(text(aggregate("count", {{}, {}, {}})), "3");
  EXPECT_EQ(text(aggregate("count", {{L(1)}, {N()}, {L(3)}})), "2");
  EXPECT_EQ(text(aggregate("countif", {{B(true)}, {B(false)}, {N()}, {B(true)}})), "2");
  EXPECT_EQ(text(aggregate("dcount", {{L(1)}, {L(2)}, {L(1)}, {N()}, {R(2.0)}})), "2");
  EXPECT_EQ(text(aggregate("dcount", {{S("a")}, {S("A")}, {S("a")}})), "2");
  EXPECT_EQ(text(aggregate("dcountif", {{L(1), B(true)}, {L(2), B(false)}, {L(3), B(true)}})), "2");
  EXPECT_EQ(text(aggregate("count", {})), "0");
}

TEST(KqlAggregate, SumAvg) {
  EXPECT_EQ(text(aggregate("sum", {{L(1)}, {L(2)}, {N()}, {L(3)}})), "6");
  EXPECT_EQ(aggregate("sum", {{I(1)}, {I(2)}}).kind(), Kind::Long);
  EXPECT_EQ(text(aggregate("sum", {{R(1.5)}, {L(2)}})), "3.5");
  EXPECT_EQ(text(aggregate("sum", {{N()}})), "null");
  EXPECT_EQ(text(aggregate("sum", {{L(std::numeric_limits<int64_t>::max())}, {L(1)}})), "-9223372036854775808");
  EXPECT_EQ(text(aggregate("sum", {{TS("01:00:00")}, {TS("00:30:00")}})), "\"01:30:00\"");
  EXPECT_EQ(text(aggregate("sumif", {{L(1), B(true)}, {L(10), B(false)}, {L(3), B(true)}})), "4");
  EXPECT_EQ(text(aggregate("avg", {{L(1)}, {L(2)}, {N()}})), "1.5");
  EXPECT_EQ(aggregate("avg", {{L(2)}, {L(2)}}).kind(), Kind::Real);
  EXPECT_EQ(text(aggregate("avg", {{N()}})), "null");
  EXPECT_EQ(text(aggregate("avgif", {{L(1), B(true)}, {L(100), B(false)}, {L(3), B(true)}})), "2");
  EXPECT_EQ(text(aggregate("avg", {{TS("01:00:00")}, {TS("02:00:00")}})), "\"01:30:00\"");
}

TEST(KqlAggregate, MinMaxArg) {
  EXPECT_EQ(text(aggregate("min", {{L(3)}, {N()}, {L(-1)}, {L(2)}})), "-1");
  EXPECT_EQ(text(aggregate("max", {{L(3)}, {N()}, {L(-1)}, {L(7)}})), "7");
  EXPECT_EQ(text(aggregate("max", {{S("a")}, {S("c")}, {S("b")}})), "\"c\"");
  EXPECT_EQ(text(aggregate("min", {{DT("2024-01-02")}, {DT("2024-01-01")}})), "\"2024-01-01T00:00:00Z\"");
  EXPECT_EQ(text(aggregate("max", {{N()}})), "null");
  EXPECT_EQ(text(aggregate("maxif", {{L(3), B(true)}, {L(9), B(false)}})), "3");
  EXPECT_EQ(text(aggregate("minif", {{L(3), B(true)}, {L(1), B(false)}})), "3");
  EXPECT_EQ(text(aggregate("arg_max", {{L(1), S("a")}, {L(5), S("b")}, {N(), S("z")}, {L(5), S("c")}, {L(2), S("d")}})),
            R"([5,"b"])");
  EXPECT_EQ(text(aggregate("arg_min", {{L(4), S("a"), L(10)}, {L(-1), S("b"), L(20)}, {L(3), S("c"), L(30)}})),
            R"([-1,"b",20])");
  EXPECT_EQ(text(aggregate("arg_max", {{N(), S("a")}})), "[]");
}

TEST(KqlAggregate, Lists) {
  EXPECT_EQ(text(aggregate("make_list", {{L(1)}, {N()}, {L(2)}, {L(1)}})), "[1,2,1]");
  EXPECT_EQ(text(aggregate("make_list_with_nulls", {{L(1)}, {N()}})), "[1,null]");
  Value two(int64_t{2});
  EXPECT_EQ(text(aggregate("make_list", {{L(1)}, {L(2)}, {L(3)}}, {{kL, nullptr}, {kL, &two}})), "[1,2]");
  EXPECT_EQ(text(aggregate("make_list_if", {{L(1), B(true)}, {L(2), B(false)}, {L(3), B(true)}})), "[1,3]");
  EXPECT_EQ(text(aggregate("make_set", {{L(1)}, {L(2)}, {L(1)}, {N()}, {L(3)}})), "[1,2,3]");
  EXPECT_EQ(text(aggregate("make_set", {{L(1)}, {L(2)}, {L(3)}}, {{kL, nullptr}, {kL, &two}})), "[1,2]");
  EXPECT_EQ(text(aggregate("make_set_if", {{S("a"), B(true)}, {S("b"), B(false)}, {S("a"), B(true)}})), "[\"a\"]");
  EXPECT_EQ(text(aggregate("make_bag", {{J(R"({"a":1})")}, {J(R"({"b":2,"a":3})")}, {L(5)}})), R"({"a":1,"b":2})");
  EXPECT_EQ(text(aggregate("make_list", {})), "[]");
  EXPECT_EQ(text(aggregate("make_list", {{J("[1,2]")}, {J("[3]")}})), "[[1,2],[3]]");
}

TEST(KqlAggregate, Percentiles) {
  std::vector<std::vector<Value>> rows;
  for (int i = 1; i <= 100; ++i) rows.push_back({L(i)});
  Value p50(int64_t{50}), p95(int64_t{95}), p0(int64_t{0}), p100(int64_t{100});
  EXPECT_EQ(text(aggregate("percentile", rows, {{kL, nullptr}, {kL, &p50}})), "50");
  EXPECT_EQ(text(aggregate("percentile", rows, {{kL, nullptr}, {kL, &p95}})), "95");
  EXPECT_EQ(text(aggregate("percentile", rows, {{kL, nullptr}, {kL, &p0}})), "1");
  EXPECT_EQ(text(aggregate("percentile", rows, {{kL, nullptr}, {kL, &p100}})), "100");
  EXPECT_EQ(text(aggregate("percentiles", rows, {{kL, nullptr}, {kL, &p50}, {kL, &p95}})), "[50,95]");
  EXPECT_EQ(text(aggregate("percentile", {{L(1)}, {L(2)}, {L(3)}, {L(4)}}, {{kL, nullptr}, {kL, &p50}})), "2");
  EXPECT_EQ(text(aggregate("percentile", {{N()}}, {{kL, nullptr}, {kL, &p50}})), "null");
  const AggregateFunction* f = find_aggregate_function("percentile");
  std::vector<BoundArg> nonconst = {{kL, nullptr}, {kL, nullptr}};
  EXPECT_FALSE(f->bind(nonconst));
  Value big(int64_t{101});
  std::vector<BoundArg> out_of_range = {{kL, nullptr}, {kL, &big}};
  EXPECT_FALSE(f->bind(out_of_range));
  std::vector<BoundArg> ok = {{kR, nullptr}, {kL, &p50}};
  EXPECT_EQ(*f->bind(ok), kR);
  std::vector<BoundArg> many = {{kR, nullptr}, {kL, &p50}};
  EXPECT_EQ(*find_aggregate_function("percentiles")->bind(many), kD);
}

TEST(KqlAggregate, Variance) {
  std::vector<std::vector<Value>> rows = {{L(2)}, {L(4)}, {L(4)}, {L(4)}, {L(5)}, {L(5)}, {L(7)}, {L(9)}};
  EXPECT_EQ(text(aggregate("variancep", rows)), "4");
  EXPECT_EQ(text(aggregate("stdevp", rows)), "2");
  EXPECT_NEAR(aggregate("variance", rows).as_real(), 32.0 / 7.0, 1e-12);
  EXPECT_NEAR(aggregate("stdev", rows).as_real(), std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_EQ(text(aggregate("stdev", {{L(5)}})), "0");
  EXPECT_EQ(text(aggregate("stdev", {{N()}})), "null");
}

TEST(KqlAggregate, TakeAny) {
  EXPECT_EQ(text(aggregate("take_any", {{N()}, {L(4)}, {L(5)}})), "4");
  EXPECT_EQ(text(aggregate("any", {{L(1), S("a")}, {L(2), S("b")}})), R"([1,"a"])");
  EXPECT_EQ(text(aggregate("take_any", {{N()}})), "null");
}

TEST(KqlAggregate, BindTypes) {
  auto b = [](std::string_view name, std::initializer_list<ColumnType> types) {
    return find_aggregate_function(name)->bind(bound(types));
  };
  EXPECT_EQ(*b("count", {}), kL);
  EXPECT_EQ(*b("sum", {ColumnType::Int}), kL);
  EXPECT_EQ(*b("sum", {kR}), kR);
  EXPECT_EQ(*b("sum", {kTS}), kTS);
  EXPECT_FALSE(b("sum", {kS}));
  EXPECT_EQ(*b("avg", {kL}), kR);
  EXPECT_FALSE(b("avg", {kS}));
  EXPECT_EQ(*b("max", {kDT}), kDT);
  EXPECT_EQ(*b("arg_max", {kL, kS}), kL);
  EXPECT_EQ(*b("make_list", {kS}), kD);
  EXPECT_EQ(*b("dcount", {kS}), kL);
  EXPECT_FALSE(b("countif", {kS}));
  EXPECT_FALSE(b("sumif", {kL, kS}));
  EXPECT_EQ(*b("stdev", {kL}), kR);
}

// ---- robustness ----

TEST(KqlFunctions, HugeInputs) {
  const std::string big(1 << 20, 'a');
  EXPECT_CALL_EQ("1048576", "strlen", S(big));
  EXPECT_EQ(call("toupper", {S(big)}).as_string().size(), big.size());
  EXPECT_EQ(call("replace_regex", {S(big), S("a"), S("bb")}).as_string().size(), 2 * big.size());
  EXPECT_EQ(call("countof", {S(big), S("aa")}).as_long(), (1 << 20) - 1);
  EXPECT_EQ(call("split", {S(big), S("b")}).as_array().size(), 1u);
  EXPECT_EQ(call("base64_decode_tostring", {call("base64_encode_tostring", {S(big)})}).as_string(), big);
  EXPECT_EQ(call("hash_sha256", {S(big)}).as_string().size(), 64u);
}

TEST(KqlFunctions, EveryFunctionSurvivesNullsAndOddTypes) {
  // No input crashes a function or trips the sanitizers: nulls, empties, wrong kinds.
  const std::vector<Value> odd = {N(), S(""), L(-1), R(std::nan("")), J("[]"), J("{}"), DT("0001-01-01"),
                                  TS("-1.00:00:00"), B(false), L(std::numeric_limits<int64_t>::min())};
  for (auto name : scalar_function_names()) {
    const ScalarFunction* f = find_scalar_function(name);
    const int max = f->max_args < 0 ? 4 : std::min(f->max_args, 4);
    for (int n = f->min_args; n <= max; ++n) {
      for (const Value& v : odd) {
        std::vector<Value> args(static_cast<size_t>(n), v);
        (void)f->eval(args, kCtx);
      }
    }
  }
  for (auto name : aggregate_function_names()) {
    const AggregateFunction* f = find_aggregate_function(name);
    std::vector<BoundArg> args(static_cast<size_t>(std::max(f->min_args, 1)), BoundArg{kD, nullptr});
    for (const Value& v : odd) {
      auto acc = f->make(args);
      std::vector<Value> row(args.size(), v);
      acc->add(row);
      acc->add(row);
      (void)acc->result();
    }
  }
}

}  // namespace
}  // namespace intake::kql
