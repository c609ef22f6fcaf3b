#include "engine/nested_steps.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "auth/locked.h"
#include "engine/step_placeholders.h"
#include "json/value_json.h"
#include "kql/kql.h"

namespace intake::engine {

namespace dom = simdjson::dom;

namespace {

// Collects every event of every page as JSON text.
class CollectSink final : public poll::PageSink {
 public:
  explicit CollectSink(std::vector<std::string>& out) : out_(out) {}
  Status write(const poll::Page& page) override {
    for (const auto& e : page.events) out_.push_back(std::string(simdjson::minify(e)));
    return {};
  }

 private:
  std::vector<std::string>& out_;
};

// $name$ values filled into the parts of a request where CCP substitutes them.
Result<ccp::Definition> with_placeholders(const ccp::Definition& config, const ccp::Params& values, const std::string& where) {
  ccp::Definition d = config;
  std::vector<std::string> missing;
  auto fill = [&](std::string& s) { s = substitute_dollar(s, values, &missing); };
  fill(d.request.api_endpoint);
  for (auto& [k, v] : d.request.headers) fill(v);
  for (auto& [k, v] : d.request.query_parameters) fill(v);
  if (d.request.query_parameters_template) fill(*d.request.query_parameters_template);
  if (!missing.empty()) {
    return fail(where, "the request uses $" + missing.front() + "$, which the step's stepPlaceholdersParsingKql does not produce");
  }
  return d;
}

std::vector<std::string> dollar_names(const ccp::Definition& d) {
  std::vector<std::string> names;
  auto scan = [&](const std::string& s) {
    std::vector<std::string> found;
    substitute_dollar(s, {}, &found);
    for (auto& f : found) names.push_back(f);
  };
  scan(d.request.api_endpoint);
  for (const auto& [k, v] : d.request.headers) scan(v);
  for (const auto& [k, v] : d.request.query_parameters) scan(v);
  if (d.request.query_parameters_template) scan(*d.request.query_parameters_template);
  return names;
}

}  // namespace

struct StepRunner::Impl {
  Impl(const ccp::Definition& d, auth::Authenticator& a, http::ClientOptions c, poll::PollOptions b)
      : def(d), auth(a), copts(std::move(c)), base(std::move(b)) {}
  ccp::Definition def;
  auth::Authenticator& auth;
  http::ClientOptions copts;
  poll::PollOptions base;

  struct StepState {
    const ccp::Step* step = nullptr;
    std::vector<std::string> used;  // $names$ its request uses
    // stepPlaceholdersParsingKql, compiled once over `source` (a one-row table swapped per record).
    std::unique_ptr<kql::MemoryCatalog> catalog;
    std::optional<kql::Query> placeholders;
    std::unique_ptr<http::Client> auth_client;        // for a step with an auth block of its own
    std::unique_ptr<auth::Authenticator> own_auth;
    std::unique_ptr<auth::LockedAuthenticator> locked;
    auth::Authenticator* authenticator = nullptr;
    std::shared_ptr<poll::RateLimiter> limiter;
    struct Worker {
      std::unique_ptr<http::Client> client;
      std::unique_ptr<StepRunner> sub;  // the step's own nested steps
    };
    std::vector<Worker> workers;
  };
  std::vector<StepState> steps;
  std::atomic<int64_t> requests{0}, retries{0}, records{0};

