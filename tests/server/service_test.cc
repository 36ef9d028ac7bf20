// NswService end to end without a transport: submission, validation,
// idempotency, ownership, both clocks, enterprise follow-ups over "HTTP",
// thread-count independence, restart by journal replay, journal failure.
#include "server/domain/service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/server/service_harness.h"

namespace nsw {
namespace testing {
namespace {

const char* kAcme = "0101234567";
const char* kOther = "0309876543";
const int64_t kBase = Hanoi(2024, 4, 1, 10);  // a Monday

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { catalog_ = ParseCatalog(ServiceCatalogText()); }

  ServiceOptions Options(ClockMode clock, Durability durability = Durability::kNone) {
    ServiceOptions o;
    o.seed = 42;
    o.clock = clock;
    o.sim_start_us = Hanoi(2024, 4, 1, 9);
    o.journal.dir = dir_.path();
    o.journal.durability = durability;
    return o;
  }

  std::unique_ptr<NswService> Started(const ServiceOptions& options) {
    auto service = std::make_unique<NswService>(*catalog_, options, &env_, nullptr);
    const Status s = service->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(service->ready());
    return service;
  }

  std::unique_ptr<Catalog> catalog_;
  TestEnv env_;
  TempDir dir_;
};

TEST_F(ServiceTest, SubmitIsAcknowledgedAndVisibleOnlyToItsOwner) {
  auto service = Started(Options(ClockMode::kTrace));
  const SubmitOutcome first = SubmitSync(*service, kAcme, Request("MOT.PERMIT", "ref-1", kBase, "hello"));
  ASSERT_EQ(first.result.outcome, Outcome::kCreated) << first.result.message;
  EXPECT_EQ(first.reply.dossier_id(), 1u);
  EXPECT_EQ(first.reply.accepted_at_us(), kBase);

  Dossier d;
  ASSERT_EQ(service->GetDossier(kAcme, 1, &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.id(), 1u);
  EXPECT_EQ(d.enterprise(), kAcme);
  EXPECT_EQ(d.procedure(), "MOT.PERMIT");
  EXPECT_EQ(d.ministry(), "MOT");
  EXPECT_EQ(d.client_ref(), "ref-1");
  EXPECT_EQ(d.payload_bytes(), 5u);
  EXPECT_EQ(d.submitted_at_us(), kBase);
  ASSERT_GE(d.timeline_size(), 1);
  EXPECT_EQ(d.timeline(0).state(), SUBMITTED);

  EXPECT_EQ(service->GetDossier(kOther, 1, &d).outcome, Outcome::kNotFound);
  EXPECT_EQ(service->GetDossier(kAcme, 2, &d).outcome, Outcome::kNotFound);
  EXPECT_EQ(service->GetDossier(kAcme, 0, &d).outcome, Outcome::kNotFound);
  EXPECT_EQ(service->GetDossier("not-a-tax", 1, &d).outcome, Outcome::kNotFound);

  // Flushing the window lets the simulation run the whole life.
  ASSERT_EQ(ClockSync(*service, Advance(kBase + 10 * kDay)).result.outcome, Outcome::kOk);
  ASSERT_EQ(service->GetDossier(kAcme, 1, &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.state(), APPROVED);
  const std::vector<DossierState> expect = {SUBMITTED, RECEIVED, FEE_NOTIFIED, FEE_PAID, QUEUED, IN_REVIEW, APPROVED};
  ASSERT_EQ(d.timeline_size(), static_cast<int>(expect.size()));
  for (int i = 0; i < d.timeline_size(); ++i) EXPECT_EQ(d.timeline(i).state(), expect[i]) << i;
  EXPECT_EQ(d.timeline(3).at_us(), kBase + 2 * kHour);  // fee paid after the fixed 2 h
  EXPECT_EQ(d.decided_at_us(), kBase + 3 * kHour);
  EXPECT_FALSE(d.deadline_breached());
  EXPECT_EQ(d.sim_now_us(), kBase + 10 * kDay);
  // One working day (24 h, ALWAYS) from the payment, the clock stopped before it.
  EXPECT_EQ(d.deadline_us(), kBase + 2 * kHour + kDay);

  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.clock(), "trace");
  EXPECT_EQ(stats.dossiers(), 1u);
  EXPECT_EQ(stats.total().approved(), 1u);
  EXPECT_EQ(stats.ministries_size(), 2);
  EXPECT_EQ(stats.procedures_size(), 3);
  const NswService::Counters counters = service->counters();
  EXPECT_EQ(counters.dossiers, 1u);
  EXPECT_EQ(counters.pending_records, 0u);
  EXPECT_EQ(counters.journal.records, 2u);  // the submission and the advance
  EXPECT_EQ(counters.events_processed, 3u);  // arrival, payment, review end
  EXPECT_EQ(counters.sim_time_us, kBase + 10 * kDay);
}

TEST_F(ServiceTest, OpenDossiersPastTheirDeadlineShowAsBreached) {
  auto service = Started(Options(ClockMode::kTrace));
  // 30 at once on MOT.SHIP (2 officers, ~30 min each, 4 working hours allowed).
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(SubmitSync(*service, kAcme, Request("MOT.SHIP", Numbered("q", i), kBase)).result.outcome,
              Outcome::kCreated);
  }
  ASSERT_EQ(ClockSync(*service, Advance(kBase + 5 * kHour)).result.outcome, Outcome::kOk);
  int open_late = 0, decided = 0;
  for (uint64_t id = 1; id <= 30; ++id) {
    Dossier d;
    ASSERT_EQ(service->GetDossier(kAcme, id, &d).outcome, Outcome::kOk);
    if (d.state() == QUEUED || d.state() == IN_REVIEW) {
      ASSERT_GT(d.deadline_us(), 0);
      EXPECT_EQ(d.deadline_breached(), d.deadline_us() < d.sim_now_us()) << id;
      if (d.deadline_breached()) ++open_late;
    } else if (d.state() == APPROVED || d.state() == REJECTED) {
      EXPECT_EQ(d.deadline_breached(), d.decided_at_us() > d.deadline_us()) << id;
      ++decided;
    }
  }
  EXPECT_GT(open_late, 0);
  EXPECT_GT(decided, 0);
  Stats stats;
  service->GetStats(&stats);
  // The statistic counts decisions after the deadline only.
  EXPECT_LT(stats.total().deadline_breaches(), static_cast<uint64_t>(decided));
}

TEST_F(ServiceTest, SubmissionsAreValidated) {
  auto service = Started(Options(ClockMode::kTrace));
  auto code = [&](std::string_view enterprise, const SubmitRequest& r) {
    const SubmitOutcome o = SubmitSync(*service, enterprise, r);
    EXPECT_EQ(o.result.outcome, Outcome::kInvalid) << o.result.code;
    return o.result.code;
  };
  EXPECT_EQ(code("12345", Request("MOT.SHIP", "r", kBase)), "bad_enterprise");
  EXPECT_EQ(code("01012345a7", Request("MOT.SHIP", "r", kBase)), "bad_enterprise");
  EXPECT_EQ(code(kAcme, Request("MOT.NOPE", "r", kBase)), "unknown_procedure");
  EXPECT_EQ(code(kAcme, Request("MOT.SHIP", "", kBase)), "bad_client_ref");
  EXPECT_EQ(code(kAcme, Request("MOT.SHIP", std::string(65, 'x'), kBase)), "bad_client_ref");
  EXPECT_EQ(code(kAcme, Request("MOT.SHIP", "r", 0)), "missing_timestamp");
  EXPECT_EQ(code(kAcme, Request("MOT.SHIP", "r", -5)), "bad_timestamp");
  EXPECT_EQ(SubmitSync(*service, kAcme, Request("MOT.SHIP", std::string(64, 'x'), kBase)).result.outcome,
            Outcome::kCreated);
  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.dossiers(), 1u);
}

TEST_F(ServiceTest, RepeatedSubmissionIsIdempotent) {
  auto service = Started(Options(ClockMode::kTrace));
  const SubmitOutcome first = SubmitSync(*service, kAcme, Request("MOT.SHIP", "same", kBase, "body"));
  ASSERT_EQ(first.result.outcome, Outcome::kCreated);
  const SubmitOutcome again = SubmitSync(*service, kAcme, Request("MOT.SHIP", "same", kBase + kMinute, "body"));
  EXPECT_EQ(again.result.outcome, Outcome::kOk);
  EXPECT_EQ(again.reply.dossier_id(), first.reply.dossier_id());
  EXPECT_EQ(again.reply.accepted_at_us(), kBase);
  const SubmitOutcome other_body = SubmitSync(*service, kAcme, Request("MOT.SHIP", "same", kBase, "changed"));
  EXPECT_EQ(other_body.result.outcome, Outcome::kConflict);
  EXPECT_EQ(other_body.result.code, "client_ref_reused");
  const SubmitOutcome other_proc = SubmitSync(*service, kAcme, Request("MOT.PERMIT", "same", kBase, "body"));
  EXPECT_EQ(other_proc.result.outcome, Outcome::kConflict);
  // References are per enterprise.
  const SubmitOutcome other_ent = SubmitSync(*service, kOther, Request("MOT.SHIP", "same", kBase, "body"));
  EXPECT_EQ(other_ent.result.outcome, Outcome::kCreated);
  EXPECT_NE(other_ent.reply.dossier_id(), first.reply.dossier_id());
  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.dossiers(), 2u);
}

