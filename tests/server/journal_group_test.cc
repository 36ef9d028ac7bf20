// The journal's write path as the service uses it: the group callback (one
// call per group commit, covering every record answered since the previous
// one, in order, in every durability mode and on failure), and segments
// prepared ahead as zero-filled files (PosixEnv's PreallocateFile and
// ReuseWritableFile): rotation into them, a clean close that leaves no zeros,
// and a crash that leaves them (a torn tail recovery cuts).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "server/fault_env.h"
#include "server/journal/env.h"
#include "server/journal/journal.h"
#include "server/journal/record_format.h"
#include "server/journal_test_util.h"

namespace nsw {
namespace {

using namespace journal_test;

// Records every group callback; Wait blocks until `last` is covered.
class GroupLog {
 public:
  Journal::GroupCallback Callback() {
    return [this](uint64_t last, const Status& s) {
      std::lock_guard<std::mutex> lock(mu_);
      groups_.emplace_back(last, s);
      cv_.notify_all();
    };
  }
  void Wait(uint64_t last) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !groups_.empty() && groups_.back().first >= last; });
  }
  std::vector<std::pair<uint64_t, Status>> groups() {
    std::lock_guard<std::mutex> lock(mu_);
    return groups_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<uint64_t, Status>> groups_;
};

class JournalGroup : public ::testing::TestWithParam<Durability> {
 protected:
  std::unique_ptr<Env> env_ = NewPosixEnv();
  TempDir dir_;
};

TEST_P(JournalGroup, GroupsCoverEveryRecordInOrderAfterTheirOwnCallbacks) {
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path(), GetParam(), 16 << 10), &j).ok());
  GroupLog log;
  std::atomic<uint64_t> own_callbacks{0};
  std::atomic<bool> own_before_group{true};
  uint64_t answered_by_groups = 0;  // read in the group callback only
  j->SetGroupCallback([&, inner = log.Callback()](uint64_t last, const Status& s) {
    // Every record of the group had its own callback first.
    if (own_callbacks.load() < last) own_before_group = false;
    answered_by_groups = last;
    inner(last, s);
  });
  const uint64_t n = 500;
  for (uint64_t seq = 1; seq <= n; ++seq) {
    JournalPosition pos = 0;
    // Every third record has its own callback; the others rely on the group.
    Journal::DurableCallback own = [&](const Status&) { own_callbacks.fetch_add(3); };
    ASSERT_TRUE(j->Append(MakeRecord(seq, seq % 300), &pos, seq % 3 == 0 ? own : nullptr).ok());
    if (seq % 3 != 0) own_callbacks.fetch_add(1);
  }
  log.Wait(n);
  auto groups = log.groups();
  ASSERT_FALSE(groups.empty());
  uint64_t previous = 0;
  for (const auto& [last, status] : groups) {
    EXPECT_TRUE(status.ok()) << status.ToString();
    EXPECT_GT(last, previous);
    previous = last;
  }
  EXPECT_EQ(previous, n);
  EXPECT_EQ(answered_by_groups, n);
  if (GetParam() == Durability::kNone) {
    EXPECT_EQ(groups.size(), n);  // inline, one per Append
  }
  j->Close();
}

