// Removes secret values from any text before it reaches a log, an error line or a page.
#pragma once

#include <string>
#include <vector>

namespace intake::engine {

class Redactor {
 public:
  void add(const std::string& secret);
  std::string operator()(std::string text) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace intake::engine
