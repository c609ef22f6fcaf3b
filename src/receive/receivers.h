// The receivers of one daemon behind one HTTP surface: the Data Collector API at /api/logs, the
// Logs Ingestion API at /dataCollectionRules/..., webhooks at /webhooks/{name}. Routes a request
// to the one that serves its path and tells the server each one's body limit (30 MB for the Data
// Collector API, answered 404 beyond it as Azure does; 1 MB for Logs Ingestion, 413).
#pragma once

#include <memory>
#include <optional>

#include "http/server.h"
#include "receive/data_collector.h"
#include "receive/logs_ingestion.h"
#include "receive/webhook.h"

namespace intake::receive {

inline constexpr size_t kWebhookMaxBody = 16 * 1024 * 1024;

struct Receivers {
  std::unique_ptr<DataCollectorReceiver> data_collector;
  std::unique_ptr<LogsIngestionReceiver> logs_ingestion;
  std::unique_ptr<WebhookReceiver> webhooks;

  bool empty() const { return !data_collector && !logs_ingestion && !webhooks; }
  // nullopt when no receiver serves the path.
  std::optional<http::ServerResponse> handle(const http::ServerRequest& request);
  // The body limit for a request to `target`; nullopt for paths no receiver serves.
  std::optional<http::BodyLimit> body_limit(std::string_view target) const;
};

}  // namespace intake::receive
