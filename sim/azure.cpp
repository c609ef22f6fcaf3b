#include "sim/azure.h"

#include <simdjson.h>
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>


namespace intake::sim::azure {

namespace {

constexpr std::string_view kMonitorResource = "https://monitor.azure.com";
constexpr std::array<std::string_view, 3> kApiVersions{"2023-01-01", "2021-11-01-preview", "2023-04-01-preview"};

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

bool valid_immutable_id(std::string_view id) {
  return id.size() == 36 && iequals(id.substr(0, 4), "dcr-") && is_hex(id.substr(4));
}

// Azure.Core.Foundations.ErrorResponse: {"error":{"code","message"}} and the same code in
// x-ms-error-code, which the SDKs read first.
http::ServerResponse azure_error(int status, std::string_view code, std::string_view message) {
  std::string body;
  JsonOut j(body);
  j.begin_object().begin_object("error").str("code", code).str("message", message).end_object().end_object();
  http::ServerResponse r = http::ServerResponse::json(status, std::move(body));
  r.headers.emplace_back("x-ms-error-code", std::string(code));
  return r;
}

http::ServerResponse dropped() {
  http::ServerResponse r;
  r.drop_connection = true;
  return r;
}

enum class Inflated { Ok, TooLarge, Corrupt };

// Gunzips `in` (several members allowed) into `out`, stopping as soon as the output would pass
// `limit`: a few kilobytes of gzip can expand to gigabytes.
Inflated gunzip(std::string_view in, size_t limit, std::string& out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Inflated::Corrupt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::array<char, 64 * 1024> buf;
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = ::inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    size_t got = buf.size() - zs.avail_out;
    if (out.size() + got > limit) {
      inflateEnd(&zs);
      return Inflated::TooLarge;
    }
    out.append(buf.data(), got);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);
    }
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? Inflated::Ok : Inflated::Corrupt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The text of a value exactly as the client sent it.
simdjson::error_code raw_text(simdjson::ondemand::value v, std::string_view& raw) {
  simdjson::ondemand::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object o;
    if (auto e = v.get_object().get(o)) return e;
    return o.raw_json().get(raw);
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array a;
    if (auto e = v.get_array().get(a)) return e;
    return a.raw_json().get(raw);
  }
  raw = trim(v.raw_json_token());
  return simdjson::SUCCESS;
}

struct Extracted {
  std::string ndjson;
  int64_t rows = 0;
  int64_t ignored_rows = 0;  // array elements that are not objects
};

// Each object of a (validated) JSON array as one NDJSON line holding the members `keep` allows,
// in the order sent, values byte for byte.
template <class Keep>
simdjson::error_code extract_rows(const simdjson::padded_string& json, Keep keep, Extracted& out) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(json).get(doc)) return e;
  simdjson::ondemand::array rows;
  if (auto e = doc.get_array().get(rows)) return e;
  out.ndjson.reserve(json.size() + json.size() / 8);
  for (auto element : rows) {
    simdjson::ondemand::value v;
    if (auto e = std::move(element).get(v)) return e;
    simdjson::ondemand::json_type type;
    if (auto e = v.type().get(type)) return e;
    if (type != simdjson::ondemand::json_type::object) {
      ++out.ignored_rows;
      continue;
    }
    simdjson::ondemand::object object;
    if (auto e = v.get_object().get(object)) return e;
    out.ndjson += '{';
    bool first = true;
    for (auto member : object) {
      simdjson::ondemand::field field;
      if (auto e = std::move(member).get(field)) return e;
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      if (!keep(key)) continue;
      std::string_view raw;
      if (auto e = raw_text(field.value(), raw)) return e;
      if (!first) out.ndjson += ',';
      first = false;
      append_json_string(out.ndjson, key);
      out.ndjson += ':';
      out.ndjson += raw;
    }
    out.ndjson += "}\n";
    ++out.rows;
  }
  return simdjson::SUCCESS;
}

