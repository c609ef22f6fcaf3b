#include "sinks/azure_monitor.h"

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/sleep.h"
#include "auth/authenticator.h"
#include "http/client.h"
#include "http/gzip.h"
#include "http/url.h"
#include "json/value_json.h"

namespace intake::sinks {

std::string azure_meta(const std::string& dcr, const std::string& stream) {
  std::string out = "{\"dcr\":";
  json::append_json_string(out, dcr);
  out += ",\"stream\":";
  json::append_json_string(out, stream);
  out += "}";
  return out;
}

namespace {

struct Target {
  std::string dcr, stream;
  bool operator==(const Target&) const = default;
};

std::optional<Target> target_of(std::string_view meta) {
  auto v = json::parse(meta);
  if (!v) return std::nullopt;
  const Value* d = v->get("dcr");
  const Value* s = v->get("stream");
  if (!d || !s || !d->is_string() || !s->is_string()) return std::nullopt;
  return Target{d->as_string(), s->as_string()};
}

// The lines (records) of an NDJSON payload.
std::vector<std::string_view> lines_of(std::string_view payload) {
  std::vector<std::string_view> out;
  for (size_t pos = 0; pos < payload.size();) {
    size_t eol = payload.find('\n', pos);
    if (eol == std::string_view::npos) eol = payload.size();
    if (eol > pos) out.push_back(payload.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return out;
}

// One request: records of one target, from whole entries or from a part of one entry.
struct Unit {
  Target target;
  std::vector<size_t> entries;  // indexes of the entries it completes (whole entries)
  size_t part_of = SIZE_MAX;    // or the entry it is part `part` of
  int part = 0;
  std::vector<std::string_view> lines;
  bool ok = false;
};

}  // namespace

struct AzureMonitorDestination::Impl {
  AzureMonitorOptions o;
  std::vector<std::unique_ptr<http::Client>> clients;  // one per concurrent request
  std::unique_ptr<http::Client> token_client;
  std::unique_ptr<auth::Authenticator> auth;
  std::mutex auth_mutex;
  std::map<int64_t, std::set<int>> done_parts;  // parts of big entries stored by an earlier call
  std::mt19937_64 rng{7};
};

AzureMonitorDestination::AzureMonitorDestination(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AzureMonitorDestination::~AzureMonitorDestination() = default;
const std::string& AzureMonitorDestination::name() const { return impl_->o.name; }
// One request's worth per concurrent sender: enough to keep them busy, little to repeat after a crash.
size_t AzureMonitorDestination::batch_bytes() const {
  return static_cast<size_t>(std::max(1, impl_->o.concurrency)) * static_cast<size_t>(impl_->o.max_request_bytes);
}

Result<std::unique_ptr<AzureMonitorDestination>> AzureMonitorDestination::create(AzureMonitorOptions o) {
  auto impl = std::make_unique<Impl>();
  http::ClientOptions copts;
  copts.ca_file = o.ca_file;
  copts.abort = o.stop;
  for (int i = 0; i < std::max(1, o.concurrency); ++i) {
    auto c = http::Client::create(copts);
    if (!c) return std::unexpected(c.error());
    impl->clients.push_back(std::move(*c));
  }
  auto tc = http::Client::create(copts);
  if (!tc) return std::unexpected(tc.error());
  impl->token_client = std::move(*tc);
  auth::AuthSpec spec;
  if (!o.token.empty()) {
    auth::ApiKeySpec k;
    k.key = o.token;
    k.identifier = "Bearer";
    spec = k;
  } else {
    auth::OAuth2Spec oa;
    oa.client_id = o.client_id;
    oa.client_secret = o.client_secret;
    std::string host = o.authority_host;
    while (!host.empty() && host.back() == '/') host.pop_back();
    oa.token_endpoint = host + "/" + o.tenant_id + "/oauth2/v2.0/token";
    oa.scope = o.scope;
    spec = oa;
  }
  auto a = auth::make_authenticator(spec, *impl->token_client);
  if (!a) return std::unexpected(a.error().within(o.name));
  impl->auth = std::move(*a);
  impl->o = std::move(o);
  return std::unique_ptr<AzureMonitorDestination>(new AzureMonitorDestination(std::move(impl)));
}

std::expected<DeliveryReport, DeliveryError> AzureMonitorDestination::deliver(std::span<const SpooledEntry> entries) {
  Impl& m = *impl_;
  const size_t max_bytes = static_cast<size_t>(m.o.max_request_bytes);
  DeliveryReport report;
  std::vector<Unit> units;
  std::vector<std::vector<std::string_view>> entry_lines(entries.size());
  std::vector<int> parts_of(entries.size(), 0);
  // Build the requests: small entries of one target share a request; a big one is split by lines.
  for (size_t i = 0; i < entries.size(); ++i) {
    auto t = target_of(entries[i].meta);
    if (!t) {
      report.rejected.push_back({entries[i].seq, entries[i].payload, "the spool entry's meta is damaged"});
      continue;
    }
    entry_lines[i] = lines_of(entries[i].payload);
    size_t size = entries[i].payload.size() + 2;
    if (size <= max_bytes) {
      if (!units.empty() && units.back().part_of == SIZE_MAX && units.back().target == *t) {
        size_t have = 2;
        for (auto l : units.back().lines) have += l.size() + 1;
        if (have + size <= max_bytes) {
          units.back().entries.push_back(i);
          for (auto l : entry_lines[i]) units.back().lines.push_back(l);
          continue;
        }
      }
      Unit u{*t, {i}, SIZE_MAX, 0, entry_lines[i], false};
      units.push_back(std::move(u));
      continue;
    }
    Unit part{*t, {}, i, 0, {}, false};
    size_t have = 2;
    for (auto l : entry_lines[i]) {
      if (!part.lines.empty() && have + l.size() + 1 > max_bytes) {
        units.push_back(part);
        part.lines.clear();
        ++part.part;
        have = 2;
      }
      part.lines.push_back(l);
      have += l.size() + 1;
    }
    if (!part.lines.empty()) units.push_back(part);
    parts_of[i] = part.part + 1;
  }
  // Requests an earlier call got through (before a later one failed) are not sent again.
  auto done_before = [&](size_t entry, int part) {
    auto it = m.done_parts.find(entries[entry].seq);
    return it != m.done_parts.end() && it->second.contains(part);
  };
  for (auto& u : units) {
    if (u.part_of != SIZE_MAX) {
      u.ok = done_before(u.part_of, u.part);
    } else {
      bool all = !u.entries.empty();
      for (size_t e : u.entries) all = all && done_before(e, -1);
      u.ok = all;
    }
  }

  std::mutex report_mutex;
  std::optional<DeliveryError> failure;
  std::atomic<size_t> next{0};
  std::vector<std::pair<int64_t, std::string>> rejected_lines;  // (entry index, line)
  auto stopping = [&] { return m.o.stop && m.o.stop(); };
  auto wait = [&](std::chrono::milliseconds d) { return sleep_unless(d, stopping); };
  // Sends one set of records, halving it on 413 (and on 400, to find the records refused);
  // returns false when the request failed for good.
  std::function<bool(http::Client&, const Target&, std::span<const std::string_view>, size_t entry, std::mt19937_64&)> send;
  send = [&](http::Client& client, const Target& t, std::span<const std::string_view> lines, size_t entry, std::mt19937_64& rng) -> bool {
    std::string body;
    body.reserve(max_bytes);
    body += '[';
    for (size_t k = 0; k < lines.size(); ++k) {
      if (k) body += ',';
      body += lines[k];
    }
    body += ']';
    auto packed = http::gzip(body, 1);
    if (!packed) {
      std::lock_guard lock(report_mutex);
      failure = DeliveryError{packed.error(), 0, true, 0, {}};
      return false;
    }
    std::string url = m.o.endpoint;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/dataCollectionRules/" + http::url_encode(t.dcr) + "/streams/" + http::url_encode(t.stream) + "?api-version=2023-01-01";
    bool refreshed = false;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int attempt = 0;; ++attempt) {
      http::Request req;
      req.method = "POST";
      req.url = url;
      req.headers = {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}};
      req.body = *packed;
      {
        std::lock_guard lock(m.auth_mutex);
        if (auto ok = m.auth->apply(req); !ok) {
          std::lock_guard rl(report_mutex);
          failure = DeliveryError{ok.error().within(m.o.name + ": token"), 0, true, 0, {}};
          return false;
        }
      }
      {
        std::lock_guard lock(report_mutex);
        ++report.requests;
        if (attempt) ++report.retries;
      }
      auto resp = client.send(req, std::chrono::seconds(60));
      std::optional<std::chrono::milliseconds> retry_after;
      int status = resp ? resp->status : 0;
      std::string why;
      if (resp) {
        if (status / 100 == 2) return true;
        if (status == 413 || status == 400) {
          if (lines.size() > 1) {
            size_t half = lines.size() / 2;
            return send(client, t, lines.subspan(0, half), entry, rng) && send(client, t, lines.subspan(half), entry, rng);
          }
          std::lock_guard lock(report_mutex);
          rejected_lines.emplace_back(static_cast<int64_t>(entry), std::string(lines[0]));
          return true;
        }
        if (status == 401 && !refreshed) {
          refreshed = true;
          std::lock_guard lock(m.auth_mutex);
          auto again = m.auth->refresh();
          if (again && *again) continue;
        }
        why = "HTTP " + std::to_string(status) + ": " + resp->body.substr(0, 300);
        if (status == 401 || status == 403 || status == 404) {
          // Credentials, role assignment or rule id: waits for the operator, data stays spooled.
          std::lock_guard lock(report_mutex);
          failure = DeliveryError{Error(http::redact_url(url), why), status, false, 0, {}};
          return false;
        }
        retry_after = http::retry_after_of(*resp, system_now());
      } else {
        why = resp.error().str();
      }
      if (attempt >= m.o.backoff.max_retries) {
        std::lock_guard lock(report_mutex);
        failure = DeliveryError{Error(http::redact_url(url), why + " (gave up after " + std::to_string(attempt + 1) + " attempts)"),
                                status, true, 0, retry_after.value_or(std::chrono::milliseconds(0))};
        return false;
      }
      if (!wait(http::backoff_delay(m.o.backoff, attempt + 1, unit(rng), retry_after))) {
        std::lock_guard lock(report_mutex);
        failure = DeliveryError{Error(m.o.name, "stopped"), 0, true, 0, {}};
        return false;
      }
    }
  };
  auto worker = [&](size_t w) {
    std::mt19937_64 rng(m.rng() + w);
    while (true) {
      size_t k = next.fetch_add(1);
      if (k >= units.size()) return;
      Unit& u = units[k];
      if (u.ok) continue;
      {
        std::lock_guard lock(report_mutex);
        if (failure) return;  // stop taking work; what was not sent is sent again later
      }
      size_t entry = u.part_of != SIZE_MAX ? u.part_of : (u.entries.empty() ? 0 : u.entries.front());
      u.ok = send(*m.clients[w], u.target, u.lines, entry, rng);
    }
  };
  size_t n = std::min(units.size(), m.clients.size());
  if (n <= 1) {
    worker(0);
  } else {
    std::vector<std::thread> threads;
    for (size_t w = 0; w < n; ++w) threads.emplace_back(worker, w);
    for (auto& t : threads) t.join();
  }

  // Progress: entries in order, each done when every unit carrying it succeeded.
  std::vector<int> parts_ok(entries.size(), 0);
  std::vector<bool> whole_ok(entries.size(), false);
  for (const auto& u : units) {
    if (!u.ok) continue;
    if (u.part_of != SIZE_MAX) {
      ++parts_ok[u.part_of];
      m.done_parts[entries[u.part_of].seq].insert(u.part);
    } else {
      for (size_t e : u.entries) {
        whole_ok[e] = true;
        m.done_parts[entries[e].seq].insert(-1);
      }
    }
  }
  int64_t through = entries.empty() ? 0 : entries.front().seq - 1;
  for (size_t i = 0; i < entries.size(); ++i) {
    bool done = parts_of[i] ? parts_ok[i] == parts_of[i] : (whole_ok[i] || entry_lines[i].empty());
    bool bad_meta = false;
    for (const auto& r : report.rejected) bad_meta = bad_meta || r.seq == entries[i].seq;
    if (!done && !bad_meta) break;
    through = entries[i].seq;
    report.rows += static_cast<int64_t>(entry_lines[i].size());
    m.done_parts.erase(entries[i].seq);
  }
  for (auto& [entry, line] : rejected_lines) {
    const auto& e = entries[static_cast<size_t>(entry)];
    if (e.seq > through) continue;  // set aside once its entry is done
    report.rejected.push_back({e.seq, line + "\n", "the Logs Ingestion API refused this record (too large or malformed)"});
    --report.rows;
  }
  report.delivered_through = through;
  if (failure) {
    failure->delivered_through = through;
    return std::unexpected(*failure);
  }
  return report;
}

}  // namespace intake::sinks
