// Office 365 Management Activity API simulator (the API behind Microsoft Purview audit) with its
// Entra ID token endpoint (sim/entra, resource https://manage.office.com): subscriptions per
// content type, content blobs listed per contentCreated window with NextPageUri paging, blobs
// fetched by contentUri, AFxxxxx errors, throttling without Retry-After. The data (blobs and the
// audit records inside them) is computed from (seed, index); only per-blob metadata is held.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "http/server.h"
#include "sim/common.h"
#include "sim/entra.h"
#include "sim/gen.h"

namespace intake::sim::o365 {

enum class ContentType : uint8_t { AzureActiveDirectory, Exchange, SharePoint, General, Dlp };
constexpr size_t kContentTypes = 5;
constexpr std::array<ContentType, kContentTypes> kAllContentTypes{
    ContentType::AzureActiveDirectory, ContentType::Exchange, ContentType::SharePoint, ContentType::General,
    ContentType::Dlp};

// "Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All".
std::string_view content_type_name(ContentType type);
// Case-insensitive, as the service matches them; nullopt for anything else.
std::optional<ContentType> parse_content_type(std::string_view name);

// What to generate. Blobs are created (contentCreated) over [start_ms, end_ms); their records
// are spread over them by weight, so blob sizes vary.
struct DataOptions {
  int64_t records = 10'000;
  int64_t blobs = 100;  // 1 .. 999,999
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // A record's CreationTime is at or before its blob's contentCreated, by at most this much
  // (and never before start_ms, rounded down to the second).
  int64_t max_lag_ms = 2 * 3600 * 1000;
  // Fraction of records that reappear in the next blob of their content type (same Id).
  double duplicate_rate = 0;
  std::string tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";  // OrganizationId
  std::string domain = "contoso.onmicrosoft.com";              // of the users' UPNs
  uint64_t seed = 1;
};

// The generated audit data: which blobs exist, which records each one holds, every record's
// JSON. Immutable after creation and safe to share between threads. Tests build one with the
// options of the simulator they run to know the full expected record set.
class Dataset {
 public:
  struct Blob {
    int64_t created_ms;  // contentCreated
    int64_t first;       // its own records are [first, first + count)
    int64_t count;
    ContentType type;
    int64_t previous;  // the previous blob of the same type (-1 = none): its duplicates come here
    int64_t next;      // the next blob of the same type (-1 = none)
    int64_t oldest_ms;  // CreationTime of its first own record before rounding
    int64_t newest_ms;
  };

  // Errors name the flag (--records, --blobs, ...).
  static Result<Dataset> create(DataOptions options);

  const DataOptions& options() const { return options_; }
  int64_t blob_count() const { return static_cast<int64_t>(blobs_.size()); }
  const Blob& blob(int64_t b) const { return blobs_[static_cast<size_t>(b)]; }
  // "<created yyyyMMddHHmmssfff><index 6 digits>$<same>$audit_sharepoint$Audit_SharePoint$nam0042".
  std::string content_id(int64_t b) const;
  // The blob a content id names; nullopt when no blob has that id.
  std::optional<int64_t> find_content_id(std::string_view id) const;
  // Whether `id` has the shape of a content id at all ('$'-separated alphanumeric parts).
  static bool well_formed_content_id(std::string_view id);
  // The records blob b serves, in body order: the duplicated records of its previous blob of
  // the same type, then its own.
  std::vector<int64_t> served_records(int64_t b) const;
  // The body of GET {contentUri}: a JSON array of the served records.
  std::string blob_json(int64_t b) const;
  // Blob indexes of one type, by contentCreated (and so by index).
  const std::vector<int64_t>& blobs_of_type(ContentType type) const { return by_type_[static_cast<size_t>(type)]; }
  // Positions in blobs_of_type(type) of the blobs with start_ms <= contentCreated < end_ms.
  std::pair<size_t, size_t> window(ContentType type, int64_t start_ms, int64_t end_ms) const;

  int64_t record_count() const { return options_.records; }
  int64_t blob_of(int64_t record) const;
  ContentType type_of(int64_t record) const { return blob(blob_of(record)).type; }
  // The second blob a duplicated record appears in; nullopt for records served once.
  std::optional<int64_t> duplicate_blob_of(int64_t record) const;
  int64_t creation_ms(int64_t record) const;  // whole seconds
  std::string record_id(int64_t record) const;  // the record's Id (a GUID)
  std::string record_json(int64_t record) const;
  // Distinct records of a type, and how many of them are served twice.
  int64_t records_of_type(ContentType type) const { return records_by_type_[static_cast<size_t>(type)]; }
  int64_t duplicates_of_type(ContentType type) const { return duplicates_by_type_[static_cast<size_t>(type)]; }

