#include "sim/o365.h"

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/time.h"
#include "core/value.h"

namespace intake::sim::o365 {

namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000LL;
constexpr std::string_view kNoPublisher = "00000000-0000-0000-0000-000000000000";

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// {"error":{"code":"AF20030","message":"..."}}; argument errors are all HTTP 400.
http::ServerResponse af_error(int status, std::string_view code, std::string_view message) {
  std::string body;
  JsonOut j(body);
  j.begin_object().begin_object("error").str("code", code).str("message", message).end_object().end_object();
  return http::ServerResponse::json(status, std::move(body));
}
http::ServerResponse af_error(std::string_view code, std::string_view message) { return af_error(400, code, message); }

// ASP.NET Web API's own answers, which the service gives before its controllers run.
http::ServerResponse aspnet_message(int status, std::string_view message) {
  std::string body;
  JsonOut j(body);
  j.begin_object().str("Message", message).end_object();
  return http::ServerResponse::json(status, std::move(body));
}

const char* kWindowRule =
    "Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours "
    "apart, with the start time no more than 7 days in the past.";

// Query parameter names are matched case-insensitively, as the service's model binding does.
std::optional<std::string> param(const http::ServerRequest& request, std::string_view name) {
  for (const auto& [k, v] : request.query) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

bool is_guid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// startTime/endTime: YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, UTC; a fraction after
// the seconds and a trailing Z are tolerated, as .NET's parser does. Milliseconds since the epoch.
std::optional<int64_t> parse_window_time(std::string_view s) {
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = at; k < at + n; ++k) {
      if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
      v = v * 10 + (s[k] - '0');
    }
    return v;
  };
  CivilTime c;
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  if (!y || !mo || !d || s[4] != '-' || s[7] != '-') return std::nullopt;
  c.year = *y, c.month = *mo, c.day = *d;
  int64_t fraction = 0;
  if (s.size() > 10) {
    auto h = digits(11, 2), mi = digits(14, 2);
    if ((s[10] != 'T' && s[10] != 't') || !h || !mi || s[13] != ':') return std::nullopt;
    c.hour = *h, c.minute = *mi;
    if (s.size() > 16) {
      auto sec = digits(17, 2);
      if (s[16] != ':' || !sec) return std::nullopt;
      c.second = *sec;
      if (s.size() > 19) {
        if (s[19] != '.' || s.size() == 20 || s.size() > 27 || !digits(20, s.size() - 20)) return std::nullopt;
        std::string f(s.substr(20));
        f.resize(7, '0');
        fraction = std::stoll(f);
      }
    }
  }
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.hour > 23 || c.minute > 59 || c.second > 59) return std::nullopt;
  DateTime t = from_civil(c);
  CivilTime back = to_civil(t);
  if (back.day != c.day || back.month != c.month) return std::nullopt;  // 2024-02-30
  return (t.ticks + fraction) / kTicksPerMillisecond;
}

// "2015-05-23T17:35:00.000Z", as contentCreated and contentExpiration are written.
std::string content_time(int64_t ms) { return iso_time(ticks_from_ms(ms), 3); }

// The window bounds a NextPageUri carries when the request had none.
std::string param_time(int64_t ms) {
  std::string s = iso_time(ticks_from_ms(ms), 0);
  s.pop_back();
  return s;
}

// Query values in NextPageUri: percent-encoded, except ':' (legal in a query, and how the
// service writes times).
std::string query_value(std::string_view v) {
  std::string e = http::url_encode(v);
  std::string out;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e.compare(i, 3, "%3A") == 0) {
      out += ':';
      i += 2;
    } else {
      out += e[i];
    }
  }
  return out;
}

const char* op_name(int op) {
  static constexpr const char* kNames[] = {"StartSubscription", "StopSubscription", "ListSubscriptions",
                                           "ListAvailableContent", "ListNotifications", "RetrieveContent"};
  return kNames[op];
}

}  // namespace

