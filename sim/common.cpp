#include "sim/common.h"

#include "core/time.h"

#include <chrono>

namespace intake::sim {

int64_t system_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 15];
          out += kHex[c & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void Recorder::record(const http::ServerRequest& request, int status, size_t body_bytes) {
  std::string line = "{\"method\":";
  append_json_string(line, request.method);
  line += ",\"target\":";
  append_json_string(line, request.target);
  line += ",\"status\":" + std::to_string(status) + ",\"ts_ms\":" + std::to_string(now_()) + "}\n";
  std::lock_guard lock(mutex_);
  ++requests_;
  ++by_status_[status];
  bytes_served_ += static_cast<int64_t>(body_bytes);
  if (log_.size() == kMaxLogLines) log_.pop_front();
  log_.push_back(std::move(line));
}

void Recorder::add_records_served(int64_t n) {
  std::lock_guard lock(mutex_);
  records_served_ += n;
}

std::string Recorder::stats_json() const {
  std::lock_guard lock(mutex_);
  std::string out = "{\"requests\":" + std::to_string(requests_) + ",\"by_status\":{";
  bool first = true;
  for (const auto& [status, count] : by_status_) {
    if (!first) out += ',';
    first = false;
    out += "\"" + std::to_string(status) + "\":" + std::to_string(count);
  }
  out += "},\"records_served\":" + std::to_string(records_served_) + ",\"bytes_served\":" + std::to_string(bytes_served_) + "}";
  return out;
}

std::string Recorder::requests_jsonl() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& line : log_) out += line;
  return out;
}

http::Handler with_sim_endpoints(std::shared_ptr<Recorder> recorder, http::Handler api) {
  return [recorder = std::move(recorder), api = std::move(api)](const http::ServerRequest& request) {
    if (request.path == "/_sim/stats") return http::ServerResponse::json(200, recorder->stats_json());
    if (request.path == "/_sim/requests") {
      http::ServerResponse r = http::ServerResponse::text(200, recorder->requests_jsonl());
      http::set_header(r.headers, "Content-Type", "application/x-ndjson");
      return r;
    }
    // A simulator's own test endpoints (/_sim/...) are not API traffic.
    if (request.path.starts_with("/_sim/")) return api(request);
    http::ServerResponse response = api(request);
    recorder->record(request, response.drop_connection ? 0 : response.status, response.body.size());
    return response;
  };
}

bool RateLimiter::admit() {
  if (per_second_ <= 0) return true;
  int64_t now = now_();
  std::lock_guard lock(mutex_);
  while (!admitted_ms_.empty() && admitted_ms_.front() <= now - 1000) admitted_ms_.pop_front();
  if (static_cast<double>(admitted_ms_.size()) >= per_second_) return false;
  admitted_ms_.push_back(now);
  return true;
}

Result<TimeRange> parse_time_range(const std::string& start, const std::string& end) {
  auto parse = [](const char* flag, const std::string& text, int64_t fallback) -> Result<int64_t> {
    if (text.empty()) return fallback;
    auto t = parse_datetime(text);
    if (!t) return fail(flag, "not an ISO 8601 date-time: " + text);
    int64_t ms = t->ticks / kTicksPerMillisecond;
    if (t->ticks % kTicksPerMillisecond < 0) --ms;  // floor for instants before 1970
    return ms;
  };
  int64_t now = system_now_ms();
  auto e = parse("--end", end, now - (now % 60'000 + 60'000) % 60'000);
  if (!e) return std::unexpected(e.error());
  auto s = parse("--start", start, *e - 24 * 3600 * 1000LL);
  if (!s) return std::unexpected(s.error());
  return TimeRange{*s, *e};
}

}  // namespace intake::sim
