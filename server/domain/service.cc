// NswService::Impl: the sequencer, the dossier store and idempotency index,
// the journal and the simulation behind one mutex.
//
// Flow of an input: under the mutex the sequencer validates it, assigns the
// next sequence number and a simulated instant, records the dossier as
// pending (so a retry finds it), and appends the record to the journal. When
// the journal reports it durable (on its writer thread, or inline for
// --durability none) the record joins the simulation - always in sequence
// order - and the caller is answered. The simulation is only ever advanced to
// an instant no pending or future record can precede (Limit()), so its state
// is a function of the journal alone and replay rebuilds it exactly.
//
// Callbacks to callers never run under the mutex: work that answers a caller
// is collected as closures and run after unlocking.
#include "server/domain/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <limits>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <google/protobuf/arena.h>

#include "proto/units.h"
#include "server/domain/dossier_store.h"
#include "server/domain/idempotency_index.h"
#include "server/domain/lifecycle.h"
#include "server/domain/sim_clock.h"
#include "server/domain/sim_model.h"
#include "server/domain/simulation.h"

namespace nsw {
namespace {

// Answers to callers, collected under the mutex and given after unlocking.
// A new submission's answer is kept as data rather than a closure (one
// allocation less per submission on the writer thread).
struct Replies {
  struct Submitted {
    NswService::SubmitCallback done;
    bool first = true;  // kCreated; a retry waiting for the same sync gets kOk
    uint64_t dossier_id = 0;
    int64_t accepted_at_us = 0;
  };
  std::vector<Submitted> submitted;
  std::vector<std::function<void()>> closures;

  void push_back(std::function<void()> reply) { closures.push_back(std::move(reply)); }
  void Run() {
    SubmitReply reply;
    reply.set_state(SUBMITTED);
    for (Submitted& s : submitted) {
      reply.set_dossier_id(s.dossier_id);
      reply.set_accepted_at_us(s.accepted_at_us);
      Result result;
      result.outcome = s.first ? Outcome::kCreated : Outcome::kOk;
      s.done(result, reply);
    }
    for (auto& r : closures) r();
  }
};

// The first arena block of a submission's journal record, on the stack:
// the record, its submission and their strings' headers fit in it.
constexpr size_t kRecordArenaBytes = 1024;

constexpr int64_t kMaxTimestamp = 100'000'000'000'000'000LL;  // year ~5100: keeps arithmetic far from overflow

Result Failure(Outcome outcome, std::string code, std::string message) {
  Result r;
  r.outcome = outcome;
  r.code = std::move(code);
  r.message = std::move(message);
  return r;
}

Result Ok(Outcome outcome = Outcome::kOk) {
  Result r;
  r.outcome = outcome;
  return r;
}

ActionRecord::Kind ToRecordKind(EnterpriseAction a) {
  switch (a) {
    case EnterpriseAction::kPay: return ActionRecord::PAY;
    case EnterpriseAction::kSupplement: return ActionRecord::SUPPLEMENT;
    case EnterpriseAction::kWithdraw: return ActionRecord::WITHDRAW;
  }
  return ActionRecord::KIND_UNSPECIFIED;
}

const char* ClockName(ClockMode mode) { return mode == ClockMode::kWall ? "wall" : "trace"; }

SipKey SecretKey() {
  std::random_device rd;
  auto word = [&rd] { return (static_cast<uint64_t>(rd()) << 32) ^ rd(); };
  return SipKey{word(), word()};
}

}  // namespace

class NswService::Impl {
 public:
  Impl(const Catalog& catalog, const ServiceOptions& options, Env* env, spdlog::logger* log)
      : catalog_(catalog),
        options_(options),
        env_(env),
        log_(log),
        model_status_(SimModel::Create(catalog, &model_)),
        index_(SecretKey(), &store_),
        trace_(options.reorder_window_us, options.max_jump_us) {
    if (model_status_.ok() && catalog.procedure_count() > 0xffff) {
      model_status_ = Status::InvalidArgument("more than 65535 procedures");
    }
    if (model_status_.ok()) {
      sim_ = std::make_unique<Simulation>(
          catalog_, model_,
          SimOptions{options.seed, options.enterprise_actions == EnterpriseActions::kSimulated}, &store_);
    }
  }

  ~Impl() { Stop(); }

  const Catalog& catalog() const { return catalog_; }
  const ServiceOptions& options() const { return options_; }
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  Status Start();
  void Stop();
  // `payload`: request.payload() itself, to be moved into the journal
  // record, or null to copy it.
  void Submit(std::string_view enterprise, const SubmitRequest& request, std::string* payload, SubmitCallback done);
  Result GetDossier(std::string_view enterprise, uint64_t id, Dossier* out);
  Result FindDossier(std::string_view enterprise, std::string_view client_ref, Dossier* out);
  void Act(std::string_view enterprise, uint64_t id, EnterpriseAction action, DossierCallback done);
  void GetStats(Stats* out);
  NswService::Counters counters();
  void Clock(const ClockRequest& request, std::function<void(const Result&, const ClockReply&)> done);

 private:
  // A record appended to the journal and not yet applied to the simulation.
  struct Pending {
    enum class Kind { kSubmission, kAction, kClock };
    Kind kind = Kind::kSubmission;
    uint64_t seq = 0;
    int64_t time = 0;
    // No record sequenced at or after this one is placed before `floor`.
    int64_t floor = 0;
    uint32_t dossier = 0;
    ActionRecord::Kind action = ActionRecord::KIND_UNSPECIFIED;
    bool done = false;  // the journal answered
    Status status;
    SubmitCallback submit_done;
    std::vector<SubmitCallback> retries;  // the same submission again, waiting for the same sync
    DossierCallback action_done;
    std::function<void(const Result&, const ClockReply&)> clock_done;
  };

