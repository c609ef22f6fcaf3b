#include "auth/shared_key.h"

#include "auth/hmac.h"
#include "core/base64.h"

namespace intake::auth {

std::string shared_key_string_to_sign(size_t content_length, std::string_view x_ms_date, std::string_view content_type) {
  std::string s = "POST\n" + std::to_string(content_length) + "\n";
  s += content_type;
  s += "\nx-ms-date:";
  s += x_ms_date;
  s += "\n/api/logs";
  return s;
}

Result<std::string> shared_key_signature(std::string_view workspace_key_base64, size_t content_length,
                                         std::string_view x_ms_date, std::string_view content_type) {
  auto key = base64_decode(workspace_key_base64);
  if (!key || key->empty()) return fail("workspace key", "not a base64 key (the workspace's primary or secondary key)");
  return base64_encode(hmac_sha256(*key, shared_key_string_to_sign(content_length, x_ms_date, content_type)));
}

Result<std::string> shared_key_authorization(std::string_view workspace_id, std::string_view workspace_key_base64,
                                             size_t content_length, std::string_view x_ms_date) {
  auto signature = shared_key_signature(workspace_key_base64, content_length, x_ms_date);
  if (!signature) return std::unexpected(signature.error());
  return "SharedKey " + std::string(workspace_id) + ":" + *signature;
}

}  // namespace intake::auth
