#include "sim/dataminr.h"

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "core/base64.h"
#include "core/time.h"
#include "http/client.h"

namespace intake::sim::dataminr {

namespace {

constexpr std::array<const char*, 4> kListTypes{"TOPIC", "CUSTOM", "COMPANY", "CYBER"};
constexpr std::array<const char*, 4> kColors{"red", "blue", "green", "orange"};
struct AlertType {
  const char* id;
  const char* name;
  const char* color;
};
constexpr std::array<AlertType, 3> kAlertTypes{{{"alert", "Alert", "FFBB05"},
                                                {"urgent", "Urgent", "FF0000"},
                                                {"flash", "Flash", "FF0000"}}};
struct Story {
  const char* caption;
  const char* category;
  const char* source;
};
constexpr std::array<Story, 6> kStories{
    {{"Ransomware group claims breach of regional logistics provider", "Cybersecurity - Crime & Malicious Activity",
      "CSIRT"},
     {"Scanning activity from 77.73.133.62 targeting exposed VPN gateways", "Cybersecurity - Threats & Vulnerabilities",
      "Greynoise"},
     {"New exploit published for CVE-2024-3400 in PAN-OS GlobalProtect", "Cybersecurity - Threats & Vulnerabilities",
      "VirusTotal"},
     {"Phishing domain impersonating a payroll service registered", "Cybersecurity - Crime & Malicious Activity",
      "URLScan"},
     {"Exposed database with customer records indexed", "Cybersecurity - Threats & Vulnerabilities", "Shodan"},
     {"Indicators shared for a new information stealer campaign", "Cybersecurity - Crime & Malicious Activity",
      "alienvault open threat exchange"}}};
constexpr std::array<const char*, 5> kCompanies{"Contoso Ltd", "Fabrikam Inc", "Northwind Traders", "Tailspin Toys",
                                                "Woodgrove Bank"};

std::string dm_error(int code, std::string_view message) {
  std::string body = "{\"errors\":[{\"code\":" + std::to_string(code) + ",\"message\":";
  append_json_string(body, message);
  return body + "}]}";
}

std::string encode_cursor(int64_t position) { return base64_encode("H4sIAAAA:" + std::to_string(position)); }

std::optional<int64_t> decode_cursor(std::string_view text) {
  auto d = base64_decode(text);
  if (!d || !d->starts_with("H4sIAAAA:")) return std::nullopt;
  return parse_int(std::string_view(*d).substr(9));
}

std::string ip_of(Dice& d) {
  return "77.73." + std::to_string(d.pick(250)) + "." + std::to_string(1 + d.pick(250));
}

}  // namespace

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  if (options.alerts < 0) return fail("--alerts", "must not be negative");
  if (options.end_ms <= options.start_ms) return fail("--end", "must be after --start");
  if (options.token_ttl_s < 1) return fail("--token-ttl", "must be positive");
  if (options.lists_per_type < 0) return fail("--lists-per-type", "must not be negative");
  if (options.default_num < 1 || options.default_num > options.max_num) return fail("--default-num", "must be within 1..--max-num");
  if (auto s = check_fault_options(options.faults); !s) return std::unexpected(s.error());
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  return std::unique_ptr<Simulator>(new Simulator(std::move(options), std::move(recorder)));
}

Simulator::Simulator(Options options, std::shared_ptr<Recorder> recorder)
    : options_(std::move(options)),
      recorder_(std::move(recorder)),
      faults_(options_.faults, options_.seed, options_.now),
      timeline_(options_.alerts, ticks_from_ms(options_.start_ms), ticks_from_ms(options_.end_ms),
                hash2(options_.seed, 0xD4A1), kTicksPerMillisecond, 0) {}

int64_t Simulator::event_ms(int64_t index) const { return timeline_.at(index) / kTicksPerMillisecond; }

std::vector<int64_t> Simulator::list_ids() const {
  std::vector<int64_t> ids;
  for (size_t t = 0; t < kListTypes.size(); ++t) {
    for (int64_t k = 0; k < options_.lists_per_type; ++k) ids.push_back(3'342'600 + static_cast<int64_t>(t) * 100 + k);
  }
  return ids;
}

int64_t Simulator::list_of(int64_t index) const {
  auto ids = list_ids();
  if (ids.empty()) return 0;
  return ids[hash2(options_.seed ^ 0x11575ULL, static_cast<uint64_t>(index)) % ids.size()];
}