  // Appends under mu_; the journal's group callback answers it (OnDurable).
  Status AppendLocked(const JournalRecord& record, JournalPosition* position, Replies* replies);
  // The journal answered every record through `last_seq` not answered yet
  // (one group commit): handled under one lock, drained in one pass.
  void OnDurable(uint64_t last_seq, const Status& status);
  void CompletedThroughLocked(uint64_t last_seq, const Status& status, Replies* replies);
  // Record `seq` alone (its Append failed).
  void CompletedLocked(uint64_t seq, const Status& status, Replies* replies);
  void DrainLocked(Replies* replies);
  void ApplyLocked(Pending& p, Replies* replies);
  void FailLocked(Pending& p, const Status& status, Replies* replies);
  void MarkFailedLocked(const Status& status);

  // The instant the simulation may safely advance to now.
  int64_t LimitLocked();
  void CatchUpLocked();
  // The next instant the wall clock assigns (strictly after the last one).
  int64_t NextWallInstantLocked();

  Status ReplayRecord(const JournalRecord& record, JournalPosition position);
  // Replay's work on the journal's reading thread: indexes a submission for
  // idempotency (from the record alone), so ReplayRecord does not. Entries
  // wait in *batch until it is full (IdempotencyIndex::InsertKeys).
  void PrepareRecord(const JournalRecord& record, std::vector<std::pair<uint32_t, uint64_t>>* batch);

  // Whether `enterprise` owns dossier `id` and it is visible; sets *dossier.
  bool OwnedLocked(std::string_view enterprise, uint64_t id, uint32_t* dossier);
  // Everything but the fields only the journal holds (client_ref, payload_bytes).
  void FillLocked(uint32_t dossier, Dossier* out);
  // Completes `out` from the journal record of the submission.
  static void FillFromSubmission(const SubmissionRecord& s, Dossier* out);
  Result ReadSubmission(JournalPosition position, SubmissionRecord* out);
  // A reply closure for an action: reads the reference outside the mutex.
  std::function<void()> ActionReply(Result result, uint32_t dossier, DossierCallback done);

  const Catalog& catalog_;
  const ServiceOptions options_;
  Env* const env_;
  spdlog::logger* const log_;
  SimModel model_;
  Status model_status_;
  std::atomic<bool> ready_{false};
  std::atomic<std::thread::id> appending_thread_{};

  std::mutex mu_;
  // Guarded by mu_ (journal_ is set by Start and read-only after; Journal is thread-safe).
  std::unique_ptr<Journal> journal_;
  DossierStore store_;
  IdempotencyIndex index_;
  std::unique_ptr<Simulation> sim_;
  std::optional<WallClock> wall_;
  TraceClock trace_;
  std::deque<Pending> pending_;
  std::vector<std::pair<uint64_t, Status>> inline_completions_;
  uint64_t last_seq_ = 0;
  int64_t last_assigned_ = std::numeric_limits<int64_t>::min();
  bool started_ = false;
  bool stopping_ = false;
  bool failed_ = false;
  uint64_t dossiers_ = 0;        // applied submissions
  uint64_t late_arrivals_ = 0;   // applied late submissions
  uint64_t refused_future_ = 0;  // since this process started (refusals are not journalled)
  int64_t sim_start_ = 0;
};

// ------------------------------------------------------------------ start, stop

Status NswService::Impl::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return Status::FailedPrecondition("service already started");
  if (!model_status_.ok()) return Status::InvalidArgument("catalog: " + model_status_.message());
  if (options_.clock == ClockMode::kWall && !(options_.speed > 0 && std::isfinite(options_.speed))) {
    return Status::InvalidArgument("speed must be > 0");
  }
  if (options_.reorder_window_us < 0 || options_.max_jump_us < 0) {
    return Status::InvalidArgument("reorder window and max jump must be >= 0");
  }
  Fingerprint fp;
  fp.set_seed(options_.seed);
  fp.set_catalog_hash(catalog_.fingerprint());
  fp.set_clock(ClockName(options_.clock));
  // Only what changes how the records replay: the window shapes the trace
  // watermark, the start instant the wall clock; speed and max-jump only
  // decide what is accepted and when, which the records already say.
  const bool wall = options_.clock == ClockMode::kWall;
  fp.set_reorder_window_us(wall ? 0 : options_.reorder_window_us);
  fp.set_sim_start_us(wall ? options_.sim_start_us : 0);
  fp.set_enterprise_actions(options_.enterprise_actions == EnterpriseActions::kHttp ? "http" : "simulated");
  // Replay applies a submission from its metadata and position alone: its
  // payload stays in the journal (ReadSubmission fetches it when asked).
  JournalOptions journal_options = options_.journal;
  journal_options.replay_payloads = false;
  Status s = Journal::Open(env_, journal_options, fp, log_, &journal_);
  if (!s.ok()) return s;
  // Every append is answered per group commit (OnDurable), not per record.
  journal_->SetGroupCallback([this](uint64_t last_seq, const Status& status) { OnDurable(last_seq, status); });

