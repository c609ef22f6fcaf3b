#include "receive/receivers.h"

namespace intake::receive {

namespace {
std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }
}  // namespace

std::optional<http::ServerResponse> Receivers::handle(const http::ServerRequest& req) {
  if (data_collector && req.path == "/api/logs") return data_collector->handle(req);
  if (logs_ingestion && req.path.starts_with("/dataCollectionRules/")) return logs_ingestion->handle(req);
  if (webhooks && req.path.starts_with("/webhooks/")) return webhooks->handle(req);
  return std::nullopt;
}

std::optional<http::BodyLimit> Receivers::body_limit(std::string_view target) const {
  std::string_view path = path_of(target);
  if (data_collector && path == "/api/logs") return http::BodyLimit{kDataCollectorMaxBody, DataCollectorReceiver::too_large()};
  if (logs_ingestion && path.starts_with("/dataCollectionRules/")) {
    return http::BodyLimit{kLogsIngestionMaxBody, LogsIngestionReceiver::too_large()};
  }
  if (webhooks && path.starts_with("/webhooks/")) {
    return http::BodyLimit{kWebhookMaxBody, http::ServerResponse::text(413, "The body is larger than 16 MiB.\n")};
  }
  return std::nullopt;
}

}  // namespace intake::receive
