// Value: the one representation that events, table rows and KQL share.
// It holds a KQL scalar (bool, int, long, real, string, datetime, timespan, guid)
// or a dynamic array/object; Null is the untyped null (a column's schema gives its type).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace intake {

// 100-nanosecond ticks since 1970-01-01T00:00:00Z (Kusto's datetime resolution).
struct DateTime {
  int64_t ticks = 0;
  friend auto operator<=>(const DateTime&, const DateTime&) = default;
};
// 100-nanosecond ticks.
struct TimeSpan {
  int64_t ticks = 0;
  friend auto operator<=>(const TimeSpan&, const TimeSpan&) = default;
};
struct Guid {
  std::array<uint8_t, 16> bytes{};
  friend auto operator<=>(const Guid&, const Guid&) = default;
};

constexpr int64_t kTicksPerMicrosecond = 10;
constexpr int64_t kTicksPerMillisecond = 10'000;
constexpr int64_t kTicksPerSecond = 10'000'000;
constexpr int64_t kTicksPerMinute = 60 * kTicksPerSecond;
constexpr int64_t kTicksPerHour = 60 * kTicksPerMinute;
constexpr int64_t kTicksPerDay = 24 * kTicksPerHour;

class Value;
class RawJson;
using Array = std::vector<Value>;
// Objects keep their members in insertion order (JSON round-trips unchanged).
using Object = std::vector<std::pair<std::string, Value>>;

enum class Kind : uint8_t { Null, Bool, Int, Long, Real, String, DateTime, TimeSpan, Guid, Array, Object };

std::string_view kind_name(Kind k);

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  explicit Value(bool b) : v_(b) {}
  explicit Value(int32_t i) : v_(i) {}
  explicit Value(int64_t l) : v_(l) {}
  explicit Value(double d) : v_(d) {}
  explicit Value(std::string s) : v_(std::move(s)) {}
  explicit Value(std::string_view s) : v_(std::string(s)) {}
  explicit Value(const char* s) : v_(std::string(s)) {}
  explicit Value(DateTime t) : v_(t) {}
  explicit Value(TimeSpan t) : v_(t) {}
  explicit Value(Guid g) : v_(g) {}
  explicit Value(Array a) : v_(std::make_shared<const Array>(std::move(a))) {}
  explicit Value(Object o) : v_(std::make_shared<const Object>(std::move(o))) {}
  // An array or object held as its canonical JSON text (exactly what json::append_json writes
  // for it) and parsed by `parse` on first look inside. Events' dynamic members mostly go to
  // storage unread; building a tree only to serialise it again dominated the ingest path.
  static Value raw_json(std::string canonical_text, Value (*parse)(std::string_view));

  Kind kind() const {
    return v_.index() == kRawIndex ? raw_kind() : static_cast<Kind>(v_.index());
  }
  bool is_null() const { return kind() == Kind::Null; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_object() const { return kind() == Kind::Object; }
  bool is_number() const { return kind() == Kind::Int || kind() == Kind::Long || kind() == Kind::Real; }

  // Accessors: the caller checks kind() first; a wrong kind is a programming error.
  bool as_bool() const { return std::get<bool>(v_); }
  int32_t as_int() const { return std::get<int32_t>(v_); }
  int64_t as_long() const { return std::get<int64_t>(v_); }
  double as_real() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  DateTime as_datetime() const { return std::get<DateTime>(v_); }
  TimeSpan as_timespan() const { return std::get<TimeSpan>(v_); }
  const Guid& as_guid() const { return std::get<Guid>(v_); }
  const Array& as_array() const {
    if (v_.index() == kRawIndex) return raw_tree().as_array();
    return *std::get<std::shared_ptr<const Array>>(v_);
  }
  const Object& as_object() const {
    if (v_.index() == kRawIndex) return raw_tree().as_object();
    return *std::get<std::shared_ptr<const Object>>(v_);
  }
  // The JSON text of a value made by raw_json() (not yet or already parsed); nullptr otherwise.
  const std::string* raw_json_text() const;

  // Member of an object by exact name; nullptr when absent or not an object.
  const Value* get(std::string_view key) const;
  // Member of an object by ASCII case-insensitive name (CCP property names vary in case).
  const Value* get_ci(std::string_view key) const;
  // Element of an array; nullptr when out of range or not an array.
  const Value* at(size_t index) const;

  // Numeric view of Int/Long/Real (and Bool as 0/1); nullopt otherwise.
  bool to_int64(int64_t& out) const;
  bool to_double(double& out) const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  static constexpr size_t kRawIndex = 11;
  Kind raw_kind() const;
  const Value& raw_tree() const;

  std::variant<std::monostate, bool, int32_t, int64_t, double, std::string, DateTime, TimeSpan, Guid,
               std::shared_ptr<const Array>, std::shared_ptr<const Object>, std::shared_ptr<const RawJson>>
      v_;
};

// The payload of Value::raw_json(): the text, and the tree once something asked for it.
class RawJson {
 public:
  RawJson(std::string text, Value (*parse)(std::string_view)) : text_(std::move(text)), parse_(parse) {}
  const std::string& text() const { return text_; }
  bool is_array() const { return !text_.empty() && text_[0] == '['; }
  const Value& tree() const;  // parses once; safe to call from several threads

 private:
  std::string text_;
  Value (*parse_)(std::string_view);
  mutable std::once_flag once_;
  mutable Value tree_;
};

// Case-insensitive ASCII comparison, used wherever CCP or KQL match names loosely.
bool iequals(std::string_view a, std::string_view b);

}  // namespace intake