TEST_F(ServiceTest, ARetryWaitsForTheFirstSubmissionsSync) {
  auto service = Started(Options(ClockMode::kTrace, Durability::kFsync));
  env_.HoldSyncs();
  std::promise<SubmitOutcome> first, retry;
  service->Submit(kAcme, Request("MOT.SHIP", "slow", kBase),
                  [&first](const Result& r, const SubmitReply& reply) { first.set_value({r, reply}); });
  service->Submit(kAcme, Request("MOT.SHIP", "slow", kBase),
                  [&retry](const Result& r, const SubmitReply& reply) { retry.set_value({r, reply}); });
  auto first_done = first.get_future(), retry_done = retry.get_future();
  // Neither is answered while the record waits for its sync, and the
  // pending dossier is invisible.
  EXPECT_EQ(first_done.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  EXPECT_EQ(retry_done.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  Dossier d;
  EXPECT_EQ(service->FindDossier(kAcme, "slow", &d).outcome, Outcome::kNotFound);
  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.dossiers(), 0u);
  env_.ReleaseSyncs();
  const SubmitOutcome a = first_done.get(), b = retry_done.get();
  EXPECT_EQ(a.result.outcome, Outcome::kCreated);
  EXPECT_EQ(b.result.outcome, Outcome::kOk);
  EXPECT_EQ(a.reply.dossier_id(), b.reply.dossier_id());
  EXPECT_EQ(service->FindDossier(kAcme, "slow", &d).outcome, Outcome::kOk);
}

TEST_F(ServiceTest, FindByClientReference) {
  auto service = Started(Options(ClockMode::kTrace));
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(SubmitSync(*service, kAcme, Request("MOH.FOOD", Numbered("ref-", i), kBase + i)).result.outcome,
              Outcome::kCreated);
  }
  Dossier d;
  ASSERT_EQ(service->FindDossier(kAcme, "ref-17", &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.client_ref(), "ref-17");
  EXPECT_EQ(d.id(), 18u);
  EXPECT_EQ(service->FindDossier(kOther, "ref-17", &d).outcome, Outcome::kNotFound);
  EXPECT_EQ(service->FindDossier(kAcme, "ref-99", &d).outcome, Outcome::kNotFound);
}

TEST_F(ServiceTest, TraceWatermarkLateAndRefused) {
  ServiceOptions options = Options(ClockMode::kTrace);
  options.reorder_window_us = kHour;
  options.max_jump_us = 7 * kDay;
  auto service = Started(options);
  auto submit = [&](const std::string& ref, int64_t at) { return SubmitSync(*service, kAcme, Request("MOT.SHIP", ref, at)); };
  EXPECT_EQ(submit("a", kBase + 10 * kHour).reply.accepted_at_us(), kBase + 10 * kHour);
  // Within the window: simulated at its own time.
  EXPECT_EQ(submit("b", kBase + 9 * kHour + 30 * kMinute).reply.accepted_at_us(), kBase + 9 * kHour + 30 * kMinute);
  EXPECT_EQ(submit("c", kBase + 9 * kHour).reply.accepted_at_us(), kBase + 9 * kHour);  // exactly the watermark
  // Older than the watermark: simulated at the watermark, counted late.
  const SubmitOutcome late = submit("d", kBase + 8 * kHour);
  EXPECT_EQ(late.result.outcome, Outcome::kCreated);
  EXPECT_EQ(late.reply.accepted_at_us(), kBase + 9 * kHour);
  // More than max-jump ahead: refused; exactly max-jump: accepted.
  const SubmitOutcome far = submit("e", kBase + 10 * kHour + 7 * kDay + 1);
  EXPECT_EQ(far.result.outcome, Outcome::kInvalid);
  EXPECT_EQ(far.result.code, "timestamp_too_far_ahead");
  EXPECT_EQ(submit("f", kBase + 10 * kHour + 7 * kDay).result.outcome, Outcome::kCreated);

  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.late_arrivals(), 1u);
  EXPECT_EQ(stats.refused_future(), 1u);
  EXPECT_EQ(stats.dossiers(), 5u);
  // The simulation has run to the new watermark, so the late one arrived.
  EXPECT_EQ(stats.sim_time_us(), kBase + 10 * kHour + 7 * kDay - kHour);
  EXPECT_EQ(stats.total().late_arrivals(), 1u);
  Dossier d;
  ASSERT_EQ(service->FindDossier(kAcme, "d", &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.submitted_at_us(), kBase + 9 * kHour);
  // A submission dated before the watermark now is late too.
  EXPECT_EQ(submit("g", kBase).reply.accepted_at_us(), kBase + 10 * kHour + 7 * kDay - kHour);
}

TEST_F(ServiceTest, TraceAdvanceFlushesTheWindow) {
  auto service = Started(Options(ClockMode::kTrace));
  ASSERT_EQ(SubmitSync(*service, kAcme, Request("MOT.PERMIT", "a", kBase)).result.outcome, Outcome::kCreated);
  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.sim_time_us(), kBase - kHour);  // the default one-hour window
  EXPECT_EQ(stats.total().arrivals(), 0u);
  // Trace clocks have no pause or speed.
  ClockRequest pause;
  pause.set_action(ClockRequest::PAUSE);
  EXPECT_EQ(ClockSync(*service, pause).result.outcome, Outcome::kInvalid);
  // ADVANCE with no target flushes to the latest submission.
  const ClockOutcome flush = ClockSync(*service, Advance(0, 0));
  ASSERT_EQ(flush.result.outcome, Outcome::kOk);
  EXPECT_EQ(flush.reply.watermark_us(), kBase);
  EXPECT_EQ(flush.reply.clock(), "trace");
  // Behind the flushed watermark now: late.
  EXPECT_EQ(SubmitSync(*service, kAcme, Request("MOT.PERMIT", "b", kBase - 1)).reply.accepted_at_us(), kBase);
  const ClockOutcome later = ClockSync(*service, Advance(0, kDay));
  EXPECT_EQ(later.reply.watermark_us(), kBase + kDay);
  service->GetStats(&stats);
  EXPECT_EQ(stats.total().approved(), 2u);
  EXPECT_EQ(stats.late_arrivals(), 1u);
}

