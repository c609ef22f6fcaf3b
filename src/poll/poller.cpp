#include "poll/poller.h"

#include <array>
#include <future>
#include <random>
#include <thread>

#include "http/url.h"
#include "poll/decoder.h"
#include "poll/paginator.h"
#include "poll/rate_limiter.h"
#include "poll/request_builder.h"

namespace intake::poll {

struct Poller::Impl {
  const ccp::Definition& def;
  http::Client& client;
  auth::Authenticator& auth;
  PollOptions options;
  RequestBuilder builder;
  // Two decoders: the next page is fetched and parsed into one while the sink maps the other.
  std::vector<Decoder> decoders;
  std::unique_ptr<Paginator> paginator;
  RateLimiter limiter;
  std::mt19937_64 rng;
  PollStats stats;

  // One fetched page: the response (the parsed events point into its body), whether the window
  // has more pages, and the paging state to checkpoint with it. Two slots, one per decoder.
  struct Fetched {
    http::Response response;
    size_t slot = 0;  // which decoder holds its events
    bool more = false;
    std::string paging_state, cursor;
    int64_t retries = 0;
  };
  std::array<Fetched, 2> fetched;
  Result<http::Response> send(const PageRequest& paging, const Window& window, int64_t& retries);
  // Fetches the next page into fetched[slot].
  Status fetch(const Window& window, size_t slot);
  std::string last_url;  // URL of the last request sent (relative next links resolve against it)
  // The first page of the next window, fetched while the last page of this one is written.
  struct Ahead {
    Window window;
    size_t slot = 0;
    std::future<Status> done;
  };
  std::optional<Ahead> ahead;
  std::string window_cursor;  // the paginator's cursor after the last page of the last window
  // `next` is the window that follows, when there is one to fetch ahead.
  Result<WindowSummary> poll_window(const Window& window, const Checkpoint& resume, PageSink& sink,
                                    const std::optional<Window>& next = std::nullopt);
  // Waits for a fetch ahead that will not be used (the run stops, or fails).
  void drop_ahead() {
    if (ahead && ahead->done.valid()) ahead->done.wait();
    ahead.reset();
  }
  bool stop() const { return options.stop_requested && options.stop_requested(); }
};

namespace {

std::string excerpt(std::string_view body) {
  std::string out(body.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

}  // namespace

int64_t window_ticks(const ccp::Definition& d) {
  int minutes = d.request.window_minutes;
  if (d.max_window_minutes > 0) minutes = std::min(minutes, d.max_window_minutes);
  return int64_t(minutes) * kTicksPerMinute;
}

std::optional<DateTime> oldest_readable(const ccp::Definition& d, DateTime now) {
  constexpr int64_t kMargin = 15 * kTicksPerMinute;
  if (d.max_age_minutes <= 0) return std::nullopt;
  return DateTime{now.ticks - int64_t(d.max_age_minutes) * kTicksPerMinute + kMargin};
}

Poller::Poller(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Poller::~Poller() = default;

Result<std::unique_ptr<Poller>> Poller::create(const ccp::Definition& def, http::Client& client, auth::Authenticator& auth,
                                               PollOptions options) {
  auto builder = RequestBuilder::create(def);
  if (!builder) return std::unexpected(builder.error());
  auto decoder = Decoder::create(def.response);
  if (!decoder) return std::unexpected(decoder.error());
  auto second = Decoder::create(def.response);
  if (!second) return std::unexpected(second.error());
  auto paginator = make_paginator(def.paging);
  if (!paginator) return std::unexpected(paginator.error());
  if (!options.sleep) {
    options.sleep = [](std::chrono::milliseconds d) {
      std::this_thread::sleep_for(d);
      return true;
    };
  }
  options.backoff.max_retries = def.request.retry_count;
  auto sleep = options.sleep;
  auto impl = std::unique_ptr<Impl>(new Impl{def, client, auth, std::move(options), std::move(*builder), {},
                                             std::move(*paginator), RateLimiter(def.request.rate_limit_qps, sleep),
                                             std::mt19937_64(), PollStats{}, {}, std::string(), std::nullopt, std::string()});
  impl->decoders.push_back(std::move(*decoder));
  impl->decoders.push_back(std::move(*second));
  impl->rng.seed(impl->options.jitter_seed);
  return std::unique_ptr<Poller>(new Poller(std::move(impl)));
}

Result<http::Response> Poller::Impl::send(const PageRequest& paging, const Window& window, int64_t& retries) {
  bool refreshed = false;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto timeout = std::chrono::seconds(def.request.timeout_seconds);
  for (int attempt = 0;; ++attempt) {
    if (!(options.shared_limiter ? options.shared_limiter->acquire() : limiter.acquire())) return fail("poll", "interrupted");
    auto built = builder.build(window, paging, auth);
    if (!built) return std::unexpected(built.error());
    http::Request req = std::move(*built);
    if (auto ok = auth.apply(req); !ok) return std::unexpected(ok.error());
    last_url = req.url;
    ++stats.requests;
    auto resp = client.send(req, timeout);
    std::optional<std::chrono::milliseconds> retry_after;
    std::string failure;
    if (!resp) {
      failure = resp.error().str();
    } else {
      switch (http::classify_status(resp->status)) {
        case http::Disposition::Ok: return std::move(*resp);
        case http::Disposition::Unauthorized: {
          if (!refreshed) {
            auto again = auth.refresh();
            if (!again) return std::unexpected(again.error());
            if (*again) {
              refreshed = true;
              continue;
            }
          }
          return fail(http::redact_url(req.url), req.method + " returned HTTP 401 (check the credentials): " + excerpt(resp->body));
        }
        case http::Disposition::Fail:
          return fail(http::redact_url(req.url), req.method + " returned HTTP " + std::to_string(resp->status) + ": " +
                                                     excerpt(resp->body));
        case http::Disposition::Retry:
          retry_after = http::retry_after_of(*resp, options.clock());
          failure = http::redact_url(req.url) + ": " + req.method + " returned HTTP " + std::to_string(resp->status) +
                    ": " + excerpt(resp->body);
          break;
      }
    }
    if (attempt >= options.backoff.max_retries) {
      return fail(failure + " (gave up after " + std::to_string(attempt + 1) + " attempts)");
    }
    ++retries;
    ++stats.retries;
    auto delay = http::backoff_delay(options.backoff, attempt + 1, unit(rng), retry_after);
    if (!options.sleep(delay)) return fail("poll", "interrupted");
  }
}

Status Poller::Impl::fetch(const Window& window, size_t slot) {
  Fetched* f = &fetched[slot];
  *f = Fetched{};
  f->slot = slot;
  PageRequest paging;
  paginator->apply(paging);
  auto resp = send(paging, window, f->retries);
  if (!resp) return std::unexpected(resp.error());
  // Decoded in place: the body must not move again while its events are in use.
  f->response = std::move(*resp);
  Decoder& decoder = decoders[slot];
  if (auto ok = decoder.decode(f->response); !ok) {
    return std::unexpected(ok.error().within(http::redact_url(def.request.api_endpoint)));
  }
  auto more = paginator->advance(PageResult{f->response, decoder.body(), decoder.events().size(), last_url});
  if (!more) return std::unexpected(more.error());
  f->more = *more;
  f->paging_state = paginator->state();
  f->cursor = paginator->cursor();
  return {};
}

Result<WindowSummary> Poller::Impl::poll_window(const Window& window, const Checkpoint& resume, PageSink& sink,
                                                const std::optional<Window>& next_window) {
  auto started = std::chrono::steady_clock::now();
  WindowSummary summary{window};
  bool resuming = resume.open_window && *resume.open_window == window;
  size_t slot = 0;
  bool fetched_ahead = false;
  if (ahead && !resuming && ahead->window == window) {
    // The paginator began this window when the fetch ahead started.
    slot = ahead->slot;
    Status first = ahead->done.get();
    ahead.reset();
    if (!first) return std::unexpected(first.error());
    fetched_ahead = true;
  } else {
    drop_ahead();
    if (auto ok = paginator->begin(resuming ? resume.paging_state : "", resume.cursor); !ok) return std::unexpected(ok.error());
  }
  int64_t page_no = resuming ? resume.pages_done : 0;
  int64_t events_done = resuming ? resume.events_done : 0;
  auto too_many_pages = [&]() -> Error {
    return Error("window " + format_iso8601(window.start) + ".." + format_iso8601(window.end),
                 "more than " + std::to_string(def.paging.max_pages) +
                     " pages in one window: the server keeps returning pages; stopped (raise paging.maxPagesPerWindow if this is real)");
  };
  if (page_no >= def.paging.max_pages) return std::unexpected(too_many_pages());
  if (!fetched_ahead) {
    if (auto ok = fetch(window, 0); !ok) return std::unexpected(ok.error());
  }
  while (true) {
    Fetched& f = fetched[slot];
    summary.retries += f.retries;
    // The next page is fetched and parsed while this one is written.
    std::future<Status> next;
    bool fetch_next = f.more && page_no + 1 < def.paging.max_pages && !stop();
    if (fetch_next) next = std::async(std::launch::async, [this, &window, slot = 1 - f.slot] { return fetch(window, slot); });
    // After the last page of a window that took several comes the next window's first page,
    // unless the paginator cannot begin it now (then the next poll_window begins it as usual). A
    // window of one page is no bottleneck: thousands of light instances catching up would only
    // start a thread each for it.
    if (!f.more) window_cursor = f.cursor;
    if (!f.more && summary.pages > 0 && next_window && !options.expand && !stop() && paginator->begin("", f.cursor)) {
      ahead.emplace(Ahead{*next_window, 1 - f.slot, {}});
      ahead->done = std::async(std::launch::async, [this, w = *next_window, slot = 1 - f.slot] { return fetch(w, slot); });
    }
    auto settle = [&] {
      if (next.valid()) next.wait();
    };
    const auto& decoded = decoders[f.slot].events();
    std::span<const simdjson::dom::element> events(decoded.data(), decoded.size());
    if (options.expand) {
      auto expanded = options.expand(events, window);
      if (!expanded) {
        settle();
        return std::unexpected(expanded.error());
      }
      events = *expanded;
    }
    ++page_no;
    events_done += static_cast<int64_t>(events.size());
    Page page;
    page.window = window;
    page.number = page_no;
    page.events = events;
    page.window_complete = !f.more;
    if (f.more) {
      page.checkpoint.next_start = window.start;
      page.checkpoint.open_window = window;
      page.checkpoint.paging_state = f.paging_state;
      page.checkpoint.pages_done = page_no;
      page.checkpoint.events_done = events_done;
    } else {
      page.checkpoint.next_start = window.end;
    }
    page.checkpoint.cursor = f.cursor;
    if (auto ok = sink.write(page); !ok) {
      settle();
      return std::unexpected(ok.error());
    }
    ++summary.pages;
    ++stats.pages;
    summary.events += static_cast<int64_t>(events.size());
    stats.events += static_cast<int64_t>(events.size());
    if (!f.more) break;
    if (!fetch_next || stop()) {
      settle();
      if (page_no >= def.paging.max_pages) return std::unexpected(too_many_pages());
      stats.interrupted = true;
      break;
    }
    if (auto ok = next.get(); !ok) return std::unexpected(ok.error());
    slot = 1 - slot;
  }
  if (auto ok = sink.flush(); !ok) return std::unexpected(ok.error());
  summary.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return summary;
}

Result<WindowSummary> Poller::poll_one(const Window& window, PageSink& sink) {
  auto summary = impl_->poll_window(window, Checkpoint{}, sink);
  if (auto ok = sink.flush(); summary && !ok) return std::unexpected(ok.error());
  return summary;
}

const PollStats& Poller::stats() const { return impl_->stats; }

Result<PollStats> Poller::run(const Checkpoint& from, PageSink& sink) {
  auto result = run_windows(from, sink);
  // Whatever happened, nothing is left in flight when run() returns.
  auto flushed = sink.flush();
  if (result && !flushed) return std::unexpected(flushed.error());
  return result;
}

Result<PollStats> Poller::run_windows(const Checkpoint& from, PageSink& sink) {
  Impl& m = *impl_;
  m.stats = PollStats{};
  Checkpoint cp = from;
  int64_t width = window_ticks(m.def);
  // The window that starts at `start`, if it has closed (and is before `until`).
  auto window_at = [&](DateTime start) -> std::optional<Window> {
    DateTime limit{m.options.clock().ticks - int64_t(m.def.request.window_delay_minutes) * kTicksPerMinute};
    DateTime end{start.ticks + width};
    if (m.options.until) {
      if (start >= *m.options.until) return std::nullopt;
      if (end > *m.options.until) end = *m.options.until;
    }
    if (end > limit) return std::nullopt;  // caught up: the next window has not closed yet
    return Window{start, end};
  };
  while (!m.stop()) {
    Window w;
    if (cp.open_window) {
      w = *cp.open_window;
    } else {
      auto next = window_at(cp.next_start.value_or(m.options.initial_start));
      if (!next) break;
      w = *next;
    }
    // A closed window after this one (a catch-up or a backfill) is fetched ahead.
    auto summary = m.poll_window(w, cp, sink, window_at(w.end));
    if (!summary) {
      m.drop_ahead();
      return std::unexpected(summary.error());
    }
    if (m.stats.interrupted) break;
    ++m.stats.windows;
    if (m.options.on_window) m.options.on_window(*summary);
    cp = Checkpoint{};
    cp.next_start = w.end;
    cp.cursor = m.window_cursor;
  }
  m.drop_ahead();
  if (m.stop()) m.stats.interrupted = true;
  return m.stats;
}

}  // namespace intake::poll
