// Unit tests for src/core: Value, calendar arithmetic, date-time parsing and formatting,
// durations, column types and Kusto conversions; plus the tests/data/timeformat.test table.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/schema.h"
#include "core/time.h"
#include "core/value.h"

namespace intake {
namespace {

DateTime dt(std::string_view iso) {
  auto t = parse_datetime(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(DateTime{});
}

std::string fmt(std::string_view format, std::string_view iso) {
  auto f = TimeFormat::compile(format);
  EXPECT_TRUE(f.has_value()) << format << ": " << (f ? "" : f.error().str());
  return f ? f->format(dt(iso)) : std::string();
}

Guid guid_of(std::string_view text) {
  auto g = parse_guid(text);
  EXPECT_TRUE(g.has_value()) << text;
  return g.value_or(Guid{});
}

// ---- Value ----------------------------------------------------------------------------------

TEST(Value, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_EQ(Value(true).kind(), Kind::Bool);
  EXPECT_EQ(Value(int32_t{3}).as_int(), 3);
  EXPECT_EQ(Value(int64_t{1} << 40).as_long(), int64_t{1} << 40);
  EXPECT_EQ(Value(2.5).as_real(), 2.5);
  EXPECT_EQ(Value("x").as_string(), "x");
  EXPECT_EQ(Value(std::string_view("sv")).as_string(), "sv");
  EXPECT_EQ(Value(DateTime{42}).as_datetime().ticks, 42);
  EXPECT_EQ(Value(TimeSpan{-7}).as_timespan().ticks, -7);
  EXPECT_TRUE(Value(int32_t{1}).is_number());
  EXPECT_TRUE(Value(1.0).is_number());
  EXPECT_FALSE(Value("1").is_number());
  EXPECT_EQ(kind_name(Kind::DateTime), "datetime");
}

TEST(Value, ObjectLookupExactAndCaseInsensitive) {
  Value o(Object{{"Name", Value("a")}, {"name", Value("b")}, {"Other", Value(int64_t{1})}});
  ASSERT_NE(o.get("name"), nullptr);
  EXPECT_EQ(o.get("name")->as_string(), "b");
  EXPECT_EQ(o.get("NAME"), nullptr);
  EXPECT_EQ(o.get_ci("name")->as_string(), "b");  // an exact match wins
  EXPECT_EQ(o.get_ci("NAME")->as_string(), "a");  // else the first loose match
  EXPECT_EQ(o.get_ci("other")->as_long(), 1);
  EXPECT_EQ(o.get_ci("missing"), nullptr);
  EXPECT_EQ(Value("text").get("x"), nullptr);
  EXPECT_EQ(Value(Array{}).get_ci("x"), nullptr);
}

TEST(Value, ArrayAccess) {
  Value a(Array{Value(int64_t{1}), Value("two")});
  ASSERT_NE(a.at(1), nullptr);
  EXPECT_EQ(a.at(1)->as_string(), "two");
  EXPECT_EQ(a.at(2), nullptr);
  EXPECT_EQ(Value(Object{}).at(0), nullptr);
}

TEST(Value, Equality) {
  EXPECT_EQ(Value(), Value());
  EXPECT_EQ(Value("a"), Value("a"));
  EXPECT_NE(Value("a"), Value("b"));
  EXPECT_NE(Value(int32_t{1}), Value(int64_t{1}));  // kinds differ
  EXPECT_NE(Value(1.0), Value(int64_t{1}));
  EXPECT_EQ(Value(Array{Value(true), Value()}), Value(Array{Value(true), Value()}));
  EXPECT_NE(Value(Array{Value(true)}), Value(Array{Value(false)}));
  EXPECT_EQ(Value(Object{{"k", Value("v")}}), Value(Object{{"k", Value("v")}}));
  EXPECT_NE(Value(Object{{"k", Value("v")}}), Value(Object{{"K", Value("v")}}));
  EXPECT_EQ(Value(DateTime{5}), Value(DateTime{5}));
  EXPECT_NE(Value(DateTime{5}), Value(TimeSpan{5}));
}

TEST(Value, NumericViews) {
  int64_t i = 0;
  double d = 0;
  EXPECT_TRUE(Value(true).to_int64(i));
  EXPECT_EQ(i, 1);
  EXPECT_TRUE(Value(-2.9).to_int64(i));
  EXPECT_EQ(i, -2);
  EXPECT_FALSE(Value(1e30).to_int64(i));
  EXPECT_FALSE(Value("1").to_int64(i));
  EXPECT_TRUE(Value(int64_t{7}).to_double(d));
  EXPECT_EQ(d, 7.0);
  EXPECT_TRUE(iequals("AbC", "aBc"));
  EXPECT_FALSE(iequals("abc", "abcd"));
}

// ---- Calendar -------------------------------------------------------------------------------

TEST(Civil, EpochAndKnownInstants) {
  EXPECT_EQ(from_civil(CivilTime{}).ticks, 0);
  EXPECT_EQ(from_civil({2024, 1, 1, 12, 0, 0, 0}).ticks, 1704110400 * kTicksPerSecond);
  EXPECT_EQ(from_civil({1900, 1, 1, 0, 0, 0, 0}).ticks, -2208988800 * kTicksPerSecond);
  EXPECT_EQ(from_civil({1, 1, 1, 0, 0, 0, 0}).ticks, -62135596800 * kTicksPerSecond);
  EXPECT_EQ(from_civil({9999, 12, 31, 23, 59, 59, 9999999}).ticks, 253402300799 * kTicksPerSecond + 9999999);
}

TEST(Civil, RoundTripsEveryDayAcrossLeapRules) {
  // Walk 1896-03-01 .. 2104-03-01 day by day: 1900 and 2100 are not leap years, 2000 is.
  int64_t days = from_civil({1896, 3, 1, 0, 0, 0, 0}).ticks / kTicksPerDay;
  const int64_t last = from_civil({2104, 3, 1, 0, 0, 0, 0}).ticks / kTicksPerDay;
  CivilTime prev = to_civil(DateTime{(days - 1) * kTicksPerDay});
  for (; days <= last; ++days) {
    const CivilTime c = to_civil(DateTime{days * kTicksPerDay});
    ASSERT_EQ(from_civil(c).ticks, days * kTicksPerDay);
    if (c.day == 1) {
      ASSERT_TRUE(c.month == prev.month + 1 || (c.month == 1 && prev.month == 12));
      if (c.month == 3) {
        const bool leap = c.year % 4 == 0 && (c.year % 100 != 0 || c.year % 400 == 0);
        ASSERT_EQ(prev.day, leap ? 29 : 28) << c.year;
      }
    } else {
      ASSERT_EQ(c.day, prev.day + 1);
    }
    prev = c;
  }
}

TEST(Civil, NegativeTicksFloor) {
  const CivilTime c = to_civil(DateTime{-1});
  EXPECT_EQ(c.year, 1969);
  EXPECT_EQ(c.month, 12);
  EXPECT_EQ(c.day, 31);
  EXPECT_EQ(c.hour, 23);
  EXPECT_EQ(c.minute, 59);
  EXPECT_EQ(c.second, 59);
  EXPECT_EQ(c.fraction_ticks, 9999999);
}

// ---- parse_datetime / format_iso8601 -----------------------------------------------------------

TEST(ParseDateTime, IsoForms) {
  const int64_t noon = 1704110400 * kTicksPerSecond;
  EXPECT_EQ(dt("2024-01-01T12:00:00Z").ticks, noon);
  EXPECT_EQ(dt("2024-01-01T12:00:00.1234567Z").ticks, noon + 1234567);
  EXPECT_EQ(dt("2024-01-01T12:00:00.12345678999Z").ticks, noon + 1234567);
  EXPECT_EQ(dt("2024-01-01T12:00:00.5Z").ticks, noon + 5000000);
  EXPECT_EQ(dt("2024-01-01T12:00:00,5Z").ticks, noon + 5000000);
  EXPECT_EQ(dt("2024-01-01T14:00:00+02:00").ticks, noon);
  EXPECT_EQ(dt("2024-01-01T06:30:00-0530").ticks, noon);
  EXPECT_EQ(dt("2024-01-01T12:00:00.000+0000").ticks, noon);
  EXPECT_EQ(dt("2024-01-01 12:00:00").ticks, noon);
  EXPECT_EQ(dt("2024-01-01t12:00:00z").ticks, noon);
  EXPECT_EQ(dt("2024-01-01T12:00Z").ticks, noon);
  EXPECT_EQ(dt("2024-01-01").ticks, noon - 12 * kTicksPerHour);
}

TEST(ParseDateTime, Rfc1123) {
  EXPECT_EQ(dt("Mon, 01 Jan 2024 12:00:00 GMT").ticks, 1704110400 * kTicksPerSecond);
  EXPECT_EQ(dt("Sun, 06 Nov 1994 08:49:37 GMT"), dt("1994-11-06T08:49:37Z"));
  EXPECT_EQ(dt("6 Nov 1994 08:49:37 -0100"), dt("1994-11-06T09:49:37Z"));
  EXPECT_FALSE(parse_datetime("Funday, 06 Nov 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_datetime("Sun, 31 Nov 1994 08:49:37 GMT"));
}

TEST(ParseDateTime, RejectsGarbage) {
  for (std::string_view bad : {"", " ", "hello", "2024-13-01", "2024-01-32", "2024-02-30", "2024-01-01T25:00:00Z",
                               "2024-01-01T12:00:00+", "2024-01-01T12:00:00.", "2024/01/01", "2024-01-01X12:00:00",
                               "-2024-01-01", "2024-01-01T12:00:00Z ", "\x01\x02"}) {
    // Trailing space alone is trimmed, so that one must parse; the others must not.
    if (bad == "2024-01-01T12:00:00Z ") {
      EXPECT_TRUE(parse_datetime(bad)) << bad;
    } else {
      EXPECT_FALSE(parse_datetime(bad)) << '"' << bad << '"';
    }
  }
}

TEST(ParseDateTime, DoesNotReadPastTheView) {
  const std::string buffer = "2024-01-01T12:00:00.123456Z";
  // A view that stops inside the fraction must see only its own characters.
  EXPECT_EQ(format_iso8601(dt(std::string_view(buffer).substr(0, 21))), "2024-01-01T12:00:00.1Z");
  EXPECT_EQ(format_iso8601(dt(std::string_view(buffer).substr(0, 10))), "2024-01-01T00:00:00Z");
  EXPECT_FALSE(parse_datetime(std::string_view(buffer).substr(0, 4)));
}

TEST(FormatIso8601, FractionsAndRange) {
  EXPECT_EQ(format_iso8601(DateTime{0}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(DateTime{1}), "1970-01-01T00:00:00.0000001Z");
  EXPECT_EQ(format_iso8601(DateTime{1230000}), "1970-01-01T00:00:00.123Z");
  EXPECT_EQ(format_iso8601(DateTime{-1}), "1969-12-31T23:59:59.9999999Z");
  EXPECT_EQ(format_iso8601(dt("0001-01-01T00:00:00Z")), "0001-01-01T00:00:00Z");
  EXPECT_EQ(format_iso8601(dt("9999-12-31T23:59:59.9999999Z")), "9999-12-31T23:59:59.9999999Z");
  EXPECT_EQ(format_iso8601(dt("2000-02-29T23:59:59.5+00:00")), "2000-02-29T23:59:59.5Z");
}

TEST(FormatIso8601, RoundTripsThroughParse) {
  for (int64_t t = -62135596800 * kTicksPerSecond; t < 253402300799 * kTicksPerSecond; t += 987654321987654) {
    ASSERT_EQ(dt(format_iso8601(DateTime{t})).ticks, t);
  }
}

// ---- TimeFormat -------------------------------------------------------------------------------

TEST(TimeFormat, NumericForms) {
  auto s = TimeFormat::compile("UnixTimestamp");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->is_numeric());
  EXPECT_EQ(s->source(), "UnixTimestamp");
  EXPECT_EQ(s->format(dt("2024-01-01T12:00:00.999Z")), "1704110400");
  auto ms = TimeFormat::compile("UnixTimestampInMills");
  ASSERT_TRUE(ms);
  EXPECT_TRUE(ms->is_numeric());
  EXPECT_EQ(ms->format(dt("2024-01-01T12:00:00.999Z")), "1704110400999");
  EXPECT_FALSE(TimeFormat::compile("yyyy")->is_numeric());
}

TEST(TimeFormat, DefaultAndErrors) {
  EXPECT_EQ(fmt("", "2024-01-01T12:00:00.5Z"), "2024-01-01T12:00:00Z");
  auto bad = TimeFormat::compile("yyyy-MM-ddTHH:mm:ss.ffffffff");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("character 21"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(TimeFormat::compile("'unterminated"));
  EXPECT_FALSE(TimeFormat::compile("%"));
}

TEST(TimeFormat, LongFormatsUseTheHeapPath) {
  std::string f, expected;
  for (int i = 0; i < 40; ++i) f += "yyyy-MM-dd|", expected += "2024-01-01|";
  EXPECT_EQ(fmt(f, "2024-01-01T00:00:00Z"), expected);
}

TEST(TimeFormat, OutOfRangeInstantsStillRender) {
  auto f = TimeFormat::compile("yyyy-MM-dd dddd");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->format(DateTime{std::numeric_limits<int64_t>::min()}).empty());
  EXPECT_FALSE(f->format(DateTime{std::numeric_limits<int64_t>::max()}).empty());
  EXPECT_FALSE(format_iso8601(DateTime{std::numeric_limits<int64_t>::min()}).empty());
}

// ---- Clock and durations ----------------------------------------------------------------------

TEST(Clock, SystemNowIsRecent) {
  const DateTime now = system_now();
  EXPECT_GT(now, dt("2024-01-01T00:00:00Z"));
  EXPECT_LT(now, dt("2200-01-01T00:00:00Z"));
  Clock fixed = [] { return DateTime{123}; };
  EXPECT_EQ(fixed().ticks, 123);
}

TEST(Duration, Units) {
  EXPECT_EQ(parse_duration("30s"), 30 * kTicksPerSecond);
  EXPECT_EQ(parse_duration("5m"), 5 * kTicksPerMinute);
  EXPECT_EQ(parse_duration("2h"), 2 * kTicksPerHour);
  EXPECT_EQ(parse_duration("7d"), 7 * kTicksPerDay);
  EXPECT_EQ(parse_duration("1500ms"), 1500 * kTicksPerMillisecond);
  EXPECT_EQ(parse_duration("90"), 90 * kTicksPerSecond);
  EXPECT_EQ(parse_duration("0"), 0);
}

TEST(Duration, Rejects) {
  for (std::string_view bad : {"", "-5m", "+5m", "5x", "m", "5 m", " 5m", "5mm", "1.5h", "abc", "5M",
                               "99999999999999999999", "10675200d", "922337203685477581s"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
  EXPECT_EQ(parse_duration("10675199d"), 10675199 * kTicksPerDay);
}

// ---- Column types -------------------------------------------------------------------------------

TEST(ColumnTypes, ParseSpellings) {
  EXPECT_EQ(parse_column_type("boolean"), ColumnType::Bool);
  EXPECT_EQ(parse_column_type("Bool"), ColumnType::Bool);
  EXPECT_EQ(parse_column_type("INT"), ColumnType::Int);
  EXPECT_EQ(parse_column_type("long"), ColumnType::Long);
  EXPECT_EQ(parse_column_type("real"), ColumnType::Real);
  EXPECT_EQ(parse_column_type("Double"), ColumnType::Real);
  EXPECT_EQ(parse_column_type("string"), ColumnType::String);
  EXPECT_EQ(parse_column_type("DateTime"), ColumnType::DateTime);
  EXPECT_EQ(parse_column_type("timespan"), ColumnType::TimeSpan);
  EXPECT_EQ(parse_column_type("guid"), ColumnType::Guid);
  EXPECT_EQ(parse_column_type("UniqueIdentifier"), ColumnType::Guid);
  EXPECT_EQ(parse_column_type("dynamic"), ColumnType::Dynamic);
  EXPECT_FALSE(parse_column_type("varchar"));
  EXPECT_FALSE(parse_column_type(""));
  EXPECT_FALSE(parse_column_type("string "));
}

TEST(ColumnTypes, NamesRoundTrip) {
  for (auto t : {ColumnType::Bool, ColumnType::Int, ColumnType::Long, ColumnType::Real, ColumnType::String,
                 ColumnType::DateTime, ColumnType::TimeSpan, ColumnType::Guid, ColumnType::Dynamic}) {
    EXPECT_EQ(parse_column_type(column_type_name(t)), t) << column_type_name(t);
  }
  EXPECT_EQ(column_type_name(ColumnType::Bool), "bool");
}

TEST(ColumnTypes, SchemaIndexOf) {
  Schema s{{{"TimeGenerated", ColumnType::DateTime}, {"Message", ColumnType::String}}};
  EXPECT_EQ(s.index_of("TimeGenerated"), 0);
  EXPECT_EQ(s.index_of("Message"), 1);
  EXPECT_EQ(s.index_of("message"), -1);
  EXPECT_EQ(Schema{}.index_of("x"), -1);
}

// ---- Conversions ------------------------------------------------------------------------------

TEST(Convert, ToBool) {
  EXPECT_EQ(convert_to(Value("true"), ColumnType::Bool), Value(true));
  EXPECT_EQ(convert_to(Value(" FALSE "), ColumnType::Bool), Value(false));
  EXPECT_EQ(convert_to(Value("True"), ColumnType::Bool), Value(true));
  EXPECT_EQ(convert_to(Value("1"), ColumnType::Bool), Value(true));
  EXPECT_EQ(convert_to(Value("0"), ColumnType::Bool), Value(false));
  EXPECT_EQ(convert_to(Value(int64_t{5}), ColumnType::Bool), Value(true));
  EXPECT_EQ(convert_to(Value(int32_t{0}), ColumnType::Bool), Value(false));
  EXPECT_EQ(convert_to(Value(0.5), ColumnType::Bool), Value(true));
  EXPECT_TRUE(convert_to(Value(std::nan("")), ColumnType::Bool).is_null());
  EXPECT_TRUE(convert_to(Value("yes"), ColumnType::Bool).is_null());
  EXPECT_TRUE(convert_to(Value(DateTime{1}), ColumnType::Bool).is_null());
}

TEST(Convert, ToIntAndLong) {
  EXPECT_EQ(convert_to(Value("42"), ColumnType::Long), Value(int64_t{42}));
  EXPECT_EQ(convert_to(Value("  -42 "), ColumnType::Long), Value(int64_t{-42}));
  EXPECT_EQ(convert_to(Value("+7"), ColumnType::Long), Value(int64_t{7}));
  EXPECT_TRUE(convert_to(Value("12abc"), ColumnType::Long).is_null());
  EXPECT_TRUE(convert_to(Value(""), ColumnType::Long).is_null());
  EXPECT_TRUE(convert_to(Value("1 2"), ColumnType::Long).is_null());
  EXPECT_TRUE(convert_to(Value("+-1"), ColumnType::Long).is_null());
  EXPECT_EQ(convert_to(Value("9223372036854775807"), ColumnType::Long), Value(INT64_MAX));
  EXPECT_TRUE(convert_to(Value("9223372036854775808"), ColumnType::Long).is_null());
  EXPECT_EQ(convert_to(Value("2.9"), ColumnType::Long), Value(int64_t{2}));
  EXPECT_EQ(convert_to(Value(-2.9), ColumnType::Long), Value(int64_t{-2}));
  EXPECT_TRUE(convert_to(Value(1e19), ColumnType::Long).is_null());
  EXPECT_TRUE(convert_to(Value(std::nan("")), ColumnType::Long).is_null());
  EXPECT_EQ(convert_to(Value(true), ColumnType::Long), Value(int64_t{1}));
  EXPECT_EQ(convert_to(Value(int32_t{3}), ColumnType::Long), Value(int64_t{3}));
  EXPECT_TRUE(convert_to(Value(DateTime{1}), ColumnType::Long).is_null());

  EXPECT_EQ(convert_to(Value(int64_t{2147483647}), ColumnType::Int), Value(int32_t{2147483647}));
  EXPECT_EQ(convert_to(Value(int64_t{-2147483648LL}), ColumnType::Int), Value(int32_t{-2147483647 - 1}));
  EXPECT_TRUE(convert_to(Value(int64_t{2147483648LL}), ColumnType::Int).is_null());
  EXPECT_EQ(convert_to(Value("17"), ColumnType::Int), Value(int32_t{17}));
  EXPECT_EQ(convert_to(Value(3.99), ColumnType::Int), Value(int32_t{3}));
  EXPECT_TRUE(convert_to(Value("x"), ColumnType::Int).is_null());
}

TEST(Convert, ToReal) {
  EXPECT_EQ(convert_to(Value("1.5"), ColumnType::Real), Value(1.5));
  EXPECT_EQ(convert_to(Value(" 1e3 "), ColumnType::Real), Value(1000.0));
  EXPECT_EQ(convert_to(Value(int64_t{3}), ColumnType::Real), Value(3.0));
  EXPECT_EQ(convert_to(Value(int32_t{-3}), ColumnType::Real), Value(-3.0));
  EXPECT_EQ(convert_to(Value(false), ColumnType::Real), Value(0.0));
  EXPECT_TRUE(convert_to(Value("1.5.2"), ColumnType::Real).is_null());
  EXPECT_TRUE(convert_to(Value("0x10"), ColumnType::Real).is_null());
  EXPECT_TRUE(std::isnan(convert_to(Value("NaN"), ColumnType::Real).as_real()));
  EXPECT_EQ(convert_to(Value("-Infinity"), ColumnType::Real), Value(-std::numeric_limits<double>::infinity()));
}

TEST(Convert, ToString) {
  EXPECT_EQ(convert_to(Value("as is "), ColumnType::String), Value("as is "));
  EXPECT_EQ(convert_to(Value(true), ColumnType::String), Value("true"));
  EXPECT_EQ(convert_to(Value(int32_t{-5}), ColumnType::String), Value("-5"));
  EXPECT_EQ(convert_to(Value(INT64_MIN), ColumnType::String), Value("-9223372036854775808"));
  EXPECT_EQ(convert_to(Value(0.1), ColumnType::String), Value("0.1"));
  EXPECT_EQ(convert_to(Value(2.0), ColumnType::String), Value("2"));
  EXPECT_EQ(convert_to(Value(DateTime{0}), ColumnType::String), Value("1970-01-01T00:00:00Z"));
  EXPECT_EQ(convert_to(Value(TimeSpan{kTicksPerHour}), ColumnType::String), Value("01:00:00"));
  EXPECT_EQ(convert_to(Value(guid_of("0123456789ABCDEF0123456789abcdef")), ColumnType::String),
            Value("01234567-89ab-cdef-0123-456789abcdef"));
  EXPECT_TRUE(convert_to(Value(Array{Value("x")}), ColumnType::String).is_null());
  EXPECT_TRUE(convert_to(Value(Object{}), ColumnType::String).is_null());
}

TEST(Convert, ToDateTime) {
  EXPECT_EQ(convert_to(Value("2024-01-01T12:00:00Z"), ColumnType::DateTime), Value(dt("2024-01-01T12:00:00Z")));
  EXPECT_EQ(convert_to(Value(DateTime{9}), ColumnType::DateTime), Value(DateTime{9}));
  EXPECT_TRUE(convert_to(Value("yesterday"), ColumnType::DateTime).is_null());
  EXPECT_TRUE(convert_to(Value(int64_t{1704110400}), ColumnType::DateTime).is_null());
  EXPECT_TRUE(convert_to(Value(1.5), ColumnType::DateTime).is_null());
}

TEST(Convert, ToTimeSpanAndGuid) {
  EXPECT_EQ(convert_to(Value("1.02:03:04.5"), ColumnType::TimeSpan),
            Value(TimeSpan{kTicksPerDay + 2 * kTicksPerHour + 3 * kTicksPerMinute + 4 * kTicksPerSecond + 5000000}));
  EXPECT_TRUE(convert_to(Value(int64_t{5}), ColumnType::TimeSpan).is_null());
  EXPECT_TRUE(convert_to(Value("soon"), ColumnType::TimeSpan).is_null());
  const Guid g = guid_of("01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(convert_to(Value("{01234567-89AB-CDEF-0123-456789ABCDEF}"), ColumnType::Guid), Value(g));
  EXPECT_EQ(convert_to(Value(g), ColumnType::Guid), Value(g));
  EXPECT_TRUE(convert_to(Value("not-a-guid"), ColumnType::Guid).is_null());
  EXPECT_TRUE(convert_to(Value(int64_t{1}), ColumnType::Guid).is_null());
}

TEST(Convert, DynamicAndNull) {
  const Value obj(Object{{"a", Value(int64_t{1})}});
  EXPECT_EQ(convert_to(obj, ColumnType::Dynamic), obj);
  EXPECT_EQ(convert_to(Value("s"), ColumnType::Dynamic), Value("s"));
  EXPECT_EQ(convert_to(Value(2.5), ColumnType::Dynamic), Value(2.5));
  for (auto t : {ColumnType::Bool, ColumnType::Int, ColumnType::Long, ColumnType::Real, ColumnType::String,
                 ColumnType::DateTime, ColumnType::TimeSpan, ColumnType::Guid, ColumnType::Dynamic}) {
    EXPECT_TRUE(convert_to(Value(), t).is_null()) << column_type_name(t);
  }
}

// ---- Text forms -------------------------------------------------------------------------------

TEST(Guid, ParseAndFormat) {
  const std::string text = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
  const Guid g = guid_of(text);
  EXPECT_EQ(g.bytes[0], 0x6f);
  EXPECT_EQ(g.bytes[15], 0xff);
  EXPECT_EQ(format_guid(g), text);
  EXPECT_EQ(guid_of("6F9619FF-8B86-D011-B42D-00C04FC964FF"), g);
  EXPECT_EQ(guid_of("{6f9619ff-8b86-d011-b42d-00c04fc964ff}"), g);
  EXPECT_EQ(guid_of("(6f9619ff-8b86-d011-b42d-00c04fc964ff)"), g);
  EXPECT_EQ(guid_of("6f9619ff8b86d011b42d00c04fc964ff"), g);
  EXPECT_EQ(format_guid(Guid{}), "00000000-0000-0000-0000-000000000000");
  for (std::string_view bad : {"", "6f9619ff-8b86-d011-b42d-00c04fc964f", "6f9619ff-8b86-d011-b42d-00c04fc964fg",
                               "6f9619ff-8b86-d011-b42d_00c04fc964ff", "{6f9619ff-8b86-d011-b42d-00c04fc964ff)",
                               "6f9619ff8b86-d011-b42d-00c04fc964ff0"}) {
    EXPECT_FALSE(parse_guid(bad)) << bad;
  }
}

TEST(TimeSpanText, FormatKustoForm) {
  EXPECT_EQ(format_timespan(TimeSpan{0}), "00:00:00");
  EXPECT_EQ(format_timespan(TimeSpan{-kTicksPerSecond}), "-00:00:01");
  EXPECT_EQ(format_timespan(TimeSpan{kTicksPerSecond / 2}), "00:00:00.5000000");
  EXPECT_EQ(format_timespan(TimeSpan{kTicksPerDay + 2 * kTicksPerHour + 3 * kTicksPerMinute + 4 * kTicksPerSecond + 5000000}),
            "1.02:03:04.5000000");
  EXPECT_EQ(format_timespan(TimeSpan{std::numeric_limits<int64_t>::max()}), "10675199.02:48:05.4775807");
  EXPECT_EQ(format_timespan(TimeSpan{std::numeric_limits<int64_t>::min()}), "-10675199.02:48:05.4775808");
}

TEST(TimeSpanText, Parse) {
  auto ts = [](std::string_view s) { return parse_timespan(s).value_or(TimeSpan{-999}).ticks; };
  EXPECT_EQ(ts("02:03:04"), 2 * kTicksPerHour + 3 * kTicksPerMinute + 4 * kTicksPerSecond);
  EXPECT_EQ(ts("-00:00:01"), -kTicksPerSecond);
  EXPECT_EQ(ts("1.02:03:04.5"), kTicksPerDay + 2 * kTicksPerHour + 3 * kTicksPerMinute + 4 * kTicksPerSecond + 5000000);
  EXPECT_EQ(ts("00:00:00.0000001"), 1);
  EXPECT_EQ(ts("2:3:4"), 2 * kTicksPerHour + 3 * kTicksPerMinute + 4 * kTicksPerSecond);
  EXPECT_EQ(ts("01:30"), kTicksPerHour + 30 * kTicksPerMinute);
  EXPECT_EQ(ts("10675199.02:48:05.4775807"), std::numeric_limits<int64_t>::max());
  for (std::string_view bad : {"", "-", "1", "1.", "24:00:00", "00:60:00", "00:00:60", "00:00:00.", "00:00:00.12345678",
                               "100:00:00", "1.2.03:04:05", "99999999.00:00:00", "00:00:00x", "+01:00:00"}) {
    EXPECT_FALSE(parse_timespan(bad)) << bad;
  }
  for (int64_t t : {int64_t{0}, int64_t{1}, -kTicksPerDay - 1, 123456789012345, -987654321098765}) {
    EXPECT_EQ(ts(format_timespan(TimeSpan{t})), t);
  }
}

TEST(RealText, DotNetShortestRoundTrip) {
  EXPECT_EQ(format_real(0.0), "0");
  EXPECT_EQ(format_real(-0.0), "-0");
  EXPECT_EQ(format_real(1.0), "1");
  EXPECT_EQ(format_real(-2.5), "-2.5");
  EXPECT_EQ(format_real(0.1), "0.1");
  EXPECT_EQ(format_real(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_real(123456.789), "123456.789");
  EXPECT_EQ(format_real(1e14), "100000000000000");
  EXPECT_EQ(format_real(1e15), "1E+15");
  EXPECT_EQ(format_real(1.2345678901234567e16), "12345678901234568");
  EXPECT_EQ(format_real(123456789012345678.0), "1.2345678901234568E+17");
  EXPECT_EQ(format_real(0.0001), "0.0001");
  EXPECT_EQ(format_real(0.00001), "1E-05");
  EXPECT_EQ(format_real(1.5e-7), "1.5E-07");
  EXPECT_EQ(format_real(5e-324), "5E-324");
  EXPECT_EQ(format_real(std::numeric_limits<double>::max()), "1.7976931348623157E+308");
  EXPECT_EQ(format_real(std::nan("")), "NaN");
  EXPECT_EQ(format_real(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(format_real(-std::numeric_limits<double>::infinity()), "-Infinity");
  for (double d : {0.1, 1.0 / 3, 6.02214076e23, -1.602176634e-19, 4.9e-324, 123.456e-5, 9007199254740993.0}) {
    auto back = convert_to(Value(format_real(d)), ColumnType::Real);
    ASSERT_FALSE(back.is_null()) << format_real(d);
    EXPECT_EQ(back.as_real(), d) << format_real(d);
  }
}

// ---- tests/data/timeformat.test -----------------------------------------------------------------

struct TableCase {
  int line = 0;
  std::vector<std::string> fields;
};

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t bar; (bar = line.find(" | ", start)) != std::string::npos; start = bar + 3) {
    out.push_back(line.substr(start, bar - start));
  }
  out.push_back(line.substr(start));
  return out;
}

std::vector<TableCase> load_table(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<TableCase> cases;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(' ') == std::string::npos || line[line.find_first_not_of(' ')] == '#') continue;
    cases.push_back({n, split_fields(line)});
  }
  return cases;
}

TEST(TimeFormatTable, Conformance) {
  const std::string path = std::string(INTAKE_SOURCE_DIR) + "/tests/data/timeformat.test";
  const auto cases = load_table(path);
  ASSERT_GE(cases.size(), 60u) << path << " holds too few cases";
  for (const TableCase& c : cases) {
    const std::string at = path + ":" + std::to_string(c.line);
    const auto& f = c.fields;
    if (f[0] == "format" && f.size() == 4) {
      auto compiled = TimeFormat::compile(f[1]);
      if (f[3] == "ERROR") {
        EXPECT_FALSE(compiled) << at << ": \"" << f[1] << "\" compiled but should not";
        continue;
      }
      if (!compiled) {
        ADD_FAILURE() << at << ": " << compiled.error().str();
        continue;
      }
      auto instant = parse_datetime(f[2]);
      if (!instant) {
        ADD_FAILURE() << at << ": bad instant " << f[2];
        continue;
      }
      EXPECT_EQ(compiled->format(*instant), f[3]) << at << ": format \"" << f[1] << "\"";
    } else if (f[0] == "parse" && f.size() == 3) {
      auto parsed = parse_datetime(f[1]);
      EXPECT_EQ(parsed ? format_iso8601(*parsed) : std::string("ERROR"), f[2]) << at << ": parse \"" << f[1] << "\"";
    } else {
      ADD_FAILURE() << at << ": malformed case line";
    }
  }
}

}  // namespace
}  // namespace intake
