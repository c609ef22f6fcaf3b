#include "engine/package.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ccp/parse.h"
#include "ccp/placeholders.h"
#include "kql/kql.h"
#include "json/value_json.h"

namespace intake::engine {

namespace fs = std::filesystem;

namespace {

std::optional<Value> read_json(const fs::path& p, ccp::Diagnostics& diag) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    diag.error("", "cannot read the file");
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto v = json::parse(ss.str());
  if (!v) {
    diag.error("", "not valid JSON: " + v.error().str());
    return std::nullopt;
  }
  return *v;
}

void append(std::vector<ccp::Diagnostic>& to, const ccp::Diagnostics& from) {
  for (const auto& d : from.items()) to.push_back(d);
}

bool is_json(const fs::path& p) { return p.extension() == ".json"; }

// Loads the DCR and the tables of a folder. For a package folder every file is ours; for a
// corpus folder the DCR is the one declaring the definitions' stream.
void load_companions(Package& pkg, const fs::path& dir, const fs::path& skip, bool strict) {
  std::vector<std::string> streams;
  for (const auto& d : pkg.definitions.definitions) streams.push_back(d.dcr.stream_name);
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && is_json(e.path()) && e.path() != skip) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    ccp::Diagnostics diag(f.string());
    auto root = read_json(f, diag);
    if (!root) {
      if (strict) append(pkg.diagnostics, diag);
      continue;
    }
    if (dcr::looks_like_rule(*root)) {
      auto rule = dcr::parse_rule(*root, diag);
      bool wanted = strict;
      if (rule && !strict) {
        for (const auto& s : streams) wanted = wanted || rule->stream(s);
      }
      if (!wanted) continue;
      append(pkg.diagnostics, diag);
      if (rule && !pkg.rule) pkg.rule = std::move(*rule);
    } else if (dcr::looks_like_table(*root)) {
      auto table = dcr::parse_table(*root, diag);
      append(pkg.diagnostics, diag);
      if (table) pkg.tables.push_back(std::move(*table));
    } else if (strict && (f.filename() == "webhook.json" || f.filename() == "actions.json")) {
      continue;  // read by load_package
    } else if (strict && f.filename() == "ui.json") {
      const Value* ui = root->get_ci("properties") ? root->get_ci("properties")->get_ci("connectorUiConfig") : nullptr;
      pkg.ui = ui ? *ui : *root;
    }
  }
}

}  // namespace

bool Package::has_errors() const {
  for (const auto& d : all_diagnostics()) {
    if (d.severity == ccp::Diagnostic::Severity::Error) return true;
  }
  return false;
}

std::vector<ccp::Diagnostic> Package::all_diagnostics() const {
  std::vector<ccp::Diagnostic> out = definitions.diagnostics.items();
  out.insert(out.end(), diagnostics.begin(), diagnostics.end());
  return out;
}

