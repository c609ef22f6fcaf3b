// Package actions: named operations a package declares in actions.json — the commands SOAR
// integrations expose (Test Connection, List/Start/Stop Subscription, Dataminr's RTAP
// registration) — run with the connection's own authentication, retries and placeholders, from
// `intake action`, the status page, a webhook command or a connector's `ensure` list.
//
//   {"actions": [{"name": "start-subscription", "description": "...",
//                 "parameters": [{"name": "contentType", "required": true, "allowed": ["Audit.General", ...]}],
//                 "acceptErrorCodes": ["AF20024"],          // service errors that count as success
//                 "errorCodeJsonPath": "$.error.code", "errorMessageJsonPath": "$.error.message",
//                 "steps": [{"name": "start", "method": "POST", "url": "https://{{host}}/...",
//                            "queryParameters": {"contentType": "{{contentType}}"}, "headers": {...},
//                            "body": "...", "expectStatus": [200],
//                            "eventsJsonPaths": ["$[*]"], "outputsKql": "source | ...",  // -> $name$ of later steps
//                            "resultJsonPath": "$.status"}]}]}
//
// {{name}} is a package parameter or an action parameter; $name$ an output of an earlier step.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ccp/definition.h"
#include "ccp/diagnostics.h"
#include "ccp/placeholders.h"
#include "core/error.h"
#include "core/value.h"
#include "http/retry.h"

namespace intake::engine {

struct Package;

struct ActionParameter {
  std::string name;
  std::string description;
  bool required = false;
  bool secret = false;
  std::vector<std::string> allowed;  // empty: any value
  std::optional<std::string> default_value;
};

struct ActionStep {
  std::string name;
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> query, headers;
  std::optional<std::string> body;
  std::vector<int> expect_status = {200};
  std::vector<std::string> events_json_paths;  // records given to outputs_kql as `source`
  std::string outputs_kql;
  std::string result_json_path;                // what the step answers with (default: the body)
};

struct ActionSpec {
  std::string name;
  std::string description;
  std::string connection;  // whose authentication the requests use (default: the first connection)
  std::vector<ActionParameter> parameters;
  std::vector<ActionStep> steps;
  std::string error_code_json_path = "$.error.code";
  std::string error_message_json_path = "$.error.message";
  std::vector<std::string> accept_error_codes;
};

// Parses actions.json; problems go to `diag` with JSON paths.
std::vector<ActionSpec> parse_actions(const Value& root, ccp::Diagnostics& diag);

struct ActionOutcome {
  std::string action;
  int status = 0;           // of the last request
  std::string result;       // resultJsonPath of the last step, or its body
  std::string body;         // the last response body
  std::string error_code;   // a service error accepted as success (AF20024), if any
};

// A failed action: the step, the HTTP status and the service's own error code and message.
struct ActionFailure {
  std::string action, step;
  int status = 0;          // 0: the request never got an answer
  std::string code;        // e.g. AF20023
  std::string message;
  std::string str() const;
};

class ActionRunner {
 public:
  // `params` are the package's parameters (an instance's or a webhook's). Errors: the package has
  // no connection to authenticate with, or a parameter is missing.
  static Result<std::unique_ptr<ActionRunner>> create(const Package& package, const ccp::Params& params,
                                                      const std::string& ca_file = {});
  ~ActionRunner();

  const std::vector<ActionSpec>& actions() const;
  // Runs one action; `args` are its parameters. Not thread-safe (one at a time per runner).
  std::expected<ActionOutcome, ActionFailure> run(const std::string& name, const ccp::Params& args);
  // Secret values (credentials, secret action arguments seen so far) for redaction.
  std::vector<std::string> secrets() const;

  http::BackoffPolicy backoff;  // retries of 429/5xx/transport failures

 private:
  struct Impl;
  explicit ActionRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Runs a definition's `ensure` actions in order and stops at the first failure, reported as
// "<where>: ensure <action> failed: ...".
std::expected<std::vector<ActionOutcome>, Error> run_ensure(ActionRunner& runner, const ccp::Definition& def, const std::string& where);

}  // namespace intake::engine
