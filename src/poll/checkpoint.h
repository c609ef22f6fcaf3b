// A connector instance's progress: the start of the next window, and — while a window is being
// paged — that window and the paging state after the last committed page. It is stored with the
// rows it covers (one transaction), so a restart resumes exactly after the last committed page.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "core/value.h"

namespace intake::poll {

struct Window {
  DateTime start;
  DateTime end;
  friend bool operator==(const Window&, const Window&) = default;
};

struct Checkpoint {
  std::optional<DateTime> next_start;   // where the next window begins; nullopt = never polled
  std::optional<Window> open_window;    // a window paged part-way
  std::string paging_state;             // the paginator's state after the last committed page
  int64_t pages_done = 0;               // pages of the open window already committed
  int64_t events_done = 0;              // events of the open window already committed
  std::string cursor;                   // paging state that survives windows (PersistentToken)

  std::string to_json() const;
  // Errors name what is malformed (the state is written by intake; this guards hand edits).
  static Result<Checkpoint> from_json(std::string_view text);
};

}  // namespace intake::poll