  sim_start_ = options_.sim_start_us;
  if (options_.clock == ClockMode::kWall) sim_->AdvanceTo(options_.sim_start_us);
  Status replay_status;
  // During replay only the reading thread touches index_ (PrepareRecord) and
  // only this one the store and the simulation; ReplayPrepared returns after
  // the reading thread is done.
  std::vector<std::pair<uint32_t, uint64_t>> index_batch;
  s = journal_->ReplayPrepared(
      [this, &index_batch](const JournalRecord& record, JournalPosition) { PrepareRecord(record, &index_batch); },
      [this, &replay_status](const JournalRecord& record, JournalPosition position) {
        if (replay_status.ok()) replay_status = ReplayRecord(record, position);
      });
  index_.InsertKeys(index_batch.data(), index_batch.size());
  if (s.ok()) s = replay_status;
  if (!s.ok()) {
    journal_->Close();
    journal_.reset();
    return s;
  }
  last_seq_ = journal_->last_sequence();
  if (options_.clock == ClockMode::kWall) {
    wall_.emplace(env_, std::max(options_.sim_start_us, last_assigned_), options_.speed);
  }
  started_ = true;
  ready_.store(journal_->healthy(), std::memory_order_release);
  CatchUpLocked();
  if (log_ != nullptr) {
    log_->info("service ready: {} journal records replayed, {} dossiers, simulated time {}", last_seq_, dossiers_,
               sim_->now() == std::numeric_limits<int64_t>::min() ? "not started" : FormatInstant(sim_->now()));
  }
  return Status::OK();
}

Status NswService::Impl::ReplayRecord(const JournalRecord& record, JournalPosition position) {
  if (record.sequence() != last_seq_ + 1) {
    return Status::Corruption("journal record " + std::to_string(record.sequence()) + " follows " +
                              std::to_string(last_seq_));
  }
  last_seq_ = record.sequence();
  const int64_t t = record.sim_time_us();
  const bool trace = options_.clock == ClockMode::kTrace;
  switch (record.body_case()) {
    case JournalRecord::kSubmission: {
      const SubmissionRecord& sub = record.submission();
      uint64_t tax = 0;
      const int procedure = catalog_.procedure_index(sub.procedure());
      if (!ParseTaxCode(sub.enterprise(), &tax) || procedure < 0 || sub.dossier_id() == 0 ||
          sub.dossier_id() <= store_.size() || sub.dossier_id() > 0xffffffffULL) {
        return Status::Corruption("journal record " + std::to_string(record.sequence()) +
                                  ": bad submission (dossier " + std::to_string(sub.dossier_id()) + ", enterprise '" +
                                  sub.enterprise() + "', procedure '" + sub.procedure() + "')");
      }
      if (trace) {
        CatchUpLocked();  // the live sequencer saw the simulation no further than this
        trace_.Replayed(t);
      } else {
        sim_->AdvanceTo(t);
      }
      if (t < sim_->now()) {
        return Status::Corruption("journal record " + std::to_string(record.sequence()) +
                                  " is dated before the simulation it follows");
      }
      while (store_.size() + 1 < sub.dossier_id()) {  // ids lost to a failed write: invisible holes
        DossierRecord hole;
        hole.flags = kFlagFailed;
        store_.Add(hole);
      }
      DossierRecord r;
      r.submitted_at = t;
      r.key = DossierKey(tax, sub.client_ref());
      r.journal_pos = position;
      r.enterprise = store_.InternEnterprise(tax);
      r.procedure = static_cast<uint16_t>(procedure);
      if (sub.late()) r.flags |= kFlagLate;
      const uint32_t d = store_.Add(r);  // PrepareRecord has indexed it
      sim_->Schedule(d);
      ++dossiers_;
      if (sub.late()) ++late_arrivals_;
      break;
    }
    case JournalRecord::kAction: {
      const uint64_t id = record.action().dossier_id();
      if (id == 0 || id > store_.size() || store_.at(static_cast<uint32_t>(id - 1)).has(kFlagFailed) ||
          t < sim_->now()) {
        return Status::Corruption("journal record " + std::to_string(record.sequence()) + ": bad action on dossier " +
                                  std::to_string(id));
      }
      sim_->Act(static_cast<uint32_t>(id - 1), record.action().kind(), t);
      break;
    }
    case JournalRecord::kClock:
      if (trace) {
        trace_.AdvanceTo(record.clock().advance_to_us());
        CatchUpLocked();
      } else {
        sim_->AdvanceTo(record.clock().advance_to_us());
      }
      break;
    default:
      return Status::Corruption("journal record " + std::to_string(record.sequence()) + " has no body");
  }
  last_assigned_ = std::max(last_assigned_, t);
  return Status::OK();
}

void NswService::Impl::PrepareRecord(const JournalRecord& record,
                                     std::vector<std::pair<uint32_t, uint64_t>>* batch) {
  constexpr size_t kIndexBatch = 64;
  if (record.body_case() != JournalRecord::kSubmission) return;
  const SubmissionRecord& sub = record.submission();
  uint64_t tax = 0;
  // What ReplayRecord would refuse is left out; the restart fails anyway.
  if (!ParseTaxCode(sub.enterprise(), &tax) || sub.dossier_id() == 0 || sub.dossier_id() > 0xffffffffULL) return;
  batch->emplace_back(static_cast<uint32_t>(sub.dossier_id() - 1), DossierKey(tax, sub.client_ref()));
  if (batch->size() == kIndexBatch) {
    index_.InsertKeys(batch->data(), batch->size());
    batch->clear();
  }
}