const dcr::Table* Package::table(std::string_view name) const {
  for (const auto& t : tables) {
    if (iequals(t.name, name)) return &t;
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> load_package_functions(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  fs::path folder = fs::path(dir) / "functions";
  if (!fs::is_directory(folder, ec)) return out;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".kql") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.emplace_back(e.path().stem().string(), ss.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Package load_package(const std::string& path, const ccp::Params& params) {
  Package pkg;
  pkg.path = path;
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) {
    pkg.name = fs::absolute(p).lexically_normal().filename().string();
    if (pkg.name.empty()) pkg.name = fs::absolute(p).lexically_normal().parent_path().filename().string();
    fs::path def = p / "definition.json";
    if (fs::exists(def, ec)) {
      pkg.definitions = ccp::load_definition_file(def.string(), params);
    } else {
      pkg.definitions.path = def.string();
    }
    load_companions(pkg, p, def, true);
    if (!fs::exists(def, ec) && !pkg.rule) {
      ccp::Diagnostics diag(p.string());
      diag.error("", "not a package: it has neither definition.json (polling) nor a DCR (pushed data)");
      append(pkg.diagnostics, diag);
    }
    if (fs::path file = p / "actions.json"; fs::exists(file, ec)) {
      ccp::Diagnostics diag(file.string());
      if (auto root = read_json(file, diag)) pkg.actions = parse_actions(*root, diag);
      append(pkg.diagnostics, diag);
    }
    if (fs::path hook = p / "webhook.json"; fs::exists(hook, ec)) {
      ccp::Diagnostics diag(hook.string());
      if (auto root = read_json(hook, diag)) {
        pkg.webhook = receive::parse_webhook_spec(*root, diag);
        if (pkg.webhook && pkg.rule && !pkg.rule->stream(pkg.webhook->stream)) {
          diag.error("/stream", "the DCR declares no stream '" + pkg.webhook->stream + "'");
        }
      }
      append(pkg.diagnostics, diag);
    }
    // Actions named by ensure blocks and webhook commands must exist: a typo is a load error,
    // not a failure at the first poll or push.
    auto has_action = [&](const std::string& name) {
      return std::any_of(pkg.actions.begin(), pkg.actions.end(), [&](const auto& a) { return a.name == name; });
    };
    for (const auto& d : pkg.definitions.definitions) {
      for (size_t i = 0; i < d.ensure.size(); ++i) {
        if (has_action(d.ensure[i].action)) continue;
        ccp::Diagnostics diag(d.source);
        diag.error(d.json_path + "/properties/intake/ensure/" + std::to_string(i),
                   "no action '" + d.ensure[i].action + "' in the package's actions.json");
        append(pkg.diagnostics, diag);
      }
    }
    if (pkg.webhook) {
      for (size_t i = 0; i < pkg.webhook->commands.size(); ++i) {
        if (has_action(pkg.webhook->commands[i].action)) continue;
        ccp::Diagnostics diag((p / "webhook.json").string());
        diag.error("/commands/" + std::to_string(i) + "/action", "no action '" + pkg.webhook->commands[i].action + "' in the package's actions.json");
        append(pkg.diagnostics, diag);
      }
    }
    pkg.functions = load_package_functions(path);
  } else {
    pkg.definitions = ccp::load_definition_file(path, params);
    if (!pkg.definitions.definitions.empty()) pkg.name = pkg.definitions.definitions.front().name;
    if (pkg.name.empty()) pkg.name = p.stem().string();
    load_companions(pkg, p.parent_path().empty() ? fs::path(".") : p.parent_path(), p, false);
  }
  if (pkg.ui.is_null()) {
    // Legacy APIPolling resources carry their UI inline.
    const Value* root = &pkg.definitions.root;
    for (const auto& r : ccp::find_connector_resources(*root)) {
      const Value* props = r.resource->get_ci("properties");
      if (const Value* ui = props ? props->get_ci("connectorUiConfig") : nullptr) {
        pkg.ui = *ui;
        break;
      }
    }
  }
  // The UI names its table through its own {{graphQueriesTableName}} placeholder: filled in once
  // here, so every reader (the status page's queries and data types) sees the table's name.
  if (const Value* t = pkg.ui.is_object() ? pkg.ui.get_ci("graphQueriesTableName") : nullptr; t && t->is_string() && !t->as_string().empty()) {
    pkg.ui = ccp::substitute_tree(pkg.ui, ccp::Params{{"graphQueriesTableName", t->as_string()}});
  }
  // A DCR must declare the stream every connection sends to.
  if (pkg.rule) {
    for (const auto& d : pkg.definitions.definitions) {
      if (!d.dcr.stream_name.empty() && !pkg.rule->stream(d.dcr.stream_name)) {
        ccp::Diagnostics diag(pkg.rule->source);
        diag.error("/properties/streamDeclarations", "no declaration for stream '" + d.dcr.stream_name + "' used by connection '" +
                                                         d.name + "'");
        append(pkg.diagnostics, diag);
      }
    }
    // Every transform must compile against its input stream, whether a poller or a receiver uses it.
    for (size_t i = 0; i < pkg.rule->flows.size(); ++i) {
      const auto& f = pkg.rule->flows[i];
      if (f.transform_kql.empty()) continue;
      for (const auto& name : f.streams) {
        const dcr::StreamDeclaration* decl = pkg.rule->stream(name);
        if (!decl) continue;
        if (auto t = kql::Transform::compile(f.transform_kql, decl->schema); !t) {
          ccp::Diagnostics diag(pkg.rule->source);
          diag.error("/properties/dataFlows/" + std::to_string(i) + "/transformKql", t.error().str());
          append(pkg.diagnostics, diag);
        }
      }
    }
    for (const auto& f : pkg.rule->flows) {
      if (!pkg.tables.empty() && !f.output_table.empty() && !f.output_stream.starts_with("Microsoft-") && !pkg.table(f.output_table)) {
        ccp::Diagnostics diag(pkg.rule->source);
        diag.error("/properties/dataFlows", "output table '" + f.output_table + "' has no table definition in the package");
        append(pkg.diagnostics, diag);
      }
    }
  }
  return pkg;
}

}  // namespace intake::engine
