// Pieces of definition parsing shared between parse.cpp and parse_auth.cpp.
#pragma once

#include "ccp/definition.h"
#include "ccp/diagnostics.h"
#include "ccp/reader.h"

namespace intake::ccp {

// Parses an `auth` block (RestApiPoller `type`, legacy APIPolling `authType`) into def.auth.
// Legacy blocks may omit credentials: they then come from instance parameters.
void parse_auth(Reader auth, Definition& def, Diagnostics& diag, bool legacy);

}  // namespace intake::ccp