void NswService::Impl::Stop() {
  Replies replies;
  uint64_t final_seq = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
    ready_.store(false, std::memory_order_release);
    // In wall mode, journal where the clock stands so a restart resumes here
    // rather than at the last input.
    if (wall_ && !failed_ && journal_->healthy()) {
      const int64_t now = wall_->Now();
      if (now > last_assigned_) {
        JournalRecord record;
        record.set_sequence(last_seq_ + 1);
        record.set_sim_time_us(now);
        record.mutable_clock()->set_advance_to_us(now);
        Pending p;
        p.kind = Pending::Kind::kClock;
        p.seq = record.sequence();
        p.time = p.floor = now;
        pending_.push_back(std::move(p));
        last_seq_ = record.sequence();
        last_assigned_ = now;
        JournalPosition position = 0;
        AppendLocked(record, &position, &replies);
      }
    }
    final_seq = last_seq_;
  }
  replies.Run();
  // Outside the mutex: Close() runs the remaining durable callbacks, which lock it.
  journal_->Close();
  if (log_ != nullptr) log_->info("service stopped at sequence {}", final_seq);
}

// ------------------------------------------------------------------ sequencing

Status NswService::Impl::AppendLocked(const JournalRecord& record, JournalPosition* position, Replies* replies) {
  const uint64_t seq = record.sequence();
  appending_thread_.store(std::this_thread::get_id(), std::memory_order_release);
  Status s = journal_->Append(record, position, nullptr);
  appending_thread_.store(std::thread::id(), std::memory_order_release);
  // Completions that arrived inline (durability none) are handled here, where
  // the mutex is already held.
  std::vector<std::pair<uint64_t, Status>> inline_done;
  inline_done.swap(inline_completions_);
  for (auto& [done_seq, status] : inline_done) CompletedThroughLocked(done_seq, status, replies);
  if (!s.ok()) {
    MarkFailedLocked(s);
    CompletedLocked(seq, s, replies);  // a no-op if the callback already said so
  }
  return s;
}

void NswService::Impl::OnDurable(uint64_t last_seq, const Status& status) {
  if (appending_thread_.load(std::memory_order_acquire) == std::this_thread::get_id()) {
    inline_completions_.emplace_back(last_seq, status);  // our caller holds mu_
    return;
  }
  Replies replies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    CompletedThroughLocked(last_seq, status, &replies);
  }
  replies.Run();
}

void NswService::Impl::CompletedThroughLocked(uint64_t last_seq, const Status& status, Replies* replies) {
  for (Pending& p : pending_) {
    if (p.seq > last_seq) break;
    if (p.done) continue;
    p.done = true;
    p.status = status;
  }
  DrainLocked(replies);
}

void NswService::Impl::CompletedLocked(uint64_t seq, const Status& status, Replies* replies) {
  if (pending_.empty() || seq < pending_.front().seq) return;  // already handled
  const uint64_t offset = seq - pending_.front().seq;
  if (offset >= pending_.size()) return;
  Pending& p = pending_[offset];
  if (p.done) return;
  p.done = true;
  p.status = status;
  DrainLocked(replies);
}

void NswService::Impl::DrainLocked(Replies* replies) {
  while (!pending_.empty() && pending_.front().done) {
    // Off the list first, so the limit no longer counts it while it applies.
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    // Each record's own answer decides: the journal fails every record after
    // a failed one, and one it reports durable really is (replay will have it).
    if (p.status.ok()) {
      ApplyLocked(p, replies);
    } else {
      FailLocked(p, p.status, replies);
    }
  }
  CatchUpLocked();
}

void NswService::Impl::ApplyLocked(Pending& p, Replies* replies) {
  switch (p.kind) {
    case Pending::Kind::kSubmission: {
      DossierRecord& r = store_.at(p.dossier);
      r.clear(kFlagPending);
      sim_->Schedule(p.dossier);
      ++dossiers_;
      if (r.has(kFlagLate)) ++late_arrivals_;
      if (p.submit_done) replies->submitted.push_back({std::move(p.submit_done), true, p.dossier + 1, p.time});
      for (auto& retry : p.retries) replies->submitted.push_back({std::move(retry), false, p.dossier + 1, p.time});
      break;
    }
    case Pending::Kind::kAction: {
      const ActionVerdict verdict = sim_->Act(p.dossier, p.action, p.time);
      Result result = Ok();
      if (verdict == ActionVerdict::kIllegal) {
        result = Failure(Outcome::kConflict, "illegal_transition",
                       std::string("cannot ") + ActionName(p.action) + " a dossier in state " +
                           DossierState_Name(store_.at(p.dossier).dossier_state()));
      }
      if (p.action_done) replies->push_back(ActionReply(std::move(result), p.dossier, std::move(p.action_done)));
      break;
    }
    case Pending::Kind::kClock: {
      if (options_.clock == ClockMode::kWall) sim_->AdvanceTo(p.time);  // trace: CatchUp reaches the new floor
      CatchUpLocked();
      if (p.clock_done) {
        ClockReply reply;
        reply.set_sim_time_us(p.time);
        reply.set_clock(ClockName(options_.clock));
        if (wall_) {
          reply.set_paused(wall_->paused());
          reply.set_speed(wall_->speed());
        }
        reply.set_watermark_us(sim_->now());
        replies->push_back([done = std::move(p.clock_done), reply] { done(Ok(), reply); });
      }
      break;
    }
  }
}

