// MinistrySim: event handlers of the lifecycle (see ministry_sim.h).
#include "server/domain/ministry_sim.h"

#include <cassert>

namespace nsw {

MinistrySim::MinistrySim(int ministry, const SimModel* model, uint64_t seed, bool simulated_enterprise,
                         DossierStore* store, std::vector<GroupAccumulator>* procedure_groups)
    : ministry_(ministry),
      model_(model),
      ministry_model_(model->ministries()[ministry]),
      calendar_(ministry_model_.calendar),
      seed_(seed),
      simulated_enterprise_(simulated_enterprise),
      store_(store),
      procedure_groups_(procedure_groups),
      events_(store),
      edf_(store) {}

void MinistrySim::Push(int64_t time, EventKind kind, uint32_t dossier, const DossierRecord& r) {
  events_.Push(time, PackOrder(PriorityOf(kind), r.key), dossier, kind);
}

void MinistrySim::PushWake(int64_t time) {
  events_.Push(time, PackOrder(kPriorityWake, 0), kNoDossier, EventKind::kWake);
}

void MinistrySim::Schedule(uint32_t dossier, const DossierRecord& r) {
  events_.PushArrival(r.submitted_at, PackOrder(kPriorityArrival, r.key), dossier);
}

void MinistrySim::Advance(int64_t t) {
  Event e;
  while (events_.PopBefore(t, &e)) {
    // Records are touched in no locality order: start loading the next
    // event's while this one is processed.
    events_.ForEachNextDossier([this](uint32_t d) {
      if (d != kNoDossier) Prefetch(d);
    });
    Process(e);
  }
}

ActionVerdict MinistrySim::Act(uint32_t dossier, ActionRecord::Kind action, int64_t t) {
  const DossierRecord& r = store_->at(dossier);
  const Event probe{t, PackOrder(kPriorityArrival, r.key), dossier,
                    EventKind::kArrive};
  // Everything up to and including the probe's place: an equal key can only
  // be this dossier's own arrival, which must come first.
  while (!events_.empty() && !events_.Less(probe, events_.top())) Process(events_.Pop());
  const ActionHistory history{r.has(kFlagFeePaid), r.has(kFlagSupplemented)};
  const ActionVerdict verdict = JudgeAction(action, r.dossier_state(), history);
  if (verdict != ActionVerdict::kApply) return verdict;
  switch (action) {
    case ActionRecord::PAY: Pay(dossier, t); break;
    case ActionRecord::SUPPLEMENT: Supplement(dossier, t); break;
    case ActionRecord::WITHDRAW: Withdraw(dossier, t); break;
    default: break;
  }
  return verdict;
}

void MinistrySim::Process(const Event& e) {
  ++events_processed_;
  switch (e.kind) {
    case EventKind::kArrive: Arrive(e.dossier, e.time); break;
    case EventKind::kPay: Pay(e.dossier, e.time); break;
    case EventKind::kSupplement: Supplement(e.dossier, e.time); break;
    case EventKind::kWithdraw: Withdraw(e.dossier, e.time); break;
    case EventKind::kWake:
      wake_at_ = kNoWake;
      Dispatch(e.time);
      break;
    default: EndReview(e.dossier, e.time, e.kind); break;
  }
}


void MinistrySim::StopDeadline(DossierRecord& r, int64_t t) {
  if (r.deadline_w == kNoDeadline || r.has(kFlagDeadlineStopped)) return;
  r.deadline_w -= calendar_.WorkingCoordinate(t);
  r.set(kFlagDeadlineStopped);
}

void MinistrySim::ResumeDeadline(DossierRecord& r, int64_t t) {
  if (!r.has(kFlagDeadlineStopped)) return;
  r.deadline_w += calendar_.WorkingCoordinate(t);
  r.clear(kFlagDeadlineStopped);
}

void MinistrySim::Arrive(uint32_t d, int64_t t) {
  DossierRecord& r = store_->at(d);
  const ProcedureModel& p = model_->procedures()[r.procedure];
  GroupAccumulator& g = procedure_group(r);
  ++g.arrivals;
  if (r.has(kFlagLate)) ++g.late_arrivals;
  if (t < g.first_arrival) g.first_arrival = t;
  g.open.Change(t, +1);
  store_->SetState(d, RECEIVED);  // RECEIVED, and FEE_NOTIFIED or QUEUED, are implied at submitted_at
  if (p.has_fee) r.set(kFlagHasFee);
  if (!p.has_fee) {
    r.deadline_w = p.deadline_working_us > 0 ? calendar_.WorkingCoordinate(t) + p.deadline_working_us : kNoDeadline;
    Enqueue(d, t, /*implied=*/true);
    return;
  }
  store_->SetState(d, FEE_NOTIFIED);
  // The deadline clock starts and stops at once: what StopDeadline would
  // leave, the whole deadline as remaining time, without two W(t).
  r.deadline_w = kNoDeadline;
  if (p.deadline_working_us > 0) {
    r.deadline_w = p.deadline_working_us;
    r.set(kFlagDeadlineStopped);
  }
  if (simulated_enterprise_) {
    const Uniforms u = RandomOf(r).Draw(RandomPurpose::kFee, 0);
    const int64_t delay = p.fee_delay.Sample(u.u[0], u.u[1]);
    Push(t + delay, u.u[2] < p.withdraw_probability ? EventKind::kWithdraw : EventKind::kPay, d, r);
  }
}

inline void MinistrySim::Enqueue(uint32_t d, int64_t t, bool implied) {
  DossierRecord& r = store_->at(d);
  if (implied) {
    store_->SetState(d, QUEUED);
  } else {
    store_->Transition(d, QUEUED, t);
  }
  procedure_group(r).queue.Change(t, +1);
  ++queued_;
  if (ministry_model_.edf) {
    edf_.Push(r.deadline_w, PackOrder(kPriorityArrival, r.key), d);
  } else {
    fifo_.Push(d);
  }
  Dispatch(t);
}

void MinistrySim::DispatchLoop(int64_t t) {
  do {
    if (!calendar_.IsWorking(t)) {
      const int64_t open = calendar_.NextWorkingInstant(t);
      if (wake_at_ != open) {
        wake_at_ = open;
        PushWake(open);
      }
      return;
    }
    uint32_t d;
    do {  // skip dossiers withdrawn while waiting
      d = ministry_model_.edf ? edf_.Pop() : fifo_.Pop();
    } while (store_->at(d).state != QUEUED);
    // The next in line waited long enough for its record to leave the cache.
    if (!fifo_.empty()) Prefetch(fifo_.front());
    if (!edf_.empty()) Prefetch(edf_.top());
    StartReview(d, t);
  } while (busy_ < ministry_model_.officers && queued_ > 0);
}

inline void MinistrySim::StartReview(uint32_t d, int64_t t) {
  DossierRecord& r = store_->at(d);
  const ProcedureModel& p = model_->procedures()[r.procedure];
  const int64_t wait = t - r.last_at;
  --queued_;
  ++busy_;
  GroupAccumulator& g = procedure_group(r);
  g.queue.Change(t, -1);
  g.busy.Change(t, +1);
  ++g.queue_visits;
  if (wait > 0) ++g.waited;
  g.wait.Record(wait);
  store_->Transition(d, IN_REVIEW, t);
  const uint32_t round = r.rounds;
  if (r.rounds < 255) ++r.rounds;
  const Uniforms u = RandomOf(r).Draw(RandomPurpose::kReview, round);
  const int64_t end = calendar_.AddWorkingTime(t, p.service.Sample(u.u[0], u.u[1]));
  EventKind outcome = EventKind::kReviewApprove;
  if (u.u[2] >= p.approve_below) {
    if (u.u[2] < p.reject_below) {
      outcome = EventKind::kReviewReject;
    } else {
      outcome = u.u[3] < p.withdraw_probability ? EventKind::kReviewSupplementWithdraw : EventKind::kReviewSupplement;
    }
  }
  Push(end, outcome, d, r);
}

void MinistrySim::EndReview(uint32_t d, int64_t t, EventKind outcome) {
  DossierRecord& r = store_->at(d);
  if (r.state != IN_REVIEW) return;  // withdrawn over HTTP during the review
  const ProcedureModel& p = model_->procedures()[r.procedure];
  GroupAccumulator& g = procedure_group(r);
  --busy_;
  g.busy.Change(t, -1);
  if (outcome == EventKind::kReviewApprove || outcome == EventKind::kReviewReject) {
    const bool approve = outcome == EventKind::kReviewApprove;
    store_->Transition(d, approve ? APPROVED : REJECTED, t);
    g.open.Change(t, -1);
    const bool breached = r.deadline_w != kNoDeadline && calendar_.WorkingCoordinate(t) > r.deadline_w;
    if (breached) r.set(kFlagBreached);
    ++(approve ? g.approved : g.rejected);
    if (breached) ++g.deadline_breaches;
    g.time_to_decision.Record(t - r.submitted_at);
  } else {
    store_->Transition(d, SUPPLEMENT_REQUESTED, t);
    ++g.supplements_requested;
    StopDeadline(r, t);
    if (simulated_enterprise_) {
      const Uniforms u = RandomOf(r).Draw(RandomPurpose::kSupplement, r.rounds);
      const int64_t delay = p.supplement_delay.Sample(u.u[0], u.u[1]);
      Push(t + delay, outcome == EventKind::kReviewSupplementWithdraw ? EventKind::kWithdraw : EventKind::kSupplement,
           d, r);
    }
  }
  Dispatch(t);
}

void MinistrySim::Pay(uint32_t d, int64_t t) {
  DossierRecord& r = store_->at(d);
  assert(r.state == FEE_NOTIFIED);
  store_->Transition(d, FEE_PAID, t);
  r.set(kFlagFeePaid);
  ResumeDeadline(r, t);
  Enqueue(d, t, /*implied=*/true);  // QUEUED at the payment instant
}

void MinistrySim::Supplement(uint32_t d, int64_t t) {
  DossierRecord& r = store_->at(d);
  assert(r.state == SUPPLEMENT_REQUESTED);
  r.set(kFlagSupplemented);
  ResumeDeadline(r, t);
  Enqueue(d, t, /*implied=*/false);
}

void MinistrySim::Withdraw(uint32_t d, int64_t t) {
  DossierRecord& r = store_->at(d);
  const DossierState before = r.dossier_state();
  if (IsTerminal(before)) return;
  store_->Transition(d, WITHDRAWN, t);
  GroupAccumulator& g = procedure_group(r);
  g.open.Change(t, -1);
  ++g.withdrawn;
  if (before == QUEUED) {
    --queued_;  // its entry stays in the line and is skipped when reached
    g.queue.Change(t, -1);
  } else if (before == IN_REVIEW) {
    --busy_;  // its review-end event goes stale
    g.busy.Change(t, -1);
    Dispatch(t);
  }
}

}  // namespace nsw
