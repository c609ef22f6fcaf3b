#include "engine/redact.h"

#include <algorithm>

#include "core/base64.h"

namespace intake::engine {

void Redactor::add(const std::string& secret) {
  // Very short values would blank out ordinary words; they are not secrets worth the name.
  if (secret.size() < 4) return;
  secrets_.push_back(secret);
  secrets_.push_back(base64_encode(secret));
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::operator()(std::string text) const {
  for (const auto& s : secrets_) {
    for (size_t pos = 0; (pos = text.find(s, pos)) != std::string::npos;) {
      text.replace(pos, s.size(), "***");
      pos += 3;
    }
  }
  return text;
}

}  // namespace intake::engine