// Where the DCR resource is inside a file: itself, an element of an array, or a member of an ARM
// template's `resources`. `path` receives its JSON pointer.
std::optional<simdjson::dom::object> find_rule(simdjson::dom::element e, std::string& path) {
  if (e.is_array()) {
    size_t i = 0;
    simdjson::dom::array items = e.get_array().value_unsafe();
    for (simdjson::dom::element x : items) {
      std::string p = path + "/" + std::to_string(i++);
      if (auto r = find_rule(x, p)) {
        path = p;
        return r;
      }
    }
    return std::nullopt;
  }
  if (!e.is_object()) return std::nullopt;
  simdjson::dom::object o = e.get_object().value_unsafe();
  simdjson::dom::element resources;
  if (!o["resources"].get(resources)) {
    std::string p = path + "/resources";
    if (auto r = find_rule(resources, p)) {
      path = p;
      return r;
    }
  }
  std::string_view type;
  if (!o["type"].get(type)) {
    constexpr std::string_view kType = "dataCollectionRules";
    bool rule = type.size() >= kType.size() && iequals(type.substr(type.size() - kType.size()), kType);
    return rule ? std::optional(o) : std::nullopt;
  }
  simdjson::dom::element props;
  if (!o["properties"].get(props) && props.is_object() && !props["streamDeclarations"].error()) return o;
  return std::nullopt;
}

}  // namespace

const StreamDeclaration* Dcr::stream(std::string_view name) const {
  for (const auto& s : streams) {
    if (s.name == name) return &s;
  }
  for (const auto& s : streams) {
    if (iequals(s.name, name)) return &s;
  }
  return nullptr;
}

Result<Dcr> parse_dcr(std::string immutable_id, std::string_view json, std::string source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto e = parser.parse(padded).get(root)) return fail(source, std::string("not valid JSON: ") + simdjson::error_message(e));
  std::string path;
  auto rule = find_rule(root, path);
  if (!rule) {
    return fail(source, "no data collection rule found (expected a Microsoft.Insights/dataCollectionRules resource "
                        "with properties.streamDeclarations)");
  }
  std::string decl_path = path + "/properties/streamDeclarations";
  simdjson::dom::object decls;
  if ((*rule)["properties"]["streamDeclarations"].get(decls)) {
    return fail(source + ":" + decl_path, "expected an object of stream declarations");
  }
  Dcr dcr{std::move(immutable_id), source, {}};
  for (auto [name, decl] : decls) {
    std::string at = decl_path + "/" + std::string(name);
    simdjson::dom::array columns;
    if (decl["columns"].get(columns)) return fail(source + ":" + at + "/columns", "expected an array of {name, type} columns");
    StreamDeclaration s{std::string(name), {}};
    size_t i = 0;
    for (simdjson::dom::element c : columns) {
      std::string_view column;
      if (c["name"].get(column) || column.empty()) {
        return fail(source + ":" + at + "/columns/" + std::to_string(i), "expected a column with a non-empty \"name\"");
      }
      s.columns.emplace(column);
      ++i;
    }
    dcr.streams.push_back(std::move(s));
  }
  if (dcr.streams.empty()) return fail(source + ":" + decl_path, "declares no stream");
  return dcr;
}

