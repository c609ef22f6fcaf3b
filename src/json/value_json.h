// Conversions between JSON text, simdjson's DOM, and Value trees; and the JSON writer.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/value.h"

namespace intake::json {

// Converts a simdjson DOM node to a Value tree: integers that fit in 64 bits become Long,
// other numbers Real, objects keep member order.
Value to_value(simdjson::dom::element e);

// The canonical JSON text of a DOM node: byte for byte what append_json(to_value(e)) writes,
// without building the tree.
void append_element(std::string& out, simdjson::dom::element e);

// A DOM array or object as a Value that keeps its canonical text and builds the tree only when
// something looks inside (Value::raw_json); scalars convert as to_value does.
Value to_lazy_value(simdjson::dom::element e);

// Parses JSON text into a Value tree. Errors say "line L, column C: <what>" with `where` prefixed.
Result<Value> parse(std::string_view text, std::string_view where = {});

// Appends compact JSON for a Value. DateTime → ISO 8601 string, TimeSpan → "[-][d.]hh:mm:ss[.fffffff]",
// Guid → "xxxxxxxx-xxxx-...", non-finite reals → null.
void append_json(std::string& out, const Value& v);
std::string to_json(const Value& v);

// Appends a JSON string literal (quotes and escapes) for raw text.
void append_json_string(std::string& out, std::string_view s);

}  // namespace intake::json
