#include "engine/delivery.h"

#include <random>

#include "sinks/azure_monitor.h"
#include "sinks/postgres.h"
#include "sinks/spool_codec.h"

namespace intake::engine {

namespace {
constexpr size_t kReadEntries = 256;
}  // namespace

struct DeliveryManager::Slot {
  DestinationConfig cfg;
  std::unique_ptr<sinks::Destination> dest;
  std::thread thread;
  std::atomic<int64_t> spooled_bytes{0};  // spooled and not yet removed (approximate between resyncs)
  std::mutex wake_mutex;
  std::condition_variable wake;
  std::atomic<bool> pending{false};
  mutable std::mutex mutex;  // the fields below
  DestinationStatus st;
};

namespace {

// Stream rows for the Logs Ingestion API: NDJSON objects tagged with the rule and the stream.
class AzureSpoolRoute final : public SpoolRoute {
 public:
  AzureSpoolRoute(DeliveryManager::Slot* slot, std::string dcr, std::string stream)
      : slot_(slot), dcr_(std::move(dcr)), stream_(std::move(stream)), meta_(sinks::azure_meta(dcr_, stream_)) {}
  bool wants_stream_rows() const override { return true; }
  Status encode_stream(const Schema& schema, std::span<const Row> rows, std::vector<sinks::SpoolRecord>& out) override;
  Status encode_table(const std::string&, const Schema&, std::span<const Row>, std::vector<sinks::SpoolRecord>&) override {
    return {};
  }

 private:
  DeliveryManager::Slot* slot_;
  std::string dcr_, stream_, meta_;
};

// Table rows for databases: COPY text with the table's columns.
class TableSpoolRoute final : public SpoolRoute {
 public:
  explicit TableSpoolRoute(DeliveryManager::Slot* slot) : slot_(slot) {}
  bool wants_stream_rows() const override { return false; }
  Status encode_stream(const Schema&, std::span<const Row>, std::vector<sinks::SpoolRecord>&) override { return {}; }
  Status encode_table(const std::string& table, const Schema& schema, std::span<const Row> rows,
                      std::vector<sinks::SpoolRecord>& out) override;

