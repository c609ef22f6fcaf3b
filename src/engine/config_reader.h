// Reading intake.yaml: the helpers every section shares. Each key is declared once (KeySpec: its
// name and what it expects); values may use ${ENV}; every problem is collected with its YAML
// path ("intake.yaml:/connectors/2/schedule: ...") so that all are reported at once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "engine/daemon_config.h"

namespace intake::engine::config {

namespace fs = std::filesystem;

struct KeySpec {
  const char* name;
  const char* expects;
};

template <size_t N>
inline std::string key_list(const KeySpec (&keys)[N]) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

template <size_t N>
inline const KeySpec* find_key(const KeySpec (&keys)[N], const std::string& name) {
  for (const auto& k : keys) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

struct Reader {
  std::string file;
  const DaemonConfigOptions& options;
  std::vector<Error> errors;

  void error(const std::string& path, const std::string& message) { errors.emplace_back(file + ":" + path, message); }

  std::optional<std::string> string(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    if (!v.IsScalar()) {
      error(path, std::string("expected ") + spec.expects);
      return std::nullopt;
    }
    auto expanded = expand_env(v.Scalar(), options.env);
    if (!expanded) {
      error(path, expanded.error().message);
      return std::nullopt;
    }
    return *expanded;
  }
  std::optional<int64_t> duration(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    auto s = string(v, path, spec);
    if (!s) return std::nullopt;
    auto d = parse_duration(*s);
    if (!d || *d <= 0) {
      error(path, std::string("expected ") + spec.expects + ", got '" + *s + "'");
      return std::nullopt;
    }
    return *d;
  }
  std::optional<int64_t> integer(const YAML::Node& v, const std::string& path, const KeySpec& spec, int64_t lo,
                                 int64_t hi) {
    auto s = string(v, path, spec);
    if (!s) return std::nullopt;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
    if (ec != std::errc() || p != s->data() + s->size() || n < lo || n > hi) {
      error(path, std::string("expected ") + spec.expects + ", got '" + *s + "'");
      return std::nullopt;
    }
    return n;
  }
  std::optional<bool> boolean(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    auto s = string(v, path, spec);
    if (!s) return std::nullopt;
    if (*s == "true") return true;
    if (*s == "false") return false;
    error(path, std::string("expected ") + spec.expects + ", got '" + *s + "'");
    return std::nullopt;
  }
  std::optional<LogLevel> level(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    auto s = string(v, path, spec);
    if (!s) return std::nullopt;
    auto l = parse_log_level(*s);
    if (!l) error(path, std::string("expected ") + spec.expects + ", got '" + *s + "'");
    return l;
  }

  std::string resolve(const std::string& p) const {
    fs::path base = fs::path(file).parent_path();
    fs::path candidate = fs::path(p).is_absolute() ? fs::path(p) : base / p;
    return candidate.lexically_normal().string();
  }


  // A package folder or definition file: relative to the file, or a shipped package's bare name.
  std::optional<std::string> package(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    auto s = string(v, path, spec);
    if (!s) return std::nullopt;
    std::string resolved = resolve(*s);
    bool bare = s->find('/') == std::string::npos;
    if (!fs::exists(resolved) && bare && !options.connectors_dir.empty() && fs::exists(fs::path(options.connectors_dir) / *s)) {
      resolved = (fs::path(options.connectors_dir) / *s).string();
    }
    if (!fs::exists(resolved)) {
      error(path, "no package folder or definition file at '" + *s + "'");
      return std::nullopt;
    }
    return resolved;
  }
  // A list of strings, or one string.
  std::vector<std::string> strings(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    std::vector<std::string> out;
    if (v.IsScalar()) {
      if (auto s = string(v, path, spec)) out.push_back(*s);
      return out;
    }
    if (!v.IsSequence()) {
      error(path, std::string("expected ") + spec.expects);
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (auto s = string(v[i], path + "/" + std::to_string(i), spec)) out.push_back(*s);
    }
    return out;
  }
  // host:port ("127.0.0.1:8642", "[::1]:0").
  std::optional<std::pair<std::string, uint16_t>> address(const YAML::Node& v, const std::string& path, const KeySpec& spec) {
    auto s = string(v, path, spec);
    if (!s) return std::nullopt;
    auto colon = s->rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      auto [q, ec] = std::from_chars(s->data() + colon + 1, s->data() + s->size(), port);
      if (ec != std::errc() || q != s->data() + s->size()) port = -1;
    }
    std::string host = colon == std::string::npos ? "" : s->substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || port < 0 || port > 65535) {
      error(path, std::string("expected host:port such as 127.0.0.1:8642, got '") + *s + "'");
      return std::nullopt;
    }
    return std::make_pair(host, static_cast<uint16_t>(port));
  }
  // Calls `fn(key, path, value, spec)` for each key of a mapping; unknown keys are errors.
  template <size_t N, class F>
  bool each_key(const YAML::Node& node, const std::string& path, const KeySpec (&keys)[N], F&& fn) {
    if (!node.IsMap()) {
      error(path, "expected a mapping with " + key_list(keys));
      return false;
    }
    for (const auto& kv : node) {
      std::string key = kv.first.as<std::string>();
      std::string p = path + "/" + key;
      const KeySpec* spec = find_key(keys, key);
      if (!spec) {
        error(p, "unknown key (expected one of " + key_list(keys) + ")");
        continue;
      }
      fn(key, p, kv.second, *spec);
    }
    return true;
  }
};

// Sections with a reader of their own (daemon_config_*.cpp).
void read_receivers(Reader& r, const YAML::Node& node, const std::string& path, ReceiversConfig& out);
void read_destinations(Reader& r, const YAML::Node& node, const std::string& path, std::vector<DestinationConfig>& out);
// A connector's or receiver's `destinations:` list (names of configured destinations or "workspace").
std::vector<Route> read_routes(Reader& r, const YAML::Node& node, const std::string& path);

}  // namespace intake::engine::config
