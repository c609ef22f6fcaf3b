#include "sim/graph.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>

#include "core/base64.h"
#include "core/time.h"

namespace intake::sim::graph {

namespace {

constexpr std::string_view kContext = "https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2";

struct Detector {
  const char* title;
  const char* category;
  const char* technique;
  const char* service;
  const char* detection;
  const char* evidence;  // deviceEvidence | processEvidence | userEvidence | fileEvidence | ipEvidence
};
constexpr std::array<Detector, 8> kDetectors{{
    {"Suspicious PowerShell command line", "Execution", "T1059.001", "microsoftDefenderForEndpoint",
     "microsoftDefenderForEndpoint", "processEvidence"},
    {"Credential dumping from LSASS memory", "CredentialAccess", "T1003.001", "microsoftDefenderForEndpoint",
     "antivirus", "fileEvidence"},
    {"Hidden file or directory created", "DefenseEvasion", "T1564.001", "microsoftDefenderForEndpoint",
     "microsoftDefenderForEndpoint", "fileEvidence"},
    {"Impossible travel activity", "InitialAccess", "T1078", "microsoftDefenderForCloudApps",
     "microsoftDefenderForCloudApps", "userEvidence"},
    {"Email messages containing malicious URL removed after delivery", "InitialAccess", "T1566.002",
     "microsoftDefenderForOffice365", "microsoftDefenderForOffice365", "ipEvidence"},
    {"Suspected brute-force attack (LDAP)", "CredentialAccess", "T1110", "microsoftDefenderForIdentity",
     "microsoftDefenderForIdentity", "userEvidence"},
    {"Unfamiliar sign-in properties", "InitialAccess", "T1078.004", "azureAdIdentityProtection",
     "azureAdIdentityProtection", "ipEvidence"},
    {"Ransomware behavior detected in the file system", "Impact", "T1486", "microsoft365Defender",
     "customDetection", "deviceEvidence"},
}};
constexpr std::array<const char*, 4> kSeverities{"low", "medium", "high", "informational"};
constexpr std::array<const char*, 3> kStatuses{"new", "inProgress", "resolved"};
constexpr std::array<const char*, 8> kUsers{"adele.vance", "megan.bowen", "lee.gu", "nestor.wilke",
                                            "pradeep.gupta", "alex.wilber", "lidia.holloway", "isaiah.langer"};
constexpr std::array<const char*, 5> kDevices{"ws-fin-0042", "ws-dev-0107", "srv-sql-03", "lt-hr-0019",
                                              "srv-dc-01"};

std::string graph_time(int64_t ticks) { return iso_time(ticks, 7); }

std::string encode_skiptoken(int64_t position) { return base64_encode("pos:" + std::to_string(position)); }

std::optional<int64_t> decode_skiptoken(std::string_view token) {
  auto d = base64_decode(token);
  if (!d || !d->starts_with("pos:")) return std::nullopt;
  return parse_int(std::string_view(*d).substr(4));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

struct Simulator::Query {
  int64_t lo = 0, hi = 0;
  int64_t position = 0;  // within [lo, hi)
  int64_t top = 0;
  bool count = false;
  http::QueryParams carried;  // parameters repeated in the nextLink
};

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  if (options.alerts < 0) return fail("--alerts", "must not be negative");
  if (options.end_ms <= options.start_ms) return fail("--end", "must be after --start");
  if (options.update_lag_ms < 0 || options.update_lag_ms >= options.end_ms - options.start_ms) {
    return fail("--update-lag", "must be within 0 and the --start..--end span");
  }
  if (options.max_top < 1) return fail("--max-top", "must be positive");
  if (options.default_top < 1 || options.default_top > options.max_top) {
    return fail("--default-top", "must be within 1..--max-top");
  }
  if (options.max_skip < 0) return fail("--max-skip", "must not be negative");
  if (options.entra.token_ttl_s < 1) return fail("--token-ttl", "must be positive");
  if (auto s = check_fault_options(options.faults); !s) return std::unexpected(s.error());
  options.entra.now = options.now;
  options.entra.seed = options.seed;
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  return std::unique_ptr<Simulator>(new Simulator(std::move(options), std::move(recorder)));
}

Simulator::Simulator(Options options, std::shared_ptr<Recorder> recorder)
    : options_(std::move(options)),
      recorder_(std::move(recorder)),
      tokens_(options_.entra),
      faults_(options_.faults, options_.seed, options_.now),
      timeline_(options_.alerts, ticks_from_ms(options_.start_ms), ticks_from_ms(options_.end_ms),
                hash2(options_.seed, 0x6A9F), 1, 2) {}

int64_t Simulator::updated_ticks(int64_t index) const {
  int64_t created = created_ticks(index);
  int64_t start = ticks_from_ms(options_.start_ms), end = ticks_from_ms(options_.end_ms);
  int64_t lag = ticks_from_ms(options_.update_lag_ms);
  return created + lag - scale(lag, created - start, end - start);
}

std::string Simulator::alert_id(int64_t index) const {
  // MDE-style ids: "da" + 18 digits of the creation tick count + "_" + a number.
  return "da" + std::to_string(637'000'000'000'000'000 + created_ticks(index) / 1000 * 1000 + index % 1000) + "_" +
         std::to_string(hash2(options_.seed, static_cast<uint64_t>(index)) % 2'000'000'000);
}

std::string Simulator::alert_json(int64_t index) const {
  Dice d(options_.seed ^ 0x6A1EULL, static_cast<uint64_t>(index));
  const Detector& det = d.pick(kDetectors);
  const char* severity = d.pick(kSeverities);
  const char* status = d.pick(kStatuses);
  const char* user = d.pick(kUsers);
  const char* device = d.pick(kDevices);
  int64_t created = created_ticks(index);
  int64_t updated = updated_ticks(index);
  int64_t first_activity = created - static_cast<int64_t>(d.pick(3600)) * kTicksPerSecond;
  std::string id = alert_id(index);
  std::string incident = std::to_string(1000 + index / 3);
  const std::string& tenant = options_.entra.tenant;
  std::string user_id = uuid(hash2(options_.seed, 77 + std::string_view(user).size()), mix64(user[0]));
  std::string sha1 = hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 8);
  std::string sha256 = hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 16);

  std::string out;
  out.reserve(2600);
  JsonOut j(out);
  j.begin_object()
      .str("id", id)
      .str("providerAlertId", id.substr(2))
      .str("incidentId", incident)
      .str("status", status)
      .str("severity", severity)
      .str("classification", status[0] == 'r' ? "truePositive" : "unknown")
      .str("determination", status[0] == 'r' ? "malware" : "unknown")
      .str("serviceSource", det.service)
      .str("detectionSource", det.detection)
      .str("productName", "Microsoft Defender XDR")
      .str("detectorId", uuid(hash2(options_.seed, std::string_view(det.title).size()), mix64(det.title[0])))
      .str("tenantId", tenant)
      .str("title", det.title)
      .str("description", std::string("A process on ") + device + " showed behaviour matching '" + det.title +
                              "'. Investigate the device timeline and the user's recent sign-ins.")
      .str("recommendedActions", "1. Isolate the device.\r\n2. Review the process tree.\r\n3. Reset the credentials of "
                                 "the affected account.")
      .str("category", det.category)
      .strings("mitreTechniques", {det.technique});
  if (status[0] == 'n') j.null("assignedTo"); else j.str("assignedTo", "secops@contoso.com");
  j.null("actorDisplayName")
      .null("threatDisplayName")
      .null("threatFamilyName")
      .str("alertWebUrl", "https://security.microsoft.com/alerts/" + id + "?tid=" + tenant)
      .str("incidentWebUrl", "https://security.microsoft.com/incidents/" + incident + "?tid=" + tenant)
      .str("createdDateTime", graph_time(created))
      .str("lastUpdateDateTime", graph_time(updated))
      .str("firstActivityDateTime", graph_time(first_activity))
      .str("lastActivityDateTime", graph_time(created - kTicksPerSecond * 5));
  if (status[0] == 'r') j.str("resolvedDateTime", graph_time(updated)); else j.null("resolvedDateTime");
  j.begin_array("comments").end_array();
  j.begin_array("systemTags").end_array();
  j.begin_array("evidence");
  j.begin_object()
      .str("@odata.type", "#microsoft.graph.security.deviceEvidence")
      .str("createdDateTime", graph_time(created))
      .str("verdict", "suspicious")
      .str("remediationStatus", "none")
      .null("remediationStatusDetails")
      .strings("roles", {})
      .strings("detailedRoles", {"PrimaryDevice"})
      .strings("tags", {})
      .str("mdeDeviceId", hex(hash2(options_.seed, std::string_view(device).size()), 16) + hex(mix64(device[3]), 16) +
                              hex(mix64(device[4]), 8))
      .str("deviceDnsName", std::string(device) + ".contoso.com")
      .str("osPlatform", device[0] == 's' ? "WindowsServer2022" : "Windows11")
      .num("osBuild", device[0] == 's' ? 20348 : 22631)
      .str("healthStatus", "active")
      .str("riskScore", severity)
      .str("onboardingStatus", "onboarded")
      .strings("ipInterfaces", {"10.1." + std::to_string(d.pick(250)) + "." + std::to_string(2 + d.pick(250))})
      .begin_array("loggedOnUsers")
      .begin_object().str("accountName", user).str("domainName", "CONTOSO").end_object()
      .end_array()
      .end_object();
  std::string ev = det.evidence;
  j.begin_object()
      .str("@odata.type", "#microsoft.graph.security." + ev)
      .str("createdDateTime", graph_time(created))
      .str("verdict", d.chance(0.6) ? "malicious" : "suspicious")
      .str("remediationStatus", d.chance(0.5) ? "remediated" : "none")
      .null("remediationStatusDetails")
      .strings("roles", {})
      .strings("tags", {});
  auto user_account = [&] {
    j.begin_object("userAccount")
        .str("accountName", user)
        .str("domainName", "CONTOSO")
        .str("userSid", "S-1-5-21-1340346489-3245223423-8234232311-" + std::to_string(1100 + std::string_view(user).size()))
        .str("azureAdUserId", user_id)
        .str("userPrincipalName", std::string(user) + "@contoso.com")
        .str("displayName", user)
        .end_object();
  };
  if (ev == "processEvidence") {
    j.num("processId", static_cast<int64_t>(1000 + d.pick(60000)))
        .num("parentProcessId", static_cast<int64_t>(500 + d.pick(5000)))
        .str("processCommandLine", "powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand SQBFAFgA")
        .str("processCreationDateTime", graph_time(first_activity))
        .begin_object("imageFile")
        .str("sha1", sha1).str("sha256", sha256).str("fileName", "powershell.exe")
        .str("filePath", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0").num("fileSize", 450560)
        .str("filePublisher", "Microsoft Corporation").null("signer").null("issuer")
        .end_object();
    user_account();
  } else if (ev == "fileEvidence") {
    j.str("detectionStatus", "detected")
        .begin_object("fileDetails")
        .str("sha1", sha1).str("sha256", sha256).str("fileName", "payload.dll")
        .str("filePath", "C:\\Users\\" + std::string(user) + "\\AppData\\Local\\Temp")
        .num("fileSize", static_cast<int64_t>(20'000 + d.pick(900'000))).null("filePublisher").null("signer").null("issuer")
        .end_object()
        .str("mdeDeviceId", hex(d.next(), 16));
  } else if (ev == "userEvidence") {
    user_account();
  } else if (ev == "ipEvidence") {
    j.str("ipAddress", "203.0.113." + std::to_string(1 + d.pick(250))).str("countryLetterCode", "NL");
  }
  j.end_object();
  j.end_array();
  j.end_object();
  return out;
}

http::ServerResponse Simulator::handle(const http::ServerRequest& request) {
  http::ServerResponse response = serve(request);
  response.delay_ms = options_.faults.slow_ms;
  return response;
}

http::ServerResponse Simulator::serve(const http::ServerRequest& request) {
  if (auto r = tokens_.handle(request)) return *r;
  int64_t now = options_.now();
  int64_t number = 0;
  if (request.path != "/v1.0/security/alerts_v2" && request.path != "/beta/security/alerts_v2") {
    return entra::graph_error(400, "BadRequest", "Resource not found for the segment '" +
                                                     request.path.substr(request.path.rfind('/') + 1) + "'.",
                              now, hash2(options_.seed, 404));
  }
  if (request.method != "GET") {
    return entra::graph_error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.",
                              now, hash2(options_.seed, 405));
  }
  switch (faults_.next(&number)) {
    case FaultPlan::Fault::Drop: {
      http::ServerResponse r;
      r.drop_connection = true;
      return r;
    }
    case FaultPlan::Fault::Throttled:
    case FaultPlan::Fault::RateLimited: {
      std::string date = iso_time(ticks_from_ms(now), 0);
      date.pop_back();
      std::string body = "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Please retry again later.\","
                         "\"innerError\":{\"code\":\"429\",\"date\":\"" + date + "\",\"message\":\"Please retry after\","
                         "\"request-id\":\"" + uuid(hash2(options_.seed, static_cast<uint64_t>(number)), 1) +
                         "\",\"status\":\"429\"}}}";
      http::ServerResponse r = http::ServerResponse::json(429, std::move(body));
      bool forced = number == options_.faults.throttle_at;
      r.headers.emplace_back("Retry-After", forced ? "2" : std::to_string(options_.faults.retry_after_s));
      return r;
    }
    case FaultPlan::Fault::ServerError:
      return entra::graph_error(500, "InternalServerError", "An internal server error occurred.", now,
                                hash2(options_.seed, static_cast<uint64_t>(number)));
    case FaultPlan::Fault::Unavailable: {
      http::ServerResponse r = entra::graph_error(503, "ServiceUnavailable", "The service is temporarily unavailable.",
                                                  now, hash2(options_.seed, static_cast<uint64_t>(number)));
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    case FaultPlan::Fault::None: break;
  }
  if (number == options_.faults.expire_token_at) tokens_.expire(request);
  if (auto r = tokens_.check_bearer(request)) return *r;

  auto q = parse_query(request);
  if (!q) return entra::graph_error(400, "BadRequest", q.error().message, now, hash2(options_.seed, 400));
  int64_t first = q->lo + q->position;
  int64_t last = std::min(first + q->top, q->hi);
  std::string body = "{\"@odata.context\":\"" + std::string(kContext) + "\"";
  if (q->count) body += ",\"@odata.count\":" + std::to_string(q->hi - q->lo);
  if (last < q->hi) {
    http::QueryParams next = q->carried;
    next.emplace_back("$skiptoken", encode_skiptoken(last - q->lo));
    std::string host(request.header("Host").value_or("graph.microsoft.com"));
    std::string base = request.path.starts_with("/beta") ? "/beta" : "/v1.0";
    body += ",\"@odata.nextLink\":";
    append_json_string(body, options_.scheme + "://" + host + base + "/security/alerts_v2?" + http::build_query(next));
  }
  body += ",\"value\":[";
  for (int64_t i = first; i < last; ++i) {
    if (i > first) body += ',';
    body += alert_json(i);
  }
  body += "]}";
  recorder_->add_records_served(std::max<int64_t>(last - first, 0));
  return http::ServerResponse::json(200, std::move(body));
}

Result<Simulator::Query> Simulator::parse_query(const http::ServerRequest& request) const {
  Query q;
  q.hi = timeline_.count();
  q.top = options_.default_top;
  std::optional<int64_t> skip, skiptoken;
  for (const auto& [name, value] : request.query) {
    if (name == "$top") {
      auto n = parse_int(value);
      if (!n || *n < 1 || *n > options_.max_top) {
        return fail("Invalid page size specified: '" + value + "'. Must be between 1 and " +
                    std::to_string(options_.max_top) + " inclusive.");
      }
      q.top = *n;
      q.carried.emplace_back(name, value);
    } else if (name == "$skip") {
      auto n = parse_int(value);
      if (!n || *n < 0) return fail("Invalid value for $skip: '" + value + "'.");
      if (*n > options_.max_skip) {
        return fail("Invalid skip value specified: '" + value + "'. Must be between 0 and " +
                    std::to_string(options_.max_skip) + " inclusive.");
      }
      skip = *n;
    } else if (name == "$skiptoken") {
      skiptoken = decode_skiptoken(value);
      if (!skiptoken || *skiptoken < 0) return fail("Invalid $skiptoken.");
    } else if (name == "$count") {
      if (value != "true" && value != "false") return fail("Invalid value for $count: '" + value + "'.");
      q.count = value == "true";
      q.carried.emplace_back(name, value);
    } else if (name == "$filter") {
      q.carried.emplace_back(name, value);
      // The OData subset the alerts API documents for times: <property> <ge|gt|le|lt> <datetime> [and ...].
      std::string text = value;
      std::vector<std::string> clauses;
      for (size_t p = 0;;) {
        std::string l = lower(text);
        size_t a = l.find(" and ", p);
        clauses.push_back(text.substr(p, a == std::string::npos ? std::string::npos : a - p));
        if (a == std::string::npos) break;
        p = a + 5;
      }
      for (std::string clause : clauses) {
        while (!clause.empty() && clause.front() == ' ') clause.erase(0, 1);
        while (!clause.empty() && clause.back() == ' ') clause.pop_back();
        if (clause.size() > 2 && clause.front() == '(' && clause.back() == ')') clause = clause.substr(1, clause.size() - 2);
        size_t s1 = clause.find(' ');
        size_t s2 = s1 == std::string::npos ? s1 : clause.find(' ', s1 + 1);
        if (s2 == std::string::npos) return fail("Invalid filter clause: '" + clause + "'.");
        std::string property = clause.substr(0, s1);
        std::string op = lower(clause.substr(s1 + 1, s2 - s1 - 1));
        std::string literal = clause.substr(s2 + 1);
        if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'') {
          literal = literal.substr(1, literal.size() - 2);
        }
        bool updated = property == "lastUpdateDateTime";
        if (!updated && property != "createdDateTime") {
          return fail("Invalid filter clause: the simulator supports createdDateTime and lastUpdateDateTime, not '" +
                      property + "'.");
        }
        auto t = parse_datetime(literal);
        if (!t) return fail("The DateTimeOffset text '" + literal + "' should be in format 'yyyy-mm-ddThh:mm:ss('.'s+)?(zzzzzz)?' and each field value is within valid range.");
        auto time_of = [&](int64_t i) { return updated ? updated_ticks(i) : created_ticks(i); };
        auto first = [&](bool inclusive) {
          return partition_point(timeline_.count(), [&](int64_t i) { return inclusive ? time_of(i) < t->ticks : time_of(i) <= t->ticks; });
        };
        if (op == "ge") q.lo = std::max(q.lo, first(true));
        else if (op == "gt") q.lo = std::max(q.lo, first(false));
        else if (op == "le") q.hi = std::min(q.hi, first(false));
        else if (op == "lt") q.hi = std::min(q.hi, first(true));
        else return fail("Invalid filter clause: unsupported operator '" + op + "'.");
      }
    } else if (name == "$orderby" || name == "$select") {
      q.carried.emplace_back(name, value);  // accepted, not applied (alerts come oldest first)
    } else if (name.starts_with("$")) {
      return fail("Query option '" + name + "' is not allowed. Make sure that the query option is supported.");
    }
  }
  q.hi = std::max(q.hi, q.lo);
  if (skiptoken) {
    if (*skiptoken > q.hi - q.lo) return fail("Invalid $skiptoken.");
    q.position = *skiptoken;
  } else {
    q.position = std::min(skip.value_or(0), q.hi - q.lo);
  }
  return q;
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

class GraphCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--alerts", alerts_, "Number of alerts to generate (oldest first)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--start", start_, "Earliest createdDateTime, ISO 8601 (default: --end minus 24 hours)");
    app.add_option("--end", end_, "Alerts are created before this time, ISO 8601 (default: now, whole minute)");
    app.add_option("--update-lag", update_lag_s_, "Seconds between createdDateTime and lastUpdateDateTime")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--default-top", options_.default_top, "Page size when $top is absent")->capture_default_str();
    app.add_option("--max-top", options_.max_top, "Largest accepted $top (larger is a 400)")->capture_default_str();
    app.add_option("--max-skip", options_.max_skip, "Largest accepted $skip (larger is a 400)")->capture_default_str();
    entra::add_options(app, options_.entra);
    add_fault_options(app, options_.faults);
    add_token_fault_options(app, options_.faults);
    app.footer(
        "Endpoints: POST /{tenant}/oauth2/v2.0/token (scope https://graph.microsoft.com/.default) and\n"
        "/{tenant}/oauth2/token (resource); GET /v1.0/security/alerts_v2 and /beta/security/alerts_v2 ($top, $skip,\n"
        "$skiptoken, $count, $filter on createdDateTime/lastUpdateDateTime); GET /_sim/stats, /_sim/requests.");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    Options o = options_;
    o.alerts = alerts_;
    o.update_lag_ms = update_lag_s_ * 1000;
    o.seed = common.seed;
    o.scheme = common.tls_cert.empty() ? "http" : "https";
    auto range = parse_time_range(start_, end_);
    if (!range) return std::unexpected(range.error());
    o.start_ms = range->start_ms;
    o.end_ms = range->end_ms;
    auto sim = Simulator::create(std::move(o), std::move(recorder));
    if (!sim) return std::unexpected(sim.error());
    return share_handler(std::move(*sim));
  }

 private:
  Options options_;
  int64_t alerts_ = 1000;
  std::string start_, end_;
  int64_t update_lag_s_ = 1800;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<GraphCommand>(); }

}  // namespace intake::sim::graph
