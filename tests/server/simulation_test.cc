// The simulation core driven directly: lifecycles, enterprise follow-ups,
// office hours, event order, deadlines, determinism and Little's law.
#include "server/domain/simulation.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>

#include "server/domain/lifecycle.h"
#include "tests/server/sim_harness.h"

namespace nsw {
namespace testing {
namespace {

// One ALWAYS ministry with one officer; procedures:
//   PLAIN: fixed 1 h review, always approved, deadline 2 working hours
//   FEE:   as PLAIN with a fee paid after a fixed 2 h
//   SUPP:  asks for a supplement (all but surely), supplement after 1 h
//   REJ:   as PLAIN but rejected (all but surely)
//   MIX:   exponential review, fee, mixed outcomes and withdrawals
const char* kAlwaysCatalog = R"pb(
  name: "test"
  ministries { code: "MOT" name: "Transport" officers: 1 calendar { kind: ALWAYS } queue_policy: FIFO }
  procedures {
    code: "MOT.PLAIN" ministry: "MOT" name: "plain"
    service_time { kind: FIXED mean: 3600 }
    deadline { working_hours: 2 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "MOT.FEE" ministry: "MOT" name: "with fee"
    service_time { kind: FIXED mean: 3600 }
    deadline { working_hours: 2 }
    approve_probability: 1
    fee_vnd: 100000
    fee_payment_delay { kind: FIXED mean: 7200 }
    supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "MOT.SUPP" ministry: "MOT" name: "supplements"
    service_time { kind: FIXED mean: 3600 }
    deadline { working_hours: 3 }
    approve_probability: 0.000001 supplement_probability: 0.999999
    supplement_delay { kind: FIXED mean: 3600 }
    fee_payment_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "MOT.REJ" ministry: "MOT" name: "rejected (all but surely)"
    service_time { kind: FIXED mean: 3600 }
    deadline { working_hours: 2 }
    approve_probability: 0.000001 reject_probability: 0.999999
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "MOT.MIX" ministry: "MOT" name: "mixed"
    service_time { kind: EXPONENTIAL mean: 1800 }
    deadline { working_days: 1 }
    approve_probability: 0.6 reject_probability: 0.2 supplement_probability: 0.2
    fee_vnd: 50000
    fee_payment_delay { kind: LOGNORMAL mean: 3600 cv: 0.8 }
    supplement_delay { kind: EXPONENTIAL mean: 7200 }
    withdraw_probability: 0.1
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
)pb";

const int64_t kT0 = Hanoi(2024, 3, 4, 10);  // a Monday, 10:00

TEST(SimulationTest, PlainLifecycle) {
  SimHarness h(kAlwaysCatalog);
  const uint32_t d = h.Submit("MOT.PLAIN", 101, "a", kT0);
  h.sim().AdvanceTo(kT0);
  EXPECT_EQ(h.state(d), SUBMITTED);  // nothing before kT0 happened
  h.sim().AdvanceTo(kT0 + 1);
  EXPECT_EQ(h.state(d), IN_REVIEW);
  h.sim().AdvanceTo(kT0 + 2 * kHour);
  const std::vector<Transition> t = h.timeline(d);
  const std::vector<std::pair<DossierState, int64_t>> expect = {
      {SUBMITTED, kT0}, {RECEIVED, kT0}, {QUEUED, kT0}, {IN_REVIEW, kT0}, {APPROVED, kT0 + kHour}};
  ASSERT_EQ(t.size(), expect.size());
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t[i].state(), expect[i].first) << i;
    EXPECT_EQ(t[i].at_us(), expect[i].second) << i;
  }
  const Stats s = h.stats();
  EXPECT_EQ(s.total().arrivals(), 1u);
  EXPECT_EQ(s.total().approved(), 1u);
  EXPECT_EQ(s.total().open(), 0u);
  EXPECT_EQ(s.total().queue_visits(), 1u);
  EXPECT_EQ(s.total().waited(), 0u);
  EXPECT_EQ(s.total().deadline_breaches(), 0u);
  EXPECT_DOUBLE_EQ(s.total().time_to_decision().mean_seconds(), 3600.0);
  EXPECT_EQ(s.procedures(0).code(), "MOT.PLAIN");
  EXPECT_EQ(s.procedures(0).approved(), 1u);
  EXPECT_EQ(s.procedures(1).arrivals(), 0u);
  EXPECT_EQ(s.ministries(0).code(), "MOT");
  EXPECT_EQ(s.total().officers(), 1u);
  // One dossier open for one of the two simulated hours; the officer busy the same.
  EXPECT_DOUBLE_EQ(s.total().mean_open(), 0.5);
  EXPECT_DOUBLE_EQ(s.total().mean_busy_officers(), 0.5);
}

TEST(SimulationTest, FeeIsPaidThenReviewed) {
  SimHarness h(kAlwaysCatalog);
  const uint32_t d = h.Submit("MOT.FEE", 101, "fee", kT0);
  h.sim().AdvanceTo(kT0 + 10 * kHour);
  EXPECT_EQ(h.state(d), APPROVED);
  EXPECT_EQ(h.entered(d, FEE_NOTIFIED), kT0);
  EXPECT_EQ(h.entered(d, FEE_PAID), kT0 + 2 * kHour);
  EXPECT_EQ(h.entered(d, QUEUED), kT0 + 2 * kHour);
  EXPECT_EQ(h.entered(d, APPROVED), kT0 + 3 * kHour);
  // The deadline clock stopped while the enterprise had to pay: 1 h of
  // review against 2 working hours is on time.
  EXPECT_FALSE(h.store().at(d).has(kFlagBreached));
  EXPECT_EQ(h.stats().total().deadline_breaches(), 0u);
  EXPECT_TRUE(h.store().at(d).has(kFlagFeePaid));
}

TEST(SimulationTest, QueueingBreachesTheDeadline) {
  SimHarness h(kAlwaysCatalog);
  // Three at once, one officer, 1 h each, 2 h deadline: the third is late.
  const uint32_t ds[] = {h.Submit("MOT.PLAIN", 101, "a", kT0), h.Submit("MOT.PLAIN", 102, "b", kT0),
                         h.Submit("MOT.PLAIN", 103, "c", kT0)};
  h.sim().AdvanceTo(kT0 + 5 * kHour);
  std::set<int64_t> decided;
  for (uint32_t d : ds) {
    decided.insert(h.entered(d, APPROVED));
    // Decided exactly at the deadline is on time; an hour after it is not.
    EXPECT_EQ(h.store().at(d).has(kFlagBreached), h.entered(d, APPROVED) == kT0 + 3 * kHour);
  }
  EXPECT_EQ(decided, (std::set<int64_t>{kT0 + kHour, kT0 + 2 * kHour, kT0 + 3 * kHour}));
  const Stats s = h.stats();
  EXPECT_EQ(s.total().deadline_breaches(), 1u);
  EXPECT_EQ(s.total().queue_visits(), 3u);
  EXPECT_EQ(s.total().waited(), 2u);
  EXPECT_DOUBLE_EQ(s.total().wait().mean_seconds(), 3600.0);  // (0 + 1 h + 2 h) / 3
  EXPECT_DOUBLE_EQ(s.total().wait().max_seconds(), 7200.0);
}

TEST(SimulationTest, SupplementRoundTripOverHttp) {
  SimHarness h(kAlwaysCatalog, 1, /*simulated_enterprise=*/false);
  const uint32_t d = h.Submit("MOT.SUPP", 101, "s", kT0);
  h.sim().AdvanceTo(kT0 + 2 * kHour);
  ASSERT_EQ(h.state(d), SUPPLEMENT_REQUESTED);
  EXPECT_EQ(h.entered(d, SUPPLEMENT_REQUESTED), kT0 + kHour);
  // Nobody acts for the enterprise in http mode: it waits.
  h.sim().AdvanceTo(kT0 + 30 * kDay);
  EXPECT_EQ(h.state(d), SUPPLEMENT_REQUESTED);
  const int64_t t1 = kT0 + 30 * kDay;
  EXPECT_EQ(h.sim().Act(d, ActionRecord::PAY, t1), ActionVerdict::kIllegal);
  EXPECT_EQ(h.sim().Act(d, ActionRecord::SUPPLEMENT, t1), ActionVerdict::kApply);
  EXPECT_EQ(h.state(d), IN_REVIEW);  // back in the queue and taken at once
  EXPECT_EQ(h.sim().Act(d, ActionRecord::SUPPLEMENT, t1 + 1), ActionVerdict::kAlreadyDone);
  h.sim().AdvanceTo(t1 + kHour + 1);
  EXPECT_EQ(h.state(d), SUPPLEMENT_REQUESTED);  // the second round asks again
  EXPECT_EQ(h.store().at(d).rounds, 2);
  // The deadline clock ran 1 h in each round; 3 h allowed: not overdue.
  EXPECT_EQ(h.store().at(d).deadline_w, kHour);  // remaining, while stopped
  EXPECT_EQ(h.sim().Act(d, ActionRecord::WITHDRAW, t1 + 2 * kHour), ActionVerdict::kApply);
  EXPECT_EQ(h.sim().Act(d, ActionRecord::WITHDRAW, t1 + 3 * kHour), ActionVerdict::kAlreadyDone);
  EXPECT_EQ(h.sim().Act(d, ActionRecord::SUPPLEMENT, t1 + 3 * kHour), ActionVerdict::kAlreadyDone);
  const Stats s = h.stats();
  EXPECT_EQ(s.total().supplements_requested(), 2u);
  EXPECT_EQ(s.total().withdrawn(), 1u);
  EXPECT_EQ(s.total().open(), 0u);
  const auto timeline = h.timeline(d);
  for (size_t i = 1; i < timeline.size(); ++i) {
    EXPECT_TRUE(IsLegalTransition(timeline[i - 1].state(), timeline[i].state()))
        << DossierState_Name(timeline[i - 1].state()) << " -> " << DossierState_Name(timeline[i].state());
  }
}

TEST(SimulationTest, HttpPaymentAndIllegalFollowUps) {
  SimHarness h(kAlwaysCatalog, 1, /*simulated_enterprise=*/false);
  const uint32_t fee = h.Submit("MOT.FEE", 101, "f", kT0);
  const uint32_t plain = h.Submit("MOT.PLAIN", 102, "p", kT0);
  h.sim().AdvanceTo(kT0 + 1);
  EXPECT_EQ(h.state(fee), FEE_NOTIFIED);
  EXPECT_EQ(h.sim().Act(plain, ActionRecord::PAY, kT0 + 10), ActionVerdict::kIllegal);
  EXPECT_EQ(h.sim().Act(plain, ActionRecord::SUPPLEMENT, kT0 + 10), ActionVerdict::kIllegal);
  EXPECT_EQ(h.sim().Act(fee, ActionRecord::SUPPLEMENT, kT0 + 10), ActionVerdict::kIllegal);
  EXPECT_EQ(h.sim().Act(fee, ActionRecord::PAY, 3 * kDay + kT0), ActionVerdict::kApply);
  EXPECT_EQ(h.entered(fee, FEE_PAID), kT0 + 3 * kDay);
  EXPECT_EQ(h.sim().Act(fee, ActionRecord::PAY, 3 * kDay + kT0 + 1), ActionVerdict::kAlreadyDone);
  h.sim().AdvanceTo(kT0 + 4 * kDay);
  EXPECT_EQ(h.state(fee), APPROVED);
  EXPECT_EQ(h.sim().Act(fee, ActionRecord::WITHDRAW, kT0 + 5 * kDay), ActionVerdict::kIllegal);
  EXPECT_EQ(h.sim().Act(fee, ActionRecord::PAY, kT0 + 5 * kDay), ActionVerdict::kAlreadyDone);
  // Waiting three days to pay did not count against the 2-hour deadline.
  EXPECT_FALSE(h.store().at(fee).has(kFlagBreached));
}

// Brings a dossier to `state` in http mode; returns the harness, the dossier
// and an instant from which follow-ups may be applied.
struct Reached {
  std::unique_ptr<SimHarness> h;
  uint32_t d = 0;
  int64_t t = 0;
};

Reached Reach(DossierState state) {
  Reached r;
  r.h = std::make_unique<SimHarness>(kAlwaysCatalog, 1, /*simulated_enterprise=*/false);
  SimHarness& h = *r.h;
  r.t = kT0 + kMinute;
  switch (state) {
    case FEE_NOTIFIED:
      r.d = h.Submit("MOT.FEE", 101, "d", kT0);
      break;
    case QUEUED:
      h.Submit("MOT.PLAIN", 102, "blocker", kT0);
      r.d = h.Submit("MOT.PLAIN", 101, "d", kT0 + 1);
      break;
    case IN_REVIEW:
      r.d = h.Submit("MOT.PLAIN", 101, "d", kT0);
      break;
    case SUPPLEMENT_REQUESTED:
      r.d = h.Submit("MOT.SUPP", 101, "d", kT0);
      r.t = kT0 + 2 * kHour;
      break;
    case APPROVED:
      r.d = h.Submit("MOT.PLAIN", 101, "d", kT0);
      r.t = kT0 + 2 * kHour;
      break;
    case REJECTED:
      r.d = h.Submit("MOT.REJ", 101, "d", kT0);
      r.t = kT0 + 2 * kHour;
      break;
    case WITHDRAWN:
      r.d = h.Submit("MOT.PLAIN", 101, "d", kT0);
      h.sim().Act(r.d, ActionRecord::WITHDRAW, kT0 + 1);
      break;
    default:
      ADD_FAILURE() << "unreachable in http mode: " << DossierState_Name(state);
  }
  h.sim().AdvanceTo(r.t);
  EXPECT_EQ(h.state(r.d), state);
  return r;
}

TEST(SimulationTest, EveryFollowUpInEveryState) {
  struct Case {
    DossierState state;
    ActionRecord::Kind action;
    ActionVerdict verdict;
    DossierState after;  // the state right after the follow-up
  };
  const Case cases[] = {
      {FEE_NOTIFIED, ActionRecord::PAY, ActionVerdict::kApply, IN_REVIEW},  // paid, queued, taken at once
      {FEE_NOTIFIED, ActionRecord::SUPPLEMENT, ActionVerdict::kIllegal, FEE_NOTIFIED},
      {FEE_NOTIFIED, ActionRecord::WITHDRAW, ActionVerdict::kApply, WITHDRAWN},
      {QUEUED, ActionRecord::PAY, ActionVerdict::kIllegal, QUEUED},
      {QUEUED, ActionRecord::SUPPLEMENT, ActionVerdict::kIllegal, QUEUED},
      {QUEUED, ActionRecord::WITHDRAW, ActionVerdict::kApply, WITHDRAWN},
      {IN_REVIEW, ActionRecord::PAY, ActionVerdict::kIllegal, IN_REVIEW},
      {IN_REVIEW, ActionRecord::SUPPLEMENT, ActionVerdict::kIllegal, IN_REVIEW},
      {IN_REVIEW, ActionRecord::WITHDRAW, ActionVerdict::kApply, WITHDRAWN},
      {SUPPLEMENT_REQUESTED, ActionRecord::PAY, ActionVerdict::kIllegal, SUPPLEMENT_REQUESTED},
      {SUPPLEMENT_REQUESTED, ActionRecord::SUPPLEMENT, ActionVerdict::kApply, IN_REVIEW},
      {SUPPLEMENT_REQUESTED, ActionRecord::WITHDRAW, ActionVerdict::kApply, WITHDRAWN},
      {APPROVED, ActionRecord::PAY, ActionVerdict::kIllegal, APPROVED},
      {APPROVED, ActionRecord::SUPPLEMENT, ActionVerdict::kIllegal, APPROVED},
      {APPROVED, ActionRecord::WITHDRAW, ActionVerdict::kIllegal, APPROVED},
      {REJECTED, ActionRecord::PAY, ActionVerdict::kIllegal, REJECTED},
      {REJECTED, ActionRecord::SUPPLEMENT, ActionVerdict::kIllegal, REJECTED},
      {REJECTED, ActionRecord::WITHDRAW, ActionVerdict::kIllegal, REJECTED},
      {WITHDRAWN, ActionRecord::PAY, ActionVerdict::kIllegal, WITHDRAWN},
      {WITHDRAWN, ActionRecord::SUPPLEMENT, ActionVerdict::kIllegal, WITHDRAWN},
      {WITHDRAWN, ActionRecord::WITHDRAW, ActionVerdict::kAlreadyDone, WITHDRAWN},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(DossierState_Name(c.state)) + " + " + ActionName(c.action));
    Reached r = Reach(c.state);
    const size_t before = r.h->timeline(r.d).size();
    EXPECT_EQ(r.h->sim().Act(r.d, c.action, r.t), c.verdict);
    EXPECT_EQ(r.h->state(r.d), c.after);
    const auto timeline = r.h->timeline(r.d);
    if (c.verdict != ActionVerdict::kApply) {
      EXPECT_EQ(timeline.size(), before);  // nothing recorded
    }
    for (size_t i = 1; i < timeline.size(); ++i) {
      EXPECT_TRUE(IsLegalTransition(timeline[i - 1].state(), timeline[i].state()));
    }
    // Applying the same follow-up again is a repeat that already took effect
    // (or still illegal), never a second transition.
    if (c.verdict == ActionVerdict::kApply) {
      const ActionVerdict again = r.h->sim().Act(r.d, c.action, r.t + 1);
      EXPECT_EQ(again, ActionVerdict::kAlreadyDone);
      EXPECT_EQ(r.h->timeline(r.d).size(), timeline.size());
    }
  }
}

TEST(SimulationTest, WithdrawWhileQueuedLeavesTheQueue) {
  SimHarness h(kAlwaysCatalog, 1, /*simulated_enterprise=*/false);
  const uint32_t a = h.Submit("MOT.PLAIN", 101, "a", kT0);
  const uint32_t b = h.Submit("MOT.PLAIN", 102, "b", kT0 + kMinute);
  h.sim().AdvanceTo(kT0 + 2 * kMinute);
  ASSERT_EQ(h.state(b), QUEUED);
  EXPECT_EQ(h.stats().total().queue_depth(), 1u);
  EXPECT_EQ(h.sim().Act(b, ActionRecord::WITHDRAW, kT0 + 5 * kMinute), ActionVerdict::kApply);
  EXPECT_EQ(h.stats().total().queue_depth(), 0u);
  const uint32_t c = h.Submit("MOT.PLAIN", 103, "c", kT0 + 10 * kMinute);
  h.sim().AdvanceTo(kT0 + 3 * kHour);
  EXPECT_EQ(h.state(a), APPROVED);
  EXPECT_EQ(h.state(b), WITHDRAWN);
  EXPECT_EQ(h.entered(c, IN_REVIEW), kT0 + kHour);  // next after a, b skipped
  const Stats s = h.stats();
  EXPECT_EQ(s.total().queue_visits(), 2u);  // b's visit never started review
  EXPECT_EQ(s.total().withdrawn(), 1u);
  EXPECT_EQ(s.total().approved(), 2u);
  EXPECT_EQ(s.total().busy_officers(), 0u);
}

TEST(SimulationTest, WithdrawDuringReviewFreesTheOfficer) {
  SimHarness h(kAlwaysCatalog, 1, /*simulated_enterprise=*/false);
  const uint32_t a = h.Submit("MOT.PLAIN", 101, "a", kT0);
  const uint32_t b = h.Submit("MOT.PLAIN", 102, "b", kT0 + kMinute);
  h.sim().AdvanceTo(kT0 + 2 * kMinute);
  ASSERT_EQ(h.state(a), IN_REVIEW);
  EXPECT_EQ(h.sim().Act(a, ActionRecord::WITHDRAW, kT0 + 30 * kMinute), ActionVerdict::kApply);
  EXPECT_EQ(h.state(b), IN_REVIEW);
  EXPECT_EQ(h.entered(b, IN_REVIEW), kT0 + 30 * kMinute);
  h.sim().AdvanceTo(kT0 + 5 * kHour);
  EXPECT_EQ(h.state(a), WITHDRAWN);  // its review end went stale
  EXPECT_EQ(h.entered(b, APPROVED), kT0 + 90 * kMinute);
  const Stats s = h.stats();
  EXPECT_EQ(s.total().approved(), 1u);
  EXPECT_EQ(s.total().withdrawn(), 1u);
  EXPECT_EQ(s.total().busy_officers(), 0u);
  EXPECT_EQ(s.total().open(), 0u);
}

const char* kOfficeCatalog = R"pb(
  name: "office"
  holidays: "2024-03-06"
  ministries {
    code: "MOH" name: "Health" officers: 1
    calendar { kind: OFFICE_HOURS }
    queue_policy: FIFO
  }
  procedures {
    code: "MOH.TWO" ministry: "MOH" name: "two hours"
    service_time { kind: FIXED mean: 7200 }
    deadline { working_days: 1 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
)pb";

TEST(SimulationTest, ReviewsFollowOfficeHours) {
  SimHarness h(kOfficeCatalog);
  // Saturday arrival: waits for Monday 08:00.
  const uint32_t sat = h.Submit("MOH.TWO", 101, "sat", Hanoi(2024, 3, 2, 12));
  h.sim().AdvanceTo(Hanoi(2024, 3, 4, 8));
  EXPECT_EQ(h.state(sat), QUEUED);
  h.sim().AdvanceTo(Hanoi(2024, 3, 4, 8) + 1);
  EXPECT_EQ(h.state(sat), IN_REVIEW);
  EXPECT_EQ(h.entered(sat, IN_REVIEW), Hanoi(2024, 3, 4, 8));
  h.sim().AdvanceTo(Hanoi(2024, 3, 4, 11));
  EXPECT_EQ(h.entered(sat, APPROVED), Hanoi(2024, 3, 4, 10));
  // Tuesday 16:00: one hour today, the rest after the Wednesday holiday.
  const uint32_t tue = h.Submit("MOH.TWO", 102, "tue", Hanoi(2024, 3, 5, 16));
  h.sim().AdvanceTo(Hanoi(2024, 3, 8, 0));
  EXPECT_EQ(h.entered(tue, APPROVED), Hanoi(2024, 3, 7, 9));
  // A 9-hour working-day deadline from Tuesday 16:00 ends Thursday 16:00.
  EXPECT_FALSE(h.store().at(tue).has(kFlagBreached));
  const Stats s = h.stats();
  EXPECT_DOUBLE_EQ(s.total().wait().max_seconds(), 44.0 * 3600);  // Saturday 12:00 to Monday 08:00
}

// EDF with two procedures of different deadlines.
const char* kEdfCatalog = R"pb(
  name: "edf"
  ministries { code: "MOF" name: "Finance" officers: 1 calendar { kind: ALWAYS } queue_policy: EDF }
  procedures {
    code: "MOF.SLOW" ministry: "MOF" name: "long deadline"
    service_time { kind: FIXED mean: 3600 }
    deadline { working_days: 10 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "MOF.FAST" ministry: "MOF" name: "short deadline"
    service_time { kind: FIXED mean: 3600 }
    deadline { working_hours: 4 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
)pb";

TEST(SimulationTest, EarliestDeadlineFirst) {
  SimHarness h(kEdfCatalog);
  h.Submit("MOF.SLOW", 101, "busy", kT0);
  const uint32_t slow = h.Submit("MOF.SLOW", 102, "slow", kT0 + kMinute);
  const uint32_t fast = h.Submit("MOF.FAST", 103, "fast", kT0 + 2 * kMinute);
  h.sim().AdvanceTo(kT0 + 5 * kHour);
  EXPECT_EQ(h.entered(fast, IN_REVIEW), kT0 + kHour);  // overtakes the earlier, later-due one
  EXPECT_EQ(h.entered(slow, IN_REVIEW), kT0 + 2 * kHour);
}

TEST(SimulationTest, DeparturesComeBeforeArrivalsAtEqualTimes) {
  SimHarness h(kEdfCatalog);
  h.Submit("MOF.SLOW", 101, "busy", kT0);                         // ends at kT0 + 1 h
  const uint32_t slow = h.Submit("MOF.SLOW", 102, "slow", kT0 + kMinute);
  const uint32_t fast = h.Submit("MOF.FAST", 103, "fast", kT0 + kHour);  // arrives as the officer frees
  h.sim().AdvanceTo(kT0 + 5 * kHour);
  // The departure is processed first, so the officer takes the only queued
  // dossier; had the arrival come first, EDF would have picked it.
  EXPECT_EQ(h.entered(slow, IN_REVIEW), kT0 + kHour);
  EXPECT_EQ(h.entered(fast, IN_REVIEW), kT0 + 2 * kHour);
}

TEST(SimulationTest, TiesBreakOnEnterpriseAndReferenceNotOnId) {
  // The same two submissions at the same instant, stored in either order.
  auto first_served = [](bool swap) {
    SimHarness h(kAlwaysCatalog);
    uint32_t x, y;
    if (swap) {
      y = h.Submit("MOT.PLAIN", 555, "ref-b", kT0);
      x = h.Submit("MOT.PLAIN", 555, "ref-a", kT0);
    } else {
      x = h.Submit("MOT.PLAIN", 555, "ref-a", kT0);
      y = h.Submit("MOT.PLAIN", 555, "ref-b", kT0);
    }
    h.sim().AdvanceTo(kT0 + 1);
    return h.state(x) == IN_REVIEW ? std::string("ref-a") : (h.state(y) == IN_REVIEW ? "ref-b" : "none");
  };
  const std::string a = first_served(false), b = first_served(true);
  EXPECT_NE(a, "none");
  EXPECT_EQ(a, b);
}

// A busy mixed workload, for the properties below.
void RunMixed(SimHarness* h, int n, uint64_t seed, const std::function<void(int64_t)>& after_each) {
  const DossierRandom arrivals(seed, 0);
  int64_t t = kT0;
  const char* procs[] = {"MOT.PLAIN", "MOT.FEE", "MOT.MIX", "MOT.MIX"};
  for (int i = 0; i < n; ++i) {
    const Uniforms u = arrivals.Draw(RandomPurpose::kTest, static_cast<uint32_t>(i));
    // About 0.9 arrivals an hour against 1.25 reviews an hour of capacity.
    t += static_cast<int64_t>(Exponential(4000e6, u.u[0]));
    h->Submit(procs[static_cast<int>(u.u[1] * 4)], 1000 + static_cast<uint64_t>(u.u[2] * 50),
              Numbered("r", i), t);
    after_each(t);
  }
  h->sim().AdvanceTo(t + 365 * kDay);
}

TEST(SimulationTest, ResultsDoNotDependOnHowAdvanceIsSpaced) {
  SimHarness once(kAlwaysCatalog, 7), often(kAlwaysCatalog, 7), random(kAlwaysCatalog, 7);
  RunMixed(&once, 3000, 11, [](int64_t) {});
  RunMixed(&often, 3000, 11, [&often](int64_t t) { often.sim().AdvanceTo(t); });
  int i = 0;
  RunMixed(&random, 3000, 11, [&random, &i](int64_t t) {
    if (++i % 7 == 0) random.sim().AdvanceTo(t - (i % 3) * kMinute);
  });
  const std::string a = once.stats().SerializeAsString();
  EXPECT_EQ(a, often.stats().SerializeAsString());
  EXPECT_EQ(a, random.stats().SerializeAsString());
  // A different seed gives a different history.
  SimHarness other(kAlwaysCatalog, 8);
  RunMixed(&other, 3000, 11, [](int64_t) {});
  EXPECT_NE(a, other.stats().SerializeAsString());
}

TEST(SimulationTest, EveryLifeFollowsTheLifecycleAndCountsAddUp) {
  SimHarness h(kAlwaysCatalog, 3);
  RunMixed(&h, 5000, 5, [](int64_t) {});
  const Stats s = h.stats();
  const GroupStats& g = s.total();
  EXPECT_EQ(g.arrivals(), 5000u);
  EXPECT_EQ(g.open(), 0u);
  EXPECT_EQ(g.approved() + g.rejected() + g.withdrawn(), 5000u);
  EXPECT_GT(g.supplements_requested(), 0u);
  EXPECT_GT(g.withdrawn(), 0u);
  EXPECT_GT(g.rejected(), 0u);
  EXPECT_EQ(g.queue_depth(), 0u);
  EXPECT_EQ(g.busy_officers(), 0u);
  uint64_t arrivals = 0;
  for (const GroupStats& p : s.procedures()) arrivals += p.arrivals();
  EXPECT_EQ(arrivals, 5000u);
  for (uint32_t d = 0; d < h.store().size(); ++d) {
    const auto t = h.timeline(d);
    ASSERT_GE(t.size(), 2u);
    for (size_t i = 1; i < t.size(); ++i) {
      ASSERT_TRUE(IsLegalTransition(t[i - 1].state(), t[i].state()))
          << d << ": " << DossierState_Name(t[i - 1].state()) << " -> " << DossierState_Name(t[i].state());
      ASSERT_GE(t[i].at_us(), t[i - 1].at_us());
    }
    ASSERT_TRUE(IsTerminal(t.back().state()));
  }
}

TEST(SimulationTest, LittlesLawHolds) {
  // No withdrawals: every life ends in a decision, so the time in the system
  // is the time to decision.
  const char* catalog = R"pb(
    name: "little"
    ministries { code: "MIC" name: "Info" officers: 3 calendar { kind: OFFICE_HOURS } queue_policy: FIFO }
    procedures {
      code: "MIC.A" ministry: "MIC" name: "a"
      service_time { kind: LOGNORMAL mean: 5400 cv: 0.7 }
      deadline { working_days: 2 }
      approve_probability: 0.8 reject_probability: 0.1 supplement_probability: 0.1
      fee_vnd: 1000 fee_payment_delay { kind: EXPONENTIAL mean: 20000 }
      supplement_delay { kind: EXPONENTIAL mean: 50000 }
      popularity: 1 payload_bytes { kind: FIXED mean: 100 }
    }
  )pb";
  SimHarness h(catalog, 5);
  const DossierRandom arrivals(99, 0);
  int64_t t = kT0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    t += static_cast<int64_t>(Exponential(12600e6, arrivals.Draw(RandomPurpose::kTest, i).u[0]));
    h.Submit("MIC.A", 500 + i % 97, Numbered("x", i), t);
    h.sim().AdvanceTo(t);
  }
  const Stats s = h.stats();
  const GroupStats& g = s.total();
  const double span = static_cast<double>(t - kT0) / 1e6;
  const double lambda = static_cast<double>(g.arrivals()) / span;
  const double little = lambda * g.time_to_decision().mean_seconds();
  EXPECT_GT(g.mean_open(), 1.0);
  EXPECT_NEAR(g.mean_open() / little, 1.0, 0.03) << "L=" << g.mean_open() << " lambda*W=" << little;
  // The same identity on the queue alone: Lq = lambda_visits * Wq.
  const double visit_rate = static_cast<double>(g.queue_visits()) / span;
  EXPECT_NEAR(g.mean_queue_depth() / (visit_rate * g.wait().mean_seconds()), 1.0, 0.03);
}

TEST(SimulationTest, LateArrivalsAreCounted) {
  SimHarness h(kAlwaysCatalog);
  h.Submit("MOT.PLAIN", 101, "a", kT0);
  h.Submit("MOT.PLAIN", 101, "b", kT0, /*late=*/true);
  h.sim().AdvanceTo(kT0 + 1);
  const Stats s = h.stats();
  EXPECT_EQ(s.total().late_arrivals(), 1u);
  EXPECT_EQ(s.procedures(0).late_arrivals(), 1u);
  EXPECT_EQ(s.ministries(0).late_arrivals(), 1u);
}

}  // namespace
}  // namespace testing
}  // namespace nsw
