// Reading CCP files: locating the connection resources in a file (a resource, an array of them,
// or an ARM template), and parsing each into a Definition with every problem reported.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ccp/definition.h"
#include "ccp/diagnostics.h"
#include "core/value.h"

namespace intake::ccp {

struct LocatedResource {
  const Value* resource;
  std::string path;  // JSON pointer inside the file, "" for the root
};

// Every object with a "kind" of a data connector found at the usual places: the root, root array
// elements, "resources" arrays of ARM templates (also nested in template specs).
std::vector<LocatedResource> find_connector_resources(const Value& root);

// Names of the kinds intake can poll.
bool is_polling_kind(std::string_view kind);

// Parses one RestApiPoller or APIPolling resource. Returns nullopt when errors were recorded.
std::optional<Definition> parse_definition(const Value& resource, const std::string& path, Diagnostics& diag);

}  // namespace intake::ccp
