#include "poll/checkpoint.h"

#include "core/time.h"
#include "json/value_json.h"

namespace intake::poll {

std::string Checkpoint::to_json() const {
  Object o;
  if (next_start) o.emplace_back("next_start", Value(format_iso8601(*next_start)));
  if (!cursor.empty()) o.emplace_back("cursor", Value(cursor));
  if (open_window) {
    o.emplace_back("window", Value(Object{{"start", Value(format_iso8601(open_window->start))},
                                          {"end", Value(format_iso8601(open_window->end))},
                                          {"paging", Value(paging_state)},
                                          {"pages", Value(pages_done)},
                                          {"events", Value(events_done)}}));
  }
  return json::to_json(Value(std::move(o)));
}

Result<Checkpoint> Checkpoint::from_json(std::string_view text) {
  auto v = json::parse(text, "checkpoint");
  if (!v) return std::unexpected(v.error());
  Checkpoint c;
  auto time_of = [](const Value* x) -> std::optional<DateTime> {
    if (!x || !x->is_string()) return std::nullopt;
    return parse_datetime(x->as_string());
  };
  if (const Value* ns = v->get("next_start")) {
    c.next_start = time_of(ns);
    if (!c.next_start) return fail("checkpoint/next_start", "expected an ISO 8601 date-time");
  }
  if (const Value* cur = v->get("cursor"); cur && cur->is_string()) c.cursor = cur->as_string();
  if (const Value* w = v->get("window")) {
    auto start = time_of(w->get("start"));
    auto end = time_of(w->get("end"));
    if (!start || !end) return fail("checkpoint/window", "expected start and end date-times");
    c.open_window = Window{*start, *end};
    if (const Value* p = w->get("paging"); p && p->is_string()) c.paging_state = p->as_string();
    if (const Value* p = w->get("pages")) p->to_int64(c.pages_done);
    if (const Value* e = w->get("events")) e->to_int64(c.events_done);
  }
  return c;
}

}  // namespace intake::poll
