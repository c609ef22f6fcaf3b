#include "engine/redact.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "core/base64.h"

namespace intake::engine {

namespace {

// Every stored value is at least this long (see add()), so each has a full prefix.
constexpr size_t kPrefix = 4;

uint32_t prefix_at(const std::string& s, size_t pos) {
  uint32_t p;
  std::memcpy(&p, s.data() + pos, kPrefix);
  return p;
}

uint64_t filter_hash(uint32_t prefix) { return (uint64_t{prefix} * 0x9E3779B97F4A7C15ull) >> 32; }

}  // namespace

void Redactor::add(const std::string& secret) {
  // Very short values would blank out ordinary words; they are not secrets worth the name.
  if (secret.size() < kPrefix) return;
  insert(secret);
  insert(base64_encode(secret));
}

void Redactor::insert(std::string value) {
  uint32_t prefix = prefix_at(value, 0);
  auto& bucket = by_prefix_[prefix];
  for (uint32_t i : bucket) {
    if (secrets_[i] == value) return;
  }
  auto pos = std::find_if(bucket.begin(), bucket.end(), [&](uint32_t i) { return secrets_[i].size() < value.size(); });
  bucket.insert(pos, static_cast<uint32_t>(secrets_.size()));
  secrets_.push_back(std::move(value));
  // About eight bits per value keeps false hits rare; the filter grows by doubling.
  if (filter_.size() * 64 < secrets_.size() * 8) rebuild_filter();
  else filter_[(filter_hash(prefix) % (filter_.size() * 64)) / 64] |= uint64_t{1} << (filter_hash(prefix) % 64);
}

void Redactor::rebuild_filter() {
  size_t bits = std::bit_ceil(std::max<size_t>(64, secrets_.size() * 16));
  filter_.assign(bits / 64, 0);
  for (const auto& [prefix, bucket] : by_prefix_) {
    uint64_t h = filter_hash(prefix) % bits;
    filter_[h / 64] |= uint64_t{1} << (h % 64);
  }
}

bool Redactor::may_start(uint32_t prefix) const {
  uint64_t h = filter_hash(prefix) % (filter_.size() * 64);
  return (filter_[h / 64] >> (h % 64)) & 1;
}

size_t Redactor::match_at(const std::string& text, size_t pos) const {
  if (pos + kPrefix > text.size()) return 0;
  uint32_t prefix = prefix_at(text, pos);
  if (!may_start(prefix)) return 0;
  auto it = by_prefix_.find(prefix);
  if (it == by_prefix_.end()) return 0;
  for (uint32_t i : it->second) {
    const std::string& s = secrets_[i];
    if (text.compare(pos, s.size(), s) == 0) return s.size();
  }
  return 0;
}

std::string Redactor::operator()(std::string text) const {
  if (secrets_.empty() || text.size() < kPrefix) return text;
  std::string out;
  size_t copied = 0;
  for (size_t pos = 0; pos + kPrefix <= text.size();) {
    size_t len = match_at(text, pos);
    if (len == 0) {
      ++pos;
      continue;
    }
    // A secret that starts inside this one may end beyond it: hide the union, so that no part
    // of either shows.
    size_t end = pos + len;
    for (size_t k = pos + 1; k < end; ++k) end = std::max(end, k + match_at(text, k));
    if (out.empty()) out.reserve(text.size());
    out.append(text, copied, pos - copied);
    out += "***";
    copied = pos = end;
  }
  if (copied == 0) return text;
  out.append(text, copied, std::string::npos);
  return out;
}

}  // namespace intake::engine