TEST_P(JournalGroup, AFailedWriteAnswersEverythingQueuedAsOneFailedGroup) {
  if (GetParam() == Durability::kNone) GTEST_SKIP() << "nothing on disk to fail";
  FaultInjectionEnv env(env_.get());
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(&env, Options(dir_.path(), GetParam()), &j).ok());
  GroupLog log;
  j->SetGroupCallback(log.Callback());
  ASSERT_TRUE(AppendDurably(j.get(), 1, 3, 50).ok());
  log.Wait(3);
  env.SetWriteBudget(0);  // the disk is full
  for (uint64_t seq = 4; seq <= 40; ++seq) {
    JournalPosition pos = 0;
    Status s = j->Append(MakeRecord(seq, 50), &pos, nullptr);
    if (!s.ok()) break;  // the journal has failed already: later Appends are refused
  }
  for (int i = 0; i < 20000 && j->healthy(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_FALSE(j->healthy());
  const uint64_t queued = j->last_sequence();
  log.Wait(queued);
  auto groups = log.groups();
  ASSERT_GE(groups.size(), 2u);
  EXPECT_FALSE(groups.back().second.ok());
  EXPECT_EQ(groups.back().first, queued);
  for (const auto& [last, status] : groups) {
    if (last <= 3) {
      EXPECT_TRUE(status.ok()) << last;
    }
  }
  j->Close();
}

INSTANTIATE_TEST_SUITE_P(Modes, JournalGroup,
                         ::testing::Values(Durability::kFsync, Durability::kAsync, Durability::kNone),
                         [](const auto& info) {
                           switch (info.param) {
                             case Durability::kFsync: return std::string("Fsync");
                             case Durability::kAsync: return std::string("Async");
                             case Durability::kNone: return std::string("None");
                           }
                           return std::string("Unknown");
                         });

TEST(PosixPreallocation, ReusedFileIsOverwrittenFromTheStartAndTrimmed) {
  TempDir dir;
  auto env = NewPosixEnv();
  const std::string prepared = dir.path() + "/prepared.tmp";
  const std::string target = dir.path() + "/target";
  ASSERT_TRUE(env->PreallocateFile(prepared, 3 << 20).ok());
  uint64_t size = 0;
  ASSERT_TRUE(env->GetFileSize(prepared, &size).ok());
  EXPECT_EQ(size, 3u << 20);
  EXPECT_EQ(ReadWholeFile(prepared), std::string(3 << 20, '\0'));

  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env->ReuseWritableFile(prepared, target, &f).ok());
  EXPECT_FALSE(env->FileExists(prepared));
  ASSERT_TRUE(f->Append("hello ").ok());
  ASSERT_TRUE(f->Append("world").ok());
  ASSERT_TRUE(f->Sync().ok());
  // Written over the zeros, which are still there until trimmed.
  std::string bytes = ReadWholeFile(target);
  ASSERT_EQ(bytes.size(), 3u << 20);
  EXPECT_EQ(bytes.substr(0, 11), "hello world");
  EXPECT_EQ(bytes.find_first_not_of('\0', 11), std::string::npos);
  ASSERT_TRUE(f->TrimToWritten().ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(ReadWholeFile(target), "hello world");

  // A file that only grew has nothing to trim.
  ASSERT_TRUE(env->NewWritableFile(target, &f).ok());
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(f->TrimToWritten().ok());
  ASSERT_TRUE(f->Close().ok());
  EXPECT_EQ(ReadWholeFile(target), "abc");
}

TEST(PosixPreallocation, WrappingEnvsDoNotPreallocate) {
  TempDir dir;
  auto posix = NewPosixEnv();
  FaultInjectionEnv env(posix.get());
  EXPECT_FALSE(env.PreallocateFile(dir.path() + "/x", 4096).ok());
  EXPECT_FALSE(env.FileExists(dir.path() + "/x"));
}

// Segments after the first go into prepared files; everything reads back,
// and a clean close leaves every segment ending at its last record.
TEST(PosixPreallocation, RotationIntoPreparedSegmentsRoundTrips) {
  TempDir dir;
  auto env = NewPosixEnv();
  const uint64_t segment = 64 << 10;
  const uint64_t n = 600;
  std::vector<JournalPosition> positions;
  bool saw_prepared = false;
  {
    std::unique_ptr<Journal> j;
    JournalOptions options = Options(dir.path(), Durability::kFsync, segment);
    options.preallocate = true;
    ASSERT_TRUE(OpenAndReplay(env.get(), options, &j).ok());
    for (uint64_t seq = 1; seq <= n; ++seq) {
      ASSERT_TRUE(AppendDurably(j.get(), seq, 1, 400, &positions).ok());
      saw_prepared = saw_prepared || env->FileExists(dir.path() + "/journal-next.tmp");
    }
    EXPECT_GE(j->counters().segments, 4u);
    for (uint64_t i = 0; i < n; ++i) {
      JournalRecord r;
      ASSERT_TRUE(j->Read(positions[i], &r).ok()) << i;
      ASSERT_TRUE(SameRecord(r, MakeRecord(i + 1, 400))) << i;
    }
    j->Close();
  }
  EXPECT_TRUE(saw_prepared);
  EXPECT_FALSE(env->FileExists(dir.path() + "/journal-next.tmp"));  // removed at close
  // No segment ends in zeros after a clean close: nothing to cut (torn_bytes).
  std::unique_ptr<Journal> j;
  Replayed r;
  CapturedLog log;
  ASSERT_TRUE(OpenAndReplay(env.get(), Options(dir.path(), Durability::kFsync, segment), &j, &r,
                            log.logger.get())
                  .ok());
  ASSERT_EQ(r.records.size(), n);
  EXPECT_EQ(r.positions, positions);
  EXPECT_EQ(j->counters().torn_bytes, 0u) << log.text();
}

// What kill -9 leaves in a prepared segment: records, then zeros. Recovery
// cuts the zeros as a torn tail and keeps every record; appending goes on.
TEST(PosixPreallocation, ZerosAfterTheLastRecordAreCutAsATornTail) {
  TempDir dir;
  auto env = NewPosixEnv();
  const std::string path = SegmentPath(dir.path(), 1);
  ASSERT_TRUE(env->PreallocateFile(dir.path() + "/journal-next.tmp", 256 << 10).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env->ReuseWritableFile(dir.path() + "/journal-next.tmp", path, &f).ok());
  std::string bytes = journal_format::EncodeSegmentHeaderFrame(TestFingerprint(), 1);
  for (uint64_t seq = 1; seq <= 20; ++seq) {
    std::string payload;
    ASSERT_TRUE(journal_format::EncodeRecordPayload(MakeRecord(seq, 300), &payload).ok());
    journal_format::SetSyncedSequence(payload.data(), payload.size(), seq - 1);
    journal_format::AppendFrame(payload, &bytes);
  }
  ASSERT_TRUE(f->Append(bytes).ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Close().ok());  // no trim: as a killed server leaves it

  for (int round = 0; round < 2; ++round) {
    std::unique_ptr<Journal> j;
    Replayed r;
    CapturedLog log;
    ASSERT_TRUE(OpenAndReplay(env.get(), Options(dir.path()), &j, &r, log.logger.get()).ok()) << log.text();
    ASSERT_EQ(r.records.size(), 20u + 5 * round);
    for (size_t i = 0; i < r.records.size(); ++i) {
      ASSERT_TRUE(SameRecord(r.records[i], MakeRecord(i + 1, i < 20 ? 300 : 70))) << i;
    }
    if (round == 0) {
      EXPECT_EQ(j->counters().torn_bytes, (256u << 10) - bytes.size());
    } else {
      EXPECT_EQ(j->counters().torn_bytes, 0u);
    }
    ASSERT_TRUE(AppendDurably(j.get(), r.records.size() + 1, round == 0 ? 5 : 1, 70).ok());
    j->Close();
  }
}

}  // namespace
}  // namespace nsw
