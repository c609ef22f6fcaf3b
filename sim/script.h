// A scriptable API simulator: one JSON file describes the auth scheme, the token endpoint, and
// routes with their paging, events and faults, so tests can exercise every auth and paging type
// real CCP definitions use. It verifies what it receives (credentials, signatures, expected
// parameters and headers) and answers 400/401 precisely when something is wrong.
//
// Script format (all keys optional unless marked):
// {
//   "auth": {"type": "none" | "basic" | "apikey" | "bearer" | "oauth2" | "jwt" | "session" | "ciscoduo" | "alicloud",
//     basic:    "username", "password"
//     apikey:   "key", "header" (default Authorization), "prefix" (e.g. "SSWS"; sent as "<prefix> <key>"),
//               or "query": "<parameter name>" (key in the query string instead of a header)
//     bearer:   "token" (static "Authorization: Bearer <token>")
//     oauth2:   "client_id", "client_secret", "scope" (checked when set), "token_path" (default /oauth2/token),
//               "ttl" (seconds, default 3600), "credentials" ("body" | "basic" | "either", default either),
//               "json_request" (token request body is JSON), "prefix" (default Bearer),
//               "username"/"password" (password grant); refresh_token grant is accepted for tokens this
//               server issued and for "refresh_token" (one issued earlier, e.g. by an authorization_code
//               flow); "expect_fields": {"name": "value"} checks token request fields (body or query)
//     jwt:      "token_path" (default /api/login), "username_field"/"password_field" (default username/password),
//               "username", "password", "credentials" ("body" | "basic"), "json_request", "method" (also
//               accepted besides POST, e.g. GET with the fields in the query), or "user_token" (+ "user_token_prefix"):
//               a user token sent as the Authorization header instead of a user name and password,
//               "token_field" (default access_token), "token_in_header" (answer the token in this response header),
//               "header" (default Authorization), "prefix" (default Bearer; "" sends the bare token), "ttl"
//     session:  "login_path" (default /api/session), "username_field", "password_field", "username", "password",
//               "json_request", "session_header" (default X-Session-Id: returned in the login body and header,
//               required on data requests), "ttl" (seconds, default 1800)
//     ciscoduo: "ikey", "skey": Authorization Basic base64(ikey:hex(HMAC-SHA1(skey, canonical))) where canonical is
//               Date \n METHOD \n lower(host) \n path \n params sorted and RFC 3986-encoded, plus a Date header
//     alicloud: "access_key_id", "access_key_secret": Authorization "LOG <id>:base64(HMAC-SHA1(secret, sign))",
//               sign = METHOD \n Content-MD5 \n Content-Type \n Date \n sorted x-log-/x-acs- headers \n
//               path[?sorted decoded params]
//   },
//   "routes": [ {                       // at least one
//     "method": "GET", "path": "/api/events",                       // path is required
//     "expect": {"params": {"name": "value" | "*"}, "headers": {"Name": "value" | "*"},
//                "strict": false},      // strict: unknown query parameters are a 400; in expected values
//                                        // (and oauth2 expect_fields) {{origin}} is this server's scheme://host:port
//     "time_filter": {"start_param": "since", "end_param": "until",
//                     "format": "iso" | "epoch" | "epoch_ms", "start_inclusive": true, "end_inclusive": false},
//     "paging": {"type": "none" | "offset" | "page_number" | "next_token" | "next_url" | "link_header",
//                "param": "offset" | "page" | "token" | "cursor" (by type), "size_param": "limit",
//                "page_size": 100 (used when size_param is absent), "max_page_size": 1000 (larger is a 400),
//                "zero_based": false (page_number), "token_path": "$.next" (next_token / next_url body path;
//                link_header: also put the URL in the body there), "token_header": "X-Next" (next_token
//                answered in a header), "request_header": "X-Token" (next_token sent back in a header),
//                "total_path": "$.total", "has_more_path": "$.hasMore",
//                "cap_page_size": 50 (the server answers at most this many, whatever the client asks),
//                "relative": false (next_url: a path?query link instead of an absolute URL),
//                "token_from_events": false (next_token: the client takes the token from the events, which
//                carry it as {{cursor}}; no token_path needed),
//                "loop": "same_token" (every page points at the second page again: a stuck cursor) |
//                        "new_token" (the position advances forever, events wrap around: no last page)},
//     "params_in": "query" | "body",     // where paging/time parameters are read (POST JSON body)
//     "events": {"count": 250, "start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z",
//                "template": {"id": "{{n}}", "ts": "{{time}}"}},
//     "envelope": "$.data",              // where the events array goes (json); "$" = a bare array
//     "fields": {"$.stat": "OK"},        // constant members of every json body (beside the envelope)
//     "format": "json" | "ndjson" | "csv" | "xml",
//     "gzip": false,
//     "faults": [{"at": 3, "status": 429, "headers": {"Retry-After": "2"}, "body": "...",
//                 "delay_ms": 0, "drop": false}]           // "at": request number on this route, 1-based
//   } ]
// }
// Template strings: {{i}} index from 0, {{n}} from 1, {{time}} ISO 8601 (ms), {{epoch}}, {{epoch_ms}},
// {{uuid}}, {{hex}}, {{choice:a|b|c}}, {{cursor}} (the next-page token that resumes after this event; for
// routes without a time filter). A string that is exactly {{i}}, {{n}}, {{epoch}} or {{epoch_ms}}
// becomes a JSON number.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/value.h"
#include "http/server.h"
#include "sim/common.h"

namespace intake::sim::script {

struct Options {
  std::string script_json;    // the script's text
  std::string scheme = "http";  // for the absolute next-page URLs
  uint64_t seed = 1;
  NowMs now = system_now_ms;
};

class Simulator {
 public:
  // Errors name the script key that is wrong.
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);
  ~Simulator();

  http::ServerResponse handle(const http::ServerRequest& request);

 private:
  struct Impl;
  explicit Simulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The `script` subcommand of intake-sim: `intake-sim script FILE.json`.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::script
