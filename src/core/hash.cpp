#include "core/hash.h"

#include <bit>
#include <cstring>
#include <functional>

namespace intake {

namespace {
// splitmix64 finaliser: spreads the bits of a combined hash.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
uint64_t combine(uint64_t seed, uint64_t h) { return mix(seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2))); }
}  // namespace

uint64_t hash_bytes(std::string_view bytes, uint64_t seed) {
  return combine(seed, std::hash<std::string_view>{}(bytes));
}

uint64_t hash_value(const Value& v, uint64_t seed) {
  uint64_t h = combine(seed, static_cast<uint64_t>(v.kind()) + 1);
  switch (v.kind()) {
    case Kind::Null: return h;
    case Kind::Bool: return combine(h, v.as_bool() ? 1 : 2);
    case Kind::Int: return combine(h, static_cast<uint64_t>(v.as_int()));
    case Kind::Long: return combine(h, static_cast<uint64_t>(v.as_long()));
    case Kind::Real: return combine(h, std::bit_cast<uint64_t>(v.as_real()));
    case Kind::String: return hash_bytes(v.as_string(), h);
    case Kind::DateTime: return combine(h, static_cast<uint64_t>(v.as_datetime().ticks));
    case Kind::TimeSpan: return combine(h, static_cast<uint64_t>(v.as_timespan().ticks));
    case Kind::Guid: {
      const auto& b = v.as_guid().bytes;
      return hash_bytes(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), h);
    }
    case Kind::Array:
      for (const auto& x : v.as_array()) h = hash_value(x, h);
      return h;
    case Kind::Object:
      for (const auto& [k, x] : v.as_object()) h = hash_value(x, hash_bytes(k, h));
      return h;
  }
  return h;
}

uint64_t hash_row(const Row& row) {
  uint64_t h = 0x2545F4914F6CDD1DULL;
  for (const auto& v : row) h = hash_value(v, h);
  return h;
}

}  // namespace intake