Result<Dcr> load_dcr_flag(std::string_view value) {
  size_t eq = value.find('=');
  if (eq == std::string_view::npos) return fail("--dcr", "expected dcr-<32 hex digits>=PATH, got '" + std::string(value) + "'");
  std::string id(value.substr(0, eq));
  std::string path(value.substr(eq + 1));
  if (!valid_immutable_id(id)) return fail("--dcr", "'" + id + "' is not a DCR immutable id (dcr- and 32 hex digits)");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("--dcr", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_dcr(std::move(id), text.str(), path);
}

// ---------------------------------------------------------------------------------------------
// Simulator

Result<std::unique_ptr<Simulator>> Simulator::create(Options options, std::shared_ptr<Recorder> recorder) {
  if (options.dcrs.empty() && !options.accept_any) return fail("--dcr", "give at least one DCR, or --accept-any");
  if (!options.dcrs.empty() && options.accept_any) return fail("--accept-any", "cannot be combined with --dcr");
  for (size_t i = 0; i < options.dcrs.size(); ++i) {
    const std::string& id = options.dcrs[i].immutable_id;
    if (!valid_immutable_id(id)) return fail("--dcr", "'" + id + "' is not a DCR immutable id (dcr- and 32 hex digits)");
    for (size_t k = 0; k < i; ++k) {
      if (iequals(options.dcrs[k].immutable_id, id)) return fail("--dcr", "DCR '" + id + "' is given twice");
    }
  }
  for (const auto& id : options.deny_dcrs) {
    if (!valid_immutable_id(id)) return fail("--deny-dcr", "'" + id + "' is not a DCR immutable id (dcr- and 32 hex digits)");
  }
  if (options.throttle_rate < 0 || options.throttle_rate > 1) return fail("--throttle-rate", "must be within 0..1");
  if (options.outage_after < 0) return fail("--outage-after", "must not be negative");
  if (options.outage_seconds < 0) return fail("--outage-seconds", "must not be negative");
  if (options.entra.token_ttl_s < 1) return fail("--token-ttl", "must be positive");
  if (auto s = check_fault_options(options.faults); !s) return std::unexpected(s.error());
  options.entra.resource = std::string(kMonitorResource);
  if (options.entra.other_resources.empty()) {
    options.entra.other_resources = {"https://management.azure.com", "https://graph.microsoft.com"};
  }
  options.entra.now = options.now;
  options.entra.seed = options.seed;
  if (!recorder) recorder = std::make_shared<Recorder>(options.now);
  std::unique_ptr<Simulator> sim(new Simulator(std::move(options), std::move(recorder)));
  if (!sim->options_.record_file.empty()) {
    sim->record_.reset(std::fopen(sim->options_.record_file.c_str(), "ab"));
    if (!sim->record_) return fail("--record", "cannot open " + sim->options_.record_file + " for appending");
  }
  return sim;
}

Simulator::Simulator(Options options, std::shared_ptr<Recorder> recorder)
    : options_(std::move(options)),
      recorder_(std::move(recorder)),
      tokens_(options_.entra),
      faults_(options_.faults, options_.seed, options_.now) {}

http::ServerResponse Simulator::handle(const http::ServerRequest& request) {
  if (request.path.starts_with("/_sim/")) return test_endpoint(request);
  http::ServerResponse response = serve(request);
  response.delay_ms = options_.faults.slow_ms;
  return response;
}

http::ServerResponse Simulator::serve(const http::ServerRequest& request) {
  if (auto r = tokens_.handle(request)) return *r;
  // /dataCollectionRules/{immutableId}/streams/{streamName}
  std::vector<std::string_view> parts;
  std::string_view path = request.path;
  for (size_t p = 1; p <= path.size();) {
    size_t slash = path.find('/', p);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(p, slash - p));
    p = slash + 1;
  }
  if (parts.size() != 4 || !iequals(parts[0], "dataCollectionRules") || !iequals(parts[2], "streams") ||
      parts[1].empty() || parts[3].empty()) {
    return azure_error(404, "NotFound", "No route matches '" + request.path +
                                            "'; the ingestion route is /dataCollectionRules/{ruleId}/streams/{stream}.");
  }
  if (request.method != "POST") {
    return azure_error(405, "MethodNotAllowed", "The method '" + request.method + "' is not allowed; use POST.");
  }
  http::ServerResponse r = ingest(request, std::string(parts[1]), std::string(parts[3]));
  count(r);
  uint64_t n = served_.fetch_add(1) + 1;
  r.headers.emplace_back("x-ms-request-id", uuid(hash2(options_.seed ^ 0x1D5ULL, n), hash2(n, 0x1D6ULL)));
  return r;
}

