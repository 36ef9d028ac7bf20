// Engine (see engine.h): the worker threads and the gathering of their
// per-second intervals on the calling thread.
#include "loadgen/engine.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <thread>

#include "loadgen/hlog.h"
#include "loadgen/recorder.h"
#include "loadgen/summary.h"
#include "proto/units.h"

namespace nsw::loadgen {

namespace asio = boost::asio;

std::string_view PacingName(Pacing p) {
  switch (p) {
    case Pacing::kRate: return "rate";
    case Pacing::kSpeed: return "speed";
    case Pacing::kMax: return "max";
  }
  return "?";
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t WallNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

struct DueLater {
  bool operator()(const Job& a, const Job& b) const { return a.due_us > b.due_us; }
};

// Length-delimited messages in the interval spool.
Status SpoolWrite(std::FILE* f, const IntervalStats& m) {
  std::string bytes;
  m.SerializeToString(&bytes);
  const auto n = static_cast<uint32_t>(bytes.size());
  if (std::fwrite(&n, sizeof n, 1, f) != 1 || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) {
    return Status::IoError("cannot write the interval spool (temporary file)");
  }
  return Status::OK();
}

Status SpoolRead(std::FILE* f, IntervalStats* m, bool* end) {
  uint32_t n = 0;
  *end = false;
  if (std::fread(&n, sizeof n, 1, f) != 1) {
    *end = true;
    return Status::OK();
  }
  std::string bytes(n, '\0');
  if (std::fread(bytes.data(), 1, n, f) != n || !m->ParseFromString(bytes)) {
    return Status::Corruption("interval spool damaged");
  }
  return Status::OK();
}

// ---------------------------------------------------------------- worker

class Worker {
 public:
  Worker(int id, int threads, int connections, const EngineOptions& options, Workload* workload,
         Clock::time_point start, int64_t start_unix_us, uint64_t inflight_cap, uint64_t followup_cap,
         const std::atomic<bool>* stop, std::atomic<int64_t>* gate_lows)
      : id_(id),
        threads_(threads),
        connections_(connections),
        o_(options),
        workload_(workload),
        start_(start),
        start_unix_us_(start_unix_us),
        inflight_cap_(inflight_cap),
        followup_cap_(followup_cap),
        stop_(stop),
        gated_(options.reorder_window_us > 0),
        lows_(gate_lows),
        pacer_(options, workload->trace_origin_us()) {}

  void Run() {
    // One thread runs this context and owns every socket and timer on it;
    // only the resolver's helper thread posts completions (to the
    // scheduler, which stays locked): reactor I/O locking is not needed.
    asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
    asio::steady_timer timer(io), flush(io), gate_timer(io);
    io_ = &io;
    timer_ = &timer;
    flush_ = &flush;
    gate_timer_ = &gate_timer;
    for (int c = 0; c < connections_; ++c) {
      slots_.push_back(workload_->NewConnection(io, id_));
      idle_.push_back(c);
    }
    running_.resize(slots_.size());
    Status s = workload_->NewSource(id_, threads_, &source_);
    if (!s.ok()) {
      SetStatus(s);
      source_done_ = true;
    }
    Advance();
    PublishLow();
    // Nothing is sent before the schedule's start: closed-loop requests
    // sent earlier would have negative intended times (unmeasured).
    asio::steady_timer starter(io);
    starter.expires_at(start_);
    starter.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) Kick();
    });
    ArmFlush();
    io.run();
    slots_.clear();  // before the io_context goes away
    source_.reset();
    {
      std::lock_guard<std::mutex> lock(mu_);
      intervals_.TakeBefore(INT64_MAX, &taken_);
    }
    complete_before_.store(INT64_MAX);
    finished_.store(true);
  }

  // Reporter side (any thread).
  int64_t complete_before() const { return complete_before_.load(); }
  void Take(std::vector<std::pair<int64_t, IntervalBin>>* out) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& b : taken_) out->push_back(std::move(b));
    taken_.clear();
  }
  bool finished() const { return finished_.load(); }
  Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  // Valid after the thread is joined.
  const Recorder& recorder() const { return rec_; }
  int64_t last_done_us() const { return last_done_us_; }
  uint64_t skipped_followups() const { return skipped_followups_; }
  uint64_t gate_holds() const { return gate_holds_; }

  std::atomic<uint64_t> sent{0}, responses{0}, errors{0}, dropped{0}, inflight{0};

 private:
  int64_t NowRel() const { return Micros(Clock::now() - start_); }
  int64_t SecondOf(int64_t rel_us) const {
    return std::max(FloorDiv(start_unix_us_ + rel_us, 1'000'000), flushed_before_);
  }
  bool Measured(const Job& j) const { return j.intended_us >= o_.warmup_us; }
  void SetStatus(const Status& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = s;
  }

  void Kick() {
    if (o_.pacing == Pacing::kMax) {
      std::vector<int> idle;
      idle.swap(idle_);
      for (int slot : idle) TakeNext(slot);
    } else {
      OnTimer();
    }
    CheckFinished();
  }

  // Loads the next primary job of this thread into next_.
  void Advance() {
    has_next_ = false;
    if (source_done_ || stop_->load(std::memory_order_relaxed)) {
      source_done_ = true;
      return;
    }
    Job j;
    bool end = false;
    Status s = source_->Next(&j, &end);
    if (!s.ok()) {
      SetStatus(s);
      source_done_ = true;
      return;
    }
    if (end || (o_.limit > 0 && j.index >= o_.limit)) {
      source_done_ = true;
      return;
    }
    if (!pacer_.Assign(&j)) {
      source_done_ = true;
      return;
    }
    j.primary = true;
    j.attempt = 0;
    next_ = std::move(j);
    has_next_ = true;
  }

  void OnTimer() {
    const int64_t now = NowRel();
    int batch = 0;
    while (has_next_ && o_.pacing != Pacing::kMax && next_.due_us <= now && batch < 4096) {
      if (!GateAllows()) break;
      Job j = TakePrimary();
      Dispatch(std::move(j), now);
      ++batch;
    }
    while (!heap_.empty() && heap_.top().due_us <= now && batch < 8192) {
      Job j = heap_.top();
      heap_.pop();
      Dispatch(std::move(j), now);
      ++batch;
    }
    Rearm();
    CheckFinished();
  }

  void Dispatch(Job j, int64_t now) {
    const bool measured = Measured(j);
    if (measured && j.attempt == 0) rec_.Scheduled(j.kind, j.ministry);
    // Time held by the gate is the server's slowness, not the generator's.
    if (measured && j.primary && o_.pacing != Pacing::kMax) rec_.Lag(now - std::max(j.due_us, gate_lag_floor_));
    if (!idle_.empty()) {
      const int slot = idle_.back();
      idle_.pop_back();
      Send(slot, std::move(j));
      return;
    }
    if (queue_.size() + inflight_ < inflight_cap_) {
      queue_.push_back(std::move(j));
      return;
    }
    if (measured) {
      rec_.Dropped(j.kind, j.ministry);
      intervals_.Dropped(SecondOf(now));
    }
    dropped.fetch_add(1, std::memory_order_relaxed);
    GateDone(j);
  }

  void Send(int slot, Job j) {
    ++inflight_;
    inflight.store(inflight_, std::memory_order_relaxed);
    if (j.attempt == 0) {
      if (Measured(j)) {
        rec_.Sent(j.kind, j.ministry);
        intervals_.Sent(SecondOf(NowRel()));
      }
      sent.fetch_add(1, std::memory_order_relaxed);
    }
    // The slot keeps the job while it runs, so the callback captures only
    // this and the slot (no allocation, no copy of the job).
    Job& running = running_[static_cast<size_t>(slot)];
    running = std::move(j);
    slots_[static_cast<size_t>(slot)]->Execute(running, [this, slot](const Outcome& o) {
      // Out of the slot first: OnDone sends the slot's next job.
      const Job job = std::move(running_[static_cast<size_t>(slot)]);
      OnDone(slot, job, o);
    });
  }

  void OnDone(int slot, const Job& job, const Outcome& o) {
    --inflight_;
    inflight.store(inflight_, std::memory_order_relaxed);
    const int64_t done_rel = Micros(o.done - start_);
    last_done_us_ = std::max(last_done_us_, done_rel);
    const bool stopping = stop_->load(std::memory_order_relaxed);
    bool gate_moved = false;
    if (!o.ok && o.retryable && job.attempt < o_.retries && !stopping) {
      Job retry = job;
      ++retry.attempt;
      retry.primary = false;
      int64_t backoff = o.retry_after_us > 0
                            ? std::min<int64_t>(o.retry_after_us, 10'000'000)
                            : std::min<int64_t>(o_.retry_backoff_us << std::min(job.attempt, 10), 2'000'000);
      retry.due_us = done_rel + backoff;
      if (Measured(job)) rec_.Retried(job.kind, job.ministry);
      heap_.push(std::move(retry));
    } else {
      const int64_t corrected = std::max<int64_t>(0, done_rel - job.intended_us);
      const int64_t uncorrected = std::max<int64_t>(0, Micros(o.done - o.started));
      if (Measured(job)) {
        rec_.Finished(job.kind, job.ministry, o.transport_ok, o.status, o.ok, o.error, o.repeat, corrected,
                      uncorrected, o.request_bytes, o.response_bytes);
        intervals_.Finished(SecondOf(done_rel), o.transport_ok, !o.ok, corrected);
      }
      if (o.transport_ok) responses.fetch_add(1, std::memory_order_relaxed);
      if (!o.ok) errors.fetch_add(1, std::memory_order_relaxed);
      gate_moved = GateDone(job);
      if (!stopping) {
        followups_.clear();
        workload_->FollowUps(job, o, done_rel, &followups_);
        for (auto& f : followups_) {
          f.gate_seq = Job::kNoGate;
          if (heap_.size() < followup_cap_) {
            heap_.push(std::move(f));
          } else {
            ++skipped_followups_;
          }
        }
      }
    }
    TakeNext(slot);
    if (gate_moved) RetryGate();
    Rearm();
    CheckFinished();
  }

  void TakeNext(int slot) {
    if (!queue_.empty()) {
      Job j = std::move(queue_.front());
      queue_.pop_front();
      Send(slot, std::move(j));
      return;
    }
    if (o_.pacing == Pacing::kMax && has_next_ && !stop_->load(std::memory_order_relaxed)) {
      const int64_t now = NowRel();
      if (o_.duration_us > 0 && now >= o_.duration_us) {
        source_done_ = true;
        has_next_ = false;
        PublishLow();
      } else if (GateAllows()) {
        Job j = TakePrimary();
        j.due_us = j.intended_us = now;
        if (Measured(j)) rec_.Scheduled(j.kind, j.ministry);
        Send(slot, std::move(j));
        return;
      }
    }
    idle_.push_back(slot);
  }

  // ---- the reorder-window gate (EngineOptions::reorder_window_us)

  // Moves next_ out (a primary job leaving the source) and enters it in
  // the gate list until it is answered.
  Job TakePrimary() {
    Job j = std::move(next_);
    Advance();
    if (gated_) {
      j.gate_seq = gate_next_++;
      gate_list_.push_back(GateEntry{j.trace_at_us, false});
    }
    PublishLow();
    return j;
  }

  // This worker's oldest unanswered (or not yet sent) primary trace time.
  void PublishLow() {
    if (!gated_) return;
    int64_t low = INT64_MAX;
    if (!gate_list_.empty()) {
      low = gate_list_.front().at;
    } else if (has_next_) {
      low = next_.trace_at_us;
    }
    lows_[id_].store(low, std::memory_order_release);
  }

  // A gated job was answered (or dropped); true when this worker's oldest
  // unanswered time moved.
  bool GateDone(const Job& j) {
    if (j.gate_seq == Job::kNoGate || j.gate_seq < gate_base_ || j.gate_seq - gate_base_ >= gate_list_.size()) {
      return false;
    }
    gate_list_[j.gate_seq - gate_base_].done = true;
    bool moved = false;
    while (!gate_list_.empty() && gate_list_.front().done) {
      gate_list_.pop_front();
      ++gate_base_;
      moved = true;
    }
    if (moved) PublishLow();
    return moved;
  }

  // May next_ be sent? Every primary job with trace time < next_'s minus
  // the window must have been answered. When not, waits: for this worker's
  // own answers (OnDone retries), or polling the other workers' marks.
  bool GateAllows() {
    if (!gated_) return true;
    const int64_t threshold = next_.trace_at_us - o_.reorder_window_us;
    bool other = false;
    bool open = gate_list_.empty() || gate_list_.front().at >= threshold;
    if (open) {
      for (int t = 0; t < threads_ && open; ++t) {
        if (t != id_ && lows_[t].load(std::memory_order_acquire) < threshold) {
          open = false;
          other = true;
        }
      }
    }
    if (open) {
      if (gate_blocked_) {
        gate_blocked_ = false;
        gate_lag_floor_ = NowRel();
      }
      return true;
    }
    if (!gate_blocked_) {
      gate_blocked_ = true;
      ++gate_holds_;
    }
    if (other && !gate_poll_armed_) {
      gate_poll_armed_ = true;
      gate_timer_->expires_after(std::chrono::microseconds(200));
      gate_timer_->async_wait([this](const boost::system::error_code& ec) {
        gate_poll_armed_ = false;
        if (ec || finished_local_) return;
        RetryGate();
      });
    }
    return false;
  }

  // Something the gate waited for may have happened: closed loop, idle
  // connections take the next jobs (a connection goes idle while records
  // are left only when the gate held them); open loop, due jobs go out.
  void RetryGate() {
    if (o_.pacing == Pacing::kMax) {
      FillIdle();
    } else if (gate_blocked_) {
      OnTimer();
    }
    CheckFinished();
  }

  // Closed loop: hands the next jobs to idle connections while there are any.
  void FillIdle() {
    while (!idle_.empty()) {
      const size_t before = idle_.size();
      const int slot = idle_.back();
      idle_.pop_back();
      TakeNext(slot);
      if (idle_.size() >= before) break;  // it went back: nothing to send now
    }
  }

  void Rearm() {
    int64_t earliest = INT64_MAX;
    if (has_next_ && o_.pacing != Pacing::kMax && !gate_blocked_) earliest = next_.due_us;
    if (!heap_.empty()) earliest = std::min(earliest, heap_.top().due_us);
    if (earliest == INT64_MAX || finished_local_) return;
    if (armed_ && armed_due_ <= earliest) return;
    armed_ = true;
    armed_due_ = earliest;
    const uint64_t generation = ++arm_generation_;
    timer_->expires_at(start_ + std::chrono::microseconds(earliest));
    timer_->async_wait([this, generation](const boost::system::error_code& ec) {
      if (ec || generation != arm_generation_) return;
      armed_ = false;
      OnTimer();
    });
  }

  void ArmFlush() {
    flush_->expires_after(std::chrono::milliseconds(100));
    flush_->async_wait([this](const boost::system::error_code& ec) {
      if (ec || finished_local_) return;
      if (stop_->load(std::memory_order_relaxed)) Abort();
      FlushIntervals();
      if (!finished_local_) ArmFlush();
    });
  }

  // Publishes every second that has fully passed.
  void FlushIntervals() {
    const int64_t now_second = FloorDiv(start_unix_us_ + NowRel(), 1'000'000);
    if (now_second <= flushed_before_) return;
    flushed_before_ = now_second;
    {
      std::lock_guard<std::mutex> lock(mu_);
      intervals_.TakeBefore(now_second, &taken_);
    }
    complete_before_.store(now_second);
  }

  void Abort() {
    source_done_ = true;
    has_next_ = false;
    queue_.clear();
    while (!heap_.empty()) heap_.pop();
    gate_base_ = gate_next_;  // answers still in flight no longer count
    gate_list_.clear();
    PublishLow();
    CheckFinished();
  }

  void CheckFinished() {
    if (finished_local_) return;
    if (!(source_done_ && !has_next_ && queue_.empty() && heap_.empty() && inflight_ == 0)) return;
    finished_local_ = true;
    if (gated_) lows_[id_].store(INT64_MAX, std::memory_order_release);
    timer_->cancel();
    flush_->cancel();
    gate_timer_->cancel();
    for (auto& s : slots_) s->Close();
    // (the starter timer, if still pending, dies with the stopped io_context)
    io_->stop();
  }

  const int id_, threads_, connections_;
  const EngineOptions& o_;
  Workload* const workload_;
  const Clock::time_point start_;
  const int64_t start_unix_us_;
  const uint64_t inflight_cap_, followup_cap_;
  const std::atomic<bool>* const stop_;
  const bool gated_;
  std::atomic<int64_t>* const lows_;  // per worker: oldest unanswered primary trace time (gate)

  asio::io_context* io_ = nullptr;
  asio::steady_timer* gate_timer_ = nullptr;
  asio::steady_timer* timer_ = nullptr;
  asio::steady_timer* flush_ = nullptr;
  std::vector<std::unique_ptr<WorkloadConnection>> slots_;
  std::vector<Job> running_;  // per slot: the job it is executing
  std::vector<int> idle_;
  std::unique_ptr<JobSource> source_;
  Pacer pacer_;
  Job next_;
  bool has_next_ = false;
  bool source_done_ = false;
  bool finished_local_ = false;
  std::deque<Job> queue_;
  std::priority_queue<Job, std::vector<Job>, DueLater> heap_;
  std::vector<Job> followups_;
  uint64_t inflight_ = 0;
  uint64_t skipped_followups_ = 0;
  bool armed_ = false;
  int64_t armed_due_ = 0;
  uint64_t arm_generation_ = 0;
  int64_t last_done_us_ = 0;
  int64_t flushed_before_ = INT64_MIN;
  // Gate: primary jobs taken from the source and not yet answered, in
  // order (trace time ascending); gate_base_ is the front's gate_seq.
  struct GateEntry {
    int64_t at;
    bool done;
  };
  std::deque<GateEntry> gate_list_;
  uint64_t gate_base_ = 0, gate_next_ = 0;
  bool gate_blocked_ = false, gate_poll_armed_ = false;
  int64_t gate_lag_floor_ = INT64_MIN;
  uint64_t gate_holds_ = 0;

  Recorder rec_;
  IntervalRecorder intervals_;
  std::mutex mu_;  // guards taken_, status_
  std::vector<std::pair<int64_t, IntervalBin>> taken_;
  Status status_;
  std::atomic<int64_t> complete_before_{INT64_MIN};
  std::atomic<bool> finished_{false};
};

}  // namespace