void NswService::Impl::FailLocked(Pending& p, const Status& status, Replies* replies) {
  MarkFailedLocked(status);
  const Result result = Failure(Outcome::kUnavailable, "journal_failed", "the journal could not make this durable: " +
                                                                           status.message());
  switch (p.kind) {
    case Pending::Kind::kSubmission: {
      DossierRecord& r = store_.at(p.dossier);
      r.clear(kFlagPending);
      r.set(kFlagFailed);
      if (p.submit_done) replies->push_back([done = std::move(p.submit_done), result] { done(result, SubmitReply()); });
      for (auto& retry : p.retries) replies->push_back([done = std::move(retry), result] { done(result, SubmitReply()); });
      break;
    }
    case Pending::Kind::kAction:
      if (p.action_done) replies->push_back([done = std::move(p.action_done), result] { done(result, Dossier()); });
      break;
    case Pending::Kind::kClock:
      if (p.clock_done) replies->push_back([done = std::move(p.clock_done), result] { done(result, ClockReply()); });
      break;
  }
}

void NswService::Impl::MarkFailedLocked(const Status& status) {
  if (!failed_ && log_ != nullptr) log_->error("journal failed; refusing new input: {}", status.ToString());
  failed_ = true;
  ready_.store(false, std::memory_order_release);
}

int64_t NswService::Impl::LimitLocked() {
  int64_t limit = options_.clock == ClockMode::kWall ? (wall_ ? wall_->Now() : sim_->now()) : trace_.watermark();
  if (!pending_.empty()) limit = std::min(limit, pending_.front().floor);
  return limit;
}

void NswService::Impl::CatchUpLocked() {
  const int64_t limit = LimitLocked();
  if (limit != TraceClock::kNone && limit > sim_->now()) sim_->AdvanceTo(limit);
}

int64_t NswService::Impl::NextWallInstantLocked() {
  const int64_t now = wall_->Now();
  last_assigned_ = last_assigned_ == std::numeric_limits<int64_t>::min() ? now : std::max(now, last_assigned_ + 1);
  return last_assigned_;
}

// ------------------------------------------------------------------ submit

void NswService::Impl::Submit(std::string_view enterprise, const SubmitRequest& request, std::string* payload,
                              SubmitCallback done) {
  Replies replies;
  bool answered = false;  // `done` has been moved into a reply or a waiting list
  auto answer = [&replies, &done, &answered](Result result) {
    replies.push_back([done = std::move(done), result = std::move(result)] { done(result, SubmitReply()); });
    answered = true;
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t tax = 0;
    const int procedure = catalog_.procedure_index(request.procedure());
    if (!ready()) {
      answer(Failure(Outcome::kUnavailable, failed_ ? "journal_failed" : "not_ready",
                   failed_ ? "the journal failed; no input is accepted" : "the service is not accepting input"));
    } else if (!ParseTaxCode(enterprise, &tax)) {
      answer(Failure(Outcome::kInvalid, "bad_enterprise", "the enterprise must be a 10-digit tax code"));
    } else if (procedure < 0) {
      answer(Failure(Outcome::kInvalid, "unknown_procedure", "unknown procedure '" + request.procedure() + "'"));
    } else if (request.client_ref().empty() || request.client_ref().size() > 64) {
      answer(Failure(Outcome::kInvalid, "bad_client_ref", "client_ref must be 1 to 64 bytes"));
    } else if (options_.clock == ClockMode::kTrace &&
               (request.submitted_at_us() <= 0 || request.submitted_at_us() >= kMaxTimestamp)) {
      answer(Failure(Outcome::kInvalid, request.submitted_at_us() == 0 ? "missing_timestamp" : "bad_timestamp",
                   "trace clock mode needs submitted_at_us, a positive instant in microseconds"));
    } else {
      const uint64_t key = DossierKey(tax, request.client_ref());
      const int64_t enterprise_index = store_.FindEnterprise(tax);
      // Idempotency: the same reference again.
      std::vector<uint32_t> candidates;
      if (enterprise_index >= 0) index_.Find(static_cast<uint32_t>(enterprise_index), key, &candidates);
      for (uint32_t d : candidates) {
        const DossierRecord& r = store_.at(d);
        if (r.has(kFlagFailed)) continue;
        JournalRecord first;
        Status s = journal_->Read(r.journal_pos, &first);
        if (!s.ok()) {
          answer(Failure(Outcome::kUnavailable, "journal_read_failed", s.message()));
          break;
        }
        const SubmissionRecord& sub = first.submission();
        if (sub.client_ref() != request.client_ref()) continue;
        if (sub.procedure() != request.procedure() || sub.payload() != request.payload()) {
          answer(Failure(Outcome::kConflict, "client_ref_reused",
                       "client_ref '" + request.client_ref() + "' was used for another submission (dossier " +
                           std::to_string(d + 1) + ")"));
          break;
        }
        if (r.has(kFlagPending)) {
          for (Pending& p : pending_) {
            if (p.kind == Pending::Kind::kSubmission && p.dossier == d) {
              p.retries.push_back(std::move(done));
              answered = true;
              break;
            }
          }
        } else {
          SubmitReply reply;
          reply.set_dossier_id(d + 1);
          reply.set_state(r.dossier_state());
          reply.set_accepted_at_us(r.submitted_at);
          replies.push_back([done = std::move(done), reply] { done(Ok(), reply); });
          answered = true;
        }
        break;
      }
      if (!answered) {  // a new submission
        int64_t t = 0, floor = 0;
        bool late = false;
        bool refused = false;
        if (options_.clock == ClockMode::kWall) {
          t = floor = NextWallInstantLocked();
        } else {
          floor = trace_.watermark();
          const TraceClock::Admission a = trace_.Admit(request.submitted_at_us(), &t);
          refused = a == TraceClock::Admission::kRefused;
          late = a == TraceClock::Admission::kLate;
          if (floor == TraceClock::kNone) floor = t;
        }
        if (refused) {
          ++refused_future_;
          answer(Failure(Outcome::kInvalid, "timestamp_too_far_ahead",
                       "submitted_at_us is more than max-jump past the latest submission"));
        } else {
          DossierRecord r;
          r.submitted_at = t;
          r.key = key;
          r.enterprise = store_.InternEnterprise(tax);
          r.procedure = static_cast<uint16_t>(procedure);
          r.flags = kFlagPending | (late ? kFlagLate : 0);
          const uint32_t d = store_.Add(r);
          index_.Insert(d);
          // The record lives only until the journal has serialized it: on
          // an arena whose first block is on the stack, its fields are not
          // separate heap objects, and a moved payload keeps its buffer.
          alignas(std::max_align_t) char first_block[kRecordArenaBytes];
          google::protobuf::ArenaOptions arena_options;
          arena_options.initial_block = first_block;
          arena_options.initial_block_size = sizeof first_block;
          google::protobuf::Arena arena(arena_options);
          JournalRecord& record = *google::protobuf::Arena::CreateMessage<JournalRecord>(&arena);
          record.set_sequence(++last_seq_);
          record.set_sim_time_us(t);
          SubmissionRecord* sub = record.mutable_submission();
          sub->set_dossier_id(d + 1);
          sub->set_enterprise(enterprise.data(), enterprise.size());
          sub->set_procedure(request.procedure());
          sub->set_client_ref(request.client_ref());
          if (payload != nullptr) {
            sub->set_payload(std::move(*payload));
          } else {
            sub->set_payload(request.payload());
          }
          sub->set_late(late);
          Pending p;
          p.kind = Pending::Kind::kSubmission;
          p.seq = record.sequence();
          p.time = t;
          p.floor = floor;
          p.dossier = d;
          p.submit_done = std::move(done);
          pending_.push_back(std::move(p));
          // The journal writes the position straight into the record, before
          // any inline completion applies it.
          AppendLocked(record, &store_.at(d).journal_pos, &replies);
        }
      }
    }
    if (ready()) CatchUpLocked();
  }
  replies.Run();
}