std::optional<http::ServerResponse> Simulator::fault(const http::ServerRequest& request, const std::string& dcr_id,
                                                     int64_t now) {
  int64_t number = 0;
  FaultPlan::Fault f = faults_.next(&number);
  {
    std::lock_guard lock(mutex_);
    if (options_.outage_seconds > 0 && number == options_.outage_after + 1) {
      outage_until_ms_ = now + options_.outage_seconds * 1000;
      outage_503_ = options_.outage_503;
    }
    if (now < outage_until_ms_) {
      if (!outage_503_) return dropped();
      return azure_error(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry the request.");
    }
    // Throttling is per DCR: until the Retry-After of the last 429 has passed, every request for
    // the rule is refused again, with the time that is left.
    auto until = throttled_until_ms_.find(dcr_id);
    if (until != throttled_until_ms_.end() && now < until->second) {
      return throttled(dcr_id, static_cast<int>((until->second - now + 999) / 1000));
    }
    int retry_after = -1;
    switch (f) {
      case FaultPlan::Fault::Drop: return dropped();
      case FaultPlan::Fault::Throttled: retry_after = 2; break;  // --throttle-at, as every simulator answers it
      case FaultPlan::Fault::RateLimited: retry_after = options_.faults.retry_after_s; break;
      case FaultPlan::Fault::ServerError:
      case FaultPlan::Fault::Unavailable:
        return azure_error(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry the request.");
      case FaultPlan::Fault::None: break;
    }
    if (retry_after < 0 && options_.throttle_rate > 0 &&
        unit_interval(hash2(options_.seed ^ 0x7A2F7ULL, static_cast<uint64_t>(number))) < options_.throttle_rate) {
      retry_after = options_.faults.retry_after_s;
    }
    if (retry_after >= 0) {
      int64_t& deadline = throttled_until_ms_[dcr_id];
      deadline = std::max<int64_t>(deadline, now + retry_after * 1000LL);
      return throttled(dcr_id, retry_after);
    }
  }
  if (number == options_.faults.expire_token_at) tokens_.expire(request);
  return std::nullopt;
}

http::ServerResponse Simulator::throttled(const std::string& dcr_id, int retry_after_s) const {
  http::ServerResponse r = azure_error(429, "TooManyRequests",
                                       "The request rate for data collection rule '" + dcr_id +
                                           "' is over its limit. Retry after " + std::to_string(retry_after_s) +
                                           " seconds.");
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_s));
  return r;
}

