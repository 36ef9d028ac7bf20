// Lifecycle edges and the judgement of enterprise follow-ups.
#include "server/domain/lifecycle.h"

namespace nsw {

bool IsLegalTransition(DossierState from, DossierState to) {
  if (to == WITHDRAWN) return from >= SUBMITTED && from <= SUPPLEMENT_REQUESTED && !IsDecision(from);
  switch (from) {
    case SUBMITTED: return to == RECEIVED;
    case RECEIVED: return to == FEE_NOTIFIED || to == QUEUED;
    case FEE_NOTIFIED: return to == FEE_PAID;
    case FEE_PAID: return to == QUEUED;
    case QUEUED: return to == IN_REVIEW;
    case IN_REVIEW: return to == APPROVED || to == REJECTED || to == SUPPLEMENT_REQUESTED;
    case SUPPLEMENT_REQUESTED: return to == QUEUED;
    default: return false;
  }
}

ActionVerdict JudgeAction(ActionRecord::Kind action, DossierState state, const ActionHistory& history) {
  switch (action) {
    case ActionRecord::PAY:
      if (state == FEE_NOTIFIED) return ActionVerdict::kApply;
      return history.fee_paid ? ActionVerdict::kAlreadyDone : ActionVerdict::kIllegal;
    case ActionRecord::SUPPLEMENT:
      if (state == SUPPLEMENT_REQUESTED) return ActionVerdict::kApply;
      return history.supplemented ? ActionVerdict::kAlreadyDone : ActionVerdict::kIllegal;
    case ActionRecord::WITHDRAW:
      if (state == WITHDRAWN) return ActionVerdict::kAlreadyDone;
      return IsLegalTransition(state, WITHDRAWN) ? ActionVerdict::kApply : ActionVerdict::kIllegal;
    default:
      return ActionVerdict::kIllegal;
  }
}

const char* ActionName(ActionRecord::Kind action) {
  switch (action) {
    case ActionRecord::PAY: return "pay";
    case ActionRecord::SUPPLEMENT: return "supplement";
    case ActionRecord::WITHDRAW: return "withdraw";
    default: return "unknown action";
  }
}

}  // namespace nsw
