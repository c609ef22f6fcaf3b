// AliCloudSlsV1: Alibaba Cloud Log Service (SLS) request signing, API version 0.6.0
// (https://www.alibabacloud.com/help/en/sls/developer-reference/request-signatures).
// Authorization: LOG <AccessKeyId>:base64(HMAC-SHA1(AccessKeySecret, SignString)) with
//   SignString = VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedLOGHeaders CanonicalizedResource
// where CanonicalizedLOGHeaders is every x-log-* / x-acs-* header as "name:value\n", names
// lower-cased and sorted, and CanonicalizedResource is the path plus, when there are query
// parameters, "?" and the decoded k=v pairs sorted by key and joined by "&". Content-MD5 is the
// upper-case hex MD5 of a non-empty body. Date is the RFC 1123 GMT date.
#pragma once

#include "auth/authenticator.h"

namespace intake::auth {

Result<std::unique_ptr<Authenticator>> make_ali_cloud_sls(const AliCloudSlsSpec& spec, Clock clock);

// The string SLS signs for an already-prepared request (Date and x-log-* headers set).
Result<std::string> sls_sign_string(const http::Request& request);

}  // namespace intake::auth
