// The azure-monitor destination: the Logs Ingestion API client. It sends a connector's stream
// rows to {endpoint}/dataCollectionRules/{dcr}/streams/{stream}?api-version=2023-01-01 — the DCR
// transform then runs in Azure, as for a CCP connector — as gzip'd JSON arrays of at most
// max_request_bytes uncompressed (the service takes 1 MB), up to `concurrency` requests in
// flight, with an Entra ID client-credentials token (or a static one) refreshed once on a 401.
// 429 and 503 wait for Retry-After, other 5xx and transport failures back off; a 413 splits the
// request; a record that is alone over the limit, or a 400, is set aside (DeliveryReport::rejected).
#pragma once

#include <memory>
#include <string>

#include "http/retry.h"
#include "sinks/destination.h"

namespace intake::sinks {

struct AzureMonitorOptions {
  std::string name;
  std::string endpoint;            // https://<dce>.ingest.monitor.azure.com
  std::string tenant_id, client_id, client_secret;
  std::string authority_host = "https://login.microsoftonline.com";
  std::string scope = "https://monitor.azure.com//.default";
  std::string token;               // static bearer token instead of client credentials
  int concurrency = 2;
  int64_t max_request_bytes = 1'000'000;
  std::string ca_file;
  http::BackoffPolicy backoff{5, std::chrono::milliseconds(500), std::chrono::milliseconds(30'000),
                              std::chrono::milliseconds(120'000)};
  std::function<bool()> stop;      // aborts waits and requests (shutdown)
};

// Meta of an entry for this destination: {"dcr":"dcr-...","stream":"Custom-X"}.
std::string azure_meta(const std::string& dcr, const std::string& stream);

class AzureMonitorDestination final : public Destination {
 public:
  static Result<std::unique_ptr<AzureMonitorDestination>> create(AzureMonitorOptions options);
  ~AzureMonitorDestination() override;
  const std::string& name() const override;
  size_t batch_bytes() const override;
  std::expected<DeliveryReport, DeliveryError> deliver(std::span<const SpooledEntry> entries) override;

 private:
  struct Impl;
  explicit AzureMonitorDestination(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace intake::sinks
