#include "receive/logs_ingestion.h"

#include "http/gzip.h"
#include "json/value_json.h"

namespace intake::receive {

namespace dom = simdjson::dom;

http::ServerResponse azure_error(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":";
  json::append_json_string(body, code);
  body += ",\"message\":";
  json::append_json_string(body, message);
  body += "}}";
  http::ServerResponse r = http::ServerResponse::json(status, std::move(body));
  r.headers.emplace_back("x-ms-error-code", std::string(code));
  return r;
}

http::ServerResponse LogsIngestionReceiver::too_large() {
  return azure_error(413, "ContentLengthLimitExceeded",
                     "Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: more than that.");
}

LogsIngestionReceiver::LogsIngestionReceiver(LogsIngestionOptions options, BearerVerifier verifier)
    : options_(std::move(options)), verifier_(std::move(verifier)) {}

LogsIngestionReceiver::Counters LogsIngestionReceiver::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

http::ServerResponse LogsIngestionReceiver::handle(const http::ServerRequest& req) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.requests;
  }
  auto refuse = [this](http::ServerResponse r) {
    std::lock_guard lock(mutex_);
    ++counters_.refused;
    return r;
  };
  // /dataCollectionRules/{id}/streams/{stream}
  std::string_view path = req.path;
  constexpr std::string_view kPrefix = "/dataCollectionRules/";
  path.remove_prefix(kPrefix.size());
  size_t slash = path.find('/');
  std::string_view id = path.substr(0, slash);
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  if (id.empty() || !rest.starts_with("/streams/") || rest.size() == 9 || rest.substr(9).find('/') != std::string_view::npos) {
    return refuse(azure_error(404, "NotFound", "Expected /dataCollectionRules/{immutableId}/streams/{streamName}."));
  }
  std::string_view stream_name = rest.substr(9);
  if (req.method != "POST") return refuse(azure_error(405, "MethodNotAllowed", "Use POST."));
  auto version = req.param("api-version");
  if (!version) return refuse(azure_error(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required."));
  if (*version != "2023-01-01" && *version != "2021-11-01-preview" && *version != "2023-04-01-preview") {
    return refuse(azure_error(400, "UnsupportedApiVersion", "The api-version '" + *version +
                                                                "' is not supported. Supported: 2023-01-01, 2021-11-01-preview, 2023-04-01-preview."));
  }
  BearerVerdict v = verifier_.check(req.header("Authorization"), id, options_.clock());
  switch (v.kind) {
    case BearerVerdict::Kind::Ok: break;
    case BearerVerdict::Kind::Forbidden: return refuse(azure_error(403, "OperationFailed", v.message));
    case BearerVerdict::Kind::WrongAudience: {
      auto r = azure_error(401, "InvalidAudience", v.message);
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refuse(std::move(r));
    }
    case BearerVerdict::Kind::Expired: {
      auto r = azure_error(401, "ExpiredAuthenticationToken", v.message);
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refuse(std::move(r));
    }
    default: {
      auto r = azure_error(401, v.kind == BearerVerdict::Kind::Missing ? "AuthenticationFailed" : "InvalidAuthenticationToken", v.message);
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refuse(std::move(r));
    }
  }
  const IngestionRule* rule = nullptr;
  for (const auto& r : options_.rules) {
    if (iequals(r.immutable_id, id)) rule = &r;
  }
  if (!rule) return refuse(azure_error(404, "NotFound", "No data collection rule with immutable Id '" + std::string(id) + "'."));
  std::shared_ptr<StreamSink> sink;
  for (const auto& [name, s] : rule->streams) {
    if (name == stream_name) sink = s;
  }
  if (!sink) {
    return refuse(azure_error(404, "InvalidStream", "The data collection rule '" + rule->immutable_id + "' declares no stream '" +
                                                        std::string(stream_name) + "'."));
  }
  if (auto ct = req.header("Content-Type"); ct && !ct->empty()) {
    std::string_view media = ct->substr(0, ct->find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!iequals(media, "application/json")) {
      return refuse(azure_error(415, "UnsupportedMediaType", "The Content-Type must be application/json."));
    }
  }
  if (sink->busy()) {
    auto r = azure_error(429, "TooManyRequests", "The receiver's destinations are full; retry later.");
    r.headers.emplace_back("Retry-After", "5");
    return refuse(std::move(r));
  }
  const std::string* body = &req.body;
  std::string inflated;
  if (auto enc = req.header("Content-Encoding"); enc && !enc->empty() && !iequals(*enc, "identity")) {
    if (!iequals(*enc, "gzip")) return refuse(azure_error(415, "UnsupportedMediaType", "Content-Encoding must be gzip or absent."));
    auto out = http::inflate(req.body, kLogsIngestionMaxBody);
    if (!out) {
      if (out.error().message.find("inflates to more") != std::string::npos) return refuse(too_large());
      return refuse(azure_error(400, "InvalidContentEncoding", "The gzip body is corrupt or truncated."));
    }
    inflated = std::move(*out);
    body = &inflated;
  }
  thread_local dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(*body).get(root); err) {
    return refuse(azure_error(400, "InvalidPayload", std::string("The body is not valid JSON: ") + simdjson::error_message(err)));
  }
  std::vector<dom::element> records;
  dom::array arr;
  if (root.get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) records.push_back(e);
  } else if (root.is_object()) {
    // Azure answers 204 to a lone object and stores nothing; storing it as one record loses nothing.
    records.push_back(root);
  } else {
    return refuse(azure_error(400, "InvalidPayload", "The body must be a JSON array of objects."));
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (!records[i].is_object()) return refuse(azure_error(400, "InvalidPayload", "Element " + std::to_string(i) + " is not a JSON object."));
  }
  if (!records.empty()) {
    auto w = sink->write(records);
    if (!w) {
      switch (w.error().kind) {
        case WriteFailure::Busy: {
          auto r = azure_error(429, "TooManyRequests", "The receiver's destinations are full; retry later.");
          r.headers.emplace_back("Retry-After", "5");
          return refuse(std::move(r));
        }
        case WriteFailure::Invalid: return refuse(azure_error(400, "InvalidPayload", w.error().error.str()));
        case WriteFailure::Internal: return refuse(azure_error(500, "InternalServerError", "The records could not be stored; retry."));
      }
    }
  }
  std::lock_guard lock(mutex_);
  ++counters_.accepted;
  counters_.records += static_cast<int64_t>(records.size());
  http::ServerResponse ok;
  ok.status = 204;
  return ok;
}

}  // namespace intake::receive
