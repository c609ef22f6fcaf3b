// The instance file of `intake poll --config`: which package, which parameters, which workspace.
//
//   name: jira-prod                      # instance name (checkpoint key); default: the package name
//   package: connectors/atlassian-jira-audit
//   workspace: ./intake.db
//   parameters:                          # values may use ${ENV_VAR}
//     domain: example.atlassian.net
//     username: soc@example.com
//     password: ${JIRA_API_TOKEN}
//   start: 2024-01-01T00:00:00Z          # first window start when there is no checkpoint
//   tls:
//     caFile: /etc/intake/ca.pem
//
// Unknown keys and bad values are errors with their YAML path; all are reported at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ccp/placeholders.h"
#include "core/error.h"
#include "core/value.h"

namespace intake::engine {

struct InstanceConfig {
  std::string name;
  std::string package;
  std::string workspace;
  ccp::Params parameters;
  std::optional<DateTime> start;
  std::string ca_file;
};

// Errors are "<file>:<yaml path>: message", one per problem.
std::expected<InstanceConfig, std::vector<Error>> load_instance_config(const std::string& path);

}  // namespace intake::engine
