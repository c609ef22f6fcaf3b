#include "receive/data_collector.h"

#include "auth/hmac.h"
#include "auth/shared_key.h"
#include "core/base64.h"
#include "json/value_json.h"

namespace intake::receive {

namespace dom = simdjson::dom;

http::ServerResponse data_collector_error(int status, std::string_view code, std::string_view message) {
  // Errors without a code (404, 429) carry only the message, as the service's do.
  std::string body = "{";
  if (!code.empty()) {
    body += "\"Error\":";
    json::append_json_string(body, code);
    body += ",";
  }
  body += "\"Message\":";
  json::append_json_string(body, message);
  body += "}";
  return http::ServerResponse::json(status, std::move(body));
}

http::ServerResponse DataCollectorReceiver::too_large() {
  // Azure answers an oversize post with 404, not 413; the body says why.
  return data_collector_error(404, "", "The request is larger than 30 MB; split it into smaller posts.");
}

DataCollectorReceiver::DataCollectorReceiver(DataCollectorOptions options, TableSink& tables)
    : options_(std::move(options)), tables_(tables) {
  for (const auto& k : options_.shared_keys) {
    if (auto raw = base64_decode(k); raw && !raw->empty()) keys_.push_back(std::move(*raw));
  }
}

DataCollectorReceiver::Counters DataCollectorReceiver::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

namespace {

bool guid_like(std::string_view s) { return parse_guid(s).has_value() && (s.size() == 36 || s.size() == 32); }

}  // namespace

std::optional<http::ServerResponse> DataCollectorReceiver::check_signature(const http::ServerRequest& req) {
  auto invalid = [](std::string_view message) { return data_collector_error(403, "InvalidAuthorization", message); };
  auto auth = req.header("Authorization");
  if (!auth || auth->empty()) return invalid("An invalid scheme was specified in the Authorization header");
  std::string_view a = *auth;
  if (a.size() < 10 || !iequals(a.substr(0, 10), "SharedKey ")) return invalid("An invalid scheme was specified in the Authorization header");
  a.remove_prefix(10);
  size_t colon = a.find(':');
  if (colon == std::string_view::npos) return invalid("An invalid signature was specified in the Authorization header");
  std::string_view workspace = a.substr(0, colon), signature = a.substr(colon + 1);
  if (!guid_like(workspace)) return data_collector_error(400, "InvalidCustomerId", "The workspace ID in the Authorization header is not valid.");
  auto ours = parse_guid(options_.workspace_id);
  if (!ours || *parse_guid(workspace) != *ours) {
    return invalid("The workspace ID in the Authorization header is not a workspace this receiver serves.");
  }
  auto date = req.header("x-ms-date");
  std::optional<DateTime> when = date ? parse_datetime(*date) : std::nullopt;
  if (!when) return invalid("An invalid date format used in the x-ms-date header.");
  DateTime now = options_.clock();
  int64_t skew = now.ticks > when->ticks ? now.ticks - when->ticks : when->ticks - now.ticks;
  if (skew > options_.max_skew_ticks) {
    return invalid("The x-ms-date header is " + std::to_string(skew / kTicksPerSecond) +
                   " seconds from the receiver's clock (at most " + std::to_string(options_.max_skew_ticks / kTicksPerSecond) +
                   " allowed); the request may be a replay.");
  }
  // Rebuilt from what was received: a sender that signs another content type or length fails.
  std::string content_type(req.header("Content-Type").value_or(""));
  std::string to_sign = auth::shared_key_string_to_sign(req.body.size(), *date, content_type);
  bool match = false;
  for (const auto& key : keys_) {
    std::string expected = base64_encode(auth::hmac_sha256(key, to_sign));
    // Every key is tried, whatever matched, so the time taken says nothing about which did.
    match = auth::constant_time_equal(expected, signature) || match;
  }
  if (!match) return invalid("An invalid signature was specified in the Authorization header");
  return std::nullopt;
}

LegacyTable& DataCollectorReceiver::table_for(const std::string& log_type) {
  std::string table = log_type + "_CL";
  std::lock_guard lock(mutex_);
  auto it = legacy_.find(table);
  if (it != legacy_.end()) return *it->second;
  auto stored = tables_.stored_schema(table);
  auto t = std::make_unique<LegacyTable>(table, stored ? *stored : std::nullopt);
  return *legacy_.emplace(table, std::move(t)).first->second;
}

http::ServerResponse DataCollectorReceiver::handle(const http::ServerRequest& req) {
  {
    std::lock_guard lock(mutex_);
    ++counters_.requests;
  }
  auto refuse = [this](http::ServerResponse r) {
    std::lock_guard lock(mutex_);
    ++counters_.refused;
    return r;
  };
  if (req.method != "POST") return refuse(data_collector_error(405, "", "Use POST."));
  auto version = req.param("api-version");
  if (!version) return refuse(data_collector_error(400, "MissingApiVersion", "The api-version query parameter is missing."));
  if (*version != "2016-04-01") {
    return refuse(data_collector_error(400, "InvalidApiVersion", "The api-version '" + *version + "' is not supported; use 2016-04-01."));
  }
  auto content_type = req.header("Content-Type");
  if (!content_type || content_type->empty()) return refuse(data_collector_error(400, "MissingContentType", "The Content-Type header is missing."));
  std::string_view media = content_type->substr(0, content_type->find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (!iequals(media, "application/json")) {
    return refuse(data_collector_error(400, "UnsupportedContentType", "The Content-Type must be application/json."));
  }
  auto log_type = req.header("Log-Type");
  if (!log_type || log_type->empty()) return refuse(data_collector_error(400, "MissingLogType", "The Log-Type header is missing."));
  if (!valid_log_type(*log_type)) {
    return refuse(data_collector_error(400, "InvalidLogType",
                                       "The Log-Type may hold only letters, digits and underscores, at most 100 characters."));
  }
  if (auto denied = check_signature(req)) return refuse(std::move(*denied));

  std::string type(*log_type);
  std::shared_ptr<StreamSink> stream;
  for (const auto& [name, sink] : options_.streams) {
    if (iequals(name, type)) stream = sink;
  }
  if (stream ? stream->busy() : tables_.busy()) {
    auto r = data_collector_error(429, "", "The receiver's destinations are full; retry later.");
    r.headers.emplace_back("Retry-After", "5");
    return refuse(std::move(r));
  }

  thread_local dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(req.body).get(root); err) {
    return refuse(data_collector_error(400, "InvalidDataFormat", std::string("The body is not valid JSON: ") + simdjson::error_message(err)));
  }
  std::vector<dom::element> records;
  dom::array arr;
  if (root.get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) records.push_back(e);
  } else if (root.is_object()) {
    records.push_back(root);
  } else {
    return refuse(data_collector_error(400, "InvalidDataFormat", "The body must be a JSON object or an array of objects."));
  }
  for (size_t i = 0; i < records.size(); ++i) {
    if (!records[i].is_object()) {
      return refuse(data_collector_error(400, "InvalidDataFormat", "Record " + std::to_string(i) + " is not a JSON object."));
    }
  }
  auto answer_failure = [&](const WriteError& e) {
    switch (e.kind) {
      case WriteFailure::Busy: {
        auto r = data_collector_error(429, "", "The receiver's destinations are full; retry later.");
        r.headers.emplace_back("Retry-After", "5");
        return r;
      }
      case WriteFailure::Invalid: return data_collector_error(400, "InvalidDataFormat", e.error.str());
      case WriteFailure::Internal: break;
    }
    return data_collector_error(500, "UnspecifiedError", "The records could not be stored; retry the request.");
  };
  int64_t stored = 0;
  if (stream) {
    auto w = stream->write(records);
    if (!w) return refuse(answer_failure(w.error()));
    stored = static_cast<int64_t>(records.size());
  } else {
    LegacyTable& table = table_for(type);
    std::string time_field(req.header("time-generated-field").value_or(""));
    std::string resource(req.header("x-ms-AzureResourceId").value_or(""));
    auto batch = table.map(records, time_field, resource, options_.clock());
    if (!batch) return refuse(data_collector_error(400, "InvalidDataFormat", batch.error().str()));
    stored = static_cast<int64_t>(batch->rows.size());
    if (!batch->rows.empty()) {
      auto w = tables_.write(table.table(), batch->schema, std::move(batch->rows));
      if (!w) return refuse(answer_failure(w.error()));
    }
  }
  std::lock_guard lock(mutex_);
  ++counters_.accepted;
  counters_.records += stored;
  http::ServerResponse ok;
  ok.status = 200;
  return ok;
}

}  // namespace intake::receive
