// Every auth type and paging type that occurs in the CCP corpus, proven through the binary: for
// each, a real corpus definition runs unchanged under `intake poll` (instance parameters given with
// --param, endpoints pointed at the simulator) against `intake-sim script`, whose script checks the
// credentials the way the vendor does and serves pages in the vendor's paging style. The events
// stored must be exactly the events served.
//
// Types in the corpus's REST pollers (RestApiPoller `auth.type` / `paging.pagingType`, legacy
// APIPolling `pollingConfig.auth.authType` / `pollingConfig.paging.pagingType`; the test
// CorpusTypesAreTheOnesCovered re-scans the corpus and fails on a type not listed here):
//   auth   Basic            Dragos/dataPoller.json; legacy ProofPointTap native poller
//          APIKey           Okta SSO v2 (SSWS prefix), Infoblox SOC Insights (Token prefix); legacy Slack (Bearer)
//          OAuth2           Auth0 (client_credentials, audience), Morphisec (client_credentials),
//                           Workday (authorization_code run from a refresh token),
//                           Salesforce Service Cloud (password grant)
//          JwtToken         Palo Alto Prisma Cloud CSPM, Audit connection (JSON login, token at $.token)
//          CiscoDuo         CiscoDuoSecurity/CiscoDuoAuth_PollingConfig.json (HMAC-SHA1 request signature)
//          AliCloudSlsV1    Alibaba Cloud ActionTrail (SLS signature)
//   paging Offset           Dragos (3 pages), Alibaba Cloud ActionTrail, Workday
//          LinkHeader       Okta SSO v2 (RFC 8288 Link header)
//          NextPageToken    Morphisec (body token), Cisco Duo (body token)
//          PersistentToken  Auth0 (token read from the last event, carried across windows and runs)
//          NextPageUrl      Salesforce Service Cloud (relative nextRecordsUrl)
//          (no paging)      Infoblox SOC Insights
//          None             legacy ProofPointTap native poller (pagingType "None")
//          PageToken        legacy Slack native poller (the old spelling of NextPageToken)
// Other connector kinds in the corpus (GCP, OCI, Push, WebSocket, StorageAccountBlobContainer)
// are not REST pollers; `intake validate` reports them and `intake poll` does not run them.
//
// Redirection: most definitions take their host from a parameter, which the test sets to the
// simulator. Alibaba builds https://<project>.<endpoint>/..., so project=127 and endpoint=0.0.1:PORT
// make it https://127.0.0.1:PORT. The two legacy pollers have fixed vendor hosts (api.slack.com,
// tap-api-v2.proofpoint.com): intake runs with https_proxy set to a CONNECT proxy that tunnels to
// the simulator, whose certificate names those hosts, so TLS is verified as against the vendor.
// Salesforce's definition adds a nested second step (stepInfo): each EventLogFile record's LogFile
// URL is fetched as CSV and joined into the record as LogData.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "core/base64.h"
#include "http/url.h"
#include "json/value_json.h"
#include "testing/connect_proxy.h"
#include "testing/e2e.h"

// GCC 12 warns about members left to their default initializers in designated initializers.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fs = std::filesystem;
using namespace intake::testing;

