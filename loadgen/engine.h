// Engine: the measuring core shared by `replay` and `url`, after wrk2. T
// worker threads each own an io_context (concurrency hint 1), their share of
// the C keep-alive connections, their histograms and counters; results are
// merged after join. Open-loop pacing (`rate`, `speed`) computes every
// request's intended send time from the global schedule (schedule.h);
// latency is measured from that intended time (coordinated omission
// corrected) and, beside it, from the actual send of the last attempt
// (uncorrected); a retry keeps the first intended time. When no connection
// is free a due request waits in a FIFO bounded by --max-inflight (queued +
// in flight); beyond it the request is dropped and counted. Closed-loop
// pacing (`max`) sends each connection's next request when its previous one
// completes. With a reorder window (trace-clock servers) a primary job
// also waits until every earlier one more than the window older has been
// answered, in every thread (the gate; the wait counts as latency in
// open-loop modes, not as generator lag). Completed requests are also binned by the wall-clock second of
// completion; the calling thread gathers those intervals once every worker
// has passed the second, writes the HdrHistogram log and a spool, and prints
// the progress line.
//
// What to send is a Workload (replay_workload.h, url_workload.h): it
// creates per-thread sources of jobs in global order, connections, sends a
// job and classifies its answer, and proposes follow-ups (polls, payments).
//
// Thread-safety: Run blocks the calling thread; RequestStop may be called
// from any thread (e.g. a signal watcher) while Run is in progress.
#ifndef NSW_LOADGEN_ENGINE_H_
#define NSW_LOADGEN_ENGINE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/enterprises.h"
#include "loadgen/results.h"
#include "loadgen/schedule.h"
#include "proto/results.pb.h"
#include "proto/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace nsw::loadgen {

using Clock = std::chrono::steady_clock;

enum class Pacing { kRate, kSpeed, kMax };
std::string_view PacingName(Pacing p);

// One logical request (all its attempts). Workload-specific fields are
// plain members rather than a variant: the struct is small and copied once.
struct Job {
  uint64_t index = 0;          // global index of the primary request (follow-ups keep their parent's)
  RequestKind kind = RequestKind::kUrl;
  int ministry = -1;           // submissions: index into Workload::ministry_names()
  int64_t due_us = 0;          // when to (re)send, relative to the run start
  int64_t intended_us = 0;     // first intended send time, relative to the run start
  int attempt = 0;             // 0 for the first
  bool primary = true;         // from the source (not a follow-up or retry)
  // replay
  int64_t trace_at_us = 0;     // record timestamp (offset from the trace start)
  uint32_t enterprise = 0;
  uint32_t procedure = 0;
  uint32_t payload_bytes = 0;
  std::string client_ref;      // as in the trace (without the run id)
  uint64_t dossier_id = 0;     // follow-ups
  int polls = 0;               // polls made for this dossier so far
  uint64_t gate_seq = kNoGate; // primary jobs under the reorder-window gate: position in the worker's gate list
  static constexpr uint64_t kNoGate = UINT64_MAX;
};

// How one attempt ended, as the workload judged it.
struct Outcome {
  bool transport_ok = false;   // a complete HTTP response arrived
  int status = 0;              // HTTP status when transport_ok
  bool ok = false;             // passed every check
  ErrorClass error = ErrorClass::kOther;  // when !ok
  bool retryable = false;      // worth another attempt (connect/reset/timeout/503)
  int64_t retry_after_us = 0;  // server's Retry-After, when given
  bool repeat = false;         // resumed run: the server already had it (counted, not an error)
  Clock::time_point started;   // Send called
  Clock::time_point done;
  uint64_t request_bytes = 0;
  uint64_t response_bytes = 0;
  // For follow-ups.
  uint64_t dossier_id = 0;
  int dossier_state = 0;       // nsw::DossierState
  std::string message;         // first error message, for the log
};

// A connection slot as the workload defines it (an HttpConnection, maybe
// with an NswApi on top). Lives on one worker thread.
class WorkloadConnection {
 public:
  virtual ~WorkloadConnection() = default;
  // Sends `job` and calls `done` once, on the io thread, never inline.
  virtual void Execute(const Job& job, std::function<void(const Outcome&)> done) = 0;
  virtual void Close() = 0;
};

