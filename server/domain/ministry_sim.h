// MinistrySim: the discrete-event simulation of one ministry: its officers,
// its waiting line (FIFO or EDF), its events and the statistics of each of
// its procedures. Ministries never interact, so each
// advances on its own; Simulation (simulation.h) fans calls out to them.
//
// Time: Advance(t) processes every event with time < t in (time, priority,
// enterprise, reference) order. Officers take a dossier only at a working
// instant of the ministry's calendar; a review of S working microseconds
// started at t ends at AddWorkingTime(t, S), pausing outside office hours.
// When work waits for the office to open, one wake-up event is scheduled at
// the next working instant.
//
// Deadlines are points on the calendar's working-time axis (see calendar.h):
// set at RECEIVED to W(received) + deadline; while the enterprise must act
// (FEE_NOTIFIED until FEE_PAID, SUPPLEMENT_REQUESTED until the supplement)
// the record holds the remaining working time instead, so the clock stops.
// A dossier breaches its deadline when it is decided (APPROVED or REJECTED)
// strictly after it; withdrawals never breach.
//
// REQUIRES: every event is scheduled at or after the instant the ministry has
// already processed (the service's sequencer guarantees it); then the order
// in which events are processed, and so every result, does not depend on how
// the calls to Advance are spaced. Not thread-safe.
#ifndef NSW_SERVER_DOMAIN_MINISTRY_SIM_H_
#define NSW_SERVER_DOMAIN_MINISTRY_SIM_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "proto/journal.pb.h"
#include "server/domain/dossier_store.h"
#include "server/domain/event_queue.h"
#include "server/domain/group_stats.h"
#include "server/domain/lifecycle.h"
#include "server/domain/sim_model.h"

namespace nsw {

// Histogram precision of the statistics. Only procedures are accumulated;
// ministries and the total are merged from them on demand (exactly: same
// layout), which halves the work per event. Two significant digits keep the
// memory of 198 procedures small.
constexpr int kProcedureDigits = 2;

class MinistrySim {
 public:
  static constexpr int64_t kNoWake = std::numeric_limits<int64_t>::min();

  // `procedure_groups` holds one accumulator per catalog procedure; this
  // ministry updates only its own procedures' entries.
  MinistrySim(int ministry, const SimModel* model, uint64_t seed, bool simulated_enterprise,
              DossierStore* store, std::vector<GroupAccumulator>* procedure_groups);
  MinistrySim(const MinistrySim&) = delete;
  MinistrySim& operator=(const MinistrySim&) = delete;

  // Schedules the dossier's arrival at its submitted_at; `r` is its record,
  // which the caller has already looked up.
  void Schedule(uint32_t dossier, const DossierRecord& r);
  // Processes every event with time < t.
  void Advance(int64_t t);
  // An enterprise follow-up at t: processes every event ordered before it
  // (as if it were an arrival-priority event of its dossier), then judges it
  // against the state at that point and applies it when legal.
  ActionVerdict Act(uint32_t dossier, ActionRecord::Kind action, int64_t t);

  uint32_t officers() const { return model_->ministries()[ministry_].officers; }
  uint64_t events_processed() const { return events_processed_; }
  size_t pending_events() const { return events_.size(); }

 private:
  void Process(const Event& e);
  // `r` is the dossier's record, whose key orders the event.
  void Push(int64_t time, EventKind kind, uint32_t dossier, const DossierRecord& r);
  void PushWake(int64_t time);
  void Arrive(uint32_t d, int64_t t);
  // `implied`: QUEUED at the same instant as the transition before it, which
  // the timeline leaves implicit.
  // Enqueue and StartReview are forced inline (into Arrive, Pay, Supplement
  // and Dispatch's loop): as calls, each paid a prologue saving six
  // registers, about once per lifecycle each.
  [[gnu::always_inline]] inline void Enqueue(uint32_t d, int64_t t, bool implied);
  // Starts reviews while an officer is free and work waits. Half the calls
  // find neither: they return here, without the loop's call and prologue.
  void Dispatch(int64_t t) {
    if (busy_ < ministry_model_.officers && queued_ > 0) DispatchLoop(t);
  }
  void DispatchLoop(int64_t t);
  [[gnu::always_inline]] inline void StartReview(uint32_t d, int64_t t);
  void EndReview(uint32_t d, int64_t t, EventKind outcome);
  void Pay(uint32_t d, int64_t t);
  void Supplement(uint32_t d, int64_t t);
  void Withdraw(uint32_t d, int64_t t);
  void StopDeadline(DossierRecord& r, int64_t t);
  void ResumeDeadline(DossierRecord& r, int64_t t);
  GroupAccumulator& procedure_group(const DossierRecord& r) { return (*procedure_groups_)[r.procedure]; }
  void Prefetch(uint32_t dossier) const { __builtin_prefetch(&store_->at(dossier)); }
  DossierRandom RandomOf(const DossierRecord& r) const {
    return DossierRandom(seed_, r.key);
  }

  const int ministry_;
  const SimModel* model_;
  const MinistryModel& ministry_model_;
  const WorkingCalendar& calendar_;
  const uint64_t seed_;
  const bool simulated_enterprise_;
  DossierStore* store_;
  std::vector<GroupAccumulator>* procedure_groups_;

  EventQueue events_;
  DossierRing fifo_;
  EdfHeap edf_;
  int64_t queued_ = 0;  // live entries; the lines also hold withdrawn ones, skipped on pop
  uint32_t busy_ = 0;
  int64_t wake_at_ = kNoWake;  // the pending wake-up
  uint64_t events_processed_ = 0;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_MINISTRY_SIM_H_