namespace {

struct Case {
  std::string name;
  std::string covers;                 // what the case proves, for failure messages
  std::string definition;             // path inside the corpus
  std::string connection;             // --connection, for files with several (else all run)
  std::vector<std::string> params;    // NAME=VALUE; {origin}, {host} and {port} name the simulator
  std::string from, to;
  std::string script;                 // intake-sim script (sim/script.h)
  std::string table;                  // empty: the one data table of the workspace (legacy pollers)
  std::string id_column;
  std::vector<std::string> ids;       // the events served, in any order
  int windows = 1, pages = 1;         // as `intake poll` reports them
  std::vector<std::string> vendor_hosts;  // fixed hosts reached through the CONNECT proxy
  std::vector<std::pair<std::string, std::string>> checks;  // SQL yielding one value, and that value
};

std::vector<std::string> seq(const std::string& prefix, int n, int from = 1) {
  std::vector<std::string> out;
  for (int i = from; i < from + n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string replace_all(std::string s, const std::string& what, const std::string& with) {
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) s.replace(at, what.size(), with);
  return s;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  out.push_back({.name = "BasicOffset_Dragos",
                 .covers = "auth Basic, paging Offset",
                 .definition = "Dragos/dataPoller.json",
                 .params = {"dragosSitestoreHostname={host}", "username=sitestore-api", "password=dr-pass-1",
                            "minSeverity=0", "maxSeverity=10"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:05:00Z",
                 .script = R"({"auth": {"type": "basic", "username": "sitestore-api", "password": "dr-pass-1"},
          "routes": [{"path": "/notifications/api/v2/notification",
            "expect": {"params": {"sorts": "id:a",
                                  "filter": "type!='Baseline';type!='System';createdAt=ge='2024-06-01T00:00:00Z';createdAt=lt='2024-06-01T00:05:00Z';severity>=0;severity<=10"},
                       "headers": {"User-Agent": "MS-Sentinel-CCP-Dragos", "Accept": "application/json"}},
            "paging": {"type": "offset", "param": "offset", "size_param": "pageSize", "max_page_size": 25},
            "envelope": "$.content",
            "events": {"count": 60, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:05:00Z",
                       "template": {"id": "{{n}}", "createdAt": "{{time}}", "type": "Threat Behavior", "severity": 5,
                                    "summary": "Dragos notification {{n}}"}}}]})",
                 .table = "DragosAlerts_CL",
                 .id_column = "id",
                 .ids = seq("", 60),
                 .windows = 1,
                 .pages = 3});
  out.push_back({.name = "ApiKeyLinkHeader_Okta",
                 .covers = "auth APIKey (SSWS), paging LinkHeader",
                 .definition = "Okta Single Sign-On/OktaSSOv2_PollingConfig.json",
                 .params = {"domainname={host}", "apikey=00okta-token-7"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:10:00Z",
                 .script = R"({"auth": {"type": "apikey", "header": "Authorization", "prefix": "SSWS", "key": "00okta-token-7"},
          "routes": [{"path": "/api/v1/logs",
            "expect": {"params": {"limit": "1000"}, "headers": {"User-Agent": "Scuba", "Accept": "application/json"}},
            "time_filter": {"start_param": "since", "end_param": "until"},
            "paging": {"type": "link_header", "param": "after", "size_param": "limit", "cap_page_size": 40},
            "events": {"count": 150, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:10:00Z",
                       "template": {"uuid": "okta-{{n}}", "published": "{{time}}", "eventType": "user.session.start",
                                    "displayMessage": "User login to Okta", "severity": "INFO"}}}]})",
                 .table = "OktaV2_CL",
                 .id_column = "EventOriginalUid",
                 .ids = seq("okta-", 150),
                 .windows = 2,
                 .pages = 4});
  out.push_back({.name = "OAuth2PersistentToken_Auth0",
                 .covers = "auth OAuth2 client_credentials (audience), paging PersistentToken",
                 .definition = "Auth0/PollingConfig.json",
                 .params = {"Domain={origin}", "ClientId=auth0-client", "ClientSecret=auth0-secret"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:15:00Z",
                 .script = R"({"auth": {"type": "oauth2", "client_id": "auth0-client", "client_secret": "auth0-secret", "token_path": "/oauth/token",
                   "credentials": "body", "expect_fields": {"audience": "{{origin}}/api/v2/"}},
          "routes": [{"path": "/api/v2/logs",
            "paging": {"type": "next_token", "param": "from", "size_param": "take", "token_from_events": true},
            "events": {"count": 230, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:05:00Z",
                       "template": {"log_id": "{{cursor}}", "date": "{{time}}", "type": "s", "description": "Success Login",
                                    "user_id": "auth0|{{n}}"}}}]})",
                 .table = "Auth0Logs_CL",
                 .id_column = "ActorUserId",
                 .ids = seq("auth0|", 230),
                 // The first window reads every log (pages of 100 until an empty one); the next two
                 // start from the saved cursor and find nothing new.
                 .windows = 3,
                 .pages = 6});
  out.push_back({.name = "OAuth2NextPageToken_Morphisec",
                 .covers = "auth OAuth2 client_credentials, paging NextPageToken",
                 .definition = "Morphisec/Morphisec_PollerConfig.json",
                 .params = {"baseUrl={origin}", "clientId=mph-client", "secret=mph-secret", "tenantId=tenant-42"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:10:00Z",
                 .script = R"({"auth": {"type": "oauth2", "client_id": "mph-client", "client_secret": "mph-secret", "token_path": "/api/v1/oauth/token",
                   "credentials": "body"},
          "routes": [{"path": "/api/v1/threats/list-by-time",
            "expect": {"params": {"tenantId": "tenant-42", "pageSize": "50"}, "headers": {"User-Agent": "scuba"}},
            "time_filter": {"start_param": "from", "end_param": "to"},
            "paging": {"type": "next_token", "param": "page", "size_param": "pageSize", "token_path": "$.nextPage"},
            "envelope": "$.threats",
            "events": {"count": 130, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:10:00Z",
                       "template": {"id": "mph-{{n}}", "threatTime": "{{time}}", "description": "Morphisec prevented attack",
                                    "attackSeverity": "{{choice:low|medium|high}}"}}}]})",
                 .table = "MorphisecAlerts_CL",
                 .id_column = "id",
                 .ids = seq("mph-", 130),
                 .windows = 2,
                 .pages = 4});
  out.push_back({.name = "OAuth2AuthorizationCodeOffset_Workday",
                 .covers = "auth OAuth2 authorization_code (refresh token), paging Offset",
                 .definition = "Workday/Workday_PollingConfig.json",
                 .params = {"apiEndpoint={origin}/ccx/api/privacy/v1/acme/activityLogging", "tokenEndpoint={origin}/ccx/oauth2/acme/token",
       "clientId=wd-client", "clientSecret=wd-secret", "refreshToken=wd-refresh-1"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:30:00Z",
                 .script = R"({"auth": {"type": "oauth2", "client_id": "wd-client", "client_secret": "wd-secret", "token_path": "/ccx/oauth2/acme/token",
                   "credentials": "body", "refresh_token": "wd-refresh-1"},
          "routes": [{"path": "/ccx/api/privacy/v1/acme/activityLogging",
            "expect": {"params": {"type": "userActivity", "instancesReturned": "10", "limit": "1000"}},
            "time_filter": {"start_param": "from", "end_param": "to"},
            "paging": {"type": "offset", "param": "offset", "size_param": "limit"},
            "envelope": "$.data",
            "events": {"count": 60, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:30:00Z",
                       "template": {"taskId": "wd-{{n}}", "requestTime": "{{time}}", "activityAction": "READ",
                                    "systemAccount": "lmcneil", "taskDisplayName": "View Worker"}}}]})",
                 .table = "ASimAuditEventLogs",
                 .id_column = "EventOriginalUid",
                 .ids = seq("wd-", 60),
                 .windows = 6,
                 .pages = 6});
  out.push_back({.name = "OAuth2PasswordNextPageUrl_Salesforce",
                 .covers = "auth OAuth2 password, paging NextPageUrl (relative)",
                 .definition = "Salesforce Service Cloud/SalesforceServiceCloud_PollingConfig.json",
                 .params = {"salesforceBaseUrl={origin}", "clientId=sf-client", "clientSecret=sf-secret", "salesforceGrantType=password",
       "username=integration@acme.example", "password=sf-pass-1", "friendlyName=acme",
       R"(queryType=["SELECT Id, EventType, LogDate FROM EventLogFile WHERE LogDate >= {_QueryWindowStartTime} AND LogDate < {_QueryWindowEndTime}"])"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:10:00Z",
                 .script = R"({"auth": {"type": "oauth2", "client_id": "sf-client", "client_secret": "sf-secret", "token_path": "/services/oauth2/token",
                   "credentials": "body", "username": "integration@acme.example", "password": "sf-pass-1"},
          "routes": [{"path": "/services/data/v66.0/query",
            "expect": {"params": {"q": "SELECT Id, EventType, LogDate FROM EventLogFile WHERE LogDate >= 2024-06-01T00:00:00Z AND LogDate < 2024-06-01T00:10:00Z"}},
            "paging": {"type": "next_url", "token_path": "$.nextRecordsUrl", "relative": true, "page_size": 40,
                       "total_path": "$.totalSize"},
            "envelope": "$.records",
            "events": {"count": 100, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:10:00Z",
                       "template": {"Id": "0AT{{n}}", "EventType": "Login", "LogDate": "{{time}}",
                                    "LogFile": "/services/data/v66.0/sobjects/EventLogFile/0ATlog/LogFile"}}},
            {"path": "/services/data/v66.0/sobjects/EventLogFile/0ATlog/LogFile", "format": "csv",
             "events": {"count": 3, "template": {"EVENT_TYPE": "Login", "USER_ID": "005{{n}}", "URI": "/home"}}}]})",
                 .table = "SalesforceServiceCloudV3_CL",
                 .id_column = "Id",
                 .ids = seq("0AT", 100),
                 .windows = 1,
                 .pages = 3,
                 .vendor_hosts = {},
                 .checks = {{"SELECT count(*) FROM SalesforceServiceCloudV3_CL WHERE json_array_length(LogData) = 3", "100"},
                            {"SELECT json_extract(LogData, '$[2].USER_ID') FROM SalesforceServiceCloudV3_CL LIMIT 1", "0053"}}});
  out.push_back({.name = "JwtToken_PrismaCloudAudit",
                 .covers = "auth JwtToken (JSON login), paging NextPageToken without a token path",
                 .definition = "PaloAltoPrismaCloud/PaloAltoPrismaCloudCSPMLog_PollingConfig.json",
                 .connection = "PaloAltoPrismaCloudAudit",
                 .params = {"baseurl={origin}", "username=prisma-access-key", "password=prisma-secret-1"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:30:00Z",
                 .script = R"({"auth": {"type": "jwt", "token_path": "/login", "username": "prisma-access-key", "password": "prisma-secret-1",
                   "json_request": true, "token_field": "token"},
          "routes": [{"path": "/audit/redlock",
            "expect": {"params": {"timeType": "absolute"}, "headers": {"User-Agent": "Scuba"}},
            "time_filter": {"start_param": "startTime", "end_param": "endTime", "format": "epoch_ms"},
            "events": {"count": 90, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:30:00Z",
                       "template": {"timestamp": "{{epoch_ms}}", "user": "admin@acme.example", "resourceName": "audit-{{n}}",
                                    "resourceType": "Login", "action": "login", "result": "Successful"}}}]})",
                 .table = "PaloAltoPrismaCloudAudit",
                 .id_column = "resourceName",
                 .ids = seq("audit-", 90),
                 .windows = 3,
                 .pages = 3});
  out.push_back({.name = "CiscoDuoNextPageToken",
                 .covers = "auth CiscoDuo (HMAC signature), paging NextPageToken",
                 .definition = "CiscoDuoSecurity/CiscoDuoAuth_PollingConfig.json",
                 .params = {"BaseUrl={origin}", "ikey=DIWJ8X6AEYOR5OMC6TQ1", "skey=Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:02:00Z",
                 .script = R"({"auth": {"type": "ciscoduo", "ikey": "DIWJ8X6AEYOR5OMC6TQ1", "skey": "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep"},
          "routes": [{"path": "/admin/v2/logs/authentication",
            "time_filter": {"start_param": "mintime", "end_param": "maxtime", "format": "epoch_ms"},
            "paging": {"type": "next_token", "param": "next_offset", "size_param": "limit", "cap_page_size": 25,
                       "token_path": "$.response.metadata.next_offset"},
            "envelope": "$.response.authlogs",
            "fields": {"$.stat": "OK"},
            "events": {"count": 80, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:02:00Z",
                       "template": {"txid": "duo-{{n}}", "timestamp": "{{epoch}}", "isotimestamp": "{{time}}",
                                    "event_type": "authentication", "result": "success", "factor": "duo_push"}}}]})",
                 .table = "DuoAuthentication_CL",
                 .id_column = "TxId",
                 .ids = seq("duo-", 80),
                 .windows = 2,
                 .pages = 4});
  out.push_back({.name = "AliCloudSlsOffset",
                 .covers = "auth AliCloudSlsV1 (SLS signature), paging Offset",
                 .definition = "Alibaba Cloud ActionTrail/AliCloudActionTrail_PollingConfig.json",
                 .params = {"project=127", "endpoint=0.0.1:{port}", "logstore=actiontrail_acme", "accessKeyId=LTAI5tAcTrailKey",
       "accessKeySecret=ali-secret-1"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:20:00Z",
                 .script = R"({"auth": {"type": "alicloud", "access_key_id": "LTAI5tAcTrailKey", "access_key_secret": "ali-secret-1"},
          "routes": [{"path": "/logstores/actiontrail_acme",
            "expect": {"params": {"type": "log", "project": "127", "line": "100"}, "headers": {"x-log-apiversion": "0.6.0"}},
            "time_filter": {"start_param": "from", "end_param": "to", "format": "epoch"},
            "paging": {"type": "offset", "param": "offset", "size_param": "line"},
            "events": {"count": 260, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:20:00Z",
                       "template": {"__time__": "{{epoch}}", "__source__": "actiontrail",
                                    "event": "{\"eventId\":\"ali-{{n}}\",\"eventTime\":\"{{time}}\",\"eventName\":\"ConsoleSignin\",\"acsRegion\":\"cn-hangzhou\"}"}}}]})",
                 .table = "AliCloudActionTrailLogs_CL",
                 .id_column = "eventId",
                 .ids = seq("ali-", 260),
                 .windows = 2,
                 .pages = 4});
  out.push_back({.name = "ApiKeyNoPaging_Infoblox",
                 .covers = "auth APIKey (Token prefix), no paging object",
                 .definition = "Infoblox SOC Insights/InfobloxSOCInsights_PollingConfig.json",
                 .params = {"infobloxApiUrl={origin}", "apiKey=ibx-api-key-1", "friendlyName=acme"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-02T00:00:00Z",
                 .script = R"({"auth": {"type": "apikey", "header": "Authorization", "prefix": "Token", "key": "ibx-api-key-1"},
          "routes": [{"path": "/api/v1/insights",
            "expect": {"headers": {"Accept": "application/json"}},
            "envelope": "$.insightList",
            "events": {"count": 35, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T12:00:00Z",
                       "template": {"insightId": "ibx-{{n}}", "startedAt": "{{time}}", "threatType": "{{choice:DNS Tunneling|Phishing}}",
                                    "priorityText": "HIGH", "status": "ACTIVE"}}}]})",
                 .table = "InfobloxInsight_CL",
                 .id_column = "InsightId",
                 .ids = seq("ibx-", 35),
                 .windows = 1,
                 .pages = 1});
  out.push_back({.name = "LegacyPageToken_Slack",
                 .covers = "legacy APIPolling: auth APIKey (Bearer), paging PageToken, fixed host",
                 .definition = "SlackAudit/azuredeploy_Slack_native_poller_connector.json",
                 .params = {"apiKey=xoxp-slack-audit-1"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:10:00Z",
                 .script = R"({"auth": {"type": "apikey", "header": "Authorization", "prefix": "Bearer", "key": "xoxp-slack-audit-1"},
          "routes": [{"path": "/audit/v1/logs",
            "expect": {"params": {"limit": "1000"}},
            "time_filter": {"start_param": "oldest", "end_param": "latest", "format": "epoch"},
            "paging": {"type": "next_token", "param": "cursor", "size_param": "limit", "cap_page_size": 30,
                       "token_path": "$.response_metadata.next_cursor"},
            "envelope": "$.entries",
            "events": {"count": 100, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:10:00Z",
                       "template": {"id": "slack-{{n}}", "date_create": "{{epoch}}", "action": "user_login"}}}]})",
                 .id_column = "id",
                 .ids = seq("slack-", 100),
                 .windows = 2,
                 .pages = 4,
                 .vendor_hosts = {"api.slack.com"}});
  out.push_back({.name = "LegacyNoneBasic_ProofpointTap",
                 .covers = "legacy APIPolling: auth Basic, paging None, fixed host",
                 .definition = "ProofPointTap/azuredeploy_ProofpointTAP_native_poller_connector.json",
                 .params = {"username=tap-principal", "password=tap-secret-1"},
                 .from = "2024-06-01T00:00:00Z",
                 .to = "2024-06-01T00:05:00Z",
                 .script = R"({"auth": {"type": "basic", "username": "tap-principal", "password": "tap-secret-1"},
          "routes": [{"path": "/v2/siem/all",
            "expect": {"params": {"format": "json", "interval": "2024-06-01T00:00:00Z/2024-06-01T00:05:00Z"}},
            "envelope": "$.messagesDelivered",
            "fields": {"$.queryEndTime": "2024-06-01T00:05:00Z", "$.messagesBlocked": [],
                       "$.clicksPermitted": [{"GUID": "click-1", "clickTime": "2024-06-01T00:01:00.000Z"}],
                       "$.clicksBlocked": [{"GUID": "click-2", "clickTime": "2024-06-01T00:02:00.000Z"}]},
            "events": {"count": 40, "start": "2024-06-01T00:00:00Z", "end": "2024-06-01T00:05:00Z",
                       "template": {"GUID": "msg-{{n}}", "messageTime": "{{time}}", "subject": "Invoice {{n}}"}}}]})",
                 .id_column = "GUID",
                 .ids = plus(seq("msg-", 40), {"click-1", "click-2"}),
                 .windows = 1,
                 .pages = 1,
                 .vendor_hosts = {"tap-api-v2.proofpoint.com"}});
  return out;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class CorpusTypesE2E : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(CorpusTypesE2E, RunsUnchangedAndStoresExactlyTheEventsServed) {
  INTAKE_REQUIRE_CORPUS(corpus);
  const Case& c = GetParam();
  SCOPED_TRACE(c.covers + " (" + c.definition + ")");
  TempDir dir;
  auto cert = make_self_signed_cert(dir.path(), c.vendor_hosts);
  write_file(dir / "script.json", c.script);
  auto sim = start_simulator({"script", (dir / "script.json").string(), "--tls-cert", cert.first, "--tls-key", cert.second},
                             dir.path());
  std::string port = sim.domain.substr(sim.domain.rfind(':') + 1);

  fs::path definition = corpus / c.definition;
  fs::path ws = dir / "ws.db";
  std::vector<std::string> argv{(bin_dir() / "intake").string(), "poll", definition.string()};
  if (!c.connection.empty()) argv.insert(argv.end(), {"--connection", c.connection});
  for (const auto& p : c.params) {
    std::string v = replace_all(replace_all(replace_all(p, "{origin}", sim.url), "{host}", sim.domain), "{port}", port);
    argv.insert(argv.end(), {"--param", v});
  }
  argv.insert(argv.end(), {"--workspace", ws.string(), "--from", c.from, "--to", c.to, "--ca-file", cert.first});

  std::unique_ptr<ConnectProxy> proxy;
  std::vector<std::string> env;
  if (!c.vendor_hosts.empty()) {
    proxy = std::make_unique<ConnectProxy>(static_cast<uint16_t>(std::stoi(port)));
    env = {"https_proxy=" + proxy->url(), "HTTPS_PROXY=" + proxy->url(), "no_proxy=", "NO_PROXY="};
  }
  auto r = run(argv, dir.path(), std::chrono::seconds(60), env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  std::string n = std::to_string(c.ids.size());
  EXPECT_NE(r.out.find("done windows=" + std::to_string(c.windows) + " pages=" + std::to_string(c.pages) + " events=" + n +
                       " rows=" + n + " duplicates=0"),
            std::string::npos)
      << r.out;
  // Every request passed the simulator's checks (credentials, signature, expected parameters).
  for (const auto& q : sim_requests(sim, cert.first)) {
    EXPECT_EQ(q.status, 200) << q.method << " " << q.target;
  }
  if (proxy) {
    auto targets = proxy->targets();
    ASSERT_FALSE(targets.empty());
    for (const auto& t : targets) EXPECT_EQ(t, c.vendor_hosts[0] + ":443");
  }

  WorkspaceFile w(ws);
  std::string table = c.table;
  if (table.empty()) {
    // Legacy pollers name no stream: the table is the one data table intake created.
    auto tables = w.column("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_intake%' ESCAPE '\\' "
                           "AND name NOT LIKE 'sqlite%'");
    ASSERT_EQ(tables.size(), 1u) << ::testing::PrintToString(tables);
    table = tables[0];
  }
  ASSERT_TRUE(w.has_table(table)) << table;
  auto stored = w.column("SELECT \"" + c.id_column + "\" FROM \"" + table + "\"");
  std::sort(stored.begin(), stored.end());
  auto expected = c.ids;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(stored, expected);
  for (const auto& [sql, value] : c.checks) {
    auto got = w.column(sql);
    ASSERT_EQ(got.size(), 1u) << sql;
    EXPECT_EQ(got[0], value) << sql;
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusTypesE2E, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// PersistentToken across processes: a second run starts from the cursor the first one saved.
TEST(CorpusTypesE2E_Persistent, Auth0CursorSurvivesIntoTheNextRun) {
  INTAKE_REQUIRE_CORPUS(corpus);
  Case c;
  for (auto& k : cases()) {
    if (k.name == "OAuth2PersistentToken_Auth0") c = k;
  }
  TempDir dir;
  auto cert = make_self_signed_cert(dir.path());
  write_file(dir / "script.json", c.script);
  auto sim = start_simulator({"script", (dir / "script.json").string(), "--tls-cert", cert.first, "--tls-key", cert.second},
                             dir.path());
  auto poll = [&](const char* to) {
    return run_intake({"poll", (corpus / c.definition).string(), "--param", "Domain=" + sim.url, "--param",
                       "ClientId=auth0-client", "--param", "ClientSecret=auth0-secret", "--workspace",
                       (dir / "ws.db").string(), "--from", c.from, "--to", to, "--ca-file", cert.first},
                      dir.path());
  };
  auto first = poll("2024-06-01T00:05:00Z");
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  size_t before = sim_requests(sim, cert.first).size();
  auto second = poll("2024-06-01T00:10:00Z");
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("done windows=1 pages=1 events=0"), std::string::npos) << second.out;
  auto log = sim_requests(sim, cert.first);
  ASSERT_EQ(log.size(), before + 2);  // a token, then one page
  // The last log's id (position 230) is where the second run resumed.
  EXPECT_EQ(log.back().target, "/api/v2/logs?take=100&from=" + intake::http::url_encode(intake::base64_encode("pos:230")));
  WorkspaceFile w(dir / "ws.db");
  EXPECT_EQ(w.scalar("SELECT count(*) FROM Auth0Logs_CL"), 230);
}

// The cases above cover every type the corpus uses: a new one fails here until it gets a case.
TEST(CorpusTypesE2E_Coverage, CorpusTypesAreTheOnesCovered) {
  INTAKE_REQUIRE_CORPUS(corpus);
  std::set<std::string> auth, paging;
  std::function<void(const intake::Value&)> walk = [&](const intake::Value& v) {
    if (v.is_array()) {
      for (const auto& x : v.as_array()) walk(x);
      return;
    }
    if (!v.is_object()) return;
    const intake::Value* kind = v.get_ci("kind");
    const intake::Value* props = v.get_ci("properties");
    if (kind && kind->is_string() && props && props->is_object() &&
        (kind->as_string() == "RestApiPoller" || kind->as_string() == "APIPolling")) {
      const intake::Value* cfg = kind->as_string() == "APIPolling" ? props->get_ci("pollingConfig") : props;
      if (cfg && cfg->is_object()) {
        if (const intake::Value* a = cfg->get_ci("auth"); a && a->is_object()) {
          const intake::Value* t = a->get_ci("type") ? a->get_ci("type") : a->get_ci("authType");
          auth.insert(t && t->is_string() ? t->as_string() : "(none)");
        }
        const intake::Value* p = cfg->get_ci("paging");
        const intake::Value* t = p && p->is_object() ? p->get_ci("pagingType") : nullptr;
        paging.insert(t && t->is_string() ? t->as_string() : "(none)");
      }
    }
    for (const auto& [k, x] : v.as_object()) walk(x);
  };
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::string text = read_file(e.path());
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    if (auto v = intake::json::parse(text)) walk(*v);
  }
  EXPECT_EQ(auth, (std::set<std::string>{"APIKey", "AliCloudSlsV1", "Basic", "CiscoDuo", "JwtToken", "OAuth2"}));
  EXPECT_EQ(paging, (std::set<std::string>{"(none)", "LinkHeader", "NextPageToken", "NextPageUrl", "None", "Offset", "PageToken",
                                           "PersistentToken"}));
}