  dom::parser parser;
  std::string text;
  std::vector<dom::element> events;
};

StepRunner::StepRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StepRunner::~StepRunner() = default;

StepStats StepRunner::stats() const { return {impl_->requests.load(), impl_->retries.load(), impl_->records.load()}; }

Result<std::unique_ptr<StepRunner>> StepRunner::create(const ccp::Definition& def, auth::Authenticator& auth,
                                                       http::ClientOptions copts, poll::PollOptions base) {
  auto impl = std::unique_ptr<Impl>(new Impl(def, auth, std::move(copts), std::move(base)));
  base.expand = nullptr;
  for (const auto& step : impl->def.steps) {
    Impl::StepState st;
    st.step = &step;
    st.used = dollar_names(*step.config);
    // The placeholder KQL runs over `source` with one string column `data`.
    st.catalog = std::make_unique<kql::MemoryCatalog>();
    st.catalog->add_table("source", kql::Table{Schema{{{"data", ColumnType::String}}}, {}});
    auto q = kql::Query::compile(step.placeholders_kql, *st.catalog);
    if (!q) {
      return std::unexpected(q.error().within(step.config->source + ":" + step.config->json_path + " (step " + step.id +
                                              "): stepPlaceholdersParsingKql"));
    }
    st.placeholders.emplace(std::move(*q));
    if (step.own_auth) {
      auto c = http::Client::create(impl->copts);
      if (!c) return std::unexpected(c.error());
      st.auth_client = std::move(*c);
      auto a = auth::make_authenticator(step.config->auth, *st.auth_client);
      if (!a) return std::unexpected(a.error().within("step " + step.id));
      st.own_auth = std::move(*a);
      st.locked = std::make_unique<auth::LockedAuthenticator>(*st.own_auth);
      st.authenticator = st.locked.get();
    } else {
      st.authenticator = &auth;
    }
    auto sleep = impl->base.sleep ? impl->base.sleep : [](std::chrono::milliseconds d) {
      std::this_thread::sleep_for(d);
      return true;
    };
    st.limiter = std::make_shared<poll::RateLimiter>(step.config->request.rate_limit_qps, sleep);
    impl->steps.push_back(std::move(st));
  }
  return std::unique_ptr<StepRunner>(new StepRunner(std::move(impl)));
}

Result<std::span<const dom::element>> StepRunner::expand(std::span<const dom::element> records, const poll::Window& window) {
  Impl& m = *impl_;
  struct Task {
    size_t record, step;
    ccp::Params values;
    std::vector<std::string> out;
    std::optional<Error> error;
  };
  std::vector<Task> tasks;
  // Placeholders, per record and step (quick: on this thread).
  for (size_t s = 0; s < m.steps.size(); ++s) {
    auto& st = m.steps[s];
    const ccp::Step& step = *st.step;
    for (size_t r = 0; r < records.size(); ++r) {
      st.catalog->add_table("source", kql::Table{Schema{{{"data", ColumnType::String}}}, {Row{Value(std::string(simdjson::minify(records[r])))}}});
      auto rows = st.placeholders->run();
      if (!rows) return std::unexpected(rows.error().within("step " + step.id + ", record " + std::to_string(r)));
      for (const auto& row : rows->rows) {
        Task t{r, s, {}, {}, {}};
        for (size_t c = 0; c < rows->schema.columns.size() && c < row.size(); ++c) {
          t.values[rows->schema.columns[c].name] = placeholder_text(row[c]);
        }
        for (const auto& name : m.steps[s].used) {
          auto it = t.values.find(name);
          if (it != t.values.end() && it->second.empty()) {
            return fail("step " + step.id + ", record " + std::to_string(r),
                        "stepPlaceholdersParsingKql gives an empty $" + name + "$ (the record has no such value?): record " +
                            std::string(simdjson::minify(records[r])).substr(0, 200));
          }
        }
        tasks.push_back(std::move(t));
      }
    }
  }
  // The requests, at most maxParallelism at once per step.
  for (size_t s = 0; s < m.steps.size(); ++s) {
    auto& st = m.steps[s];
    const ccp::Step& step = *st.step;
    size_t workers = static_cast<size_t>(std::max(1, step.config->max_parallelism));
    std::vector<size_t> mine;
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].step == s) mine.push_back(i);
    }
    workers = std::min(workers, mine.size());
    while (st.workers.size() < workers) {
      auto c = http::Client::create(m.copts);
      if (!c) return std::unexpected(c.error());
      Impl::StepState::Worker w;
      w.client = std::move(*c);
      st.workers.push_back(std::move(w));
    }
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    auto work = [&](size_t wi) {
      auto& worker = st.workers[wi];
      while (!failed) {
        size_t k = next.fetch_add(1);
        if (k >= mine.size()) return;
        Task& t = tasks[mine[k]];
        std::string where = "step " + step.id + ", record " + std::to_string(t.record);
        auto child = with_placeholders(*step.config, t.values, where);
        if (!child) {
          t.error = child.error();
          failed = true;
          return;
        }
        poll::PollOptions o = m.base;
        o.shared_limiter = st.limiter;
        o.expand = nullptr;
        auto poller = poll::Poller::create(*child, *worker.client, *st.authenticator, o);
        if (!poller) {
          t.error = poller.error().within(where);
          failed = true;
          return;
        }
        CollectSink sink(t.out);
        auto done = (*poller)->poll_one(window, sink);
        m.requests += (*poller)->stats().requests;
        m.retries += (*poller)->stats().retries;
        if (!done) {
          t.error = done.error().within(where);
          failed = true;
          return;
        }
        if (!child->steps.empty()) {
          if (!worker.sub) {
            auto sub = StepRunner::create(*child, *st.authenticator, m.copts, m.base);
            if (!sub) {
              t.error = sub.error();
              failed = true;
              return;
            }
            worker.sub = std::move(*sub);
          }
          // Parse the step's records and run its own steps over them.
          std::string arr = "[";
          for (size_t i = 0; i < t.out.size(); ++i) arr += (i ? "," : "") + t.out[i];
          arr += "]";
          dom::parser p;
          dom::element root;
          if (p.parse(arr).get(root)) {
            t.error = Error(where, "the step's records are not JSON");
            failed = true;
            return;
          }
          std::vector<dom::element> children;
          dom::array list = root.get_array().value_unsafe();
          for (auto e : list) children.push_back(e);
          auto expanded = worker.sub->expand(children, window);
          if (!expanded) {
            t.error = expanded.error();
            failed = true;
            return;
          }
          std::vector<std::string> again;
          for (const auto& e : *expanded) again.push_back(std::string(simdjson::minify(e)));
          t.out = std::move(again);
        }
      }
    };
    if (workers <= 1) {
      if (!mine.empty()) work(0);
    } else {
      std::vector<std::thread> threads;
      for (size_t w = 0; w < workers; ++w) threads.emplace_back(work, w);
      for (auto& t : threads) t.join();
    }
    for (size_t i : mine) {
      if (tasks[i].error) return std::unexpected(*tasks[i].error);
    }
  }
  // The page's records: the steps' records, or the parent's with the steps' records joined in.
  bool any_replacing = false;
  for (const auto& st : m.steps) any_replacing = any_replacing || !st.step->join;
  m.text = "[";
  bool first = true;
  auto emit = [&](std::string_view rec) {
    if (!first) m.text += ',';
    first = false;
    m.text += rec;
  };
  int64_t count = 0;
  for (size_t r = 0; r < records.size(); ++r) {
    if (any_replacing) {
      for (const auto& t : tasks) {
        if (t.record != r || m.steps[t.step].step->join) continue;
        for (const auto& rec : t.out) {
          emit(rec);
          ++count;
        }
      }
      continue;
    }
    std::string rec(simdjson::minify(records[r]));
    if (rec.empty() || rec.back() != '}') {
      return fail("step " + m.steps.front().step->id + ", record " + std::to_string(r), "a record joined with a step's data must be a JSON object");
    }
    rec.pop_back();
    for (size_t s = 0; s < m.steps.size(); ++s) {
      std::string joined = "[";
      bool f = true;
      for (const auto& t : tasks) {
        if (t.record != r || t.step != s) continue;
        for (const auto& c : t.out) {
          if (!f) joined += ',';
          f = false;
          joined += c;
        }
      }
      joined += "]";
      rec += rec.size() > 1 ? "," : "";
      json::append_json_string(rec, m.steps[s].step->join_name);
      rec += ":" + joined;
    }
    rec += "}";
    emit(rec);
    ++count;
  }
  m.text += "]";
  m.records += count;
  dom::element root;
  if (auto err = m.parser.parse(m.text).get(root); err) return fail("nested steps", std::string("internal JSON error: ") + simdjson::error_message(err));
  m.events.clear();
  dom::array list = root.get_array().value_unsafe();
  for (auto e : list) m.events.push_back(e);
  return std::span<const dom::element>(m.events.data(), m.events.size());
}

}  // namespace intake::engine
