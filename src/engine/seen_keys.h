// The dedup keys of one connector instance, in memory: which events of the previous and the
// current window are already stored. Loaded from the workspace on first use, kept in step with
// what the instance commits (WorkspaceSink), so checking a page's keys costs no SQLite work; the
// keys a page adds are stored as one entry with the page (WriteTxn::record_keys).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace intake::engine {

class SeenKeys {
 public:
  // Loads what the workspace recorded (key, epoch).
  void load(std::span<const std::pair<uint64_t, int64_t>> keys);
  bool loaded() const { return loaded_; }
  void invalidate();  // a write failed: reload before the next page

  // Admits one event of window `epoch`: false when its key was stored by an earlier window (drop
  // it), true when it is new (appended to `added`) or was first seen in this same window (a
  // legitimate repeat within one window, when the key is the whole row). With `unique` (the key
  // is a declared event id) every repeat is dropped.
  bool admit(uint64_t key, int64_t epoch, std::vector<uint64_t>& added, bool unique = false);
  // Forgets keys of windows before `epoch` (after the window at `epoch` completed).
  void forget_before(int64_t epoch);
  size_t size() const { return keys_.size(); }

 private:
  std::unordered_map<uint64_t, int64_t> keys_;  // key -> epoch first seen
  bool loaded_ = false;
};

}  // namespace intake::engine