// ------------------------------------------------------------------ queries

bool NswService::Impl::OwnedLocked(std::string_view enterprise, uint64_t id, uint32_t* dossier) {
  uint64_t tax = 0;
  if (!ParseTaxCode(enterprise, &tax) || id == 0 || id > store_.size()) return false;
  const int64_t e = store_.FindEnterprise(tax);
  const DossierRecord& r = store_.at(static_cast<uint32_t>(id - 1));
  if (e < 0 || r.enterprise != static_cast<uint32_t>(e) || r.has(kFlagPending) || r.has(kFlagFailed)) return false;
  *dossier = static_cast<uint32_t>(id - 1);
  return true;
}

void NswService::Impl::FillLocked(uint32_t d, Dossier* out) {
  const DossierRecord& r = store_.at(d);
  const ProcedureModel& pm = model_.procedures()[r.procedure];
  const WorkingCalendar& calendar = model_.ministries()[pm.ministry].calendar;
  const DossierState state = r.dossier_state();
  out->Clear();
  out->set_id(d + 1);
  out->set_enterprise(FormatTaxCode(store_.tax_code(r.enterprise)));
  out->set_procedure(catalog_.procedure(r.procedure).code());
  out->set_ministry(catalog_.ministry(pm.ministry).code());
  out->set_state(state);
  std::vector<Transition> timeline;
  store_.Timeline(d, &timeline);
  for (const Transition& t : timeline) *out->add_timeline() = t;
  out->set_submitted_at_us(r.submitted_at);
  const int64_t now = sim_->now();
  bool breached = r.has(kFlagBreached);
  if (state != SUBMITTED && r.deadline_w != kNoDeadline) {
    if (r.has(kFlagDeadlineStopped)) {
      breached = breached || (!IsTerminal(state) && r.deadline_w < 0);  // overdue before the clock stopped
    } else {
      out->set_deadline_us(calendar.InstantOfCoordinate(r.deadline_w));
      breached = breached || (!IsTerminal(state) && calendar.WorkingCoordinate(now) > r.deadline_w);
    }
  }
  out->set_deadline_breached(breached);
  if (IsDecision(state)) out->set_decided_at_us(r.last_at);
  out->set_sim_now_us(now);
}

void NswService::Impl::FillFromSubmission(const SubmissionRecord& s, Dossier* out) {
  out->set_client_ref(s.client_ref());
  out->set_payload_bytes(static_cast<uint32_t>(s.payload().size()));
}

Result NswService::Impl::ReadSubmission(JournalPosition position, SubmissionRecord* out) {
  JournalRecord record;
  Status s = journal_->Read(position, &record);
  if (!s.ok()) return Failure(Outcome::kUnavailable, "journal_read_failed", s.message());
  if (!record.has_submission()) {
    return Failure(Outcome::kUnavailable, "journal_read_failed", "journal position holds no submission");
  }
  out->Swap(record.mutable_submission());
  return Ok();
}

Result NswService::Impl::GetDossier(std::string_view enterprise, uint64_t id, Dossier* out) {
  JournalPosition position = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return Failure(Outcome::kUnavailable, "not_ready", "the service is not running");
    uint32_t d = 0;
    if (!OwnedLocked(enterprise, id, &d)) return Failure(Outcome::kNotFound, "not_found", "no such dossier");
    CatchUpLocked();
    FillLocked(d, out);
    position = store_.at(d).journal_pos;
  }
  SubmissionRecord sub;  // read outside the mutex: the position is stable forever
  Result r = ReadSubmission(position, &sub);
  if (!r.ok()) return r;
  FillFromSubmission(sub, out);
  return Ok();
}