 private:
  DeliveryManager::Slot* slot_;
};

}  // namespace

// Defined here: both routes need the slot's counters.
Status AzureSpoolRoute::encode_stream(const Schema& schema, std::span<const Row> rows, std::vector<sinks::SpoolRecord>& out) {
  sinks::SpoolRecord r{slot_->cfg.name, stream_, meta_, {}, static_cast<int64_t>(rows.size())};
  sinks::encode_ndjson(schema, rows, r.payload);
  slot_->spooled_bytes += static_cast<int64_t>(r.payload.size());
  slot_->pending = true;
  out.push_back(std::move(r));
  return {};
}

Status TableSpoolRoute::encode_table(const std::string& table, const Schema& schema, std::span<const Row> rows,
                                     std::vector<sinks::SpoolRecord>& out) {
  sinks::SpoolRecord r{slot_->cfg.name, table, sinks::table_meta(table, schema), {}, static_cast<int64_t>(rows.size())};
  sinks::encode_copy_text(schema, rows, r.payload);
  slot_->spooled_bytes += static_cast<int64_t>(r.payload.size());
  slot_->pending = true;
  out.push_back(std::move(r));
  return {};
}

DeliveryManager::~DeliveryManager() { stop(); }

std::expected<std::unique_ptr<DeliveryManager>, std::vector<Error>> DeliveryManager::create(const DaemonConfig& config, Logger* log,
                                                                                          Clock clock) {
  std::unique_ptr<DeliveryManager> m(new DeliveryManager());
  m->log_ = log;
  m->clock_ = std::move(clock);
  std::vector<Error> errors;
  for (size_t i = 0; i < config.destinations.size(); ++i) {
    const auto& d = config.destinations[i];
    auto slot = std::make_unique<Slot>();
    slot->cfg = d;
    slot->st.name = d.name;
    slot->st.type = d.type;
    DeliveryManager* self = m.get();
    if (d.type == "azure-monitor") {
      sinks::AzureMonitorOptions o;
      o.name = d.name;
      o.endpoint = d.endpoint;
      o.tenant_id = d.tenant_id;
      o.client_id = d.client_id;
      o.client_secret = d.client_secret;
      o.authority_host = d.authority_host;
      o.scope = d.scope;
      o.token = d.token;
      o.concurrency = d.concurrency;
      o.max_request_bytes = d.max_request_bytes;
      o.ca_file = config.ca_file;
      o.stop = [self] { return self->stopping_.load(); };
      auto a = sinks::AzureMonitorDestination::create(std::move(o));
      if (!a) {
        errors.push_back(a.error().within(config.path + ":/destinations/" + std::to_string(i)));
        continue;
      }
      slot->dest = std::move(*a);
    } else {
      sinks::PostgresOptions o;
      o.name = d.name;
      o.connection = d.connection;
      o.schema = d.schema;
      slot->dest = std::make_unique<sinks::PostgresDestination>(std::move(o));
    }
    m->destinations_.push_back(std::move(slot));
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return m;
}

Result<RouteParts> DeliveryManager::resolve(const std::vector<Route>& routes, const std::string& stream) {
  RouteParts p;
  p.to_workspace = routes.empty();
  std::vector<Slot*> slots;
  for (const auto& r : routes) {
    if (r.destination == "workspace") {
      p.to_workspace = true;
      continue;
    }
    Slot* slot = nullptr;
    for (auto& s : destinations_) {
      if (s->cfg.name == r.destination) slot = s.get();
    }
    if (!slot) return fail("destinations", "no destination named '" + r.destination + "'");
    if (slot->cfg.type == "azure-monitor") {
      if (stream.empty()) {
        return fail("destinations", "'" + r.destination + "' is azure-monitor, which takes the rows of a DCR stream; these rows have none "
                                    "(legacy Data Collector tables): map the Log-Type to a package stream, or route them elsewhere");
      }
      std::string dcr = r.dcr_immutable_id.empty() ? slot->cfg.dcr_immutable_id : r.dcr_immutable_id;
      p.remotes.push_back(std::make_shared<AzureSpoolRoute>(slot, dcr, stream));
    } else {
      p.remotes.push_back(std::make_shared<TableSpoolRoute>(slot));
    }
    slots.push_back(slot);
  }
  if (!slots.empty()) {
    p.busy = [slots] {
      for (const Slot* s : slots) {
        if (s->spooled_bytes.load() > s->cfg.spool_max_bytes) return true;
      }
      return false;
    };
  }
  return p;
}

Status DeliveryManager::start(const std::string& workspace_path) {
  if (destinations_.empty()) return {};
  auto stats_ws = sinks::Workspace::open(workspace_path);
  if (!stats_ws) return std::unexpected(stats_ws.error());
  {
    std::lock_guard lock(stats_mutex_);
    stats_ws_ = std::move(*stats_ws);
  }
  for (auto& s : destinations_) {
    auto ws = sinks::Workspace::open(workspace_path);
    if (!ws) return std::unexpected(ws.error());
    auto stats = (*ws)->spool_stats(s->cfg.name);
    if (stats) s->spooled_bytes = stats->bytes;
  }
  for (auto& s : destinations_) {
    Slot* slot = s.get();
    slot->thread = std::thread([this, slot, workspace_path] { run(*slot, workspace_path); });
  }
  return {};
}

void DeliveryManager::stop() {
  stopping_ = true;
  for (auto& s : destinations_) {
    s->wake.notify_all();
    if (s->thread.joinable()) s->thread.join();
  }
}

void DeliveryManager::run(Slot& slot, const std::string& workspace_path) {
  auto ws_opened = sinks::Workspace::open(workspace_path);
  if (!ws_opened) {
    std::lock_guard lock(slot.mutex);
    slot.st.last_error = ws_opened.error().str();
    return;
  }
  sinks::Workspace& ws = **ws_opened;
  std::mt19937_64 rng(std::hash<std::string>{}(slot.cfg.name));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  http::BackoffPolicy backoff;
  backoff.base = std::chrono::milliseconds(500);
  backoff.max_delay = std::chrono::milliseconds(slot.cfg.max_backoff_ticks / kTicksPerMillisecond);
  int failures = 0;
  std::optional<int64_t> cursor;
  auto last_resync = std::chrono::steady_clock::now();
  auto sleep_for = [&](std::chrono::milliseconds d) {
    std::unique_lock lock(slot.wake_mutex);
    slot.wake.wait_for(lock, d, [&] { return stopping_.load(); });
  };
  auto note_error = [&](const Error& e, bool log_it) {
    {
      std::lock_guard lock(slot.mutex);
      ++slot.st.errors;
      slot.st.connected = false;
      slot.st.last_error = e.str();
    }
    if (log_it && log_) log_->log(LogLevel::Warn, "Delivery failed; retrying.", {{"destination", slot.cfg.name}, {"error", e.str()}});
  };
  while (!stopping_) {
    if (!cursor) {
      auto id = ws.identity();
      if (!id) {
        note_error(id.error(), failures == 0);
        ++failures;
        sleep_for(http::backoff_delay(backoff, std::min(failures, 12), unit(rng), std::nullopt));
        continue;
      }
      auto opened = slot.dest->open(*id);
      if (!opened) {
        note_error(opened.error(), failures == 0);
        ++failures;
        sleep_for(http::backoff_delay(backoff, std::min(failures, 12), unit(rng), std::nullopt));
        continue;
      }
      // What the destination already holds (databases record it) is not sent again.
      if (*opened > 0) (void)ws.spool_delete(slot.cfg.name, *opened);
      cursor = *opened;
    }
    if (std::chrono::steady_clock::now() - last_resync > std::chrono::seconds(10)) {
      if (auto stats = ws.spool_stats(slot.cfg.name)) slot.spooled_bytes = stats->bytes;
      last_resync = std::chrono::steady_clock::now();
    }
    auto entries = ws.spool_read(slot.cfg.name, *cursor, kReadEntries, slot.dest->batch_bytes());
    if (!entries) {
      note_error(entries.error(), true);
      sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (entries->empty()) {
      slot.pending = false;
      std::unique_lock lock(slot.wake_mutex);
      slot.wake.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_.load() || slot.pending.load(); });
      continue;
    }
    auto result = slot.dest->deliver(*entries);
    int64_t through = result ? result->delivered_through : result.error().delivered_through;
    if (through > *cursor) {
      int64_t freed = 0;
      for (const auto& e : *entries) {
        if (e.seq <= through) freed += static_cast<int64_t>(e.payload.size());
      }
      if (result) {
        for (const auto& r : result->rejected) {
          for (const auto& e : *entries) {
            if (e.seq == r.seq) (void)ws.dead_letter(slot.cfg.name, e, r.payload, r.reason);
          }
          if (log_) log_->log(LogLevel::Error, "A destination refused records; kept in _intake_dead_letters.",
                              {{"destination", slot.cfg.name}, {"error", r.reason}});
        }
      }
      if (auto ok = ws.spool_delete(slot.cfg.name, through); !ok) note_error(ok.error(), true);
      slot.spooled_bytes -= freed;
      cursor = through;
    }
    {
      std::lock_guard lock(slot.mutex);
      if (result) {
        slot.st.delivered_rows += result->rows;
        slot.st.requests += result->requests;
        slot.st.retries += result->retries;
        slot.st.rejected += static_cast<int64_t>(result->rejected.size());
        slot.st.connected = true;
        slot.st.last_delivery = clock_();
      }
    }
    if (result) {
      if (failures > 0 && log_) log_->log(LogLevel::Info, "Delivery recovered.", {{"destination", slot.cfg.name}});
      failures = 0;
      continue;
    }
    if (stopping_) break;
    note_error(result.error().error, failures == 0);
    ++failures;
    auto wait = http::backoff_delay(backoff, std::min(failures, 12), unit(rng),
                                    result.error().retry_after.count() > 0 ? std::optional(result.error().retry_after) : std::nullopt);
    if (!result.error().retryable) wait = std::max(wait, std::chrono::milliseconds(5000));
    sleep_for(wait);
  }
}

std::vector<DestinationStatus> DeliveryManager::status() const {
  std::vector<DestinationStatus> out;
  for (const auto& s : destinations_) {
    DestinationStatus st;
    {
      std::lock_guard lock(s->mutex);
      st = s->st;
    }
    st.busy = s->spooled_bytes.load() > s->cfg.spool_max_bytes;
    std::lock_guard lock(stats_mutex_);
    if (stats_ws_) {
      if (auto stats = stats_ws_->spool_stats(s->cfg.name)) {
        st.spooled_entries = stats->entries;
        st.spooled_rows = stats->rows;
        st.spooled_bytes = stats->bytes;
        if (stats->oldest_ticks) st.oldest = DateTime{*stats->oldest_ticks};
      }
    }
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace intake::engine
