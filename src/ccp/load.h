// Loading definition files and binding a definition to an instance's parameters.
#pragma once

#include <string>
#include <vector>

#include "ccp/definition.h"
#include "ccp/diagnostics.h"
#include "ccp/placeholders.h"
#include "core/error.h"

namespace intake::ccp {

struct LoadedFile {
  std::string path;
  Value root;                          // the file as parsed (placeholders substituted)
  std::vector<Definition> definitions; // polling connections that parsed without errors
  int connector_resources = 0;         // resources of any kind found
  Diagnostics diagnostics;
};

// Reads a file holding one or more connector resources. JSON syntax errors and files without any
// connector resource are errors in the diagnostics; so are resources that fail to parse.
LoadedFile load_definition_file(const std::string& path, const Params& params = {});

// Binds a definition to parameter values: fills every placeholder the request and the auth block
// use, and checks that the resolved endpoint is a well-formed http(s) URL. Errors name the
// parameter (--param NAME=VALUE) or the offending character.
Result<Definition> instantiate(const Definition& def, const Params& params);

}  // namespace intake::ccp
