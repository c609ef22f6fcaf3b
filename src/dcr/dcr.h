// Data Collection Rules and table resources as solutions ship them: stream declarations (typed
// input columns), dataFlows (streams -> transformKql -> output stream) and custom table schemas.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ccp/diagnostics.h"
#include "core/schema.h"
#include "core/value.h"

namespace intake::dcr {

struct StreamDeclaration {
  std::string name;  // "Custom-Jira_Audit_v2_CL"
  Schema schema;
};

struct DataFlow {
  std::vector<std::string> streams;
  std::vector<std::string> destinations;
  std::string transform_kql;  // "" = none (rows pass unchanged)
  std::string output_stream;  // as written ("" when omitted)
  std::string output_table;   // derived: Custom-X_CL -> X_CL, Microsoft-X -> X
};

struct Rule {
  std::string name;
  std::string source;  // file
  std::vector<StreamDeclaration> streams;
  std::vector<DataFlow> flows;

  const StreamDeclaration* stream(std::string_view name) const;
  std::vector<const DataFlow*> flows_for(std::string_view stream) const;
};

struct Table {
  std::string name;
  std::string source;
  Schema schema;
};

// "Custom-Foo_CL" -> "Foo_CL", "Microsoft-ASimAuditEventLogs" -> "ASimAuditEventLogs".
std::string table_of_stream(std::string_view stream);

// Parses a DCR resource (a bare object, a one-element array, or an ARM template holding one).
// Problems go to `diag` with JSON paths; nullopt when there is no usable rule.
std::optional<Rule> parse_rule(const Value& root, ccp::Diagnostics& diag);
// Parses a table resource (properties.schema.columns).
std::optional<Table> parse_table(const Value& root, ccp::Diagnostics& diag);

// True when the JSON looks like a DCR / a table resource (by "type" or shape).
bool looks_like_rule(const Value& root);
bool looks_like_table(const Value& root);

}  // namespace intake::dcr
