// The internal model of one CCP connection (a RestApiPoller resource, or the pollingConfig of a
// legacy APIPolling resource): both forms are normalised to this one shape.
#pragma once

#include <map>
#include <memory>
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
  int64_t max_pages = 10'000;          // loop guard per window (intake: maxPagesPerWindow)
  bool info_in_body = false;           // pagingInfoPlacement: RequestBody
  bool query_param_only = false;       // pagingQueryParamOnly: follow-ups carry only paging parameters
  // Offset
  std::string offset_parameter;        // offsetParaName (a name, or a JSON path into the POST body)
  std::string offset_end_parameter;    // offsetEndParaName: last index of the page (inclusive)
  // LinkHeader / PersistentLinkHeader
  std::string link_header_token_json_path;  // body path, a header name ("Link"), or "<url prefix>$.path"
  std::string link_header_rel = "next";     // linkHeaderRelLinkName
  // NextPageToken / PersistentToken / NextPageUrl
  std::string next_page_token_json_path;
  std::string next_page_token_response_header;
  std::string next_page_parameter;     // nextPageParaName (a name, or a JSON path into the POST body)
  std::string next_page_request_header;
  std::string has_next_flag_json_path;
  std::string token_split_delimiter;   // tokenTransform SplitOnDelimiter
  int token_split_index = 0;
  std::string next_page_url;
  std::vector<std::pair<std::string, std::string>> next_page_url_query_parameters;
  bool next_page_token_is_relative_url = false;  // isNextPageTokenRelativeUrl
  // CountBasedPaging
  std::string page_number_parameter;   // pageNumberParaName
  bool zero_based = false;             // zeroBasedIndexing
  std::string total_results_json_path;
  std::string page_number_json_path;
  std::string page_count_json_path;
};

struct ResponseSpec {
  std::vector<std::string> events_json_paths;
  std::string format = "json";         // json | jsonlines | csv | xml
  bool gzip = false;                   // isGzipCompressed (also detected by the gzip magic number)
  std::string success_status_json_path;
  std::string success_status_value;
  char csv_delimiter = ',';
  char csv_quote = '"';                // csvEscape
  bool csv_header = true;              // hasCsvHeader
  bool convert_child_properties_to_array = false;  // the selected object's member values are the events
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

struct Definition;

// A nested step (CCP's stepInfo.nextSteps + stepCollectorConfigs): for every record of its parent,
// `placeholders_kql` runs over a one-row table `source` whose column `data` holds the record as
// JSON text; each output row gives $name$ values for one request of `config` (its request,
// response, paging and auth — the parent's auth when it has none — and its own nested steps).
struct Step {
  std::string id;
  std::string placeholders_kql;
  bool join = false;           // shouldJoinNestedData: the parent record keeps the step's records
  std::string join_name;       // joinedDataStepName: the member that holds them
  bool own_auth = false;       // the step has an auth block (else it uses its parent's authenticator)
  std::shared_ptr<Definition> config;
};

// An action of the package run before a connection polls (intake extension `ensure`).
struct EnsureAction {
  std::string action;
  std::vector<std::pair<std::string, std::string>> parameters;
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
  // intake extension dedupRetentionInMin: keys are remembered this long beyond the last window
  // (APIs that list a record again hours later); 0: the previous window only.
  int dedup_retention_minutes = 0;
  // Nested steps run for each record of this definition's pages, at most `max_parallelism` requests at once.
  std::vector<Step> steps;
  int max_parallelism = 15;
  // intake extension: window rules (0 = none): windows at most this long; data older than this
  // cannot be read (a backfill further back is clamped).
  int max_window_minutes = 0;
  int max_age_minutes = 0;
  std::vector<EnsureAction> ensure;  // intake extension: actions before polling (start a subscription)
};

}  // namespace intake::ccp
