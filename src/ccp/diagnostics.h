// Problems found while reading a definition: errors stop it from running, warnings do not.
// Each names the file and the JSON path and says what was expected.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace intake::ccp {

struct Diagnostic {
  enum class Severity { Warning, Error };
  Severity severity = Severity::Error;
  Error error;  // where = "<file>:<json pointer>"
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file = {}) : file_(std::move(file)) {}

  void error(const std::string& path, std::string message);
  void warning(const std::string& path, std::string message);
  void add(Diagnostic d) { items_.push_back(std::move(d)); }

  bool has_errors() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Error> errors() const;
  const std::string& file() const { return file_; }
  // The first error (for Result-returning callers).
  Error first_error() const;

 private:
  std::string file_;
  std::vector<Diagnostic> items_;
};

}  // namespace intake::ccp
