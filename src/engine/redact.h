// Removes secret values from any text before it reaches a log, an error line or a page.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace intake::engine {

// A daemon adds the secrets of every instance (thousands, often the same value many times), and
// every log line and /metrics answer passes through it, so a value is stored once and a text is
// scanned once, whatever the number of secrets: each position is looked up by its first four
// bytes. Copyable; not synchronised (callers share a const one or copy it).
class Redactor {
 public:
  void add(const std::string& secret);
  // Replaces every occurrence of a secret (or its base64) with "***"; overlapping occurrences
  // become one "***".
  std::string operator()(std::string text) const;
  size_t size() const { return secrets_.size(); }

 private:
  void insert(std::string value);
  // Length of the longest secret at `text[pos]` (0: none).
  size_t match_at(const std::string& text, size_t pos) const;
  bool may_start(uint32_t prefix) const;
  void rebuild_filter();

  std::vector<std::string> secrets_;
  // First four bytes -> secrets starting with them, longest first.
  std::unordered_map<uint32_t, std::vector<uint32_t>> by_prefix_;
  // One bit per hashed prefix, so that most positions are rejected without a map lookup.
  std::vector<uint64_t> filter_;
};

}  // namespace intake::engine