entra::Options default_entra() {
  entra::Options o;
  o.resource = "https://manage.office.com";
  o.other_resources = {"https://graph.microsoft.com", "https://management.azure.com"};
  o.roles = {"ActivityFeed.Read", "ActivityFeed.ReadDlp", "ServiceHealth.Read"};
  return o;
}

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  if (options.page_size < 1) return fail("--page-size", "must be positive");
  if (options.retention_ms < 1) return fail("--retention-days", "must be positive");
  if (options.entra.token_ttl_s < 1) return fail("--token-ttl", "must be positive");
  if (options.throttle_rate < 0 || options.throttle_rate > 1) return fail("--throttle-rate", "must be within 0..1");
  if (options.throttle_burst_at < 0) return fail("--throttle-burst-at", "must not be negative");
  if (options.throttle_burst_len < 0) return fail("--throttle-burst-len", "must not be negative");
  if (auto s = check_fault_options(options.faults); !s) return std::unexpected(s.error());
  if (!is_guid(options.entra.tenant)) return fail("--tenant", "must be a GUID (the Management Activity API takes no domain names)");
  options.entra.now = options.now;
  options.entra.seed = options.seed;
  options.data.seed = options.seed;
  options.data.tenant = options.entra.tenant;
  options.data.domain = options.entra.tenant_domain;
  auto data = Dataset::create(options.data);
  if (!data) return std::unexpected(data.error());
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  return std::unique_ptr<Simulator>(new Simulator(std::move(options), std::move(*data), std::move(recorder)));
}

Simulator::Simulator(Options options, Dataset data, std::shared_ptr<Recorder> recorder)
    : options_(std::move(options)),
      data_(std::move(data)),
      recorder_(std::move(recorder)),
      tokens_(options_.entra),
      faults_(options_.faults, options_.seed, options_.now),
      fetched_(static_cast<size_t>(data_.blob_count()), false) {
  for (ContentType t : options_.subscribed) {
    Subscription& s = subscriptions_[static_cast<size_t>(t)];
    s.status = Subscription::Status::Enabled;
    s.enabled = {{INT64_MIN, INT64_MAX}};
    s.starts = 1;
  }
  for (ContentType t : options_.disabled_by_admin) {
    Subscription& s = subscriptions_[static_cast<size_t>(t)];
    s.status = Subscription::Status::AdminDisabled;
    if (!s.enabled.empty()) s.enabled.back().second = INT64_MIN;
  }
}

http::ServerResponse Simulator::handle(const http::ServerRequest& request) {
  http::ServerResponse response = serve(request);
  response.delay_ms = options_.faults.slow_ms;
  return response;
}

http::ServerResponse Simulator::serve(const http::ServerRequest& request) {
  if (auto r = tokens_.handle(request)) return *r;
  if (request.path == "/_sim/o365") return http::ServerResponse::json(200, state_json());

  // {root} = /api/v1.0/{tenant}/activity/feed (also /api/v1/, the form NextPageUri uses).
  std::optional<Route> route;
  std::string_view path = request.path;
  std::string_view rest;
  if (istarts_with(path, "/api/v1.0/")) rest = path.substr(10);
  else if (istarts_with(path, "/api/v1/")) rest = path.substr(8);
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos && slash > 0 && istarts_with(rest.substr(slash), "/activity/feed/")) {
    std::string tenant(rest.substr(0, slash));
    std::string_view op = rest.substr(slash + 15);
    if (op.ends_with('/')) op.remove_suffix(1);
    if (iequals(op, "subscriptions/start")) route = Route{tenant, Op::Start, {}};
    else if (iequals(op, "subscriptions/stop")) route = Route{tenant, Op::Stop, {}};
    else if (iequals(op, "subscriptions/list")) route = Route{tenant, Op::List, {}};
    else if (iequals(op, "subscriptions/content")) route = Route{tenant, Op::Content, {}};
    else if (iequals(op, "subscriptions/notifications")) route = Route{tenant, Op::Notifications, {}};
    else if (istarts_with(op, "audit/") && op.size() > 6) route = Route{tenant, Op::Fetch, std::string(op.substr(6))};
  }
  if (!route) {
    return aspnet_message(404, "No HTTP resource was found that matches the request URI 'https://manage.office.com" +
                                   request.path + "'.");
  }
  bool post = route->op == Op::Start || route->op == Op::Stop;
  if (request.method != (post ? "POST" : "GET")) {
    return aspnet_message(405, "The requested resource does not support http method '" + request.method + "'.");
  }

  int64_t number = 0;
  FaultPlan::Fault fault = faults_.next(&number);
  if (fault == FaultPlan::Fault::Drop) {
    http::ServerResponse r;
    r.drop_connection = true;
    return r;
  }
  bool burst = options_.throttle_burst_len > 0 && number >= options_.throttle_burst_at &&
               number < options_.throttle_burst_at + options_.throttle_burst_len;
  bool rolled = options_.throttle_rate > 0 &&
                unit_interval(hash2(options_.seed ^ 0x7417ULL, static_cast<uint64_t>(number))) < options_.throttle_rate;
  if (burst || rolled || fault == FaultPlan::Fault::Throttled || fault == FaultPlan::Fault::RateLimited) {
    {
      std::lock_guard lock(mutex_);
      ++throttled_;
    }
    // No Retry-After and no rate-limit headers: clients back off on their own.
    std::string publisher = param(request, "PublisherIdentifier").value_or(std::string(kNoPublisher));
    return af_error(429, "AF429",
                    std::string("Too many requests. Method=") + op_name(static_cast<int>(route->op)) +
                        ", PublisherId=" + publisher);
  }
  if (fault == FaultPlan::Fault::ServerError || fault == FaultPlan::Fault::Unavailable) {
    {
      std::lock_guard lock(mutex_);
      ++failed_;
    }
    return af_error(500, "AF50000", "An internal error occurred. Retry the request.");
  }
  if (number == options_.faults.expire_token_at) tokens_.expire(request);
  if (tokens_.verify(request).state != entra::BearerCheck::State::Valid) {
    http::ServerResponse r = aspnet_message(401, "Authorization has been denied for this request.");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!is_guid(route->tenant)) {
    return af_error("AF20013", "The tenant ID passed in the URL (" + route->tenant + ") is not a valid GUID.");
  }
  if (!iequals(route->tenant, options_.entra.tenant)) {
    return af_error("AF20010", "The tenant ID passed in the URL (" + route->tenant +
                                   ") does not match the tenant ID passed in the access token (" +
                                   options_.entra.tenant + ").");
  }
  switch (route->op) {
    case Op::Start: return start(request);
    case Op::Stop: return stop(request);
    case Op::List: return list(request);
    case Op::Content: return content(request, *route, false);
    case Op::Notifications: return content(request, *route, true);
    case Op::Fetch: return fetch(*route);
  }
  return aspnet_message(404, "No HTTP resource was found that matches the request URI.");
}

