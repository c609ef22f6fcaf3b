// The workspace seen by the KQL engine: its tables (with TimeGenerated ranges and column lists
// pushed into SQLite) and the stored functions of the installed packages.
#pragma once

#include <map>
#include <string>

#include "kql/kql.h"
#include "sinks/workspace.h"

namespace intake::sinks {

class WorkspaceCatalog final : public kql::Catalog {
 public:
  explicit WorkspaceCatalog(Workspace& workspace) : ws_(workspace) {}
  // A KQL function (a package's parser) callable by name from queries.
  void add_function(std::string name, std::string body) { functions_[std::move(name)] = std::move(body); }

  std::optional<Schema> table_schema(std::string_view name) const override;
  Status scan(std::string_view name, const kql::ScanHints& hints, const std::function<bool(Row&&)>& sink) const override;
  std::optional<std::string> function_body(std::string_view name) const override;
  std::vector<std::string> table_names() const override;

 private:
  Workspace& ws_;
  std::map<std::string, std::string, std::less<>> functions_;
};

}  // namespace intake::sinks
