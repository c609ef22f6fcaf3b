// A connector package: the definition (one or more polling connections), the DCR that shapes
// its stream, the table schemas and the UI config. Loaded from a package folder
// (definition.json, dcr.json, table*.json, ui.json, and for pushed data webhook.json) or from a
// lone definition file, in which case the DCR and tables are looked up among its sibling files
// (as solutions ship them). A folder without definition.json is a push-only package: its DCR
// serves the receivers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ccp/load.h"
#include "dcr/dcr.h"
#include "engine/actions.h"
#include "receive/webhook.h"

namespace intake::engine {

struct Package {
  std::string path;                    // folder or file given by the user
  std::string name;                    // folder name, or the definition's name
  ccp::LoadedFile definitions;
  std::optional<dcr::Rule> rule;
  std::vector<dcr::Table> tables;
  Value ui;                            // connectorUiConfig, its {{graphQueriesTableName}} filled in (null when absent)
  std::optional<receive::WebhookSpec> webhook;  // webhook.json: how pushed alerts are read
  std::vector<ActionSpec> actions;              // actions.json: named operations (intake action)
  // KQL functions shipped as functions/<Name>.kql (parsers such as SentinelOne), by name.
  std::vector<std::pair<std::string, std::string>> functions;
  std::vector<ccp::Diagnostic> diagnostics;  // of the DCR, tables and UI files

  bool has_errors() const;
  bool push_only() const { return definitions.definitions.empty() && definitions.connector_resources == 0; }
  // Every diagnostic of every file, definitions first.
  std::vector<ccp::Diagnostic> all_diagnostics() const;
  const dcr::Table* table(std::string_view name) const;
};

// Loads and validates a package. Never fails outright: problems are diagnostics.
Package load_package(const std::string& path, const ccp::Params& params = {});

// The stored functions of a package folder (functions/*.kql), without loading the rest.
std::vector<std::pair<std::string, std::string>> load_package_functions(const std::string& dir);

}  // namespace intake::engine
