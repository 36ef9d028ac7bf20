// The journal's write side in every durability mode: round trips through
// Append, Read and Replay; group commit; reads of records not yet written;
// callbacks in order and re-entrant; Append's preconditions; counters.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/fault_env.h"
#include "server/journal/env.h"
#include "server/journal/journal.h"
#include "server/journal/record_format.h"
#include "server/journal_test_util.h"

namespace nsw {
namespace {

using namespace journal_test;

void WaitUntil(const std::function<bool()>& condition) {
  for (int i = 0; i < 20000 && !condition(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(condition());
}

class JournalWriter : public ::testing::TestWithParam<Durability> {
 protected:
  std::unique_ptr<Env> env_ = NewPosixEnv();
  TempDir dir_;
};

TEST_P(JournalWriter, AppendReadReplayRoundTrip) {
  const uint64_t n = 300;
  std::vector<JournalPosition> positions;
  {
    std::unique_ptr<Journal> j;
    ASSERT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path(), GetParam(), 16 << 10), &j).ok());
    EXPECT_TRUE(j->healthy());
    AckCounter acks;
    for (uint64_t seq = 1; seq <= n; ++seq) {
      JournalPosition pos = 0;
      ASSERT_TRUE(j->Append(MakeRecord(seq, seq * 13 % 700), &pos, acks.Callback()).ok());
      positions.push_back(pos);
    }
    acks.Wait(n);
    EXPECT_EQ(acks.ok(), n);
    // Reads in any order, whether or not the record is on disk yet.
    for (uint64_t i = n; i-- > 0;) {
      JournalRecord r;
      ASSERT_TRUE(j->Read(positions[i], &r).ok()) << i;
      ASSERT_TRUE(SameRecord(r, MakeRecord(i + 1, (i + 1) * 13 % 700)));
    }
    EXPECT_EQ(j->last_sequence(), n);
    Journal::Counters c = j->counters();
    EXPECT_EQ(c.records, n);
    EXPECT_GT(c.bytes, n * 8);
    if (GetParam() == Durability::kNone) {
      EXPECT_FALSE(env_->FileExists(SegmentPath(dir_.path(), 1)));
    } else {
      EXPECT_GT(c.syncs, 0u);
      EXPECT_GE(c.segments, 2u);
    }
    j->Close();
    EXPECT_TRUE(j->Append(MakeRecord(n + 1), &positions[0], nullptr).IsUnavailable());
  }
  std::unique_ptr<Journal> j;
  Replayed r;
  ASSERT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path(), GetParam(), 16 << 10), &j, &r).ok());
  if (GetParam() == Durability::kNone) {
    EXPECT_TRUE(r.records.empty());
    EXPECT_EQ(j->last_sequence(), 0u);
    return;
  }
  ASSERT_EQ(r.records.size(), n);
  EXPECT_EQ(r.positions, positions);
  for (uint64_t i = 0; i < n; ++i) ASSERT_TRUE(SameRecord(r.records[i], MakeRecord(i + 1, (i + 1) * 13 % 700)));
  EXPECT_EQ(j->last_sequence(), n);
  EXPECT_EQ(j->counters().recovered_records, n);
  // Appending continues where the journal ended, readable by old positions too.
  ASSERT_TRUE(AppendDurably(j.get(), n + 1, 5, 100).ok());
  JournalRecord rec;
  ASSERT_TRUE(j->Read(positions[7], &rec).ok());
  EXPECT_EQ(rec.sequence(), 8u);
}

TEST_P(JournalWriter, CallbacksRunInSequenceOrderAndMayAppend) {
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path(), GetParam()), &j).ok());
  std::mutex mu;
  std::vector<uint64_t> order;
  std::atomic<uint64_t> appended{0};
  const uint64_t n = 200;
  std::function<void(uint64_t)> append_from_callback;
  // Each durable callback appends the next record: a callback may call Append.
  append_from_callback = [&](uint64_t seq) {
    JournalPosition pos;
    Status s = j->Append(MakeRecord(seq, 50), &pos, [&, seq](const Status& st) {
      ASSERT_TRUE(st.ok());
      {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(seq);
      }
      if (seq < n) append_from_callback(seq + 1);
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    appended++;
  };
  append_from_callback(1);
  WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return order.size() == n;
  });
  for (uint64_t i = 0; i < n; ++i) EXPECT_EQ(order[i], i + 1);
  j->Close();
}

