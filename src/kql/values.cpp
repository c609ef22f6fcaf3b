// Ordering and hashing of Values for the multi-row operators.
#include "kql/values.h"

#include <cmath>
#include <cstring>
#include <functional>

#include "json/value_json.h"

namespace intake::kql {

namespace {
bool integral(Kind k) { return k == Kind::Int || k == Kind::Long || k == Kind::Bool; }
bool numeric(Kind k) { return k == Kind::Int || k == Kind::Long || k == Kind::Real; }
template <class T>
int cmp3(const T& a, const T& b) { return a < b ? -1 : (b < a ? 1 : 0); }
}  // namespace

int compare_values(const Value& a, const Value& b) {
  Kind ka = a.kind(), kb = b.kind();
  if (numeric(ka) && numeric(kb)) {
    if (integral(ka) && integral(kb)) {
      int64_t x = 0, y = 0;
      a.to_int64(x);
      b.to_int64(y);
      return cmp3(x, y);
    }
    double x = 0, y = 0;
    a.to_double(x);
    b.to_double(y);
    if (std::isnan(x) || std::isnan(y)) return cmp3(std::isnan(x) ? 0 : 1, std::isnan(y) ? 0 : 1);
    return cmp3(x, y);
  }
  if (ka != kb) return cmp3(static_cast<int>(ka), static_cast<int>(kb));
  switch (ka) {
    case Kind::Null: return 0;
    case Kind::Bool: return cmp3(a.as_bool(), b.as_bool());
    case Kind::String: {
      int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::DateTime: return cmp3(a.as_datetime().ticks, b.as_datetime().ticks);
    case Kind::TimeSpan: return cmp3(a.as_timespan().ticks, b.as_timespan().ticks);
    case Kind::Guid: return cmp3(a.as_guid().bytes, b.as_guid().bytes);
    default: {
      std::string x = json::to_json(a), y = json::to_json(b);
      int c = x.compare(y);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
}

bool group_equal(const Value& a, const Value& b) {
  Kind ka = a.kind(), kb = b.kind();
  if (ka == kb) {
    switch (ka) {
      case Kind::Null: return true;
      case Kind::Long: return a.as_long() == b.as_long();
      case Kind::String: return a.as_string() == b.as_string();
      case Kind::DateTime: return a.as_datetime() == b.as_datetime();
      case Kind::Real: {
        double x = a.as_real(), y = b.as_real();
        return x == y || (std::isnan(x) && std::isnan(y));
      }
      default: return a == b;
    }
  }
  if (numeric(ka) && numeric(kb)) return compare_values(a, b) == 0;
  return false;
}

size_t hash_value(const Value& v) {
  switch (v.kind()) {
    case Kind::Null: return 0x51ed27;
    case Kind::Bool: return v.as_bool() ? 0x9b1 : 0x7c3;
    case Kind::Int: return std::hash<int64_t>()(v.as_int()) * 0x9e3779b97f4a7c15ull;
    case Kind::Long: return std::hash<int64_t>()(v.as_long()) * 0x9e3779b97f4a7c15ull;
    case Kind::Real: {
      double d = v.as_real();
      if (d == std::floor(d) && std::abs(d) < 9e18) return std::hash<int64_t>()(static_cast<int64_t>(d)) * 0x9e3779b97f4a7c15ull;
      return std::hash<double>()(d);
    }
    case Kind::String: return std::hash<std::string_view>()(v.as_string());
    case Kind::DateTime: return std::hash<int64_t>()(v.as_datetime().ticks) * 0xff51afd7ed558ccdull;
    case Kind::TimeSpan: return std::hash<int64_t>()(v.as_timespan().ticks) * 0xc4ceb9fe1a85ec53ull;
    case Kind::Guid: {
      uint64_t x = 0, y = 0;
      std::memcpy(&x, v.as_guid().bytes.data(), 8);
      std::memcpy(&y, v.as_guid().bytes.data() + 8, 8);
      return x ^ (y * 31);
    }
    default: return std::hash<std::string>()(json::to_json(v));
  }
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

size_t find_text(std::string_view hay, std::string_view needle, bool ci) {
  if (!ci) return hay.find(needle);
  if (needle.empty()) return 0;
  if (needle.size() > hay.size()) return std::string_view::npos;
  char f = ascii_lower(needle[0]);
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (ascii_lower(hay[i]) != f) continue;
    size_t k = 1;
    while (k < needle.size() && ascii_lower(hay[i + k]) == ascii_lower(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

}  // namespace intake::kql
