#include "engine/workspace_writer.h"

namespace intake::engine {

namespace {
// A transaction takes at most this many batches or rows, so that no caller waits behind a huge
// group and the WAL stays small between checkpoints.
constexpr size_t kMaxGroupBatches = 64;
constexpr int64_t kMaxGroupRows = 50'000;
}  // namespace

WorkspaceWriter::WorkspaceWriter(sinks::Workspace& ws, std::mutex& mutex, bool threaded)
    : ws_(ws), mutex_(mutex), threaded_(threaded) {
  if (threaded_) thread_ = std::thread([this] { run(); });
}

WorkspaceWriter::~WorkspaceWriter() {
  if (!threaded_) return;
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  thread_.join();
}

std::future<Status> WorkspaceWriter::submit(WriteBatch batch) {
  Job job{std::move(batch), {}};
  std::future<Status> result = job.done.get_future();
  if (!threaded_) {
    std::deque<Job> one;
    one.push_back(std::move(job));
    std::lock_guard lock(mutex_);
    commit_group(one);
    return result;
  }
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) {
      job.done.set_value(fail("workspace", "the writer is stopping; nothing was written"));
      return result;
    }
    queue_.push_back(std::move(job));
  }
  queued_.notify_one();
  return result;
}

WriterStats WorkspaceWriter::stats() const {
  std::lock_guard lock(queue_mutex_);
  return stats_;
}

void WorkspaceWriter::run() {
  while (true) {
    std::deque<Job> group;
    {
      std::unique_lock lock(queue_mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is committed
      int64_t rows = 0;
      while (!queue_.empty() && group.size() < kMaxGroupBatches && (group.empty() || rows < kMaxGroupRows)) {
        rows += queue_.front().batch.row_count();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::lock_guard lock(mutex_);
    commit_group(group);
  }
}

void WorkspaceWriter::commit_group(std::deque<Job>& jobs) {
  std::vector<Status> outcome(jobs.size());
  int64_t rows = 0, failures = 0;
  auto txn = ws_.begin();
  if (!txn) {
    for (auto& j : jobs) j.done.set_value(std::unexpected(txn.error()));
    std::lock_guard lock(queue_mutex_);
    stats_.failures += static_cast<int64_t>(jobs.size());
    return;
  }
  bool grouped = jobs.size() > 1;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (grouped) {
      if (auto ok = txn->savepoint(); !ok) {
        outcome[i] = ok;
        continue;
      }
    }
    Status st = apply_batch(ws_, *txn, jobs[i].batch);
    if (grouped) {
      if (st) st = txn->release_savepoint();
      if (!st) txn->rollback_to_savepoint();
    }
    outcome[i] = st;
  }
  Status committed = txn->commit();
  for (size_t i = 0; i < jobs.size(); ++i) {
    Status st = committed ? outcome[i] : (outcome[i] ? committed : outcome[i]);
    if (st) rows += jobs[i].batch.row_count();
    else ++failures;
    jobs[i].done.set_value(std::move(st));
  }
  std::lock_guard lock(queue_mutex_);
  ++stats_.transactions;
  stats_.batches += static_cast<int64_t>(jobs.size());
  stats_.rows += rows;
  stats_.failures += failures;
}

}  // namespace intake::engine
