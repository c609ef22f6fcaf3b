// Runs named jobs on their schedules with a bounded pool of worker threads: one timer thread keeps
// the next due time of every job in a heap; a due job goes to a queue the workers drain. A job
// never runs twice at once (a fire that finds it running or queued is coalesced), each job's fire
// times are shifted by a deterministic jitter derived from its name (so a thousand jobs on the same
// schedule spread out), and a job can be cancelled at its next page boundary.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"

namespace intake::engine {

// The nominal fire time after a given instant (no jitter), or nullopt for "never again".
using NextFire = std::function<std::optional<DateTime>(DateTime)>;
// Runs one fire. `cancel` turns true when the job is removed or the scheduler stops.
using JobTask = std::function<void(const std::atomic<bool>& cancel)>;

struct SchedulerOptions {
  int workers = 4;
  int64_t max_jitter_ticks = 10 * kTicksPerSecond;  // also at most half the job's period
  Clock clock = system_now;
};

// Deterministic jitter of a job: a hash of its name within [0, min(max_jitter, period / 2)).
int64_t job_jitter_ticks(const std::string& name, int64_t period_ticks, int64_t max_jitter_ticks);

struct JobInfo {
  std::optional<DateTime> next_due;    // with jitter
  bool running = false;
  bool queued = false;
  int64_t runs = 0;
  int64_t coalesced = 0;               // fires dropped because the job was still busy
  int64_t jitter_ticks = 0;
  DateTime added_at{};
};

// Distribution of start delays (actual start minus jittered due time), for /metrics and benches.
struct DriftStats {
  static constexpr int kBuckets = 16;  // upper bounds 1,2,5,10,...ms; last = +Inf
  static const double kBoundsSeconds[kBuckets - 1];
  int64_t counts[kBuckets] = {};
  int64_t total = 0;
  double sum_seconds = 0;
  double max_seconds = 0;
  // The p-quantile as an upper bucket bound (seconds).
  double quantile(double p) const;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options);
  ~Scheduler();  // stops and waits for running jobs
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Adds a job, or replaces the job of that name (the old one is cancelled; the new one starts only
  // after the old one has finished). With `run_now` the first fire is now plus the jitter (catch-up
  // after downtime), else the first scheduled time after now.
  void add(const std::string& name, NextFire next, JobTask task, bool run_now);
  // Cancels and forgets the job; a running fire is told to stop but not waited for.
  void remove(const std::string& name);
  // An extra fire of the job at `at` (a failed run retried sooner than its schedule); the regular
  // schedule is unchanged, and a fire that finds the job busy is dropped.
  void fire_at(const std::string& name, DateTime at);
  std::optional<JobInfo> info(const std::string& name) const;
  size_t queue_depth() const;
  size_t running() const;
  DriftStats drift() const;

  // Stops firing and tells running jobs to stop; they are not waited for.
  void cancel_all();
  // Waits until no job is running (true) or the time is up (false).
  bool wait_idle(std::chrono::milliseconds timeout);
  // Stops firing, cancels running jobs and waits up to `grace` for them to return. Returns false
  // when some job was still running at the deadline (its thread is then detached).
  bool stop(std::chrono::milliseconds grace);

 private:
  struct Job;
  struct Due {
    DateTime at;
    uint64_t seq;
    std::shared_ptr<Job> job;
    bool retry = false;  // a fire put back while an older generation finishes (not a schedule slot)
    bool operator>(const Due& o) const { return at.ticks != o.at.ticks ? at.ticks > o.at.ticks : seq > o.seq; }
  };
  void timer_loop();
  void worker_loop();
  void schedule_next_locked(const std::shared_ptr<Job>& job, DateTime after);
  void record_drift_locked(double seconds);

  SchedulerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable timer_cv_, work_cv_, idle_cv_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::map<std::string, int> busy_;  // names with a fire running (any generation)
  std::priority_queue<Due, std::vector<Due>, std::greater<>> heap_;
  std::deque<std::shared_ptr<Job>> ready_;
  uint64_t seq_ = 0;
  size_t running_ = 0;
  bool stopping_ = false;
  DriftStats drift_;
  std::thread timer_;
  std::vector<std::thread> workers_;
};

}  // namespace intake::engine