http::ServerResponse Simulator::ingest(const http::ServerRequest& request, const std::string& dcr_id,
                                       const std::string& stream_name) {
  int64_t now = options_.now();
  if (auto r = fault(request, dcr_id, now)) return *r;

  // The server decodes parameter names, so `api%2Dversion` (as the JS SDK writes it) arrives here
  // as api-version.
  auto version = request.param("api-version");
  if (!version) {
    return azure_error(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.");
  }
  if (std::find(kApiVersions.begin(), kApiVersions.end(), *version) == kApiVersions.end()) {
    return azure_error(400, "UnsupportedApiVersion", "The api-version '" + *version +
                                                         "' is not supported. Supported versions: 2023-01-01, "
                                                         "2021-11-01-preview, 2023-04-01-preview.");
  }

  using State = entra::BearerCheck::State;
  entra::BearerCheck bearer = tokens_.verify(request);
  if (bearer.state != State::Valid) {
    std::string code, message;
    switch (bearer.state) {
      case State::Missing:
        code = "AuthenticationFailed";
        message = "Authentication failed. The 'Authorization' header is missing.";
        break;
      case State::NotBearer:
        code = "AuthenticationFailed";
        message = "Authentication failed. The 'Authorization' header is provided in an invalid format.";
        break;
      case State::WrongAudience:
        code = "InvalidAudience";
        message = "Invalid authorization token audience '" + bearer.audience + "'; expected '" +
                  std::string(kMonitorResource) + "'.";
        break;
      case State::Expired:
        code = "ExpiredAuthenticationToken";
        message = "The access token expiry UTC time '" + iso_time(ticks_from_ms(bearer.expires_ms), 0) +
                  "' is earlier than current UTC time '" + iso_time(ticks_from_ms(now), 0) + "'.";
        break;
      default:
        code = "InvalidAuthenticationToken";
        message = "The access token is invalid.";
    }
    http::ServerResponse r = azure_error(401, code, message);
    r.headers.emplace_back("WWW-Authenticate", "Bearer authorization_uri=\"https://login.microsoftonline.com/" +
                                                   options_.entra.tenant + "\", error=\"invalid_token\"");
    return r;
  }

  // Access is checked before existence: the role assignment is on the rule's ARM resource.
  for (const auto& id : options_.deny_dcrs) {
    if (!iequals(id, dcr_id)) continue;
    std::string arm = "/subscriptions/" + uuid(hash2(options_.seed, 0x5B5), hash2(options_.seed, 0x5B6)) +
                      "/resourceGroups/sim/providers/Microsoft.Insights/dataCollectionRules/" + dcr_id;
    return azure_error(403, "OperationFailed",
                       "The authentication token provided does not have access to ingest data for the data collection "
                       "rule with immutable Id '" + dcr_id +
                           "' PipelineAccessResult: AccessGranted: False, IsRbacPresent: False, IsDcrDceBindingValid: , "
                           "DcrArmId: " + arm + ", Message: Required authorization action was not found for tenantId " +
                           options_.entra.tenant + " objectId " + options_.entra.client_id + " on resourceId " + arm +
                           " ConfigurationId: " + dcr_id + "..");
  }
  const Dcr* dcr = nullptr;
  for (const auto& d : options_.dcrs) {
    if (iequals(d.immutable_id, dcr_id)) dcr = &d;
  }
  if (!dcr && !options_.accept_any) {
    return azure_error(404, "NotFound", "Data collection rule with immutable Id '" + dcr_id + "' not found.");
  }
  const StreamDeclaration* stream = dcr ? dcr->stream(stream_name) : nullptr;
  if (dcr && !stream) {
    return azure_error(404, "InvalidStream", "Data collection rule with immutable Id '" + dcr_id +
                                                 "' has no stream declaration named '" + stream_name + "'.");
  }

  std::string_view type = request.header("Content-Type").value_or("");
  if (type.size() < 16 || !iequals(type.substr(0, 16), "application/json")) {
    return azure_error(415, "UnsupportedMediaType", "Content-Type must be application/json, not '" +
                                                        std::string(type) + "'.");
  }
  const std::string limit = "Maximum allowed content length: 1048576 bytes (1 MB).";
  if (request.body.size() > kMaxBodyBytes) {
    return azure_error(413, "ContentLengthLimitExceeded",
                       limit + " Provided content length: " + std::to_string(request.body.size()) + " bytes.");
  }
  std::string_view encoding = trim(request.header("Content-Encoding").value_or(""));
  std::string inflated;
  std::string_view text = request.body;
  if (iequals(encoding, "gzip")) {
    switch (gunzip(request.body, kMaxBodyBytes, inflated)) {
      case Inflated::TooLarge:
        return azure_error(413, "ContentLengthLimitExceeded",
                           limit + " The uncompressed content is larger than that.");
      case Inflated::Corrupt:
        return azure_error(400, "InvalidContentEncoding", "The request body is not valid gzip data.");
      case Inflated::Ok: break;
    }
    text = inflated;
  } else if (!encoding.empty() && !iequals(encoding, "identity")) {
    return azure_error(415, "UnsupportedMediaType",
                       "Content-Encoding '" + std::string(encoding) + "' is not supported; send gzip or no encoding.");
  }

  // Validate the whole body first (the on-demand pass below does not look inside skipped members).
  simdjson::padded_string json(text);
  thread_local simdjson::dom::parser validator;
  simdjson::dom::element root;
  if (auto e = validator.parse(json).get(root)) {
    return azure_error(400, "InvalidPayload",
                       std::string("The request body is malformed JSON: ") + simdjson::error_message(e) + ".");
  }
  if (root.is_object()) {
    // The service answers 204 to a single object and ingests nothing.
    std::lock_guard lock(mutex_);
    ++stats_.ignored_bodies;
    http::ServerResponse r;
    r.status = 204;
    return r;
  }
  if (!root.is_array()) {
    return azure_error(400, "InvalidPayload", "The request body must be a JSON array of objects.");
  }
  Extracted rows;
  simdjson::error_code e;
  if (stream) {
    e = extract_rows(json, [stream](std::string_view key) { return stream->columns.contains(key); }, rows);
  } else {
    e = extract_rows(json, [](std::string_view) { return true; }, rows);
  }
  if (e) return azure_error(500, "InternalServerError", std::string("Reading the rows failed: ") + simdjson::error_message(e));
  if (!store(dcr ? dcr->immutable_id : dcr_id, stream ? stream->name : stream_name, std::move(rows.ndjson), rows.rows,
             text.size(), rows.ignored_rows)) {
    return azure_error(500, "InternalServerError", "The simulator could not append to its --record file.");
  }
  http::ServerResponse r;
  r.status = 204;
  return r;
}

bool Simulator::store(const std::string& dcr, const std::string& stream, std::string ndjson, int64_t rows, size_t bytes,
                      int64_t ignored_rows) {
  std::lock_guard lock(mutex_);
  // The file first: a test that counts it after a restart must never miss a row that got a 204.
  if (record_ && !ndjson.empty()) {
    if (std::fwrite(ndjson.data(), 1, ndjson.size(), record_.get()) != ndjson.size() || std::fflush(record_.get()) != 0) {
      return false;
    }
  }
  auto key = std::pair(dcr, stream);
  auto it = bucket_index_.find(key);
  if (it == bucket_index_.end()) {
    it = bucket_index_.emplace(key, buckets_.size()).first;
    buckets_.push_back(Bucket{dcr, stream, {}, 0, 0, 0});
  }
  Bucket& b = buckets_[it->second];
  b.rows += rows;
  b.requests += 1;
  b.bytes += static_cast<int64_t>(bytes);
  stats_.ignored_rows += ignored_rows;
  if (kept_bytes_ + ndjson.size() <= options_.max_kept_bytes) {
    kept_bytes_ += ndjson.size();
    b.kept += ndjson;
  } else {
    stats_.rows_not_kept += rows;
  }
  return true;
}

void Simulator::count(const http::ServerResponse& response) {
  std::lock_guard lock(mutex_);
  ++stats_.requests;
  if (response.drop_connection) ++stats_.dropped;
  else if (response.status != 204) ++stats_.rejected[response.status];
}

void Simulator::start_outage(int64_t seconds, bool answer_503) {
  std::lock_guard lock(mutex_);
  outage_until_ms_ = seconds > 0 ? options_.now() + seconds * 1000 : 0;
  outage_503_ = answer_503;
}

std::string Simulator::accepted_ndjson(std::string_view stream, std::string_view dcr) const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& b : buckets_) {
    if (iequals(b.stream, stream) && (dcr.empty() || iequals(b.dcr, dcr))) out += b.kept;
  }
  return out;
}