// ---------------------------------------------------------------- pacer

Pacer::Pacer(const EngineOptions& options, int64_t trace_origin_us) : o_(options), origin_us_(trace_origin_us) {
  if (o_.pacing == Pacing::kRate) schedule_.emplace(RateProfile(o_.rate, o_.stages), o_.arrivals, o_.seed);
}

bool Pacer::Assign(Job* j) {
  switch (o_.pacing) {
    case Pacing::kRate:
      while (next_index_ <= j->index) {
        if (!schedule_->Next(&last_due_)) return false;
        ++next_index_;
      }
      j->due_us = last_due_;
      break;
    case Pacing::kSpeed:
      j->due_us = std::llround(static_cast<double>(j->trace_at_us - origin_us_) / o_.speed);
      break;
    case Pacing::kMax:
      j->due_us = 0;
      break;
  }
  if (o_.duration_us > 0 && o_.pacing != Pacing::kMax && j->due_us >= o_.duration_us) return false;
  j->intended_us = j->due_us;
  return true;
}

// ---------------------------------------------------------------- engine

class Engine::Impl {
 public:
  Impl(EngineOptions options, Workload* workload) : o_(std::move(options)), workload_(workload) {}
  ~Impl() {
    if (spool_ != nullptr) std::fclose(spool_);
  }

