// Value helpers the operators share: Kusto's ordering (sort, top, min/max keys), grouping
// equality and hashing (summarize, distinct, join), and ASCII case folding for string operators.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace intake::kql {

// Three-way order of two non-null values of comparable kinds (numbers across int/long/real);
// values of different, incomparable kinds order by kind. Nulls are handled by the caller.
int compare_values(const Value& a, const Value& b);

// Grouping identity: equal kinds and values (numbers compare across int/long/real); null == null.
bool group_equal(const Value& a, const Value& b);
size_t hash_value(const Value& v);

struct RowKeyHash {
  size_t operator()(const std::vector<Value>& k) const {
    size_t h = 0x9e3779b97f4a7c15ull;
    for (const auto& v : k) h = (h ^ hash_value(v)) * 0x100000001b3ull;
    return h;
  }
};
struct RowKeyEq {
  bool operator()(const std::vector<Value>& a, const std::vector<Value>& b) const {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!group_equal(a[i], b[i])) return false;
    return true;
  }
};

char ascii_lower(char c);
bool iequals_ascii(std::string_view a, std::string_view b);
// Position of `needle` in `hay` (ASCII case-insensitive when ci), or npos.
size_t find_text(std::string_view hay, std::string_view needle, bool ci);

}  // namespace intake::kql
