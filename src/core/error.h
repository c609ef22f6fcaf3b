// Error values for the engine: every expected failure is a Result, never an exception.
// An Error says where it happened (file, JSON path, KQL position, URL) and what was expected.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace intake {

struct Error {
  // Where the problem is: "definition.json:/properties/paging/pagingType", "kql:1:23", a URL.
  std::string where;
  // What is wrong and what was expected, as one sentence without a trailing period.
  std::string message;

  Error() = default;
  Error(std::string message_) : message(std::move(message_)) {}
  Error(std::string where_, std::string message_) : where(std::move(where_)), message(std::move(message_)) {}

  // "where: message", or just the message when there is no location.
  std::string str() const { return where.empty() ? message : where + ": " + message; }

  // Returns a copy with `outer` prefixed to the location ("file.json" + "/a/b").
  Error within(const std::string& outer) const {
    if (outer.empty()) return *this;
    return Error(where.empty() ? outer : outer + (where.front() == '/' ? "" : ": ") + where, message);
  }
};

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string message) { return std::unexpected<Error>(Error(std::move(message))); }
inline std::unexpected<Error> fail(std::string where, std::string message) {
  return std::unexpected<Error>(Error(std::move(where), std::move(message)));
}

}  // namespace intake
