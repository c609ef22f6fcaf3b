#include "ccp/diagnostics.h"

namespace intake::ccp {

void Diagnostics::error(const std::string& path, std::string message) {
  items_.push_back({Diagnostic::Severity::Error, Error(file_.empty() ? path : file_ + ":" + path, std::move(message))});
}

void Diagnostics::warning(const std::string& path, std::string message) {
  items_.push_back({Diagnostic::Severity::Warning, Error(file_.empty() ? path : file_ + ":" + path, std::move(message))});
}

bool Diagnostics::has_errors() const {
  for (const auto& d : items_) {
    if (d.severity == Diagnostic::Severity::Error) return true;
  }
  return false;
}

std::vector<Error> Diagnostics::errors() const {
  std::vector<Error> out;
  for (const auto& d : items_) {
    if (d.severity == Diagnostic::Severity::Error) out.push_back(d.error);
  }
  return out;
}

Error Diagnostics::first_error() const {
  for (const auto& d : items_) {
    if (d.severity == Diagnostic::Severity::Error) return d.error;
  }
  return Error(file_, "no error");
}

}  // namespace intake::ccp