namespace {

// The contentType parameter, or the error answer.
std::expected<ContentType, http::ServerResponse> content_type_param(const http::ServerRequest& request) {
  auto value = param(request, "contentType");
  if (!value || value->empty()) return std::unexpected(af_error("AF20001", "Missing parameter: contentType."));
  auto type = parse_content_type(*value);
  if (!type) return std::unexpected(af_error("AF20020", "The specified content type is not valid."));
  return *type;
}

}  // namespace

http::ServerResponse Simulator::start(const http::ServerRequest& request) {
  auto type = content_type_param(request);
  if (!type) return type.error();
  // An optional body {"webhook":{"address","authId","expiration"}}; the address is not called
  // back (no notifications are sent), only checked for HTTPS.
  std::optional<std::string> webhook;
  std::string_view body = request.body;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) body.remove_prefix(1);
  if (!body.empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(simdjson::padded_string(body)).get(doc) || !doc.is_object()) {
      return af_error("AF20002", "Invalid parameter type: body. Expected type: SubscriptionRequest");
    }
    simdjson::dom::element hook;
    if (!doc["webhook"].get(hook) && !hook.is_null()) {
      std::string_view address, auth_id, expiration;
      if (!hook.is_object() || hook["address"].get_string().get(address)) {
        return af_error("AF20001", "Missing parameter: address.");
      }
      if (!istarts_with(address, "https://")) {
        return af_error("AF20021", "The webhook endpoint " + std::string(address) +
                                       " could not be validated. The address must begin with HTTPS.");
      }
      std::string w;
      JsonOut j(w);
      j.begin_object().str("status", "enabled").str("address", address);
      if (hook["authId"].get_string().get(auth_id) == simdjson::SUCCESS) j.str("authId", auth_id); else j.null("authId");
      if (hook["expiration"].get_string().get(expiration) == simdjson::SUCCESS && !expiration.empty()) {
        auto when = parse_datetime(expiration);
        if (!when) return af_error("AF20002", "Invalid parameter type: expiration. Expected type: DateTime");
        if (when->ticks / kTicksPerMillisecond <= options_.now()) {
          return af_error("AF20003", "Expiration " + std::string(expiration) + " provided is set to past date and time.");
        }
        j.str("expiration", expiration);
      } else {
        j.null("expiration");
      }
      j.end_object();
      webhook = std::move(w);
    }
  }
  std::lock_guard lock(mutex_);
  Subscription& s = subscriptions_[static_cast<size_t>(*type)];
  switch (s.status) {
    case Subscription::Status::AdminDisabled:
      return af_error("AF20023", "The subscription was disabled by a tenant admin.");
    case Subscription::Status::Enabled:
      if (!webhook || webhook == s.webhook_json) {
        return af_error("AF20024", "The subscription is already enabled. No property change.");
      }
      s.webhook_json = webhook;
      break;
    case Subscription::Status::None:
    case Subscription::Status::Stopped:
      s.status = Subscription::Status::Enabled;
      s.enabled.emplace_back(options_.now(), INT64_MAX);
      s.webhook_json = webhook;
      ++s.starts;
      break;
  }
  std::string out;
  JsonOut j(out);
  j.begin_object().str("contentType", content_type_name(*type)).str("status", "enabled");
  if (s.webhook_json) j.raw("webhook", *s.webhook_json); else j.null("webhook");
  j.end_object();
  return http::ServerResponse::json(200, std::move(out));
}

