// Webhooks: POST /webhooks/{name} for vendors that push alerts to a registered URL (Dataminr's
// RTAP, Azure Function-style endpoints). The token comes in the `x-functions-key` header, as
// `Authorization: Bearer`, or in `?code=` as Azure Functions URLs carry it; the events are taken
// from the body with the package's eventsJsonPaths and go through its DCR stream. A package
// describes its webhook in webhook.json (WebhookSpec): the stream, the paths, the answers the
// vendor expects, and control messages — bodies that are commands, not data (Dataminr's
// {"integration-settings": "ADD", ...}) — each answered by running one of the package's actions.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ccp/diagnostics.h"
#include "ccp/placeholders.h"
#include "core/value.h"
#include "http/server.h"
#include "json/jsonpath.h"
#include "receive/record_sink.h"

namespace intake::receive {

struct WebhookAnswer {
  int status = 200;
  std::string body;  // text/plain; {{result}} and {{error}} are filled in for commands
};

struct WebhookCommand {
  std::string when_path;   // JSON path of the field that marks the command
  std::string equals;      // its value (compared case-insensitively)
  std::string action;      // the package action to run
  std::vector<std::pair<std::string, std::string>> parameters;  // action parameter -> JSON path in the body
  WebhookAnswer success{200, "{{result}}"};
  WebhookAnswer failure{400, "Error: {{error}}"};
};

struct WebhookSpec {
  std::string stream;                         // the DCR stream the events go to
  std::vector<std::string> events_json_paths = {"$"};
  WebhookAnswer accepted{200, "accepted"};
  WebhookAnswer empty{202, "no events in the body"};
  std::vector<WebhookCommand> commands;
};

// Parses a package's webhook.json; problems go to `diag` with JSON paths.
std::optional<WebhookSpec> parse_webhook_spec(const Value& root, ccp::Diagnostics& diag);

// Runs a package action for a command; returns its result text or the failure.
using ActionRunner = std::function<Result<std::string>(const std::string& action, const ccp::Params& parameters)>;

struct WebhookEndpoint {
  std::string name;
  std::vector<std::string> tokens;  // any of them authenticates; empty = no token required
  WebhookSpec spec;
  std::shared_ptr<StreamSink> sink;
  ActionRunner run_action;
};

class WebhookReceiver {
 public:
  // Errors: an events path that does not compile.
  static Result<std::unique_ptr<WebhookReceiver>> create(std::vector<WebhookEndpoint> endpoints);

  // Answers POST /webhooks/{name}.
  http::ServerResponse handle(const http::ServerRequest& request);

  struct Counters {
    int64_t requests = 0, accepted = 0, events = 0, commands = 0, refused = 0;
  };
  Counters counters() const;

 private:
  struct Compiled {
    WebhookEndpoint endpoint;
    std::vector<json::JsonPath> paths;
    std::vector<std::pair<json::JsonPath, const WebhookCommand*>> commands;
  };
  WebhookReceiver() = default;
  std::vector<std::unique_ptr<Compiled>> endpoints_;
  mutable std::mutex mutex_;
  Counters counters_;
};

}  // namespace intake::receive
