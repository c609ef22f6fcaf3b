#include "dcr/dcr.h"

#include "ccp/reader.h"

namespace intake::dcr {

namespace {

// The resource object itself: unwraps one-element arrays and ARM templates.
const Value* unwrap(const Value& root, std::string_view type_suffix, std::string& path) {
  if (root.is_array()) {
    const auto& a = root.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      std::string p = path + "/" + std::to_string(i);
      if (const Value* r = unwrap(a[i], type_suffix, p)) {
        path = p;
        return r;
      }
    }
    return nullptr;
  }
  if (!root.is_object()) return nullptr;
  if (const Value* res = root.get_ci("resources")) {
    std::string p = path + "/resources";
    if (const Value* r = unwrap(*res, type_suffix, p)) {
      path = p;
      return r;
    }
  }
  const Value* type = root.get_ci("type");
  if (type && type->is_string()) {
    const std::string& t = type->as_string();
    if (t.size() >= type_suffix.size() && iequals(std::string_view(t).substr(t.size() - type_suffix.size()), type_suffix)) {
      return &root;
    }
    return nullptr;
  }
  return root.get_ci("properties") ? &root : nullptr;
}

Schema parse_columns(ccp::Reader& r, std::string_view key, ccp::Diagnostics& diag) {
  Schema schema;
  const Value* cols = r.raw(key);
  std::string path = r.path_of(key);
  if (!cols || !cols->is_array()) {
    diag.error(path, "expected an array of {name, type} columns");
    return schema;
  }
  const auto& a = cols->as_array();
  for (size_t i = 0; i < a.size(); ++i) {
    ccp::Reader c(&a[i], path + "/" + std::to_string(i), diag);
    auto name = c.str("name", true);
    auto type = c.str("type", true);
    c.ignore({"description", "displayName", "isDefaultDisplay", "isHidden", "dataTypeHint"});
    c.finish();
    if (!name || !type) continue;
    auto t = parse_column_type(*type);
    if (!t) {
      diag.error(c.path_of("type"), "unknown column type '" + *type +
                                        "' (expected one of string, int, long, real, boolean, datetime, timespan, guid, dynamic)");
      continue;
    }
    if (schema.index_of(*name) >= 0) {
      diag.error(c.path_of("name"), "duplicate column '" + *name + "'");
      continue;
    }
    schema.columns.push_back({*name, *t});
  }
  return schema;
}

}  // namespace

std::string table_of_stream(std::string_view stream) {
  if (stream.starts_with("Custom-")) return std::string(stream.substr(7));
  if (stream.starts_with("Microsoft-")) return std::string(stream.substr(10));
  return std::string(stream);
}

const StreamDeclaration* Rule::stream(std::string_view name) const {
  for (const auto& s : streams) {
    if (s.name == name) return &s;
  }
  for (const auto& s : streams) {
    if (iequals(s.name, name)) return &s;
  }
  return nullptr;
}

std::vector<const DataFlow*> Rule::flows_for(std::string_view stream) const {
  std::vector<const DataFlow*> out;
  for (const auto& f : flows) {
    for (const auto& s : f.streams) {
      if (iequals(s, stream)) {
        out.push_back(&f);
        break;
      }
    }
  }
  return out;
}

bool looks_like_rule(const Value& root) {
  std::string path;
  const Value* r = unwrap(root, "dataCollectionRules", path);
  const Value* props = r ? r->get_ci("properties") : nullptr;
  return props && props->get_ci("dataFlows");
}

bool looks_like_table(const Value& root) {
  std::string path;
  const Value* r = unwrap(root, "tables", path);
  const Value* props = r ? r->get_ci("properties") : nullptr;
  return props && props->get_ci("schema");
}

