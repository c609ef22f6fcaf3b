// intake query: runs KQL over the workspace tables (and the stored functions of the packages).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/result_format.h"
#include "engine/package.h"
#include "sinks/workspace_catalog.h"

namespace intake::cli {

namespace {

// Prints the query line the error points at with a caret under the column ("kql:L:C: ...").
void show_position(std::ostream& err, const std::string& query, const Error& e) {
  if (!e.where.starts_with("kql:")) return;
  int line = 0, col = 0;
  if (std::sscanf(e.where.c_str(), "kql:%d:%d", &line, &col) != 2 || line < 1 || col < 1) return;
  size_t start = 0;
  for (int l = 1; l < line && start != std::string::npos; ++l) {
    start = query.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return;
  size_t end = query.find('\n', start);
  std::string text = query.substr(start, end == std::string::npos ? std::string::npos : end - start);
  err << "  " << text << "\n  " << std::string(static_cast<size_t>(col - 1), ' ') << "^\n";
}

}  // namespace

int run_query(const QueryArgs& args) {
  if (!std::filesystem::exists(args.workspace)) {
    std::cerr << "error: " << args.workspace << ": no such workspace file\n";
    return kExitConfig;
  }
  auto ws = sinks::Workspace::open(args.workspace);
  if (!ws) {
    std::cerr << "error: " << ws.error().str() << "\n";
    return kExitConfig;
  }
  sinks::WorkspaceCatalog catalog(**ws);
  std::vector<std::string> packages = args.packages;
  if (packages.empty()) {
    if (auto dir = connectors_dir()) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(*dir, ec)) {
        if (e.is_directory()) packages.push_back(e.path().string());
      }
    }
  }
  for (const auto& p : packages) {
    for (auto& [name, body] : engine::load_package_functions(p)) catalog.add_function(name, body);
  }
  auto query = kql::Query::compile(args.query, catalog);
  if (!query) {
    std::cerr << "error: " << query.error().str() << "\n";
    show_position(std::cerr, args.query, query.error());
    return kExitUsage;
  }
  kql::QueryOptions options;
  options.max_rows = args.max_rows;
  auto result = query->run(options);
  if (!result) {
    std::cerr << "error: " << result.error().str() << "\n";
    return kExitRuntime;
  }
  std::string format = args.format;
  if (format.empty()) format = isatty(STDOUT_FILENO) ? "table" : "json";
  if (format == "table") print_table(std::cout, *result);
  else if (format == "csv") print_csv(std::cout, *result);
  else print_ndjson(std::cout, *result);
  return kExitOk;
}

}  // namespace intake::cli
