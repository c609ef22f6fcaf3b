#include "engine/instance_config.h"

#include <yaml-cpp/yaml.h>

#include "core/time.h"
#include "engine/expand_env.h"

namespace intake::engine {

namespace {

std::string scalar(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : std::string(); }

}  // namespace

std::expected<InstanceConfig, std::vector<Error>> load_instance_config(const std::string& path) {
  std::vector<Error> errors;
  YAML::Node root;
  // yaml-cpp reports problems by exception; this is its boundary.
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return std::unexpected(std::vector<Error>{Error(path, "cannot read the file")});
  } catch (const YAML::Exception& e) {
    return std::unexpected(std::vector<Error>{
        Error(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1), "invalid YAML: " + e.msg)});
  }
  InstanceConfig cfg;
  if (!root.IsMap()) return std::unexpected(std::vector<Error>{Error(path, "expected a mapping at the top level")});
  auto where = [&](const std::string& p) { return path + ":" + p; };
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "name" || key == "package" || key == "workspace") {
      if (!v.IsScalar()) {
        errors.emplace_back(where("/" + key), "expected a string");
        continue;
      }
      (key == "name" ? cfg.name : key == "package" ? cfg.package : cfg.workspace) = scalar(v);
    } else if (key == "parameters") {
      if (!v.IsMap()) {
        errors.emplace_back(where("/parameters"), "expected a mapping of parameter names to values");
        continue;
      }
      for (const auto& p : v) {
        std::string name = p.first.as<std::string>();
        if (!p.second.IsScalar()) {
          errors.emplace_back(where("/parameters/" + name), "expected a string value");
          continue;
        }
        auto expanded = expand_env(scalar(p.second));
        if (!expanded) {
          errors.emplace_back(where("/parameters/" + name), expanded.error().message);
          continue;
        }
        cfg.parameters[name] = *expanded;
      }
    } else if (key == "start") {
      auto t = parse_datetime(scalar(v));
      if (!t) errors.emplace_back(where("/start"), "expected an ISO 8601 date-time such as 2024-01-01T00:00:00Z");
      else cfg.start = *t;
    } else if (key == "tls") {
      if (!v.IsMap()) {
        errors.emplace_back(where("/tls"), "expected a mapping");
        continue;
      }
      for (const auto& t : v) {
        std::string k = t.first.as<std::string>();
        if (k == "caFile") cfg.ca_file = scalar(t.second);
        else errors.emplace_back(where("/tls/" + k), "unknown key (expected caFile)");
      }
    } else {
      errors.emplace_back(where("/" + key), "unknown key (expected one of name, package, workspace, parameters, start, tls)");
    }
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return cfg;
}

}  // namespace intake::engine
