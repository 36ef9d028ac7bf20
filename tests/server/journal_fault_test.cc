// The journal under injected faults (FaultInjectionEnv): a failed sync and a
// full disk never acknowledge and stop the journal; after a simulated crash
// (unsynced bytes dropped cleanly or torn page by page) recovery succeeds and
// finds every acknowledged record.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "server/fault_env.h"
#include "server/journal/env.h"
#include "server/journal/journal.h"
#include "server/journal_test_util.h"

namespace nsw {
namespace {

using namespace journal_test;

size_t PayloadFor(uint64_t seq) { return seq * 37 % 500; }

void ExpectPrefix(const Replayed& r, uint64_t at_least) {
  ASSERT_GE(r.records.size(), at_least);
  for (uint64_t i = 0; i < r.records.size(); ++i) {
    ASSERT_TRUE(SameRecord(r.records[i], MakeRecord(i + 1, PayloadFor(i + 1)))) << "sequence " << i + 1;
  }
}

class JournalFault : public ::testing::Test {
 protected:
  std::unique_ptr<Env> posix_ = NewPosixEnv();
  FaultInjectionEnv env_{posix_.get()};
  TempDir dir_;
};

TEST_F(JournalFault, FailedSyncNeverAcknowledgesAndStopsTheJournal) {
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(&env_, Options(dir_.path()), &j).ok());
  for (uint64_t seq = 1; seq <= 10; ++seq) ASSERT_TRUE(AppendDurably(j.get(), seq, 1, PayloadFor(seq)).ok());
  env_.SetSyncError(true);
  AckCounter acks;
  uint64_t appended = 0;
  for (uint64_t seq = 11; seq <= 20; ++seq) {
    JournalPosition pos;
    // Refused at once as soon as the writer has seen the failure.
    if (!j->Append(MakeRecord(seq, PayloadFor(seq)), &pos, acks.Callback()).ok()) break;
    ++appended;
  }
  ASSERT_GE(appended, 1u);
  acks.Wait(appended);
  EXPECT_EQ(acks.ok(), 0u);
  EXPECT_TRUE(acks.first_error().IsIoError());
  EXPECT_NE(acks.first_error().message().find("Input/output error"), std::string::npos);
  EXPECT_FALSE(j->healthy());
  bool called = false;
  JournalPosition pos;
  EXPECT_FALSE(j->Append(MakeRecord(21), &pos, [&](const Status&) { called = true; }).ok());
  EXPECT_FALSE(called);
  j->Close();

