// The internal model of one CCP connection (a RestApiPoller resource, or the pollingConfig of a
// legacy APIPolling resource): both forms are normalised to this one shape.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "core/value.h"
#include "http/message.h"

namespace intake::ccp {

enum class ConnectorKind { RestApiPoller, APIPolling };

struct RequestSpec {
  std::string api_endpoint;            // may still hold {{placeholders}} until instantiated
  std::string method = "GET";
  int window_minutes = 5;              // queryWindowInMin
  int window_delay_minutes = 0;        // queryWindowDelayInMin: windows end this long before now
  std::string time_format;             // queryTimeFormat ("" = yyyy-MM-ddTHH:mm:ssZ)
  std::string start_attribute;         // startTimeAttributeName
  std::string end_attribute;           // endTimeAttributeName
  std::string interval_attribute;      // queryTimeIntervalAttributeName
  std::string interval_prepend;        // queryTimeIntervalPrepend
  std::string interval_delimiter;      // queryTimeIntervalDelimiter
  std::vector<std::pair<std::string, std::string>> query_parameters;  // values as text
  std::optional<std::string> query_parameters_template;
  bool post_payload_json = false;
  http::Headers headers;
  double rate_limit_qps = 0;           // 0 = unlimited
  int retry_count = 3;
  int timeout_seconds = 20;
};

enum class PagingType { None, Offset, LinkHeader, PersistentLinkHeader, NextPageToken, PersistentToken, NextPageUrl,
                        CountBasedPaging };

std::string_view paging_type_name(PagingType t);

struct PagingSpec {
  PagingType type = PagingType::None;
  int64_t page_size = 0;
  std::string page_size_parameter;     // pageSizeParameterName / pageSizeParaName
  std::string offset_parameter;        // offsetParaName
  int64_t max_pages = 10'000;          // loop guard per window (intake: maxPagesPerWindow)
};

struct ResponseSpec {
  std::vector<std::string> events_json_paths;
  std::string format = "json";         // json | jsonlines | csv | xml
  bool gzip = false;                   // isGzipCompressed
  std::string success_status_json_path;
  std::string success_status_value;
};

struct DcrConfig {
  std::string stream_name;
  std::string data_collection_endpoint;
  std::string data_collection_rule_immutable_id;
};

// A user-facing input of the connector (a UI Textbox, or a legacy placeholder input).
struct ParameterSpec {
  std::string name;
  std::string label;
  bool secret = false;
};

struct Definition {
  ConnectorKind kind = ConnectorKind::RestApiPoller;
  std::string name;                    // resource name, or the UI id for APIPolling
  std::string source;                  // file the definition came from
  std::string json_path;               // where in the file ("/resources/0")
  std::string connector_definition_name;
  std::string data_type;               // informational table name
  std::string table_hint;              // APIPolling: the classic custom table (dataTypes[0].name)
  bool active = true;
  auth::AuthSpec auth;
  std::string auth_type;               // as written ("Basic", "APIKey", ...)
  RequestSpec request;
  PagingSpec paging;
  ResponseSpec response;
  DcrConfig dcr;
  std::vector<std::pair<std::string, std::string>> add_on_attributes;
  std::vector<ParameterSpec> parameters;  // inputs the definition expects
  // intake extension (properties.intake.dedupKeyJsonPath): identity of an event across windows.
  std::string dedup_key_json_path;
};

}  // namespace intake::ccp