int64_t Simulator::accepted_rows(std::string_view stream, std::string_view dcr) const {
  std::lock_guard lock(mutex_);
  int64_t n = 0;
  for (const auto& b : buckets_) {
    if (iequals(b.stream, stream) && (dcr.empty() || iequals(b.dcr, dcr))) n += b.rows;
  }
  return n;
}

std::string Simulator::ingestion_json() const {
  std::lock_guard lock(mutex_);
  struct Totals {
    int64_t rows = 0, requests = 0, bytes = 0;
  };
  std::map<std::string, Totals> streams;
  std::map<std::string, std::vector<const Bucket*>> dcrs;
  int64_t rows = 0;
  for (const auto& b : buckets_) {
    Totals& t = streams[b.stream];
    t.rows += b.rows;
    t.requests += b.requests;
    t.bytes += b.bytes;
    rows += b.rows;
    dcrs[b.dcr].push_back(&b);
  }
  std::string out;
  JsonOut j(out);
  j.begin_object().num("requests", stats_.requests).num("rows", rows).begin_object("streams");
  for (const auto& [name, t] : streams) {
    j.begin_object(name).num("rows", t.rows).num("requests", t.requests).num("bytes", t.bytes).end_object();
  }
  j.end_object().begin_object("dcrs");
  for (const auto& [id, list] : dcrs) {
    j.begin_object(id);
    for (const Bucket* b : list) {
      j.begin_object(b->stream).num("rows", b->rows).num("requests", b->requests).num("bytes", b->bytes).end_object();
    }
    j.end_object();
  }
  j.end_object()
      .num("ignored_bodies", stats_.ignored_bodies)
      .num("ignored_rows", stats_.ignored_rows)
      .begin_object("rejected");
  for (const auto& [status, n] : stats_.rejected) j.num(std::to_string(status), n);
  j.end_object().num("dropped_connections", stats_.dropped).num("rows_not_kept", stats_.rows_not_kept).end_object();
  return out;
}

http::ServerResponse Simulator::test_endpoint(const http::ServerRequest& request) {
  if (request.path == "/_sim/accepted" && request.method == "GET") {
    auto stream = request.param("stream");
    if (!stream || stream->empty()) return http::ServerResponse::text(400, "stream=NAME is required\n");
    http::ServerResponse r = http::ServerResponse::text(200, accepted_ndjson(*stream, request.param("dcr").value_or("")));
    http::set_header(r.headers, "Content-Type", "application/x-ndjson");
    return r;
  }
  if (request.path == "/_sim/ingestion" && request.method == "GET") return http::ServerResponse::json(200, ingestion_json());
  if (request.path == "/_sim/outage" && request.method == "POST") {
    auto seconds = parse_int(request.param("seconds").value_or(""));
    std::string mode = request.param("mode").value_or("drop");
    if (!seconds || *seconds < 0) return http::ServerResponse::text(400, "seconds=S (a non-negative integer) is required\n");
    if (mode != "drop" && mode != "503") return http::ServerResponse::text(400, "mode must be drop or 503\n");
    start_outage(*seconds, mode == "503");
    std::string body;
    JsonOut j(body);
    j.begin_object().num("seconds", *seconds).str("mode", mode).end_object();
    return http::ServerResponse::json(200, std::move(body));
  }
  return http::ServerResponse::text(404, "unknown simulator endpoint " + request.method + " " + request.path + "\n");
}

