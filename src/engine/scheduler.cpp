#include "engine/scheduler.h"

namespace intake::engine {

const double DriftStats::kBoundsSeconds[DriftStats::kBuckets - 1] = {0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                      0.5,   1,     2.5,   5,    10,    30,   60};

double DriftStats::quantile(double p) const {
  if (total == 0) return 0;
  int64_t want = static_cast<int64_t>(p * static_cast<double>(total) + 0.999999);
  int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= want) return i < kBuckets - 1 ? std::min(kBoundsSeconds[i], max_seconds) : max_seconds;
  }
  return max_seconds;
}

int64_t job_jitter_ticks(const std::string& name, int64_t period_ticks, int64_t max_jitter_ticks) {
  int64_t range = max_jitter_ticks;
  if (period_ticks > 0) range = std::min(range, period_ticks / 2);
  if (range <= 0) return 0;
  // FNV-1a: stable across runs and builds, so an instance keeps its slot after a restart.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // Millisecond resolution is plenty and keeps the value readable.
  int64_t ms_range = std::max<int64_t>(1, range / kTicksPerMillisecond);
  return static_cast<int64_t>(h % static_cast<uint64_t>(ms_range)) * kTicksPerMillisecond;
}

struct Scheduler::Job {
  std::string name;
  NextFire next;
  JobTask task;
  std::atomic<bool> cancel{false};
  bool removed = false;
  bool queued = false;
  bool running = false;
  int64_t jitter = 0;
  DateTime nominal{};               // nominal time of the pending fire
  std::optional<DateTime> due;      // nominal + jitter
  DateTime queued_due{};            // due time of the fire waiting in the queue
  int64_t runs = 0, coalesced = 0;
  DateTime added_at{};
};

Scheduler::Scheduler(SchedulerOptions options) : options_(std::move(options)) {
  if (options_.workers < 1) options_.workers = 1;
  timer_ = std::thread([this] { timer_loop(); });
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

Scheduler::~Scheduler() { stop(std::chrono::hours(24)); }

void Scheduler::add(const std::string& name, NextFire next, JobTask task, bool run_now) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (auto it = jobs_.find(name); it != jobs_.end()) {
    it->second->cancel = true;
    it->second->removed = true;
  }
  auto job = std::make_shared<Job>();
  job->name = name;
  job->next = std::move(next);
  job->task = std::move(task);
  DateTime now = options_.clock();
  job->added_at = now;
  int64_t period = 0;
  auto n1 = job->next(now);
  if (n1) {
    if (auto n2 = job->next(*n1)) period = n2->ticks - n1->ticks;
  }
  job->jitter = job_jitter_ticks(name, period, options_.max_jitter_ticks);
  jobs_[name] = job;
  if (run_now) {
    job->nominal = now;
    job->due = DateTime{now.ticks + job->jitter};
  } else if (n1) {
    job->nominal = *n1;
    job->due = DateTime{n1->ticks + job->jitter};
  }
  if (job->due) heap_.push(Due{*job->due, seq_++, job, false});
  timer_cv_.notify_one();
}

void Scheduler::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return;
  it->second->cancel = true;
  it->second->removed = true;
  jobs_.erase(it);
}

void Scheduler::fire_at(const std::string& name, DateTime at) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(name);
  if (stopping_ || it == jobs_.end()) return;
  heap_.push(Due{at, seq_++, it->second, true});
  timer_cv_.notify_one();
}

std::optional<JobInfo> Scheduler::info(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return std::nullopt;
  const Job& j = *it->second;
  return JobInfo{j.due, j.running, j.queued, j.runs, j.coalesced, j.jitter, j.added_at};
}

size_t Scheduler::queue_depth() const {
  std::lock_guard lock(mutex_);
  return ready_.size();
}

size_t Scheduler::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

DriftStats Scheduler::drift() const {
  std::lock_guard lock(mutex_);
  return drift_;
}

void Scheduler::schedule_next_locked(const std::shared_ptr<Job>& job, DateTime after) {
  DateTime now = options_.clock();
  auto n = job->next(after);
  // Fires missed while the process was busy or suspended collapse into one (the poll catches up
  // on windows itself); the schedule resumes from now.
  if (n && n->ticks + job->jitter < now.ticks) n = job->next(now);
  if (!n) {
    job->due.reset();
    return;
  }
  job->nominal = *n;
  job->due = DateTime{n->ticks + job->jitter};
  heap_.push(Due{*job->due, seq_++, job, false});
}

void Scheduler::record_drift_locked(double seconds) {
  if (seconds < 0) seconds = 0;
  int b = 0;
  while (b < DriftStats::kBuckets - 1 && seconds > DriftStats::kBoundsSeconds[b]) ++b;
  ++drift_.counts[b];
  ++drift_.total;
  drift_.sum_seconds += seconds;
  drift_.max_seconds = std::max(drift_.max_seconds, seconds);
}

void Scheduler::timer_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (heap_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    Due top = heap_.top();
    if (top.job->removed) {
      heap_.pop();
      continue;
    }
    DateTime now = options_.clock();
    if (top.at > now) {
      auto wait = std::chrono::microseconds(std::min<int64_t>((top.at.ticks - now.ticks) / 10 + 1, 1'000'000));
      timer_cv_.wait_for(lock, wait);
      continue;
    }
    heap_.pop();
    auto& job = top.job;
    auto busy = busy_.find(job->name);
    if (job->queued || job->running) {
      if (!top.retry) ++job->coalesced;
    } else if (busy != busy_.end() && busy->second > 0) {
      // The replaced generation of this job is still finishing its page: try again shortly.
      heap_.push(Due{DateTime{now.ticks + 100 * kTicksPerMillisecond}, seq_++, job, true});
    } else {
      job->queued = true;
      job->queued_due = top.at;
      ready_.push_back(job);
      work_cv_.notify_one();
    }
    if (!top.retry) schedule_next_locked(job, job->nominal);
  }
}

void Scheduler::worker_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
    if (stopping_) return;
    auto job = ready_.front();
    ready_.pop_front();
    job->queued = false;
    if (job->removed) continue;
    if (busy_[job->name] > 0) {
      // The replaced generation of this job is still finishing: try again shortly.
      heap_.push(Due{DateTime{options_.clock().ticks + 100 * kTicksPerMillisecond}, seq_++, job, true});
      timer_cv_.notify_one();
      continue;
    }
    job->running = true;
    ++busy_[job->name];
    ++running_;
    record_drift_locked(static_cast<double>(options_.clock().ticks - job->queued_due.ticks) / kTicksPerSecond);
    lock.unlock();
    job->task(job->cancel);
    lock.lock();
    job->running = false;
    ++job->runs;
    if (--busy_[job->name] == 0) busy_.erase(job->name);
    --running_;
    idle_cv_.notify_all();
  }
}

void Scheduler::cancel_all() {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  stopping_ = true;
  for (auto& [name, job] : jobs_) job->cancel = true;
  ready_.clear();
  timer_cv_.notify_all();
  work_cv_.notify_all();
}

bool Scheduler::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_cv_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

bool Scheduler::stop(std::chrono::milliseconds grace) {
  cancel_all();
  std::unique_lock lock(mutex_);
  bool idle = idle_cv_.wait_for(lock, grace, [&] { return running_ == 0; });
  lock.unlock();
  if (timer_.joinable()) timer_.join();
  for (auto& w : workers_) {
    if (!w.joinable()) continue;
    if (idle) w.join();
    else w.detach();
  }
  return idle;
}

}  // namespace intake::engine