  Status Run(const RunInfo& info, RunResults* results);
  IntervalSource Intervals();

  EngineOptions o_;
  Workload* workload_;
  std::atomic<bool> stop_{false};
  std::FILE* spool_ = nullptr;
  int64_t start_unix_us_ = 0;
  std::unique_ptr<std::atomic<int64_t>[]> gate_lows_;  // one per worker (EngineOptions::reorder_window_us)

 private:
  void Gather(std::vector<std::unique_ptr<Worker>>& workers);
  Status Finalize(int64_t second, IntervalBin& bin);
  void Progress(std::vector<std::unique_ptr<Worker>>& workers, bool final_line);

  std::map<int64_t, IntervalBin> pending_;
  std::unique_ptr<HlogWriter> hlog_;
  Status io_status_;
  IntervalStats last_interval_;
  double last_p50_ = 0, last_p99_ = 0, last_max_ = 0;
  Clock::time_point last_progress_;
  uint64_t last_sent_ = 0;
  Clock::time_point run_started_;
};

Status Engine::Impl::Finalize(int64_t second, IntervalBin& bin) {
  IntervalStats stats = bin.counters;
  stats.set_unix_second(second);
  HistogramToProto(*bin.latency, stats.mutable_latency());
  Status s = SpoolWrite(spool_, stats);
  if (s.ok() && hlog_) s = hlog_->WriteInterval(second * 1'000'000, 1'000'000, *bin.latency);
  if (!s.ok() && io_status_.ok()) io_status_ = s;
  last_interval_ = stats;
  last_p50_ = static_cast<double>(bin.latency->ValueAtPercentile(50));
  last_p99_ = static_cast<double>(bin.latency->ValueAtPercentile(99));
  last_max_ = static_cast<double>(bin.latency->max());
  return s;
}