http::ServerResponse Simulator::stop(const http::ServerRequest& request) {
  auto type = content_type_param(request);
  if (!type) return type.error();
  std::lock_guard lock(mutex_);
  Subscription& s = subscriptions_[static_cast<size_t>(*type)];
  if (s.status == Subscription::Status::None) {
    return af_error("AF20022", "No subscription found for the specified content type.");
  }
  if (s.status == Subscription::Status::Enabled) {
    s.enabled.back().second = options_.now();
    s.status = Subscription::Status::Stopped;
  }
  http::ServerResponse r;
  r.status = 200;
  return r;
}

http::ServerResponse Simulator::list(const http::ServerRequest&) {
  std::string out;
  JsonOut j(out);
  j.begin_array();
  std::lock_guard lock(mutex_);
  for (ContentType t : kAllContentTypes) {
    const Subscription& s = subscriptions_[static_cast<size_t>(t)];
    if (s.status == Subscription::Status::None) continue;
    j.begin_object()
        .str("contentType", content_type_name(t))
        .str("status", s.status == Subscription::Status::Enabled ? "enabled" : "disabled");
    if (s.webhook_json) j.raw("webhook", *s.webhook_json); else j.null("webhook");
    j.end_object();
  }
  j.end_array();
  return http::ServerResponse::json(200, std::move(out));
}

bool Simulator::available(const Subscription& s, int64_t created_ms) const {
  if (options_.backfill && !s.enabled.empty() && created_ms < s.enabled.front().first) return true;
  for (const auto& [from, to] : s.enabled) {
    if (created_ms >= from && created_ms < to) return true;
  }
  return false;
}

namespace {

// nextPage: the window start's yyyyMMddHH, 'R', the next blob index (9 digits) and a check over
// the content type, the window and the index (3 digits), so a page token only works for the
// listing that issued it.
unsigned page_check(uint64_t seed, ContentType type, int64_t start_ms, int64_t end_ms, int64_t index) {
  uint64_t key = mix64(static_cast<uint64_t>(start_ms)) + 3 * mix64(static_cast<uint64_t>(end_ms)) +
                 static_cast<uint64_t>(type);
  return static_cast<unsigned>(hash2(seed ^ 0x9A6EULL, static_cast<uint64_t>(index) ^ key) % 1000);
}

std::string encode_page(uint64_t seed, ContentType type, int64_t start_ms, int64_t end_ms, int64_t index) {
  CivilTime c = to_civil(DateTime{ticks_from_ms(start_ms)});
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02dR%09lld%03u", c.year, c.month, c.day, c.hour,
                static_cast<long long>(index), page_check(seed, type, start_ms, end_ms, index));
  return buf;
}

std::optional<int64_t> decode_page(uint64_t seed, ContentType type, int64_t start_ms, int64_t end_ms,
                                   std::string_view token) {
  if (token.size() != 23 || token[10] != 'R') return std::nullopt;
  for (size_t k = 0; k < token.size(); ++k) {
    if (k != 10 && !std::isdigit(static_cast<unsigned char>(token[k]))) return std::nullopt;
  }
  auto index = parse_int(token.substr(11, 9));
  auto check = parse_int(token.substr(20, 3));
  if (!index || !check) return std::nullopt;
  if (encode_page(seed, type, start_ms, end_ms, *index) != token) return std::nullopt;
  return *index;
}

}  // namespace

