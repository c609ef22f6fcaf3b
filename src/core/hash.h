// 64-bit hashing of values and rows, used to recognise an event seen before (deduplication keys).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/schema.h"

namespace intake {

uint64_t hash_bytes(std::string_view bytes, uint64_t seed = 0);
// Hash of a value's content: equal values (same kind, same content) hash equally.
uint64_t hash_value(const Value& v, uint64_t seed = 0);
uint64_t hash_row(const Row& row);

}  // namespace intake
