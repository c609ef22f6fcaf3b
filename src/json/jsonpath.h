// JSONPath as CCP definitions and vendor APIs use it: RFC 9535 semantics with the Jayway/Newtonsoft
// spellings seen in real definitions. Supported: $ (optional), .name, ['name'], ["name"], .*, [*],
// [n] and negative indexes, slices [start:end:step], unions [a,b], .. recursive descent
// (also "..x" without "$", and "$...x"), filters [?(@.x == 'y')] with ==, !=, <, <=, >, >=,
// &&, ||, !, existence tests, literals (strings in either quote, numbers, true/false/null).
// The empty string selects the root; a leading bare name ("data.items") reads as "$.data.items"
// (Newtonsoft). Filters test array elements and object member values (RFC 9535); a query compared
// in a filter must be singular (compile error otherwise); regular expressions and functions are
// not supported.
#pragma once

#include <simdjson.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/value.h"

namespace intake::json {

struct PathNode;  // compiled segments (internal)

class JsonPath {
 public:
  // Compiles once; errors give the character position: "jsonpath:7: expected ']'".
  static Result<JsonPath> compile(std::string_view expression);

  // Every selected node of a simdjson document, in document order.
  void select(simdjson::dom::element root, const std::function<void(simdjson::dom::element)>& fn) const;
  std::vector<simdjson::dom::element> select(simdjson::dom::element root) const;

  // The same over a Value tree; the pointers point into `root`.
  void select(const Value& root, const std::function<void(const Value&)>& fn) const;
  std::vector<const Value*> select(const Value& root) const;

  // First selected node, or nullopt / nullptr.
  std::optional<simdjson::dom::element> first(simdjson::dom::element root) const;
  const Value* first(const Value& root) const;

  // True when the path can select at most one node (no wildcard, slice, union, filter or ..).
  bool is_singular() const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const std::vector<PathNode>> nodes_;
};

// CCP event extraction (eventsJsonPaths): each selected array contributes its elements, any other
// selected node is one event; a missing path or null contributes nothing.
void extract_events(const JsonPath& path, simdjson::dom::element root,
                    const std::function<void(simdjson::dom::element)>& fn);
// The same over a Value tree (responses decoded from CSV or XML).
void extract_events(const JsonPath& path, const Value& root, const std::function<void(const Value&)>& fn);

}  // namespace intake::json
