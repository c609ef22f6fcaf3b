#include "engine/seen_keys.h"

#include <algorithm>

namespace intake::engine {

void SeenKeys::load(std::span<const std::pair<uint64_t, int64_t>> keys) {
  keys_.clear();
  keys_.reserve(keys.size());
  // A key recorded twice keeps its first epoch, as the table's INSERT OR IGNORE did.
  for (const auto& [k, epoch] : keys) {
    auto [it, fresh] = keys_.emplace(k, epoch);
    if (!fresh) it->second = std::min(it->second, epoch);
  }
  loaded_ = true;
}

void SeenKeys::invalidate() {
  keys_.clear();
  loaded_ = false;
}

bool SeenKeys::admit(uint64_t key, int64_t epoch, std::vector<uint64_t>& added, bool unique) {
  auto [it, fresh] = keys_.emplace(key, epoch);
  if (fresh) {
    added.push_back(key);
    return true;
  }
  return !unique && it->second == epoch;
}

void SeenKeys::forget_before(int64_t epoch) {
  std::erase_if(keys_, [epoch](const auto& kv) { return kv.second < epoch; });
}

}  // namespace intake::engine