http::ServerResponse Simulator::content(const http::ServerRequest& request, const Route& route, bool notifications) {
  auto type = content_type_param(request);
  if (!type) return type.error();
  int64_t now = options_.now();
  auto start_text = param(request, "startTime");
  auto end_text = param(request, "endTime");
  if (start_text.has_value() != end_text.has_value()) return af_error("AF20030", kWindowRule);
  int64_t start_ms = 0, end_ms = 0;
  if (start_text) {
    auto s = parse_window_time(*start_text);
    if (!s) return af_error("AF20002", "Invalid parameter type: startTime. Expected type: DateTime");
    auto e = parse_window_time(*end_text);
    if (!e) return af_error("AF20002", "Invalid parameter type: endTime. Expected type: DateTime");
    start_ms = *s;
    end_ms = *e;
  } else {
    // The 24 hours before the request, in whole seconds so that NextPageUri can repeat them.
    end_ms = floor_div(now, 1000) * 1000;
    start_ms = end_ms - kDayMs;
    start_text = param_time(start_ms);
    end_text = param_time(end_ms);
  }
  // Future end times are accepted.
  if (end_ms < start_ms || end_ms - start_ms > kDayMs || start_ms < now - 7 * kDayMs) {
    return af_error("AF20030", kWindowRule);
  }
  int64_t from = 0;
  auto next_page = param(request, "nextPage");
  if (next_page) {
    auto index = decode_page(options_.seed, *type, start_ms, end_ms, *next_page);
    if (!index || *index > data_.blob_count()) return af_error("AF20031", "Invalid nextPage Input: " + *next_page + ".");
    from = *index;
  }

  std::lock_guard lock(mutex_);
  const Subscription& s = subscriptions_[static_cast<size_t>(*type)];
  switch (s.status) {
    case Subscription::Status::None:
      return af_error("AF20022", "No subscription found for the specified content type.");
    case Subscription::Status::AdminDisabled:
      return af_error("AF20023", "The subscription was disabled by a tenant admin.");
    case Subscription::Status::Stopped:
      return af_error("AF20023", "The subscription was disabled.");
    case Subscription::Status::Enabled: break;
  }
  // No webhook ever notifies, so there are no notification attempts to list.
  if (notifications) return http::ServerResponse::json(200, "[]");

  const auto& blobs = data_.blobs_of_type(*type);
  auto [lo, hi] = data_.window(*type, start_ms, end_ms);
  size_t pos = static_cast<size_t>(std::lower_bound(blobs.begin() + static_cast<std::ptrdiff_t>(lo),
                                                    blobs.begin() + static_cast<std::ptrdiff_t>(hi), from) -
                                   blobs.begin());
  std::string host(request.header("Host").value_or("manage.office.com"));
  std::string uri_base = options_.scheme + "://" + host + "/api/v1.0/" + route.tenant + "/activity/feed/audit/";
  std::string out;
  JsonOut j(out);
  j.begin_array();
  int64_t listed = 0, last = -1;
  for (; pos < hi && listed < options_.page_size; ++pos) {
    int64_t b = blobs[pos];
    const Dataset::Blob& blob = data_.blob(b);
    if (blob.created_ms > now || !available(s, blob.created_ms)) continue;
    std::string id = data_.content_id(b);
    j.begin_object()
        .str("contentType", content_type_name(*type))
        .str("contentId", id)
        .str("contentUri", uri_base + id)
        .str("contentCreated", content_time(blob.created_ms))
        .str("contentExpiration", content_time(blob.created_ms + options_.retention_ms))
        .end_object();
    ++listed;
    last = b;
  }
  j.end_array();
  Counters& c = counters_[static_cast<size_t>(*type)];
  ++c.list_requests;
  c.blobs_listed += listed;
  http::ServerResponse r = http::ServerResponse::json(200, std::move(out));
  if (listed == options_.page_size) {
    // A full page always links to the next, which may turn out empty. The link uses /api/v1/, as
    // the service's documented example does: clients must follow it as given.
    std::string next = options_.scheme + "://" + host + "/api/v1/" + route.tenant +
                       "/activity/feed/subscriptions/content?contentType=" + std::string(content_type_name(*type)) +
                       "&startTime=" + query_value(*start_text) + "&endTime=" + query_value(*end_text);
    if (auto publisher = param(request, "PublisherIdentifier")) next += "&PublisherIdentifier=" + query_value(*publisher);
    next += "&nextPage=" + encode_page(options_.seed, *type, start_ms, end_ms, last + 1);
    r.headers.emplace_back("NextPageUri", std::move(next));
  }
  return r;
}