// Per-thread source of primary jobs, in increasing global index.
class JobSource {
 public:
  virtual ~JobSource() = default;
  // Fills index, kind, ministry, trace_at_us and the workload fields; sets
  // *end when there are no more (for this thread).
  virtual Status Next(Job* job, bool* end) = 0;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Source for worker `thread` of `threads`: the sources of all threads
  // yield disjoint sets of the global indexes this process (shard) owns,
  // each in increasing order.
  virtual Status NewSource(int thread, int threads, std::unique_ptr<JobSource>* out) = 0;
  virtual std::unique_ptr<WorkloadConnection> NewConnection(boost::asio::io_context& io, int thread) = 0;
  // Follow-ups of a finished job (polls, payments...), with due_us and
  // intended_us set; `done_us` is when it completed (run-relative). Called
  // on the worker thread; must be thread-safe across workers (read-only
  // state).
  virtual void FollowUps(const Job& job, const Outcome& outcome, int64_t done_us, std::vector<Job>* out) const {}
  // Names of the ministries Job::ministry indexes.
  virtual const std::vector<std::string>& ministry_names() const = 0;
  // Speed pacing: the trace offset that is due at the run start.
  virtual int64_t trace_origin_us() const { return 0; }
};

struct EngineOptions {
  Pacing pacing = Pacing::kRate;       // --rate / --speed / --max
  double rate = 0;                     // --rate: requests/s (initial rate when --stages is given)
  Arrivals arrivals = Arrivals::kConstant;  // --arrivals
  std::vector<Stage> stages;           // --stages
  double speed = 1.0;                  // --speed: trace seconds per wall second
  int connections = 8;                 // --connections, over all threads
  int threads = 2;                     // --threads
  int64_t duration_us = 0;             // --duration; 0: until the work (or the stages) end
  uint64_t limit = 0;                  // --limit: only global indexes < limit; 0 none
  int64_t warmup_us = 0;               // --warmup: requests intended earlier are not measured
  uint64_t max_inflight = 20000;       // --max-inflight: queued + in flight, all threads
  int retries = 0;                     // --retries: extra attempts on connect/reset/timeout/503
  int64_t retry_backoff_us = 100'000;  // first retry delay; doubles, capped at 2 s
  uint64_t seed = 1;                   // --seed: Poisson arrivals
  int64_t start_at_unix_us = 0;        // --start-at; 0: 100 ms from now
  uint64_t max_followups = 100000;     // pending follow-ups per run; beyond, skipped
  int64_t lag_warning_us = 50'000;     // generator lag (p99) above which the run warns
  // Reorder-window gate (trace-clock servers): > 0 sends a primary job with
  // trace time t only once every primary job of this process with trace
  // time < t - window has been answered (or dropped), over all threads, so
  // no submission falls behind the server's watermark however the
  // connections reorder them. 0: no gate.
  int64_t reorder_window_us = 0;
  std::string hlog_path;               // --hlog: HdrHistogram interval log
  // Progress: called about once a second with a line (no newline); empty
  // function: no progress.
  std::function<void(const std::string&)> progress;
};

// Intended send times of primary jobs from the global schedule: request i
// gets the same due time in every thread and shard. Rate pacing walks the
// arrival schedule up to each job's global index; speed pacing scales the
// record's trace time; max pacing leaves 0 (the engine sends on
// completion). One per worker thread (not thread-safe).
class Pacer {
 public:
  Pacer(const EngineOptions& options, int64_t trace_origin_us);
  // Sets job->due_us and intended_us; false when the schedule has ended
  // (past the last stage or --duration). Jobs in increasing index.
  bool Assign(Job* job);

 private:
  const EngineOptions& o_;
  int64_t origin_us_;
  std::optional<ArrivalSchedule> schedule_;
  uint64_t next_index_ = 0;
  int64_t last_due_ = 0;
};

// Run-level description copied into RunResults.
struct RunInfo {
  std::string mode;    // "replay" or "url"
  std::string target;
  std::string run_id;
  std::string trace;
  uint64_t trace_seed = 0;
  Shard shard;
};

class Engine {
 public:
  Engine(EngineOptions options, Workload* workload);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs to the end. `results` gets everything but the intervals, which
  // `WriteResults` streams from the spool (and IntervalPoints() keeps a
  // small summary of).
  Status Run(const RunInfo& info, RunResults* results);
  // Stops scheduling; requests in flight finish (bounded by their timeout).
  void RequestStop();

  // After Run: the per-second statistics, streamed from the spool.
  IntervalSource Intervals();
  // After Run: the wall instant (us) of schedule offset 0.
  int64_t start_unix_us() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_ENGINE_H_
