// The one writer of a workspace file: every poll page, pushed request and health row reaches the
// file through it. Run threaded (the daemon, `intake poll`), it commits on its own thread and puts
// what several callers submitted meanwhile into one transaction (group commit), each batch in a
// savepoint of its own, so one bad batch fails alone. The callers meanwhile map and transform their
// next rows, so SQLite's work overlaps theirs instead of serialising every page behind one lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "engine/write_batch.h"

namespace intake::engine {

struct WriterStats {
  int64_t transactions = 0;
  int64_t batches = 0;
  int64_t rows = 0;
  int64_t failures = 0;
};

class WorkspaceWriter {
 public:
  // `mutex` guards `ws` for every other user too; the writer holds it while it commits.
  // Unthreaded, submit() commits on the caller's thread before it returns.
  WorkspaceWriter(sinks::Workspace& ws, std::mutex& mutex, bool threaded);
  // Commits what is queued, then stops the thread.
  ~WorkspaceWriter();
  WorkspaceWriter(const WorkspaceWriter&) = delete;
  WorkspaceWriter& operator=(const WorkspaceWriter&) = delete;

  // Queues a batch; the future holds its outcome once it is durable (or was rolled back).
  std::future<Status> submit(WriteBatch batch);
  // submit() and wait.
  Status write(WriteBatch batch) { return submit(std::move(batch)).get(); }

  // Runs `f(workspace)` under the workspace's lock (reads: state, keys, schemas).
  template <class F>
  auto read(F&& f) {
    std::lock_guard lock(mutex_);
    return f(ws_);
  }

  WriterStats stats() const;
  sinks::Workspace& workspace() { return ws_; }
  std::mutex& mutex() { return mutex_; }

 private:
  struct Job {
    WriteBatch batch;
    std::promise<Status> done;
  };
  void run();
  // Commits `jobs` in one transaction, fulfilling each promise. Caller holds mutex_.
  void commit_group(std::deque<Job>& jobs);

  sinks::Workspace& ws_;
  std::mutex& mutex_;
  bool threaded_;
  mutable std::mutex queue_mutex_;
  std::condition_variable queued_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace intake::engine