http::ServerResponse Simulator::fetch(const Route& route) {
  const std::string& id = route.content_id;
  if (!Dataset::well_formed_content_id(id)) return af_error("AF20052", "Content ID " + id + " in the URL is invalid.");
  int64_t now = options_.now();
  auto b = data_.find_content_id(id);
  if (!b || data_.blob(*b).created_ms > now) {
    return af_error("AF20050", "The specified content (" + id + ") does not exist.");
  }
  if (now >= data_.blob(*b).created_ms + options_.retention_ms) {
    return af_error("AF20051", "Content requested with the key " + id +
                                   " has already expired. Content older than 7 days cannot be retrieved.");
  }
  std::vector<int64_t> records = data_.served_records(*b);
  std::string body = data_.blob_json(*b);
  {
    std::lock_guard lock(mutex_);
    Counters& c = counters_[static_cast<size_t>(data_.blob(*b).type)];
    ++c.blobs_fetched;
    c.records_served += static_cast<int64_t>(records.size());
    fetched_[static_cast<size_t>(*b)] = true;
  }
  recorder_->add_records_served(static_cast<int64_t>(records.size()));
  return http::ServerResponse::json(200, std::move(body));
}

std::string Simulator::state_json() const {
  std::string out;
  JsonOut j(out);
  std::lock_guard lock(mutex_);
  j.begin_object()
      .str("tenant", options_.entra.tenant)
      .num("records", data_.record_count())
      .num("blobs", data_.blob_count())
      .num("page_size", options_.page_size)
      .boolean("backfill", options_.backfill);
  j.begin_array("subscriptions");
  for (ContentType t : kAllContentTypes) {
    const Subscription& s = subscriptions_[static_cast<size_t>(t)];
    static constexpr const char* kStatus[] = {"none", "enabled", "disabled", "disabled"};
    j.begin_object().str("contentType", content_type_name(t)).str("status", kStatus[static_cast<int>(s.status)]);
    if (s.status == Subscription::Status::AdminDisabled) j.str("disabledBy", "a tenant admin"); else j.null("disabledBy");
    j.num("starts", s.starts).end_object();
  }
  j.end_array();
  std::vector<int64_t> distinct(kContentTypes, 0);
  for (size_t b = 0; b < fetched_.size(); ++b) {
    if (fetched_[b]) ++distinct[static_cast<size_t>(data_.blob(static_cast<int64_t>(b)).type)];
  }
  Counters total;
  int64_t total_distinct = 0;
  j.begin_object("content");
  for (ContentType t : kAllContentTypes) {
    size_t i = static_cast<size_t>(t);
    const Counters& c = counters_[i];
    j.begin_object(content_type_name(t))
        .num("blobs", static_cast<int64_t>(data_.blobs_of_type(t).size()))
        .num("records", data_.records_of_type(t))
        .num("duplicates", data_.duplicates_of_type(t))
        .num("list_requests", c.list_requests)
        .num("blobs_listed", c.blobs_listed)
        .num("blobs_fetched", c.blobs_fetched)
        .num("distinct_blobs_fetched", distinct[i])
        .num("records_served", c.records_served)
        .end_object();
    total.list_requests += c.list_requests;
    total.blobs_listed += c.blobs_listed;
    total.blobs_fetched += c.blobs_fetched;
    total.records_served += c.records_served;
    total_distinct += distinct[i];
  }
  j.end_object()
      .num("list_requests", total.list_requests)
      .num("blobs_listed", total.blobs_listed)
      .num("blobs_fetched", total.blobs_fetched)
      .num("distinct_blobs_fetched", total_distinct)
      .num("records_served", total.records_served)
      .num("throttled", throttled_)
      .num("failed", failed_)
      .end_object();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

Result<std::vector<ContentType>> content_types_flag(const char* flag, const std::vector<std::string>& values) {
  std::vector<ContentType> out;
  for (const auto& v : values) {
    if (iequals(v, "all")) {
      out.assign(kAllContentTypes.begin(), kAllContentTypes.end());
      continue;
    }
    auto t = parse_content_type(v);
    if (!t) {
      return fail(flag, "unknown content type '" + v +
                            "' (expected all, Audit.AzureActiveDirectory, Audit.Exchange, Audit.SharePoint, "
                            "Audit.General or DLP.All)");
    }
    if (std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(*t);
  }
  return out;
}

class O365Command final : public Command {
 public:
  void add_options(CLI::App& app) override {
    app.add_option("--records", options_.data.records, "Audit records to generate over --start..--end")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--blobs", options_.data.blobs, "Content blobs the records are spread over (all content types)")
        ->check(CLI::Range(int64_t{1}, int64_t{999'999}))
        ->capture_default_str();
    app.add_option("--start", start_, "Earliest contentCreated, ISO 8601 (default: --end minus 24 hours)");
    app.add_option("--end", end_, "Blobs are created before this time, ISO 8601 (default: now, whole minute)");
    app.add_option("--max-lag", max_lag_s_, "Largest seconds a record's CreationTime precedes its blob's contentCreated")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--duplicate-rate", options_.data.duplicate_rate,
                   "Fraction of records served again in the next blob of their content type (same Id)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--page-size", options_.page_size, "Content entries per listing page before NextPageUri")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--retention-days", retention_days_, "Days from contentCreated to contentExpiration (AF20051 after)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--subscribed", subscribed_, "Content types subscribed from the start: all, or a list (comma-separated)")
        ->delimiter(',');
    app.add_option("--disabled-by-admin", disabled_, "Content types whose subscription a tenant admin disabled (AF20023)")
        ->delimiter(',');
    app.add_flag("--no-backfill", no_backfill_,
                 "List only content created while a subscription was enabled (default: content created before the "
                 "first start is listed too)");
    entra::add_options(app, options_.entra);
    app.add_option("--throttle-rate", options_.throttle_rate, "Fraction of API requests answered 429 AF429 (by seed)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--throttle-burst-at", options_.throttle_burst_at,
                   "First API request number (1-based) of a burst of 429 AF429 answers")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--throttle-burst-len", options_.throttle_burst_len, "Length of the --throttle-burst-at burst")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--throttle-at", options_.faults.throttle_at, "Answer API request number K (1-based) with 429 AF429, once")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--rate-limit", options_.faults.rate_limit, "API requests per second (sliding window) before AF429; 0 = off")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--fail-rate", options_.faults.fail_rate, "Fraction of API requests answered 500 AF50000 (by seed)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--drop-at", options_.faults.drop_at, "Close the connection of API request number K (1-based)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--slow-ms", options_.faults.slow_ms, "Delay every API response by this many milliseconds")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    add_token_fault_options(app, options_.faults);
    app.footer(
        "Endpoints: POST /{tenant}/oauth2/v2.0/token (scope https://manage.office.com/.default) and /{tenant}/oauth2/token\n"
        "(resource); under /api/v1.0/{tenant}/activity/feed (or /api/v1/...): POST subscriptions/start|stop?contentType=,\n"
        "GET subscriptions/list, GET subscriptions/content?contentType=&startTime=&endTime=[&nextPage=] (NextPageUri\n"
        "header), GET audit/{contentId}; GET /_sim/o365, /_sim/stats, /_sim/requests. API request numbers count the\n"
        "requests under /api/ only.");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    Options o = options_;
    o.seed = common.seed;
    o.scheme = common.tls_cert.empty() ? "http" : "https";
    o.data.max_lag_ms = max_lag_s_ * 1000;
    o.retention_ms = retention_days_ * kDayMs;
    o.backfill = !no_backfill_;
    auto range = parse_time_range(start_, end_);
    if (!range) return std::unexpected(range.error());
    o.data.start_ms = range->start_ms;
    o.data.end_ms = range->end_ms;
    auto subscribed = content_types_flag("--subscribed", subscribed_);
    if (!subscribed) return std::unexpected(subscribed.error());
    o.subscribed = *subscribed;
    auto disabled = content_types_flag("--disabled-by-admin", disabled_);
    if (!disabled) return std::unexpected(disabled.error());
    o.disabled_by_admin = *disabled;
    auto sim = Simulator::create(std::move(o), std::move(recorder));
    if (!sim) return std::unexpected(sim.error());
    return share_handler(std::move(*sim));
  }

 private:
  Options options_;
  std::string start_, end_;
  int64_t max_lag_s_ = 7200;
  int64_t retention_days_ = 7;
  std::vector<std::string> subscribed_, disabled_;
  bool no_backfill_ = false;
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<O365Command>(); }

}  // namespace intake::sim::o365