 private:
  explicit Dataset(DataOptions options) : options_(std::move(options)) {}
  bool duplicated(int64_t record) const;

  DataOptions options_;
  std::vector<Blob> blobs_;
  std::vector<int64_t> firsts_;  // blobs_[b].first, for the record -> blob search
  std::array<std::vector<int64_t>, kContentTypes> by_type_;
  std::array<int64_t, kContentTypes> records_by_type_{};
  std::array<int64_t, kContentTypes> duplicates_by_type_{};
};

// The Entra options of the Management Activity API: tokens for https://manage.office.com with
// its application roles; Graph and ARM tokens are issued too and refused by the API.
entra::Options default_entra();

struct Options {
  DataOptions data;            // tenant, domain and seed are taken from entra and seed
  int64_t page_size = 200;     // content entries per listing page before NextPageUri
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // contentExpiration - contentCreated
  // Listing shows content created before the first /start of a content type (the real service
  // backfills); off: only content created while the subscription was enabled.
  bool backfill = true;
  std::vector<ContentType> subscribed;         // enabled from the beginning
  std::vector<ContentType> disabled_by_admin;  // exist, disabled by a tenant admin (AF20023)
  std::string scheme = "http";                 // of contentUri and NextPageUri
  entra::Options entra = default_entra();
  FaultOptions faults;  // rate_limit, fail_rate (AF50000), throttle_at, drop_at, slow_ms, expire_token_at
  double throttle_rate = 0;        // fraction of API requests answered AF429
  int64_t throttle_burst_at = 0;   // API requests burst_at .. burst_at + len - 1 (1-based) are AF429
  int64_t throttle_burst_len = 0;
  uint64_t seed = 1;
  NowMs now = system_now_ms;
};

class Simulator {
 public:
  static Result<std::unique_ptr<Simulator>> create(Options options, std::shared_ptr<Recorder> recorder = nullptr);

  // Thread-safe.
  http::ServerResponse handle(const http::ServerRequest& request);

  const Dataset& data() const { return data_; }
  entra::TokenService& tokens() { return tokens_; }
  const Options& options() const { return options_; }
  // GET /_sim/o365: subscriptions and what was listed, fetched and served, per content type.
  std::string state_json() const;

 private:
  enum class Op { Start, Stop, List, Content, Notifications, Fetch };
  struct Route {
    std::string tenant;
    Op op;
    std::string content_id;  // Fetch
  };
  struct Subscription {
    enum class Status { None, Enabled, Stopped, AdminDisabled };
    Status status = Status::None;
    std::vector<std::pair<int64_t, int64_t>> enabled;  // [from, to) periods; to = INT64_MAX while enabled
    std::optional<std::string> webhook_json;           // {"status","address","authId","expiration"}
    int64_t starts = 0;
  };
  struct Counters {
    int64_t list_requests = 0, blobs_listed = 0, blobs_fetched = 0, records_served = 0;
  };

  Simulator(Options options, Dataset data, std::shared_ptr<Recorder> recorder);
  http::ServerResponse serve(const http::ServerRequest& request);
  http::ServerResponse start(const http::ServerRequest& request);
  http::ServerResponse stop(const http::ServerRequest& request);
  http::ServerResponse list(const http::ServerRequest& request);
  http::ServerResponse content(const http::ServerRequest& request, const Route& route, bool notifications);
  http::ServerResponse fetch(const Route& route);
  bool available(const Subscription& s, int64_t created_ms) const;  // caller holds mutex_

  Options options_;
  Dataset data_;
  std::shared_ptr<Recorder> recorder_;
  entra::TokenService tokens_;
  FaultPlan faults_;
  mutable std::mutex mutex_;
  std::array<Subscription, kContentTypes> subscriptions_;
  std::array<Counters, kContentTypes> counters_;
  std::vector<bool> fetched_;  // per blob: fetched at least once
  int64_t throttled_ = 0, failed_ = 0;
};

// The `o365` subcommand of intake-sim.
std::unique_ptr<Command> make_command();

}  // namespace intake::sim::o365
