// APIKey: `<ApiKeyName>: [<ApiKeyIdentifier> ]<key>` on every data request, or the key as a query
// parameter, or (IsApiKeyInPostPayload) only through {_APIKeyName}/{_APIKey} in the body template.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

std::unique_ptr<Authenticator> make_api_key(const ApiKeySpec& spec);

}  // namespace intake::auth
