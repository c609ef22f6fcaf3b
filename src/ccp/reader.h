// Reads one JSON object of a definition the way the corpus needs: property names matched
// case-insensitively, numbers and booleans accepted as strings ("1000", "False"), every problem
// recorded with its JSON path, and properties nobody read reported at the end.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ccp/diagnostics.h"
#include "core/value.h"

namespace intake::ccp {

// True for strings that still hold a deploy-time expression or placeholder: "[[parameters('x')]",
// "[concat(...)]", "{{x}}". Such values are legal in a definition and resolved per instance.
bool is_template_expression(std::string_view s);

class Reader {
 public:
  // `object` may be null (absent block): every getter then returns nullopt.
  Reader(const Value* object, std::string path, Diagnostics& diag);

  bool present() const { return obj_ && obj_->is_object(); }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const;

  // Raw member (marks it read), or nullptr.
  const Value* raw(std::string_view key);
  // Strings; numbers and booleans are rendered as text. Required ones record an error when absent.
  std::optional<std::string> str(std::string_view key, bool required = false);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max, bool required = false);
  std::optional<double> number(std::string_view key, double min, double max);
  std::optional<bool> boolean(std::string_view key);
  // One of `allowed` (case-insensitive); returns the canonical spelling from `allowed`.
  std::optional<std::string> one_of(std::string_view key, std::initializer_list<std::string_view> allowed,
                                    bool required = false);
  // Nested object reader (absent → a reader whose present() is false).
  Reader object(std::string_view key);
  // Array of strings (a lone string is accepted as a one-element list).
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required = false);

  // Marks keys as known but ignored (documentation-only fields).
  void ignore(std::initializer_list<std::string_view> keys);
  // Reports every member never read as a warning "unknown property".
  void finish();

 private:
  const Value* find(std::string_view key);
  const Value* obj_;
  std::string path_;
  Diagnostics& diag_;
  std::vector<bool> used_;
};

}  // namespace intake::ccp
