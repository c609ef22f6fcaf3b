// Column types and Kusto's conversion rules. A value that does not convert becomes null rather
// than an error: that is what Kusto does at ingestion, and one bad field must not drop a row.
#include "core/schema.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "core/time.h"

namespace intake {
namespace {

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// from_chars rejects a leading '+', which people (and .NET) write.
std::string_view strip_plus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

// The whole string (surrounding spaces aside) as a decimal integer.
std::optional<int64_t> parse_integer(std::string_view text) {
  const std::string_view s = strip_plus(trim(text));
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The whole string as a real, including "NaN" and "Infinity" as format_real writes them.
std::optional<double> parse_real(std::string_view text) {
  const std::string_view s = strip_plus(trim(text));
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Truncation toward zero, as Kusto's tolong(real); NaN and out-of-range reals have no long.
std::optional<int64_t> real_to_integer(double d) {
  if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;
  return static_cast<int64_t>(d);
}

std::optional<int64_t> to_integer(const Value& v) {
  switch (v.kind()) {
    case Kind::Bool: return v.as_bool() ? 1 : 0;
    case Kind::Int: return v.as_int();
    case Kind::Long: return v.as_long();
    case Kind::Real: return real_to_integer(v.as_real());
    case Kind::String: {
      if (auto i = parse_integer(v.as_string())) return i;
      if (auto d = parse_real(v.as_string())) return real_to_integer(*d);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

Value to_bool(const Value& v) {
  switch (v.kind()) {
    case Kind::Bool: return v;
    case Kind::Int:
    case Kind::Long: {
      int64_t i = 0;
      v.to_int64(i);
      return Value(i != 0);
    }
    case Kind::Real: return std::isnan(v.as_real()) ? Value() : Value(v.as_real() != 0);
    case Kind::String: {
      const std::string_view s = trim(v.as_string());
      if (iequals(s, "true")) return Value(true);
      if (iequals(s, "false")) return Value(false);
      if (auto i = parse_integer(s)) return Value(*i != 0);
      return Value();
    }
    default: return Value();
  }
}

// Kusto's toint: we return null for a long outside the int range where Kusto keeps the low
// 32 bits, because a silently wrapped number is worse than a visible null.
Value to_int(const Value& v) {
  auto i = to_integer(v);
  if (!i || *i < std::numeric_limits<int32_t>::min() || *i > std::numeric_limits<int32_t>::max()) return Value();
  return Value(static_cast<int32_t>(*i));
}

Value to_long(const Value& v) {
  auto i = to_integer(v);
  return i ? Value(*i) : Value();
}

Value to_real(const Value& v) {
  if (v.is_string()) {
    auto d = parse_real(v.as_string());
    return d ? Value(*d) : Value();
  }
  double d = 0;
  return v.to_double(d) ? Value(d) : Value();
}

Value to_string_value(const Value& v) {
  switch (v.kind()) {
    case Kind::String: return v;
    case Kind::Bool: return Value(v.as_bool() ? "true" : "false");
    case Kind::Int: return Value(std::to_string(v.as_int()));
    case Kind::Long: return Value(std::to_string(v.as_long()));
    case Kind::Real: return Value(format_real(v.as_real()));
    case Kind::DateTime: return Value(format_iso8601(v.as_datetime()));
    case Kind::TimeSpan: return Value(format_timespan(v.as_timespan()));
    case Kind::Guid: return Value(format_guid(v.as_guid()));
    // Arrays and objects become their JSON text, which json::to_json produces one layer up:
    // core does not depend on the JSON module.
    case Kind::Array:
    case Kind::Object:
    case Kind::Null: return Value();
  }
  return Value();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 1..2 digits (hours, minutes, seconds of a timespan).
bool read_1_2(std::string_view s, size_t& i, int64_t& out) {
  size_t n = 0;
  out = 0;
  for (; i < s.size() && n < 2 && is_digit(s[i]); ++i, ++n) out = out * 10 + (s[i] - '0');
  return n > 0 && (i == s.size() || !is_digit(s[i]));
}

}  // namespace

std::optional<ColumnType> parse_column_type(std::string_view name) {
  struct Spelling {
    std::string_view name;
    ColumnType type;
  };
  static constexpr Spelling kSpellings[] = {
      {"bool", ColumnType::Bool},         {"boolean", ColumnType::Bool},   {"int", ColumnType::Int},
      {"long", ColumnType::Long},         {"real", ColumnType::Real},      {"double", ColumnType::Real},
      {"string", ColumnType::String},     {"datetime", ColumnType::DateTime}, {"date", ColumnType::DateTime},
      {"timespan", ColumnType::TimeSpan}, {"time", ColumnType::TimeSpan},  {"guid", ColumnType::Guid},
      {"uniqueidentifier", ColumnType::Guid}, {"uuid", ColumnType::Guid},  {"uniqueid", ColumnType::Guid},
      {"dynamic", ColumnType::Dynamic},
  };
  for (const auto& s : kSpellings) {
    if (iequals(name, s.name)) return s.type;
  }
  return std::nullopt;
}

std::string_view column_type_name(ColumnType t) {
  switch (t) {
    case ColumnType::Bool: return "bool";
    case ColumnType::Int: return "int";
    case ColumnType::Long: return "long";
    case ColumnType::Real: return "real";
    case ColumnType::String: return "string";
    case ColumnType::DateTime: return "datetime";
    case ColumnType::TimeSpan: return "timespan";
    case ColumnType::Guid: return "guid";
    case ColumnType::Dynamic: return "dynamic";
  }
  return "?";
}

int Schema::index_of(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Value convert_to(const Value& v, ColumnType t) {
  if (t == ColumnType::Dynamic || v.is_null()) return v;
  switch (t) {
    case ColumnType::Bool: return to_bool(v);
    case ColumnType::Int: return to_int(v);
    case ColumnType::Long: return to_long(v);
    case ColumnType::Real: return to_real(v);
    case ColumnType::String: return to_string_value(v);
    // Kusto does not read numbers as datetimes, timespans or GUIDs implicitly: only text converts.
    case ColumnType::DateTime: {
      if (v.kind() == Kind::DateTime) return v;
      auto d = v.is_string() ? parse_datetime(v.as_string()) : std::nullopt;
      return d ? Value(*d) : Value();
    }
    case ColumnType::TimeSpan: {
      if (v.kind() == Kind::TimeSpan) return v;
      auto s = v.is_string() ? parse_timespan(v.as_string()) : std::nullopt;
      return s ? Value(*s) : Value();
    }
    case ColumnType::Guid: {
      if (v.kind() == Kind::Guid) return v;
      auto g = v.is_string() ? parse_guid(v.as_string()) : std::nullopt;
      return g ? Value(*g) : Value();
    }
    case ColumnType::Dynamic: return v;
  }
  return Value();
}

std::string format_guid(const Guid& g) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < g.bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[g.bytes[i] >> 4];
    out += kHex[g.bytes[i] & 0xF];
  }
  return out;
}

std::optional<Guid> parse_guid(std::string_view text) {
  std::string_view s = trim(text);
  if (s.size() == 38 && ((s.front() == '{' && s.back() == '}') || (s.front() == '(' && s.back() == ')'))) {
    s = s.substr(1, 36);
  }
  const bool dashed = s.size() == 36;
  if (!dashed && s.size() != 32) return std::nullopt;
  Guid g;
  size_t i = 0;
  for (size_t b = 0; b < g.bytes.size(); ++b) {
    if (dashed && (b == 4 || b == 6 || b == 8 || b == 10) && s[i++] != '-') return std::nullopt;
    const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    g.bytes[b] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return g;
}

std::string format_timespan(TimeSpan t) {
  // Unsigned magnitude so that INT64_MIN does not overflow on negation.
  const bool negative = t.ticks < 0;
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(t.ticks) : static_cast<uint64_t>(t.ticks);
  const uint64_t days = mag / kTicksPerDay;
  const uint64_t rest = mag % kTicksPerDay;
  char buf[48];
  char* p = buf;
  if (negative) *p++ = '-';
  if (days > 0) {
    p = std::to_chars(p, buf + sizeof buf, days).ptr;
    *p++ = '.';
  }
  auto two = [&p](uint64_t v) {
    *p++ = static_cast<char>('0' + v / 10);
    *p++ = static_cast<char>('0' + v % 10);
  };
  two(rest / kTicksPerHour);
  *p++ = ':';
  two(rest / kTicksPerMinute % 60);
  *p++ = ':';
  two(rest / kTicksPerSecond % 60);
  if (const uint64_t frac = rest % kTicksPerSecond; frac != 0) {
    *p++ = '.';
    for (uint64_t div = kTicksPerSecond / 10; div > 0; div /= 10) *p++ = static_cast<char>('0' + frac / div % 10);
  }
  return std::string(buf, p);
}

std::optional<TimeSpan> parse_timespan(std::string_view text) {
  const std::string_view s = trim(text);
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  // The leading number is days when a '.' follows it, hours otherwise.
  int64_t days = 0, hours = 0, minutes = 0, seconds = 0, frac = 0;
  const size_t lead = i;
  while (i < s.size() && is_digit(s[i]) && i - lead < 9) days = days * 10 + (s[i++] - '0');
  if (i == lead) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!read_1_2(s, i, hours)) return std::nullopt;
  } else {
    i = lead;
    days = 0;
    if (!read_1_2(s, i, hours)) return std::nullopt;
  }
  if (i >= s.size() || s[i++] != ':' || !read_1_2(s, i, minutes)) return std::nullopt;
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (!read_1_2(s, i, seconds)) return std::nullopt;
    if (i < s.size() && s[i] == '.') {
      const size_t start = ++i;
      while (i < s.size() && is_digit(s[i]) && i - start < 7) frac = frac * 10 + (s[i++] - '0');
      if (i == start) return std::nullopt;
      for (size_t n = i - start; n < 7; ++n) frac *= 10;
    }
  }
  if (i != s.size() || hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;
  const int64_t rest = hours * kTicksPerHour + minutes * kTicksPerMinute + seconds * kTicksPerSecond + frac;
  if (days > (std::numeric_limits<int64_t>::max() - rest) / kTicksPerDay) return std::nullopt;
  const int64_t ticks = days * kTicksPerDay + rest;
  return TimeSpan{negative ? -ticks : ticks};
}

std::string format_real(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  // Shortest round-trip digits and exponent, laid out by .NET's "G" rules for double: scientific
  // when the decimal exponent is below -4 or the integer part needs more than max(15, digits) digits.
  char sci[32];
  const char* end = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific).ptr;
  const char* p = sci;
  std::string out;
  if (*p == '-') out += *p++;
  char digits[20];
  int ndigits = 0;
  for (; *p != 'e'; ++p) {
    if (*p != '.') digits[ndigits++] = *p;
  }
  int exp = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), end, exp);
  const std::string_view mant(digits, static_cast<size_t>(ndigits));
  if (exp + 1 > std::max(15, ndigits) || exp < -4) {
    out += mant[0];
    if (ndigits > 1) (out += '.') += mant.substr(1);
    out += exp < 0 ? "E-" : "E+";
    if (std::abs(exp) < 10) out += '0';
    out += std::to_string(std::abs(exp));
  } else if (exp < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out += mant;
  } else if (exp + 1 >= ndigits) {
    out += mant;
    out.append(static_cast<size_t>(exp + 1 - ndigits), '0');
  } else {
    out += mant.substr(0, static_cast<size_t>(exp + 1));
    out += '.';
    out += mant.substr(static_cast<size_t>(exp + 1));
  }
  return out;
}

}  // namespace intake