// ---------------------------------------------------------------------------------------------
// Command line

namespace {

class AzureCommand final : public Command {
 public:
  void add_options(CLI::App& app) override {
    auto* dcr = app.add_option("--dcr", dcr_flags_,
                               "A DCR to serve, as dcr-<32 hex>=PATH of its resource JSON (bare, in an array or an ARM "
                               "template); rows keep the columns its stream declarations list. Repeatable");
    app.add_flag("--accept-any", options_.accept_any,
                 "Without --dcr: accept every DCR id and stream and keep every member of every row")
        ->excludes(dcr);
    app.add_option("--deny-dcr", deny_,
                   "Answer 403 OperationFailed for this DCR immutable id (the caller lacks the role). Repeatable");
    app.add_option("--record", options_.record_file,
                   "Append every accepted row to this file as NDJSON, flushed before the 204 (survives restarts)");
    app.add_option("--max-kept-mb", max_kept_mb_,
                   "Memory for the rows /_sim/accepted returns, in MiB; rows beyond it are counted, not kept")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--throttle-rate", options_.throttle_rate,
                   "Fraction of ingestion requests answered 429 with Retry-After: --retry-after (deterministic by "
                   "seed); a retry before then is refused again")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("--outage-after", options_.outage_after,
                   "The outage of --outage-seconds starts with ingestion request N+1")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--outage-seconds", options_.outage_seconds,
                   "Length of the outage; every ingestion request in it is dropped (or 503, --outage-mode); 0 = none")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--outage-mode", outage_mode_, "drop (close the connection unanswered) or 503")
        ->check(CLI::IsMember({"drop", "503"}))
        ->capture_default_str();
    entra::add_options(app, options_.entra);
    add_fault_options(app, options_.faults);
    add_token_fault_options(app, options_.faults);
    app.get_option("--fail-rate")
        ->description("Fraction of ingestion requests answered 503 ServiceUnavailable, no Retry-After (deterministic by seed)");
    app.get_option("--retry-after")->description("Retry-After seconds of the 429s of --rate-limit and --throttle-rate");
    app.footer(
        "Endpoints: POST /{tenant}/oauth2/v2.0/token (scope https://monitor.azure.com/.default or //.default) and\n"
        "/{tenant}/oauth2/token (resource); POST /dataCollectionRules/{id}/streams/{stream}?api-version=2023-01-01\n"
        "(JSON array, gzip or plain, at most 1048576 bytes either way). Test endpoints: GET /_sim/accepted?stream=S\n"
        "[&dcr=ID] (NDJSON), GET /_sim/ingestion (counts), POST /_sim/outage?seconds=S[&mode=drop|503],\n"
        "GET /_sim/stats, /_sim/requests. Fault request numbers count ingestion requests only.");
  }

  Result<http::Handler> make_handler(const CommonOptions& common, std::shared_ptr<Recorder> recorder) override {
    Options o = options_;
    o.seed = common.seed;
    o.max_kept_bytes = static_cast<size_t>(max_kept_mb_) << 20;
    o.outage_503 = outage_mode_ == "503";
    for (const auto& flag : dcr_flags_) {
      auto d = load_dcr_flag(flag);
      if (!d) return std::unexpected(d.error());
      o.dcrs.push_back(std::move(*d));
    }
    o.deny_dcrs.insert(deny_.begin(), deny_.end());
    auto sim = Simulator::create(std::move(o), std::move(recorder));
    if (!sim) return std::unexpected(sim.error());
    return share_handler(std::move(*sim));
  }

 private:
  Options options_;
  std::vector<std::string> dcr_flags_;
  std::vector<std::string> deny_;
  int64_t max_kept_mb_ = 1024;
  std::string outage_mode_ = "drop";
};

}  // namespace

std::unique_ptr<Command> make_command() { return std::make_unique<AzureCommand>(); }

}  // namespace intake::sim::azure