void Engine::Impl::Gather(std::vector<std::unique_ptr<Worker>>& workers) {
  int64_t complete = INT64_MAX;
  std::vector<std::pair<int64_t, IntervalBin>> bins;
  for (auto& w : workers) {
    complete = std::min(complete, w->complete_before());  // read before taking
    w->Take(&bins);
  }
  for (auto& [second, bin] : bins) {
    auto [it, fresh] = pending_.emplace(second, std::move(bin));
    if (fresh) continue;
    IntervalStats& c = it->second.counters;
    c.set_sent(c.sent() + bin.counters.sent());
    c.set_responses(c.responses() + bin.counters.responses());
    c.set_ok(c.ok() + bin.counters.ok());
    c.set_errors(c.errors() + bin.counters.errors());
    c.set_dropped(c.dropped() + bin.counters.dropped());
    it->second.latency->Merge(*bin.latency);
  }
  while (!pending_.empty() && pending_.begin()->first < complete) {
    Finalize(pending_.begin()->first, pending_.begin()->second);
    pending_.erase(pending_.begin());
  }
}

void Engine::Impl::Progress(std::vector<std::unique_ptr<Worker>>& workers, bool final_line) {
  if (!o_.progress) return;
  uint64_t sent = 0, responses = 0, errors = 0, dropped = 0, inflight = 0;
  for (auto& w : workers) {
    sent += w->sent.load();
    responses += w->responses.load();
    errors += w->errors.load();
    dropped += w->dropped.load();
    inflight += w->inflight.load();
  }
  const auto now = Clock::now();
  const double dt = std::chrono::duration<double>(now - last_progress_).count();
  const double rate = dt > 0 ? static_cast<double>(sent - last_sent_) / dt : 0;
  last_progress_ = now;
  last_sent_ = sent;
  const double elapsed = std::chrono::duration<double>(now - run_started_).count();
  char line[512];
  std::snprintf(line, sizeof line,
                "%s[%6.1fs] sent %llu (%.0f/s)  responses %llu  errors %llu  dropped %llu  in flight %llu  |  last "
                "second: %llu responses, p50 %s p99 %s max %s",
                final_line ? "done " : "", elapsed, static_cast<unsigned long long>(sent), rate,
                static_cast<unsigned long long>(responses), static_cast<unsigned long long>(errors),
                static_cast<unsigned long long>(dropped), static_cast<unsigned long long>(inflight),
                static_cast<unsigned long long>(last_interval_.responses()), FormatLatency(last_p50_).c_str(),
                FormatLatency(last_p99_).c_str(), FormatLatency(last_max_).c_str());
  o_.progress(line);
}

