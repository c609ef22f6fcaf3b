#include "engine/expand_env.h"

#include <cstdlib>

namespace intake::engine {

std::optional<std::string> process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

Result<std::string> expand_env(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") == 0) {
      size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) return fail("unterminated ${ in '" + std::string(text.substr(i)) + "'");
      std::string name(text.substr(i + 2, close - i - 2));
      auto v = lookup(name);
      if (!v) return fail("environment variable " + name + " is not set");
      out += *v;
      i = close + 1;
      continue;
    }
    out += text[i++];
  }
  return out;
}

}  // namespace intake::engine