Result NswService::Impl::FindDossier(std::string_view enterprise, std::string_view client_ref, Dossier* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_ || stopping_) return Failure(Outcome::kUnavailable, "not_ready", "the service is not running");
  uint64_t tax = 0;
  if (!ParseTaxCode(enterprise, &tax)) return Failure(Outcome::kNotFound, "not_found", "no such dossier");
  const int64_t e = store_.FindEnterprise(tax);
  if (e < 0) return Failure(Outcome::kNotFound, "not_found", "no such dossier");
  std::vector<uint32_t> candidates;
  index_.Find(static_cast<uint32_t>(e), DossierKey(tax, client_ref), &candidates);
  for (uint32_t d : candidates) {
    const DossierRecord& r = store_.at(d);
    if (r.has(kFlagPending) || r.has(kFlagFailed)) continue;
    SubmissionRecord sub;
    Result result = ReadSubmission(r.journal_pos, &sub);
    if (!result.ok()) return result;
    if (sub.client_ref() != client_ref) continue;
    CatchUpLocked();
    FillLocked(d, out);
    FillFromSubmission(sub, out);
    return Ok();
  }
  return Failure(Outcome::kNotFound, "not_found", "no such dossier");
}

std::function<void()> NswService::Impl::ActionReply(Result result, uint32_t d, DossierCallback done) {
  Dossier dossier;
  FillLocked(d, &dossier);
  const JournalPosition position = store_.at(d).journal_pos;
  return [this, result = std::move(result), dossier = std::move(dossier), position, done = std::move(done)]() mutable {
    SubmissionRecord sub;
    Result read = ReadSubmission(position, &sub);
    if (!read.ok()) {
      done(read, Dossier());
      return;
    }
    FillFromSubmission(sub, &dossier);
    done(result, dossier);
  };
}

void NswService::Impl::Act(std::string_view enterprise, uint64_t id, EnterpriseAction action, DossierCallback done) {
  Replies replies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const ActionRecord::Kind kind = ToRecordKind(action);
    uint32_t d = 0;
    if (!ready()) {
      const Result r = Failure(Outcome::kUnavailable, failed_ ? "journal_failed" : "not_ready",
                             "the service is not accepting input");
      replies.push_back([done = std::move(done), r] { done(r, Dossier()); });
    } else if (!OwnedLocked(enterprise, id, &d)) {
      const Result r = Failure(Outcome::kNotFound, "not_found", "no such dossier");
      replies.push_back([done = std::move(done), r] { done(r, Dossier()); });
    } else if (options_.enterprise_actions != EnterpriseActions::kHttp) {
      const Result r = Failure(Outcome::kConflict, "actions_simulated",
                             "this server simulates the enterprises' payments, supplements and withdrawals");
      replies.push_back([done = std::move(done), r] { done(r, Dossier()); });
    } else {
      CatchUpLocked();
      const DossierRecord& r = store_.at(d);
      const DossierState state = r.dossier_state();
      const ActionVerdict now = JudgeAction(kind, state, ActionHistory{r.has(kFlagFeePaid), r.has(kFlagSupplemented)});
      // Answers that no later event can change need no journal record: a
      // terminal state, or a payment already made or never due.
      const bool settled = IsTerminal(state) ||
                           (kind == ActionRecord::PAY && (r.has(kFlagFeePaid) || !model_.procedures()[r.procedure].has_fee));
      if (settled) {
        Result result = Ok();
        if (now == ActionVerdict::kIllegal) {
          result = Failure(Outcome::kConflict, "illegal_transition",
                         std::string("cannot ") + ActionName(kind) + " a dossier in state " + DossierState_Name(state));
        }
        replies.push_back(ActionReply(std::move(result), d, std::move(done)));
      } else {
        JournalRecord record;
        record.set_sequence(++last_seq_);
        const int64_t t = NextWallInstantLocked();
        record.set_sim_time_us(t);
        record.mutable_action()->set_dossier_id(d + 1);
        record.mutable_action()->set_kind(kind);
        Pending p;
        p.kind = Pending::Kind::kAction;
        p.seq = record.sequence();
        p.time = p.floor = t;
        p.dossier = d;
        p.action = kind;
        p.action_done = std::move(done);
        pending_.push_back(std::move(p));
        JournalPosition position = 0;
        AppendLocked(record, &position, &replies);
      }
    }
  }
  replies.Run();
}

void NswService::Impl::GetStats(Stats* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->Clear();
  if (!sim_) return;
  if (started_) CatchUpLocked();
  sim_->FillStats(out);
  if (sim_->now() == std::numeric_limits<int64_t>::min()) out->set_sim_time_us(0);  // trace mode, nothing yet
  out->set_sim_start_us(sim_start_);
  out->set_clock(ClockName(options_.clock));
  if (options_.clock == ClockMode::kTrace) out->set_reorder_window_us(options_.reorder_window_us);
  out->set_dossiers(dossiers_);
  out->set_late_arrivals(late_arrivals_);
  out->set_refused_future(refused_future_);
}

NswService::Counters NswService::Impl::counters() {
  std::lock_guard<std::mutex> lock(mu_);
  NswService::Counters c;
  if (journal_ != nullptr) c.journal = journal_->counters();
  c.dossiers = dossiers_;
  c.pending_records = pending_.size();
  if (sim_) {
    c.events_processed = sim_->events_processed();
    c.sim_time_us = sim_->now() == std::numeric_limits<int64_t>::min() ? 0 : sim_->now();
  }
  return c;
}

