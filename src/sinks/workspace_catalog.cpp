#include "sinks/workspace_catalog.h"

namespace intake::sinks {

std::optional<Schema> WorkspaceCatalog::table_schema(std::string_view name) const {
  auto s = ws_.table_schema(name);
  if (!s || !*s) return std::nullopt;
  return **s;
}

Status WorkspaceCatalog::scan(std::string_view name, const kql::ScanHints& hints,
                              const std::function<bool(Row&&)>& sink) const {
  Workspace::ScanRange range{hints.time_from, hints.time_to, hints.limit, hints.columns};
  return ws_.scan(name, range, sink);
}

std::optional<std::string> WorkspaceCatalog::function_body(std::string_view name) const {
  auto it = functions_.find(name);
  if (it == functions_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> WorkspaceCatalog::table_names() const {
  std::vector<std::string> out;
  if (auto t = ws_.tables()) {
    for (const auto& info : *t) out.push_back(info.name);
  }
  return out;
}

}  // namespace intake::sinks