Status Engine::Impl::Run(const RunInfo& info, RunResults* results) {
  if (o_.connections < 1) return Status::InvalidArgument("--connections must be at least 1");
  if (o_.threads < 1) return Status::InvalidArgument("--threads must be at least 1");
  if (o_.pacing == Pacing::kRate && o_.rate <= 0 && o_.stages.empty()) {
    return Status::InvalidArgument("--rate must be positive");
  }
  if (o_.pacing == Pacing::kSpeed && !(o_.speed > 0)) return Status::InvalidArgument("--speed must be positive");
  const int threads = std::min(o_.threads, o_.connections);
  spool_ = std::tmpfile();
  if (spool_ == nullptr) return Status::IoError("cannot create a temporary file for the interval spool");

  // Schedule offset 0 in both clocks.
  const int64_t wall_now = WallNowUs();
  const auto steady_now = Clock::now();
  start_unix_us_ = o_.start_at_unix_us > 0 ? o_.start_at_unix_us : wall_now + 100'000;
  const Clock::time_point start = steady_now + std::chrono::microseconds(start_unix_us_ - wall_now);
  if (o_.start_at_unix_us > 0 && start_unix_us_ < wall_now - 1'000'000) {
    results->add_warnings("--start-at is " + FormatLatency(static_cast<double>(wall_now - start_unix_us_)) +
                          " in the past: the schedule starts behind, and early requests count as late");
  }
  if (!o_.hlog_path.empty()) {
    Status s = HlogWriter::Open(o_.hlog_path, start_unix_us_, &hlog_);
    if (!s.ok()) return s;
  }

  const uint64_t inflight_cap = std::max<uint64_t>(1, o_.max_inflight / static_cast<uint64_t>(threads));
  const uint64_t followup_cap = std::max<uint64_t>(1, o_.max_followups / static_cast<uint64_t>(threads));
  // Gate marks start at the lowest value: nobody sends before every
  // worker has published its first record.
  gate_lows_ = std::make_unique<std::atomic<int64_t>[]>(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) gate_lows_[t].store(INT64_MIN);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    const int conns = o_.connections / threads + (t < o_.connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(t, threads, conns, o_, workload_, start, start_unix_us_, inflight_cap,
                                               followup_cap, &stop_, gate_lows_.get()));
  }
  run_started_ = last_progress_ = Clock::now();
  std::vector<std::thread> pool;
  for (auto& w : workers) pool.emplace_back([&w] { w->Run(); });

  auto next_progress = Clock::now() + std::chrono::seconds(1);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Gather(workers);
    bool all = true;
    for (auto& w : workers) all = all && w->finished();
    if (all) break;
    if (Clock::now() >= next_progress) {
      Progress(workers, false);
      next_progress += std::chrono::seconds(1);
    }
  }
  for (auto& t : pool) t.join();
  Gather(workers);
  for (auto& [second, bin] : pending_) Finalize(second, bin);
  pending_.clear();
  Progress(workers, true);
  if (hlog_) {
    Status s = hlog_->Close();
    if (!s.ok() && io_status_.ok()) io_status_ = s;
  }
  std::fflush(spool_);

  // Merge the workers' measurements.
  Recorder total;
  int64_t last_done = 0;
  uint64_t skipped = 0, gate_holds = 0;
  for (auto& w : workers) {
    gate_holds += w->gate_holds();
    Status s = w->status();
    if (!s.ok()) return s;
    total.MergeFrom(w->recorder());
    last_done = std::max(last_done, w->last_done_us());
    skipped += w->skipped_followups();
  }
  if (!io_status_.ok()) return io_status_;
  total.Export(workload_->ministry_names(), results);
  results->set_format(std::string(kResultsFormat));
  results->set_tool_version(std::string(ToolVersion()));
  results->set_mode(info.mode);
  results->set_target(info.target);
  results->set_run_id(info.run_id);
  results->add_shards(info.shard.ToString());
  results->set_parts(1);
  results->set_pacing(std::string(PacingName(o_.pacing)));
  if (o_.pacing == Pacing::kRate) {
    results->set_target_rate(o_.rate);
    results->set_arrivals(std::string(ArrivalsName(o_.arrivals)));
  }
  if (o_.pacing == Pacing::kSpeed) results->set_speed(o_.speed);
  results->set_threads(static_cast<uint32_t>(threads));
  results->set_connections(static_cast<uint32_t>(o_.connections));
  results->set_start_unix_us(start_unix_us_ + o_.warmup_us);
  results->set_end_unix_us(std::max(start_unix_us_ + last_done, results->start_unix_us()));
  results->set_warmup_us(o_.warmup_us);
  results->set_trace(info.trace);
  results->set_trace_seed(info.trace_seed);

  Histogram lag;
  if (HistogramFromProto(results->generator_lag(), &lag).ok() && lag.count() > 0 &&
      lag.ValueAtPercentile(99) > o_.lag_warning_us) {
    results->set_generator_lag_warnings(1);
    results->add_warnings("the generator could not keep up: its own send lag reached p99 " +
                          FormatLatency(static_cast<double>(lag.ValueAtPercentile(99))) +
                          "; the offered load was lower than asked (use more --threads or shards)");
  }
  if (results->total().errors().dropped() > 0) {
    results->add_warnings(std::to_string(results->total().errors().dropped()) +
                          " requests were dropped because --max-inflight (" + std::to_string(o_.max_inflight) +
                          ") requests were already queued or in flight");
  }
  if (skipped > 0) {
    results->add_warnings(std::to_string(skipped) + " follow-ups were skipped (more than " +
                          std::to_string(o_.max_followups) + " pending)");
  }
  if (gate_holds > 0 && o_.pacing != Pacing::kMax) {
    results->add_warnings(std::to_string(gate_holds) +
                          " times a due submission waited until the submissions more than the server's reorder "
                          "window (" + FormatDuration(o_.reorder_window_us) +
                          ") older were answered: the server answered slower than the schedule (the waits count "
                          "as latency)");
  }
  if (stop_.load()) results->add_warnings("the run was interrupted");
  return Status::OK();
}

IntervalSource Engine::Impl::Intervals() {
  if (spool_ == nullptr) {
    return [](IntervalStats*, bool* end) {
      *end = true;
      return Status::OK();
    };
  }
  std::rewind(spool_);
  return [this](IntervalStats* next, bool* end) { return SpoolRead(spool_, next, end); };
}

Engine::Engine(EngineOptions options, Workload* workload)
    : impl_(std::make_unique<Impl>(std::move(options), workload)) {}
Engine::~Engine() = default;
Status Engine::Run(const RunInfo& info, RunResults* results) { return impl_->Run(info, results); }
void Engine::RequestStop() { impl_->stop_.store(true); }
IntervalSource Engine::Intervals() { return impl_->Intervals(); }
int64_t Engine::start_unix_us() const { return impl_->start_unix_us_; }

}  // namespace nsw::loadgen