std::optional<Rule> parse_rule(const Value& root, ccp::Diagnostics& diag) {
  std::string path;
  const Value* res = unwrap(root, "dataCollectionRules", path);
  if (!res) {
    diag.error("", "no data collection rule found (expected a Microsoft.Insights/dataCollectionRules resource)");
    return std::nullopt;
  }
  size_t errors_before = diag.errors().size();
  Rule rule;
  rule.source = diag.file();
  ccp::Reader top(res, path, diag);
  rule.name = top.str("name").value_or("");
  ccp::Reader props = top.object("properties");
  const Value* decls = props.raw("streamDeclarations");
  std::string decl_path = props.path_of("streamDeclarations");
  if (!decls || !decls->is_object()) {
    diag.error(decl_path, "expected an object of stream declarations");
  } else {
    for (const auto& [name, decl] : decls->as_object()) {
      ccp::Reader d(&decl, decl_path + "/" + name, diag);
      StreamDeclaration s{name, parse_columns(d, "columns", diag)};
      d.finish();
      rule.streams.push_back(std::move(s));
    }
  }
  const Value* flows = props.raw("dataFlows");
  std::string flows_path = props.path_of("dataFlows");
  if (!flows || !flows->is_array()) {
    diag.error(flows_path, "expected an array of data flows");
  } else {
    const auto& a = flows->as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      ccp::Reader f(&a[i], flows_path + "/" + std::to_string(i), diag);
      DataFlow flow;
      flow.streams = f.strings("streams", true).value_or(std::vector<std::string>{});
      flow.destinations = f.strings("destinations").value_or(std::vector<std::string>{});
      flow.transform_kql = f.str("transformKql").value_or("");
      flow.output_stream = f.str("outputStream").value_or("");
      f.ignore({"builtInTransform"});
      f.finish();
      for (const auto& s : flow.streams) {
        if (!s.starts_with("Microsoft-") && !rule.stream(s)) {
          diag.error(f.path_of("streams"), "stream '" + s + "' is not declared in streamDeclarations");
        }
      }
      flow.output_table = table_of_stream(!flow.output_stream.empty() ? flow.output_stream
                                          : flow.streams.empty()      ? ""
                                                                      : flow.streams.front());
      rule.flows.push_back(std::move(flow));
    }
  }
  props.ignore({"dataCollectionEndpointId", "destinations", "description", "dataSources", "provisioningState",
                "immutableId", "endpoints"});
  props.finish();
  top.ignore({"type", "apiVersion", "location", "kind", "tags", "dependsOn", "id"});
  top.finish();
  if (diag.errors().size() != errors_before) return std::nullopt;
  return rule;
}

std::optional<Table> parse_table(const Value& root, ccp::Diagnostics& diag) {
  std::string path;
  const Value* res = unwrap(root, "tables", path);
  if (!res) {
    diag.error("", "no table resource found (expected a Microsoft.OperationalInsights/workspaces/tables resource)");
    return std::nullopt;
  }
  size_t errors_before = diag.errors().size();
  Table table;
  table.source = diag.file();
  ccp::Reader top(res, path, diag);
  ccp::Reader props = top.object("properties");
  ccp::Reader schema = props.object("schema");
  table.name = schema.str("name").value_or("");
  if (table.name.empty()) {
    std::string n = top.str("name").value_or("");
    table.name = n.substr(n.find_last_of('/') == std::string::npos ? 0 : n.find_last_of('/') + 1);
  }
  table.schema = parse_columns(schema, "columns", diag);
  schema.ignore({"tableType", "description", "displayName", "solutions", "categories", "labels", "tableSubType", "source"});
  schema.finish();
  props.ignore({"retentionInDays", "totalRetentionInDays", "plan", "archiveRetentionInDays"});
  props.finish();
  top.ignore({"name", "type", "apiVersion", "location", "dependsOn", "id"});
  top.finish();
  if (table.name.empty()) diag.error(schema.path_of("name"), "the table has no name");
  if (diag.errors().size() != errors_before) return std::nullopt;
  return table;
}

}  // namespace intake::dcr