TEST_F(ServiceTest, WallClockFollowsTheEnvAtSpeed) {
  ServiceOptions options = Options(ClockMode::kWall);
  options.speed = 60;  // a simulated minute per wall second
  auto service = Started(options);
  const SubmitOutcome o = SubmitSync(*service, kAcme, Request("MOT.PERMIT", "w", /*ignored in wall mode*/ 5));
  ASSERT_EQ(o.result.outcome, Outcome::kCreated);
  EXPECT_EQ(o.reply.accepted_at_us(), options.sim_start_us);
  env_.AdvanceMicros(60 * kSecond);
  Dossier d;
  ASSERT_EQ(service->GetDossier(kAcme, o.reply.dossier_id(), &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.sim_now_us(), options.sim_start_us + kHour);
  EXPECT_EQ(d.state(), FEE_NOTIFIED);
  EXPECT_EQ(d.deadline_us(), 0);  // the clock is stopped while the enterprise must pay
  env_.AdvanceMicros(200 * kSecond);
  ASSERT_EQ(service->GetDossier(kAcme, o.reply.dossier_id(), &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.state(), APPROVED);
  EXPECT_EQ(d.decided_at_us(), options.sim_start_us + 3 * kHour);
  // A second submission is placed at the current simulated instant.
  env_.AdvanceMicros(10 * kSecond);
  EXPECT_EQ(SubmitSync(*service, kAcme, Request("MOT.SHIP", "w2")).reply.accepted_at_us(),
            options.sim_start_us + 270 * kMinute);
}

TEST_F(ServiceTest, WallClockPauseResumeSpeedAndAdvance) {
  ServiceOptions options = Options(ClockMode::kWall);
  auto service = Started(options);
  auto now = [&] {
    Stats s;
    service->GetStats(&s);
    return s.sim_time_us();
  };
  env_.AdvanceMicros(10 * kSecond);
  EXPECT_EQ(now(), options.sim_start_us + 10 * kSecond);
  ClockRequest r;
  r.set_action(ClockRequest::PAUSE);
  EXPECT_TRUE(ClockSync(*service, r).reply.paused());
  env_.AdvanceMicros(100 * kSecond);
  EXPECT_EQ(now(), options.sim_start_us + 10 * kSecond);
  r.set_action(ClockRequest::RESUME);
  EXPECT_FALSE(ClockSync(*service, r).reply.paused());
  env_.AdvanceMicros(5 * kSecond);
  EXPECT_EQ(now(), options.sim_start_us + 15 * kSecond);
  r.set_action(ClockRequest::SPEED);
  r.set_speed(3600);
  EXPECT_EQ(ClockSync(*service, r).reply.speed(), 3600);
  env_.AdvanceMicros(kSecond);
  EXPECT_EQ(now(), options.sim_start_us + 15 * kSecond + kHour);
  r.set_speed(0);
  EXPECT_EQ(ClockSync(*service, r).result.outcome, Outcome::kInvalid);
  const int64_t target = options.sim_start_us + 3 * kDay;
  const ClockOutcome jumped = ClockSync(*service, Advance(target));
  ASSERT_EQ(jumped.result.outcome, Outcome::kOk);
  EXPECT_EQ(jumped.reply.sim_time_us(), target);
  EXPECT_GE(now(), target);
  EXPECT_EQ(ClockSync(*service, Advance(options.sim_start_us)).result.outcome, Outcome::kInvalid);  // backwards
  EXPECT_GE(SubmitSync(*service, kAcme, Request("MOT.SHIP", "after")).reply.accepted_at_us(), target);
}

TEST_F(ServiceTest, HttpEnterpriseActions) {
  ServiceOptions options = Options(ClockMode::kWall);
  options.enterprise_actions = EnterpriseActions::kHttp;
  auto service = Started(options);
  const uint64_t permit = SubmitSync(*service, kAcme, Request("MOT.PERMIT", "p")).reply.dossier_id();
  const uint64_t ship = SubmitSync(*service, kAcme, Request("MOT.SHIP", "s")).reply.dossier_id();
  env_.AdvanceMicros(kSecond);
  Dossier d;
  ASSERT_EQ(service->GetDossier(kAcme, permit, &d).outcome, Outcome::kOk);
  ASSERT_EQ(d.state(), FEE_NOTIFIED);
  env_.AdvanceMicros(100 * kSecond);
  ASSERT_EQ(service->GetDossier(kAcme, permit, &d).outcome, Outcome::kOk);
  EXPECT_EQ(d.state(), FEE_NOTIFIED);  // nobody pays for the enterprise in http mode

  ActOutcome paid = ActSync(*service, kAcme, permit, EnterpriseAction::kPay);
  ASSERT_EQ(paid.result.outcome, Outcome::kOk) << paid.result.message;
  EXPECT_EQ(paid.dossier.state(), IN_REVIEW);  // paid, queued, taken by a free officer
  EXPECT_EQ(paid.dossier.client_ref(), "p");
  const ActOutcome again = ActSync(*service, kAcme, permit, EnterpriseAction::kPay);
  EXPECT_EQ(again.result.outcome, Outcome::kOk);
  EXPECT_EQ(again.dossier.state(), IN_REVIEW);
  const ActOutcome supplement = ActSync(*service, kAcme, permit, EnterpriseAction::kSupplement);
  EXPECT_EQ(supplement.result.outcome, Outcome::kConflict);
  EXPECT_EQ(supplement.result.code, "illegal_transition");
  EXPECT_NE(supplement.result.message.find("IN_REVIEW"), std::string::npos) << supplement.result.message;
  EXPECT_EQ(ActSync(*service, kOther, permit, EnterpriseAction::kWithdraw).result.outcome, Outcome::kNotFound);
  const ActOutcome withdrawn = ActSync(*service, kAcme, permit, EnterpriseAction::kWithdraw);
  EXPECT_EQ(withdrawn.result.outcome, Outcome::kOk);
  EXPECT_EQ(withdrawn.dossier.state(), WITHDRAWN);
  EXPECT_EQ(ActSync(*service, kAcme, permit, EnterpriseAction::kWithdraw).result.outcome, Outcome::kOk);
  // MOT.SHIP has no fee: paying can never be legal.
  const ActOutcome no_fee = ActSync(*service, kAcme, ship, EnterpriseAction::kPay);
  EXPECT_EQ(no_fee.result.outcome, Outcome::kConflict);
  Stats stats;
  service->GetStats(&stats);
  EXPECT_EQ(stats.total().withdrawn(), 1u);
}

TEST_F(ServiceTest, ActionsAreRefusedWhenSimulated) {
  auto service = Started(Options(ClockMode::kWall));
  const uint64_t id = SubmitSync(*service, kAcme, Request("MOT.PERMIT", "p")).reply.dossier_id();
  const ActOutcome o = ActSync(*service, kAcme, id, EnterpriseAction::kPay);
  EXPECT_EQ(o.result.outcome, Outcome::kConflict);
  EXPECT_EQ(o.result.code, "actions_simulated");
}

// 2000 submissions inside one reorder window, so that none is late whatever
// the order they arrive in.
std::vector<std::pair<std::string, SubmitRequest>> WindowWorkload() {
  std::vector<std::pair<std::string, SubmitRequest>> w;
  const char* procedures[] = {"MOT.SHIP", "MOT.PERMIT", "MOH.FOOD"};
  for (int i = 0; i < 2000; ++i) {
    const std::string enterprise = Numbered("01000000", 10 + i % 37);
    const int64_t at = kBase + (static_cast<int64_t>(i) * 7919 * kSecond) % (50 * kMinute);
    w.emplace_back(enterprise, Request(procedures[i % 3], Numbered("w", i), at));
  }
  return w;
}

TEST_F(ServiceTest, ThreadCountDoesNotChangeResults) {
  const auto work = WindowWorkload();
  std::string single;
  {
    TempDir dir;
    ServiceOptions options = Options(ClockMode::kTrace);
    options.journal.dir = dir.path();
    auto service = Started(options);
    for (const auto& [enterprise, request] : work) {
      ASSERT_EQ(SubmitSync(*service, enterprise, request).result.outcome, Outcome::kCreated);
    }
    ASSERT_EQ(ClockSync(*service, Advance(kBase + 90 * kDay)).result.outcome, Outcome::kOk);
    single = JournalledStats(*service);
  }
  auto service = Started(Options(ClockMode::kTrace));
  std::atomic<int> created{0};
  auto feed = [&](size_t parity) {
    for (size_t i = parity; i < work.size(); i += 2) {
      if (SubmitSync(*service, work[i].first, work[i].second).result.outcome == Outcome::kCreated) ++created;
    }
  };
  std::thread a(feed, 0), b(feed, 1);
  a.join();
  b.join();
  EXPECT_EQ(created.load(), 2000);
  ASSERT_EQ(ClockSync(*service, Advance(kBase + 90 * kDay)).result.outcome, Outcome::kOk);
  EXPECT_EQ(JournalledStats(*service), single);
}

// A trace with late arrivals and several days of activity, fed in order.
void FeedTrace(NswService& service, int from, int to) {
  for (int i = from; i < to; ++i) {
    // Mostly increasing timestamps with every 10th one two hours behind.
    const int64_t at = kBase + i * 10 * kMinute - (i % 10 == 0 ? 2 * kHour : 0);
    const std::string enterprise = Numbered("02000000", 10 + i % 23);
    const char* procedures[] = {"MOT.SHIP", "MOT.PERMIT", "MOH.FOOD"};
    ASSERT_EQ(SubmitSync(service, enterprise, Request(procedures[i % 3], Numbered("t", i), at)).result.outcome,
              Outcome::kCreated);
  }
}

TEST_F(ServiceTest, RestartReplaysTheJournalToTheSameState) {
  std::string expected_end, before_stop;
  {
    TempDir dir;
    ServiceOptions options = Options(ClockMode::kTrace, Durability::kAsync);
    options.journal.dir = dir.path();
    auto service = Started(options);
    FeedTrace(*service, 0, 600);
    ASSERT_EQ(ClockSync(*service, Advance(kBase + 60 * kDay)).result.outcome, Outcome::kOk);
    expected_end = JournalledStats(*service);
  }
  ServiceOptions options = Options(ClockMode::kTrace, Durability::kAsync);
  {
    auto service = Started(options);
    FeedTrace(*service, 0, 300);
    before_stop = JournalledStats(*service);
    service->Stop();
    EXPECT_FALSE(service->ready());
  }
  auto service = Started(options);
  EXPECT_EQ(JournalledStats(*service), before_stop);
  // Idempotency survives the restart.
  const SubmitOutcome again = SubmitSync(*service, "0200000010", Request("MOT.SHIP", "t0", kBase - 2 * kHour));
  EXPECT_EQ(again.result.outcome, Outcome::kOk);
  EXPECT_EQ(again.reply.dossier_id(), 1u);
  // Every replayed submission is indexed (recovery indexes them in batches
  // on the journal's reading thread).
  const char* procedures[] = {"MOT.SHIP", "MOT.PERMIT", "MOH.FOOD"};
  for (int i = 0; i < 300; ++i) {
    const int64_t at = kBase + i * 10 * kMinute - (i % 10 == 0 ? 2 * kHour : 0);
    const SubmitOutcome repeat = SubmitSync(*service, Numbered("02000000", 10 + i % 23),
                                            Request(procedures[i % 3], Numbered("t", i), at));
    ASSERT_EQ(repeat.result.outcome, Outcome::kOk) << i;
    ASSERT_EQ(repeat.reply.dossier_id(), static_cast<uint64_t>(i + 1)) << i;
  }
  FeedTrace(*service, 300, 600);
  ASSERT_EQ(ClockSync(*service, Advance(kBase + 60 * kDay)).result.outcome, Outcome::kOk);
  EXPECT_EQ(JournalledStats(*service), expected_end);
}

TEST_F(ServiceTest, WallClockResumesWhereTheJournalEnds) {
  ServiceOptions options = Options(ClockMode::kWall, Durability::kFsync);
  int64_t stopped_at = 0;
  {
    auto service = Started(options);
    ASSERT_EQ(SubmitSync(*service, kAcme, Request("MOT.SHIP", "x")).result.outcome, Outcome::kCreated);
    env_.AdvanceMicros(kHour);
    Stats s;
    service->GetStats(&s);
    stopped_at = s.sim_time_us();
    EXPECT_EQ(stopped_at, options.sim_start_us + kHour);
  }
  auto service = Started(options);
  Stats s;
  service->GetStats(&s);
  EXPECT_EQ(s.sim_time_us(), stopped_at);
  EXPECT_EQ(s.dossiers(), 1u);
  env_.AdvanceMicros(kMinute);
  service->GetStats(&s);
  EXPECT_EQ(s.sim_time_us(), stopped_at + kMinute);
}

TEST_F(ServiceTest, ARestartWithOtherSettingsIsRefused) {
  ServiceOptions options = Options(ClockMode::kTrace, Durability::kFsync);
  { auto service = Started(options); }
  options.seed = 43;
  NswService other(*catalog_, options, &env_, nullptr);
  EXPECT_FALSE(other.Start().ok());
  EXPECT_FALSE(other.ready());
  Dossier d;
  EXPECT_EQ(other.GetDossier(kAcme, 1, &d).outcome, Outcome::kUnavailable);
}

TEST_F(ServiceTest, JournalFailureMakesTheServiceUnready) {
  auto service = Started(Options(ClockMode::kTrace, Durability::kFsync));
  ASSERT_EQ(SubmitSync(*service, kAcme, Request("MOT.SHIP", "ok", kBase)).result.outcome, Outcome::kCreated);
  env_.FailWrites();
  const SubmitOutcome failed = SubmitSync(*service, kAcme, Request("MOT.SHIP", "lost", kBase));
  EXPECT_EQ(failed.result.outcome, Outcome::kUnavailable);
  EXPECT_FALSE(service->ready());
  const SubmitOutcome after = SubmitSync(*service, kAcme, Request("MOT.SHIP", "later", kBase));
  EXPECT_EQ(after.result.outcome, Outcome::kUnavailable);
  EXPECT_EQ(after.result.code, "journal_failed");
  // What was acknowledged is still readable; the lost one is not.
  Dossier d;
  EXPECT_EQ(service->FindDossier(kAcme, "ok", &d).outcome, Outcome::kOk);
  EXPECT_EQ(service->FindDossier(kAcme, "lost", &d).outcome, Outcome::kNotFound);
}

TEST_F(ServiceTest, NotStartedMeansUnavailable) {
  NswService service(*catalog_, Options(ClockMode::kTrace), &env_, nullptr);
  EXPECT_FALSE(service.ready());
  EXPECT_EQ(SubmitSync(service, kAcme, Request("MOT.SHIP", "x", kBase)).result.outcome, Outcome::kUnavailable);
  Stats s;
  service.GetStats(&s);
  EXPECT_EQ(s.dossiers(), 0u);
}

}  // namespace
}  // namespace testing
}  // namespace nsw