std::string Simulator::alert_json(int64_t index) const {
  Dice d(options_.seed ^ 0xD3A7ULL, static_cast<uint64_t>(index));
  const AlertType& type = d.pick(kAlertTypes);
  const Story& story = d.pick(kStories);
  int64_t list = list_of(index);
  size_t list_type = static_cast<size_t>((list - 3'342'600) / 100) % kListTypes.size();
  std::string alert_id = std::to_string(hash2(options_.seed, static_cast<uint64_t>(index)) % 9'000'000'000ULL + 1'000'000'000ULL) +
                         "-" + std::to_string(event_ms(index)) + "-1";
  std::string out;
  JsonOut j(out);
  j.begin_object()
      .str("alertId", alert_id)
      .begin_object("alertType").str("id", type.id).str("name", type.name).str("color", type.color).end_object()
      .num("availableRelatedAlerts", static_cast<int64_t>(d.pick(4)))
      .str("caption", story.caption)
      .num("eventTime", event_ms(index))
      .num("eventVolume", static_cast<int64_t>(d.pick(40)))
      .begin_array("categories")
      .begin_object().str("name", story.category).str("id", std::to_string(962'000 + d.pick(20))).str("type", "category").end_object()
      .end_array()
      .begin_array("companies")
      .begin_object().str("name", d.pick(kCompanies)).str("id", hex(d.next(), 16) + hex(d.next(), 8)).end_object()
      .end_array()
      .begin_array("sectors").begin_object().str("name", "Information Technology").end_object().end_array()
      .begin_array("watchlistsMatchedByType")
      .begin_object().str("id", std::to_string(list)).str("type", kListTypes[list_type])
      .str("name", std::string(kListTypes[list_type]) + " watchlist " + std::to_string(list % 100 + 1)).end_object()
      .end_array()
      .begin_object("metadata")
      .begin_object("cyber")
      .strings("URLs", {"hxxp://login-payroll-portal[.]com/session/" + hex(d.next(), 8)})
      .begin_array("addresses").begin_object().str("ip", ip_of(d)).num("port", 443).end_object().end_array()
      .strings("hashes", {hex(d.next(), 16) + hex(d.next(), 16)})
      .strings("malwares", {d.chance(0.5) ? "LockBit" : "RedLine Stealer"})
      .strings("asns", {"AS" + std::to_string(20000 + d.pick(40000))})
      .end_object()
      .end_object()
      .begin_array("relatedTerms")
      .begin_object().str("text", story.source).str("url", "https://app.dataminr.com/#search/" + std::string(story.source)).end_object()
      .end_array()
      .begin_object("post")
      .num("timestamp", event_ms(index) - static_cast<int64_t>(d.pick(60'000)))
      .strings("languages", {"en"})
      .str("link", "https://app.dataminr.com/alerts/" + alert_id)
      .str("text", std::string(story.caption) + " via " + story.source + ".")
      .end_object()
      .null("parentAlertId")
      .end_object();
  return out;
}

std::string rtap_alert_json(uint64_t seed, int64_t index, int64_t event_ms) {
  Dice d(seed ^ 0x47A9ULL, static_cast<uint64_t>(index));
  const AlertType& type = d.pick(kAlertTypes);
  const Story& story = d.pick(kStories);
  std::string id = std::to_string(hash2(seed, static_cast<uint64_t>(index)) % 9'000'000'000ULL + 1'000'000'000ULL) +
                   "-" + std::to_string(event_ms) + "-1";
  auto labels = [&](JsonOut& j) {
    j.begin_object("_embedded")
        .begin_array("labels")
        .begin_object()
        .str("name", "cyber")
        .begin_object("data")
        .str("@type", "cyber")
        .strings("URLs", {"hxxp://cdn-update-check[.]net/" + hex(d.next(), 6)})
        .begin_array("addresses")
        .begin_object().str("ip", "77.73.133[.]" + std::to_string(1 + d.pick(250))).num("port", 443).end_object()
        .end_array()
        .begin_array("hashValues")
        .begin_object().str("type", "SHA256").str("value", hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 16) + hex(d.next(), 16)).end_object()
        .begin_object().str("type", "MD5").str("value", hex(d.next(), 16) + hex(d.next(), 16)).end_object()
        .end_array()
        .begin_array("vulnerabilities")
        .begin_object().str("id", "CVE-2024-" + std::to_string(1000 + d.pick(8000)))
        .strings("products", {"PAN-OS GlobalProtect", "FortiOS SSL-VPN"}).end_object()
        .end_array()
        .end_object()
        .end_object()
        .end_array()
        .end_object();
  };
  std::string out;
  JsonOut j(out);
  j.begin_object()
      .str("index", id)
      .str("headline", std::string(story.caption) + " via " + story.source + ".")
      .begin_object("alertType").str("id", type.id).str("name", type.name).str("color", type.color).end_object()
      .num("availableRelatedAlerts", 1);
  labels(j);
  j.begin_array("relatedAlerts")
      .begin_object()
      .str("index", id.substr(0, id.size() - 1) + "2")
      .str("headline", std::string("Follow-up: ") + story.caption + " via " + story.source + ".")
      .begin_object("alertType").str("id", "urgentUpdate").str("name", "Urgent Update").end_object();
  labels(j);
  j.end_object()
      .end_array()
      .begin_object("internalOnly").begin_object("redirectLinks")
      .str("rawToRedirectedUrls", "https://app.dataminr.com/r/" + hex(d.next(), 10)).end_object().end_object()
      .begin_array("categories").begin_object().str("name", story.category).end_object().end_array()
      .begin_array("companies").begin_object().str("name", d.pick(kCompanies)).end_object().end_array()
      .begin_array("sectors").begin_object().str("name", "Information Technology").end_object().end_array()
      .begin_array("watchlistsMatchedByType").begin_object().str("name", "Cyber threats").end_object().end_array()
      .begin_object("location").real("latitude", 52.37).real("longitude", 4.89).str("name", "Amsterdam, Netherlands")
      .num("probability", 1).num("radius", 10).end_object()
      .begin_object("headlineData").str("via", story.source).end_object()
      .num("timestamp", event_ms)
      .num("volume", static_cast<int64_t>(d.pick(30)))
      .begin_object("publisherCategory").str("name", "Cybersecurity").end_object()
      .end_object();
  return out;
}

http::ServerResponse Simulator::handle(const http::ServerRequest& request) {
  http::ServerResponse response = serve(request);
  response.delay_ms = options_.faults.slow_ms;
  return response;
}

http::ServerResponse Simulator::token(const http::ServerRequest& request) {
  std::map<std::string, std::string> form;
  for (auto& [k, v] : http::parse_query(request.body)) form.emplace(k, v);
  auto field = [&](const char* k) { return form.contains(k) ? form[k] : std::string(); };
  if (field("client_id") != options_.client_id || field("client_secret") != options_.client_secret) {
    return http::ServerResponse::json(400, dm_error(102, "Invalid client Id or client secret"));
  }
  std::string grant = field("grant_type");
  if (grant == "refresh_token") {
    std::lock_guard lock(mutex_);
    if (!refresh_tokens_.contains(field("refresh_token"))) {
      return http::ServerResponse::json(400, dm_error(102, "Invalid refresh token"));
    }
  } else if (grant != "api_key") {
    return http::ServerResponse::json(400, dm_error(102, "Invalid grant type"));
  }
  int64_t n = issued_.fetch_add(1) + 1;
  int64_t expire = options_.now() + options_.token_ttl_s * 1000;
  std::string token = "dma-" + hex(hash2(options_.seed ^ 0xD7, static_cast<uint64_t>(n)), 16) + hex(mix64(n), 16);
  std::string refresh = "dmr-" + hex(hash2(options_.seed ^ 0xD8, static_cast<uint64_t>(n)), 16);
  {
    std::lock_guard lock(mutex_);
    tokens_[token] = expire;
    refresh_tokens_[refresh] = 1;
  }
  return http::ServerResponse::json(200, "{\"dmaToken\":\"" + token + "\",\"refreshToken\":\"" + refresh +
                                             "\",\"expire\":" + std::to_string(expire) + "}");
}

std::optional<http::ServerResponse> Simulator::check_token(const http::ServerRequest& request) {
  auto h = request.header("Authorization");
  constexpr std::string_view kScheme = "Dmauth ";
  if (!h || h->size() <= kScheme.size() || !iequals(h->substr(0, kScheme.size()), kScheme)) {
    return http::ServerResponse::json(401, dm_error(103, "Authentication error. Invalid token"));
  }
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(std::string(h->substr(kScheme.size())));
  if (it == tokens_.end()) return http::ServerResponse::json(401, dm_error(103, "Authentication error. Invalid token"));
  if (options_.now() >= it->second) return http::ServerResponse::json(401, dm_error(103, "Token has expired"));
  return std::nullopt;
}

http::ServerResponse Simulator::serve(const http::ServerRequest& request) {
  bool is_token = request.path == "/auth/2/token";
  bool is_lists = request.path == "/account/2/get_lists";
  bool is_alerts = request.path == "/api/3/alerts" || request.path == "/alerts/2/get_alert";
  bool is_settings = request.path == "/integration/1/settings" || request.path == "/integration/1/settings/";
  if (request.path == "/_sim/dataminr/settings") {
    std::lock_guard lock(mutex_);
    std::string body = "[";
    for (size_t i = 0; i < settings_.size(); ++i) body += (i ? "," : "") + settings_[i];
    return http::ServerResponse::json(200, body + "]");
  }
  if (!is_token && !is_lists && !is_alerts && !is_settings) return http::ServerResponse::json(404, dm_error(404, "Not found"));
  if (request.method != (is_token || is_settings ? "POST" : "GET")) return http::ServerResponse::json(405, dm_error(405, "Method not allowed"));
  int64_t number = 0;
  switch (faults_.next(&number)) {
    case FaultPlan::Fault::Drop: {
      http::ServerResponse r;
      r.drop_connection = true;
      return r;
    }
    case FaultPlan::Fault::Throttled:
    case FaultPlan::Fault::RateLimited: {
      // Dataminr says when to come back in epoch milliseconds, not Retry-After.
      int64_t wait_s = number == options_.faults.throttle_at ? 2 : options_.faults.retry_after_s;
      http::ServerResponse r = http::ServerResponse::json(429, dm_error(105, "Rate limit exceeded!"));
      r.headers.emplace_back("x-rate-limit-reset", std::to_string(options_.now() + wait_s * 1000));
      return r;
    }
    case FaultPlan::Fault::ServerError:
    case FaultPlan::Fault::Unavailable:
      return http::ServerResponse::json(500, R"({"error":"Error fetching alerts..."})");
    case FaultPlan::Fault::None: break;
  }
  if (number == options_.faults.expire_token_at) expire_pending_ = true;
  if (is_token) return token(request);
  if (expire_pending_.exchange(false)) {
    // The token this request carries lapses now: the check below answers 401 "Token has expired".
    auto h = request.header("Authorization");
    constexpr std::string_view kScheme = "Dmauth ";
    if (h && h->size() > kScheme.size() && iequals(h->substr(0, kScheme.size()), kScheme)) {
      std::lock_guard lock(mutex_);
      auto it = tokens_.find(std::string(h->substr(kScheme.size())));
      if (it != tokens_.end()) it->second = std::min(it->second, options_.now());
    }
  }
  if (auto r = check_token(request)) return *r;
  if (is_settings) return settings(request);
  if (is_lists) {
    std::string body;
    JsonOut j(body);
    j.begin_object().begin_object("watchlists");
    auto ids = list_ids();
    for (size_t t = 0; t < kListTypes.size(); ++t) {
      j.begin_array(kListTypes[t]);
      for (int64_t k = 0; k < options_.lists_per_type; ++k) {
        j.begin_object()
            .num("id", ids[t * static_cast<size_t>(options_.lists_per_type) + static_cast<size_t>(k)])
            .str("type", kListTypes[t])
            .str("name", std::string(kListTypes[t]) + " watchlist " + std::to_string(k + 1))
            .str("description", "")
            .begin_object("properties").str("watchlistColor", kColors[t]).end_object()
            .end_object();
      }
      j.end_array();
    }
    j.end_object().end_object();
    return http::ServerResponse::json(200, std::move(body));
  }
  return alerts(request);
}

// RTAP registration (integration/1/settings): the watchlists to deliver and where to.
http::ServerResponse Simulator::settings(const http::ServerRequest& request) {
  auto bad = [](std::string_view m) { return http::ServerResponse::json(400, dm_error(101, m)); };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(request.body).get(root) != simdjson::SUCCESS) return bad("Invalid JSON body");
  simdjson::dom::array lists;
  if (root["watchlists"].get(lists) != simdjson::SUCCESS || lists.size() == 0) return bad("watchlists must be a non-empty array");
  auto known = list_ids();
  for (auto w : lists) {
    int64_t id = 0;
    if (w["id"].get(id) != simdjson::SUCCESS || std::find(known.begin(), known.end(), id) == known.end()) {
      return bad("Unknown watchlist id in watchlists");
    }
    simdjson::dom::array brands;
    if (w["brands"].get(brands) != simdjson::SUCCESS || brands.size() == 0) return bad("Each watchlist needs brands");
  }
  std::string_view type, hook, token;
  if (root["deliveryType"].get(type) != simdjson::SUCCESS || type != "ms_sentinel") return bad("deliveryType must be ms_sentinel");
  if (root["deliveryInfo"]["webhook"].get(hook) != simdjson::SUCCESS || !(hook.starts_with("https://") || hook.starts_with("http://"))) {
    return bad("deliveryInfo.webhook must be a URL");
  }
  if (root["deliveryInfo"]["authToken"].get(token) != simdjson::SUCCESS || token.empty()) return bad("deliveryInfo.authToken is required");
  std::lock_guard lock(mutex_);
  settings_.push_back(std::string(simdjson::minify(root)));
  int64_t id = 90000 + static_cast<int64_t>(settings_.size());
  return http::ServerResponse::json(200, "{\"deliverySettingId\":" + std::to_string(id) + "}");
}

http::ServerResponse Simulator::alerts(const http::ServerRequest& request) {
  auto bad = [](std::string_view m) { return http::ServerResponse::json(400, dm_error(101, m)); };
  int64_t num = options_.default_num;
  if (auto v = request.param("num")) {
    auto n = parse_int(*v);
    if (!n || *n < 1 || *n > options_.max_num) return bad("num must be between 1 and " + std::to_string(options_.max_num));
    num = *n;
  }
  auto lists = request.param("lists");
  if (!lists || lists->empty()) return bad("lists is required");
  std::vector<int64_t> wanted;
  auto known = list_ids();
  for (size_t p = 0; p <= lists->size();) {
    size_t comma = lists->find(',', p);
    if (comma == std::string::npos) comma = lists->size();
    auto id = parse_int(std::string_view(*lists).substr(p, comma - p));
    if (!id || std::find(known.begin(), known.end(), *id) == known.end()) return bad("Invalid list id");
    wanted.push_back(*id);
    p = comma + 1;
  }
  // Only alerts whose time has come exist.
  int64_t visible = timeline_.lower(ticks_from_ms(options_.now()), false);
  auto matches = [&](int64_t i) { return std::find(wanted.begin(), wanted.end(), list_of(i)) != wanted.end(); };
  std::vector<int64_t> picked;
  int64_t from_pos = 0, to_pos = 0;
  if (auto from = request.param("from")) {
    auto pos = decode_cursor(*from);
    if (!pos || *pos < 0 || *pos > options_.alerts) return bad("Unable to decode \"from\" cursor, invalid format");
    int64_t i = *pos;
    for (; i < visible && static_cast<int64_t>(picked.size()) < num; ++i) {
      if (matches(i)) picked.push_back(i);
    }
    from_pos = *pos;
    to_pos = i;
  } else if (auto to = request.param("to")) {
    auto pos = decode_cursor(*to);
    if (!pos || *pos < 0 || *pos > options_.alerts) return bad("Unable to decode \"to\" cursor, invalid format");
    int64_t i = std::min(*pos, visible);
    for (; i > 0 && static_cast<int64_t>(picked.size()) < num; --i) {
      if (matches(i - 1)) picked.push_back(i - 1);
    }
    from_pos = i;
    to_pos = *pos;
  } else {
    // No cursor: the newest alerts.
    int64_t i = visible;
    for (; i > 0 && static_cast<int64_t>(picked.size()) < num; --i) {
      if (matches(i - 1)) picked.push_back(i - 1);
    }
    from_pos = i;
    to_pos = visible;
  }
  std::sort(picked.begin(), picked.end(), std::greater<>());  // newest first, as Dataminr lists them
  std::string body = "{\"data\":{\"alerts\":[";
  for (size_t k = 0; k < picked.size(); ++k) {
    if (k) body += ',';
    body += alert_json(picked[k]);
  }
  body += "],\"from\":\"" + encode_cursor(from_pos) + "\",\"to\":\"" + encode_cursor(to_pos) + "\"}}";
  recorder_->add_records_served(static_cast<int64_t>(picked.size()));
  return http::ServerResponse::json(200, std::move(body));
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

// Push mode: POST RTAP alerts to a webhook, then exit (the Command interface only builds
// servers, so the push runs while the handler would be built and ends the process).
int push(const std::string& url, const std::string& token, bool token_in_query, int64_t count, int64_t batch,
         uint64_t seed, const std::string& ca_file) {
  http::ClientOptions co;
  co.ca_file = ca_file;
  auto client = http::Client::create(co);
  if (!client) {
    std::cerr << "intake-sim: " << client.error().str() << "\n";
    return 1;
  }
  std::string target = token_in_query ? http::append_query(url, {{"code", token}}) : url;
  int64_t sent = 0, failed = 0;
  int64_t now = system_now_ms();
  for (int64_t i = 0; i < count; i += batch) {
    int64_t n = std::min(batch, count - i);
    std::string body = n > 1 || batch > 1 ? "[" : "";
    for (int64_t k = 0; k < n; ++k) {
      if (k) body += ',';
      body += rtap_alert_json(seed, i + k, now - (count - i - k) * 1000);
    }
    if (batch > 1) body += ']';
    http::Request r;
    r.method = "POST";
    r.url = target;
    r.headers.emplace_back("Content-Type", "application/json");
    if (!token_in_query && !token.empty()) r.headers.emplace_back("x-functions-key", token);
    r.body = std::move(body);
    auto resp = (*client)->send(r, std::chrono::seconds(30));
    if (!resp) {
      std::cerr << "intake-sim: " << resp.error().str() << "\n";
      return 1;
    }
    if (resp->status / 100 == 2) sent += n; else ++failed;
    if (resp->status / 100 != 2) std::cerr << "intake-sim: push answered " << resp->status << ": " << resp->body << "\n";
  }
  std::printf("pushed alerts=%lld failed_requests=%lld\n", static_cast<long long>(sent), static_cast<long long>(failed));
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

class DataminrCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--alerts", options_.alerts, "Number of alerts to generate (pull API)")->capture_default_str();
    app.add_option("--start", start_, "Earliest eventTime, ISO 8601 (default: --end minus 24 hours)");
    app.add_option("--end", end_, "Alerts happen before this time, ISO 8601 (default: now, whole minute)");
    app.add_option("--client-id", options_.client_id, "client_id accepted by /auth/2/token")->capture_default_str();
    app.add_option("--client-secret", options_.client_secret, "client_secret accepted by /auth/2/token")
        ->capture_default_str();
    app.add_option("--token-ttl", options_.token_ttl_s, "dmaToken lifetime in seconds (expire)")->capture_default_str();
    app.add_option("--lists-per-type", options_.lists_per_type, "Watchlists per type (TOPIC, CUSTOM, COMPANY, CYBER)")
        ->capture_default_str();
    app.add_option("--max-num", options_.max_num, "Largest accepted num (page size)")->capture_default_str();
    add_fault_options(app, options_.faults);
    add_token_fault_options(app, options_.faults);
    app.add_option("--push-to", push_to_, "Push mode: POST RTAP alerts to this URL, then exit");
    app.add_option("--token", push_token_, "Push mode: webhook key (x-functions-key header, or ?code= with --token-in-query)");
    app.add_flag("--token-in-query", token_in_query_, "Push mode: send the key as ?code=<token>");
    app.add_option("--count", push_count_, "Push mode: number of alerts")->capture_default_str();
    app.add_option("--batch", push_batch_, "Push mode: alerts per POST; 1 sends single objects, more send arrays")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--ca-file", ca_file_, "Push mode: extra CA bundle to trust (HTTPS receivers)");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    if (!push_to_.empty()) std::exit(push(push_to_, push_token_, token_in_query_, push_count_, push_batch_, common.seed, ca_file_));
    Options o = options_;
    o.seed = common.seed;
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
  std::string start_, end_;
  std::string push_to_, push_token_, ca_file_;
  bool token_in_query_ = false;
  int64_t push_count_ = 10;
  int64_t push_batch_ = 1;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<DataminrCommand>(); }

}  // namespace intake::sim::dataminr