  // The failed sync persisted nothing: a power loss keeps exactly the acked.
  env_.SetSyncError(false);
  ASSERT_TRUE(env_.DropUnsyncedData(FaultInjectionEnv::CrashMode::kDropUnsynced, 7).ok());
  Replayed r;
  ASSERT_TRUE(OpenAndReplay(&env_, Options(dir_.path()), &j, &r).ok());
  ExpectPrefix(r, 10);
  EXPECT_EQ(r.records.size(), 10u);
  EXPECT_TRUE(j->healthy());
}

TEST_F(JournalFault, FullDiskNeverAcknowledgesAndTheTornFrameIsCutOnRestart) {
  for (Durability mode : {Durability::kFsync, Durability::kAsync}) {
    TempDir dir;
    std::unique_ptr<Journal> j;
    ASSERT_TRUE(OpenAndReplay(&env_, Options(dir.path(), mode), &j).ok());
    ASSERT_TRUE(AppendDurably(j.get(), 1, 5, 0).ok());
    env_.SetWriteBudget(1500);
    AckCounter acks;
    uint64_t appended = 5;
    for (uint64_t seq = 6; seq <= 60; ++seq) {
      JournalPosition pos;
      if (!j->Append(MakeRecord(seq, PayloadFor(seq)), &pos, acks.Callback()).ok()) break;
      appended = seq;
    }
    acks.Wait(appended - 5);
    EXPECT_LT(acks.ok(), appended - 5);
    EXPECT_NE(acks.first_error().message().find("No space left on device"), std::string::npos)
        << acks.first_error().ToString();
    EXPECT_FALSE(j->healthy());
    JournalPosition pos;
    EXPECT_FALSE(j->Append(MakeRecord(appended + 1), &pos, nullptr).ok());
    j->Close();

    env_.SetWriteBudget(-1);
    CapturedLog log;
    Replayed r;
    ASSERT_TRUE(OpenAndReplay(&env_, Options(dir.path(), mode), &j, &r, log.logger.get()).ok());
    ASSERT_GE(r.records.size(), 5 + acks.ok());
    for (uint64_t i = 5; i < r.records.size(); ++i) {
      ASSERT_TRUE(SameRecord(r.records[i], MakeRecord(i + 1, PayloadFor(i + 1))));
    }
    EXPECT_NE(log.text().find("torn tail"), std::string::npos) << log.text();
    EXPECT_GT(j->counters().torn_bytes, 0u);
    ASSERT_TRUE(AppendDurably(j.get(), r.records.size() + 1, 3, 10).ok());
    j->Close();
  }
}

// Appends records as fast as possible while the writer runs, stops the
// machine at a random moment, applies the crash, and restarts.
struct CrashCase {
  Durability durability;
  bool power_loss;  // else only the process died: nothing is dropped
  FaultInjectionEnv::CrashMode mode;
};

TEST_F(JournalFault, AfterACrashEveryAcknowledgedRecordIsRecovered) {
  const CrashCase cases[] = {
      {Durability::kFsync, true, FaultInjectionEnv::CrashMode::kDropUnsynced},
      {Durability::kFsync, true, FaultInjectionEnv::CrashMode::kTornUnsynced},
      {Durability::kAsync, false, FaultInjectionEnv::CrashMode::kDropUnsynced},
      {Durability::kAsync, true, FaultInjectionEnv::CrashMode::kTornUnsynced},
  };
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    const CrashCase& c = cases[seed % 4];
    SCOPED_TRACE("seed " + std::to_string(seed));
    TempDir dir;
    std::unique_ptr<Env> posix = NewPosixEnv();
    FaultInjectionEnv env(posix.get());
    std::mt19937_64 rng(seed);
    JournalOptions options = Options(dir.path(), c.durability, 4096);
    std::unique_ptr<Journal> j;
    ASSERT_TRUE(OpenAndReplay(&env, options, &j).ok());
    AckCounter acks;
    const uint64_t total = 100 + rng() % 200;
    const uint64_t freeze_at = 1 + rng() % total;
    for (uint64_t seq = 1; seq <= total; ++seq) {
      if (seq == freeze_at) env.Freeze(true);
      JournalPosition pos;
      if (!j->Append(MakeRecord(seq, PayloadFor(seq)), &pos, acks.Callback()).ok()) break;
      if (rng() % 16 == 0) std::this_thread::yield();
    }
    j->Close();
    // Acks come in sequence order, so the acknowledged records are 1..ok.
    const uint64_t acknowledged = acks.ok();

    env.Freeze(false);
    if (c.power_loss) {
      ASSERT_TRUE(env.DropUnsyncedData(c.mode, seed).ok());
    }
    Replayed r;
    Status s = OpenAndReplay(&env, options, &j, &r);
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (c.durability == Durability::kFsync || !c.power_loss) {
      ExpectPrefix(r, acknowledged);
    } else {
      ExpectPrefix(r, 0);
    }
    // The journal goes on after the cut, and a clean restart finds it all.
    const uint64_t recovered = r.records.size();
    for (uint64_t seq = recovered + 1; seq <= recovered + 20; ++seq) {
      ASSERT_TRUE(AppendDurably(j.get(), seq, 1, PayloadFor(seq)).ok());
    }
    j->Close();
    Replayed again;
    ASSERT_TRUE(OpenAndReplay(&env, options, &j, &again).ok());
    ExpectPrefix(again, recovered + 20);
    EXPECT_EQ(again.records.size(), recovered + 20);
    j->Close();
  }
}

}  // namespace
}  // namespace nsw
