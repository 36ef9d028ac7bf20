// The lifecycle's edges and the judgement of enterprise follow-ups, state by
// state.
#include "server/domain/lifecycle.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace nsw {
namespace {

const DossierState kAll[] = {SUBMITTED, RECEIVED, FEE_NOTIFIED, FEE_PAID, QUEUED, IN_REVIEW,
                             APPROVED, REJECTED, SUPPLEMENT_REQUESTED, WITHDRAWN};

TEST(LifecycleTest, ExactlyTheDesignedEdgesAreLegal) {
  const std::set<std::pair<DossierState, DossierState>> legal = {
      {SUBMITTED, RECEIVED}, {RECEIVED, FEE_NOTIFIED}, {RECEIVED, QUEUED},
      {FEE_NOTIFIED, FEE_PAID}, {FEE_PAID, QUEUED}, {QUEUED, IN_REVIEW},
      {IN_REVIEW, APPROVED}, {IN_REVIEW, REJECTED}, {IN_REVIEW, SUPPLEMENT_REQUESTED},
      {SUPPLEMENT_REQUESTED, QUEUED},
      {SUBMITTED, WITHDRAWN}, {RECEIVED, WITHDRAWN}, {FEE_NOTIFIED, WITHDRAWN}, {FEE_PAID, WITHDRAWN},
      {QUEUED, WITHDRAWN}, {IN_REVIEW, WITHDRAWN}, {SUPPLEMENT_REQUESTED, WITHDRAWN}};
  for (DossierState from : kAll) {
    for (DossierState to : kAll) {
      EXPECT_EQ(IsLegalTransition(from, to), legal.count({from, to}) == 1)
          << DossierState_Name(from) << " -> " << DossierState_Name(to);
    }
  }
  EXPECT_FALSE(IsLegalTransition(STATE_UNSPECIFIED, RECEIVED));
  EXPECT_FALSE(IsLegalTransition(STATE_UNSPECIFIED, WITHDRAWN));
}

TEST(LifecycleTest, TerminalStates) {
  for (DossierState s : kAll) {
    EXPECT_EQ(IsTerminal(s), s == APPROVED || s == REJECTED || s == WITHDRAWN) << DossierState_Name(s);
    EXPECT_EQ(IsDecision(s), s == APPROVED || s == REJECTED) << DossierState_Name(s);
  }
}

TEST(LifecycleTest, PayIsLegalOnlyWhenNotified) {
  const ActionHistory unpaid{false, false}, paid{true, false};
  for (DossierState s : kAll) {
    EXPECT_EQ(JudgeAction(ActionRecord::PAY, s, unpaid),
              s == FEE_NOTIFIED ? ActionVerdict::kApply : ActionVerdict::kIllegal)
        << DossierState_Name(s);
  }
  // Once paid, a repeat is answered with the current state, whatever it is.
  for (DossierState s : {FEE_PAID, QUEUED, IN_REVIEW, APPROVED, REJECTED, SUPPLEMENT_REQUESTED, WITHDRAWN}) {
    EXPECT_EQ(JudgeAction(ActionRecord::PAY, s, paid), ActionVerdict::kAlreadyDone) << DossierState_Name(s);
  }
}

TEST(LifecycleTest, SupplementIsLegalOnlyWhenRequested) {
  const ActionHistory never{false, false}, once{false, true};
  for (DossierState s : kAll) {
    EXPECT_EQ(JudgeAction(ActionRecord::SUPPLEMENT, s, never),
              s == SUPPLEMENT_REQUESTED ? ActionVerdict::kApply : ActionVerdict::kIllegal)
        << DossierState_Name(s);
    EXPECT_EQ(JudgeAction(ActionRecord::SUPPLEMENT, s, once),
              s == SUPPLEMENT_REQUESTED ? ActionVerdict::kApply : ActionVerdict::kAlreadyDone)
        << DossierState_Name(s);
  }
}

TEST(LifecycleTest, WithdrawIsLegalBeforeADecision) {
  for (DossierState s : kAll) {
    ActionVerdict expect = ActionVerdict::kApply;
    if (s == WITHDRAWN) expect = ActionVerdict::kAlreadyDone;
    if (s == APPROVED || s == REJECTED) expect = ActionVerdict::kIllegal;
    EXPECT_EQ(JudgeAction(ActionRecord::WITHDRAW, s, ActionHistory{}), expect) << DossierState_Name(s);
  }
}

TEST(LifecycleTest, ActionNames) {
  EXPECT_STREQ(ActionName(ActionRecord::PAY), "pay");
  EXPECT_STREQ(ActionName(ActionRecord::SUPPLEMENT), "supplement");
  EXPECT_STREQ(ActionName(ActionRecord::WITHDRAW), "withdraw");
}

}  // namespace
}  // namespace nsw
