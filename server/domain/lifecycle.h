// The dossier lifecycle as rules (DESIGN.md "Lifecycle"):
//
//   SUBMITTED -> RECEIVED -> [FEE_NOTIFIED -> FEE_PAID] -> QUEUED -> IN_REVIEW
//   IN_REVIEW -> APPROVED | REJECTED | SUPPLEMENT_REQUESTED
//   SUPPLEMENT_REQUESTED --(enterprise supplements)--> QUEUED
//   any state before a decision --(enterprise withdraws)--> WITHDRAWN
//
// The simulation moves dossiers only along these edges; this file is the one
// place that says which edges exist and how an enterprise's follow-up (pay,
// supplement, withdraw) is judged in a given state. Pure functions.
#ifndef NSW_SERVER_DOMAIN_LIFECYCLE_H_
#define NSW_SERVER_DOMAIN_LIFECYCLE_H_

#include "proto/journal.pb.h"
#include "proto/nsw.pb.h"

namespace nsw {

inline bool IsDecision(DossierState s) { return s == APPROVED || s == REJECTED; }
// No transition leaves a terminal state.
inline bool IsTerminal(DossierState s) { return IsDecision(s) || s == WITHDRAWN; }

// Whether `from -> to` is an edge of the lifecycle.
bool IsLegalTransition(DossierState from, DossierState to);

// How an enterprise follow-up is answered in a state.
enum class ActionVerdict {
  kApply,        // legal now: it moves the dossier
  kAlreadyDone,  // a repeat of one that already took effect: 200 with the current state
  kIllegal,      // 409 naming the current state
};

// What the judgement needs to know about the dossier's past: whether the fee
// was paid, whether it was ever supplemented. A repeated supplement is recognised only while no newer
// supplement request is open (the API has no round number), so a retry that
// arrives after the next request answers that one.
struct ActionHistory {
  bool fee_paid = false;
  bool supplemented = false;
};

ActionVerdict JudgeAction(ActionRecord::Kind action, DossierState state, const ActionHistory& history);

// "pay", "supplement", "withdraw".
const char* ActionName(ActionRecord::Kind action);

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_LIFECYCLE_H_