void NswService::Impl::Clock(const ClockRequest& request,
                             std::function<void(const Result&, const ClockReply&)> done) {
  Replies replies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto reply_now = [&](Result result) {
      ClockReply reply;
      reply.set_clock(ClockName(options_.clock));
      if (wall_) {
        reply.set_sim_time_us(wall_->Now());
        reply.set_paused(wall_->paused());
        reply.set_speed(wall_->speed());
      } else {
        reply.set_sim_time_us(trace_.latest() == TraceClock::kNone ? 0 : trace_.latest());
      }
      reply.set_watermark_us(sim_->now() == std::numeric_limits<int64_t>::min() ? 0 : sim_->now());
      replies.push_back([done = std::move(done), result = std::move(result), reply] { done(result, reply); });
    };
    const bool wall = options_.clock == ClockMode::kWall;
    if (!ready()) {
      reply_now(Failure(Outcome::kUnavailable, failed_ ? "journal_failed" : "not_ready", "the service is not running"));
    } else if (request.action() == ClockRequest::ADVANCE) {
      int64_t target = 0;
      bool valid = true;
      if (wall) {
        const int64_t now = wall_->Now();
        target = request.to_us() != 0 ? request.to_us() : now + request.by_us();
        valid = target >= now && request.by_us() >= 0;
      } else {
        const int64_t latest = trace_.latest();
        if (request.to_us() != 0) {
          target = latest == TraceClock::kNone ? request.to_us() : std::max(latest, request.to_us());
        } else {
          valid = latest != TraceClock::kNone && request.by_us() >= 0;
          target = valid ? latest + request.by_us() : 0;
        }
      }
      valid = valid && target > 0 && target < kMaxTimestamp;
      if (!valid) {
        reply_now(Failure(Outcome::kInvalid, "bad_clock_request",
                        wall ? "advance needs to_us at or after the current simulated time, or by_us >= 0"
                             : "advance needs to_us, or by_us >= 0 after the first submission"));
      } else {
        // Every record sequenced after this one is placed at or after target.
        if (wall) {
          wall_->JumpTo(target);
          last_assigned_ = std::max(last_assigned_, target);
        } else {
          trace_.AdvanceTo(target);
        }
        JournalRecord record;
        record.set_sequence(++last_seq_);
        record.set_sim_time_us(target);
        record.mutable_clock()->set_advance_to_us(target);
        Pending p;
        p.kind = Pending::Kind::kClock;
        p.seq = record.sequence();
        p.time = p.floor = target;
        p.clock_done = std::move(done);
        pending_.push_back(std::move(p));
        JournalPosition position = 0;
        AppendLocked(record, &position, &replies);
      }
    } else if (!wall) {
      reply_now(Failure(Outcome::kInvalid, "bad_clock_request",
                      "the trace clock follows the submissions: only ADVANCE applies"));
    } else if (request.action() == ClockRequest::PAUSE) {
      wall_->Pause();
      reply_now(Ok());
    } else if (request.action() == ClockRequest::RESUME) {
      wall_->Resume();
      reply_now(Ok());
    } else if (request.action() == ClockRequest::SPEED) {
      if (!(request.speed() > 0 && std::isfinite(request.speed()))) {
        reply_now(Failure(Outcome::kInvalid, "bad_clock_request", "speed must be a positive number"));
      } else {
        wall_->SetSpeed(request.speed());
        reply_now(Ok());
      }
    } else {
      reply_now(Failure(Outcome::kInvalid, "bad_clock_request", "unknown clock action"));
    }
    if (ready()) CatchUpLocked();
  }
  replies.Run();
}

// ------------------------------------------------------------------ NswService

NswService::NswService(const Catalog& catalog, const ServiceOptions& options, Env* env, spdlog::logger* log)
    : impl_(std::make_unique<Impl>(catalog, options, env, log)) {}
NswService::~NswService() = default;
Status NswService::Start() { return impl_->Start(); }
void NswService::Stop() { impl_->Stop(); }
bool NswService::ready() const { return impl_->ready(); }
void NswService::Submit(std::string_view enterprise, const SubmitRequest& request, SubmitCallback done) {
  impl_->Submit(enterprise, request, nullptr, std::move(done));
}

void NswService::Submit(std::string_view enterprise, SubmitRequest&& request, SubmitCallback done) {
  impl_->Submit(enterprise, request, request.mutable_payload(), std::move(done));
}
Result NswService::GetDossier(std::string_view enterprise, uint64_t id, Dossier* out) {
  return impl_->GetDossier(enterprise, id, out);
}
Result NswService::FindDossier(std::string_view enterprise, std::string_view client_ref, Dossier* out) {
  return impl_->FindDossier(enterprise, client_ref, out);
}
void NswService::Act(std::string_view enterprise, uint64_t id, EnterpriseAction action, DossierCallback done) {
  impl_->Act(enterprise, id, action, std::move(done));
}
void NswService::GetStats(Stats* out) { impl_->GetStats(out); }
NswService::Counters NswService::counters() { return impl_->counters(); }
void NswService::Clock(const ClockRequest& request, std::function<void(const Result&, const ClockReply&)> done) {
  impl_->Clock(request, std::move(done));
}
const Catalog& NswService::catalog() const { return impl_->catalog(); }
const ServiceOptions& NswService::options() const { return impl_->options(); }

}  // namespace nsw