TEST_P(JournalWriter, AppendPreconditions) {
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(Journal::Open(env_.get(), Options(dir_.path(), GetParam()), TestFingerprint(), nullptr, &j).ok());
  JournalPosition pos = 0;
  bool called = false;
  EXPECT_EQ(j->Append(MakeRecord(1), &pos, [&](const Status&) { called = true; }).code(),
            Status::Code::kFailedPrecondition);
  ASSERT_TRUE(j->Replay([](const JournalRecord&, JournalPosition) {}).ok());
  EXPECT_EQ(j->Replay([](const JournalRecord&, JournalPosition) {}).code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(j->Append(MakeRecord(2), &pos, [&](const Status&) { called = true; }).IsInvalidArgument());
  ASSERT_TRUE(AppendDurably(j.get(), 1, 1, 10).ok());
  EXPECT_TRUE(j->Append(MakeRecord(1), &pos, [&](const Status&) { called = true; }).IsInvalidArgument());
  JournalRecord big = MakeRecord(2);
  big.mutable_submission()->set_payload(std::string(journal_format::kMaxPayload, 'x'));
  EXPECT_TRUE(j->Append(big, &pos, [&](const Status&) { called = true; }).IsInvalidArgument());
  EXPECT_TRUE(j->Read(journal_format::MakePosition(9, 1234), &big).IsNotFound());
  j->Close();
  EXPECT_FALSE(called);
}

INSTANTIATE_TEST_SUITE_P(Modes, JournalWriter,
                         ::testing::Values(Durability::kFsync, Durability::kAsync, Durability::kNone),
                         [](const ::testing::TestParamInfo<Durability>& p) {
                           return p.param == Durability::kFsync ? "Fsync"
                                  : p.param == Durability::kAsync ? "Async"
                                                                  : "None";
                         });

TEST(JournalNone, NothingOnDiskAndCallbacksInsideAppend) {
  TempDir dir;
  auto env = NewPosixEnv();
  std::string data = dir.Sub("data");
  CapturedLog log;
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(env.get(), Options(data, Durability::kNone), &j, nullptr, log.logger.get()).ok());
  EXPECT_FALSE(env->FileExists(data));
  EXPECT_NE(log.text().find("keeps nothing on disk"), std::string::npos);
  bool called = false;
  JournalPosition pos = 0;
  ASSERT_TRUE(j->Append(MakeRecord(1), &pos, [&](const Status& s) { called = s.ok(); }).ok());
  EXPECT_TRUE(called);
  JournalRecord r;
  ASSERT_TRUE(j->Read(pos, &r).ok());
  EXPECT_TRUE(SameRecord(r, MakeRecord(1)));
  EXPECT_TRUE(j->healthy());
}

TEST(JournalGroupCommit, OneSyncCoversEverythingThatArrivedMeanwhile) {
  TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir.path()), &j).ok());
  AckCounter acks;
  env.BlockSyncs(true);
  JournalPosition first = 0;
  ASSERT_TRUE(j->Append(MakeRecord(1), &first, acks.Callback()).ok());
  WaitUntil([&] { return env.blocked_syncs() == 1; });
  uint64_t syncs_before = env.syncs();
  // The writer is stuck in the sync for record 1: Append must not block.
  std::vector<JournalPosition> positions;
  for (uint64_t seq = 2; seq <= 100; ++seq) {
    JournalPosition pos = 0;
    ASSERT_TRUE(j->Append(MakeRecord(seq), &pos, acks.Callback()).ok());
    positions.push_back(pos);
  }
  EXPECT_EQ(acks.done(), 0u);
  EXPECT_EQ(j->counters().queued_records, 100u);  // record 1 is still in flight
  // Queued records are readable before they are written.
  JournalRecord r;
  ASSERT_TRUE(j->Read(positions[48], &r).ok());
  EXPECT_EQ(r.sequence(), 50u);
  env.BlockSyncs(false);
  acks.Wait(100);
  EXPECT_EQ(acks.ok(), 100u);
  // Record 1's sync, then one sync for the 99 that queued behind it.
  EXPECT_EQ(env.syncs() - syncs_before, 2u);
  EXPECT_EQ(j->counters().queued_records, 0u);
  j->Close();
}

TEST(JournalGroupCommit, RecordsBeingWrittenAreReadFromMemory) {
  TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir.path()), &j).ok());
  AckCounter acks;
  env.BlockWrites(true);
  JournalPosition pos = 0;
  ASSERT_TRUE(j->Append(MakeRecord(1, 333), &pos, acks.Callback()).ok());
  WaitUntil([&] { return env.blocked_writers() == 1; });
  JournalRecord r;
  ASSERT_TRUE(j->Read(pos, &r).ok());
  EXPECT_TRUE(SameRecord(r, MakeRecord(1, 333)));
  env.BlockWrites(false);
  acks.Wait(1);
  ASSERT_TRUE(j->Read(pos, &r).ok());
  EXPECT_TRUE(SameRecord(r, MakeRecord(1, 333)));
  EXPECT_EQ(r.synced_sequence(), 0u);
  j->Close();
}

TEST(JournalAsync, AcknowledgesAfterWriteAndSyncsAtClose) {
  TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir.path(), Durability::kAsync), &j).ok());
  env.BlockSyncs(true);  // a sync would hang: the acks must not need one
  AckCounter acks;
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    JournalPosition pos;
    ASSERT_TRUE(j->Append(MakeRecord(seq), &pos, acks.Callback()).ok());
  }
  acks.Wait(50);
  EXPECT_EQ(acks.ok(), 50u);
  env.BlockSyncs(false);
  uint64_t syncs_before = env.syncs();
  j->Close();
  EXPECT_GE(env.syncs(), syncs_before + 1);
  // A power loss now loses nothing: Close synced.
  ASSERT_TRUE(env.DropUnsyncedData(FaultInjectionEnv::CrashMode::kDropUnsynced, 1).ok());
  Replayed r;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir.path(), Durability::kAsync), &j, &r).ok());
  EXPECT_EQ(r.records.size(), 50u);
}

TEST(JournalAsync, SyncsAtLeastOnceASecond) {
  TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir.path(), Durability::kAsync), &j).ok());
  uint64_t syncs_before = env.syncs();
  ASSERT_TRUE(AppendDurably(j.get(), 1, 3, 100).ok());
  // No further traffic: the writer must still sync what it wrote.
  WaitUntil([&] { return env.syncs() > syncs_before; });
  ASSERT_TRUE(env.DropUnsyncedData(FaultInjectionEnv::CrashMode::kDropUnsynced, 1).ok());
  j.reset();
  Replayed r;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir.path(), Durability::kAsync), &j, &r).ok());
  EXPECT_EQ(r.records.size(), 3u);
}

}  // namespace
}  // namespace nsw
