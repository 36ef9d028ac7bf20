// Journal recovery (the rule in server/journal/file_journal.h): torn tails
// cut at every offset, damage to synced records refused with file, offset and
// reason and nothing modified, a bad record followed by good ones inside the
// unsynced window, segment headers, fingerprints, --fresh and the lock.
#include <gtest/gtest.h>

#include <map>

#include "server/journal/env.h"
#include "server/journal/journal.h"
#include "server/journal/record_format.h"
#include "server/journal_test_util.h"

namespace nsw {
namespace {

using namespace journal_test;

// Every file in dir and its bytes, to prove recovery modified nothing.
std::map<std::string, std::string> Snapshot(Env* env, const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(env->GetChildren(dir, &names).ok());
  std::map<std::string, std::string> out;
  for (const std::string& n : names) {
    if (n != "LOCK") out[n] = ReadWholeFile(dir + "/" + n);  // created by the first Open
  }
  return out;
}

class JournalRecovery : public ::testing::Test {
 protected:
  // Writes `count` records one sync each (so record k+1 attests k), closes,
  // and returns their positions.
  std::vector<JournalPosition> WriteJournal(uint64_t count, size_t payload, uint64_t segment_size = 64ull << 20) {
    std::unique_ptr<Journal> j;
    EXPECT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path(), Durability::kFsync, segment_size), &j).ok());
    std::vector<JournalPosition> positions;
    EXPECT_TRUE(AppendDurably(j.get(), 1, count, payload, &positions).ok());
    j->Close();
    return positions;
  }

  Status Recover(Replayed* out, spdlog::logger* log = nullptr, const Fingerprint& fp = TestFingerprint()) {
    std::unique_ptr<Journal> j;
    Status s = OpenAndReplay(env_.get(), Options(dir_.path()), &j, out, log, fp);
    if (j) j->Close();
    return s;
  }

  void ExpectRecords(const Replayed& r, uint64_t count) {
    ASSERT_EQ(r.records.size(), count);
    for (uint64_t i = 0; i < count; ++i) {
      ASSERT_TRUE(SameRecord(r.records[i], MakeRecord(i + 1, payload_))) << "sequence " << i + 1;
    }
  }

  std::unique_ptr<Env> env_ = NewPosixEnv();
  TempDir dir_;
  size_t payload_ = 40;
};

TEST_F(JournalRecovery, TruncationAtEveryOffsetOfTheLastRecordsIsATornTail) {
  const uint64_t n = 6;
  std::vector<JournalPosition> pos = WriteJournal(n, payload_);
  std::string path = SegmentPath(dir_.path(), 1);
  std::string pristine = ReadWholeFile(path);
  uint64_t from = journal_format::PositionOffset(pos[n - 3]);
  for (uint64_t cut = from; cut <= pristine.size(); ++cut) {
    WriteWholeFile(path, pristine.substr(0, cut));
    // Records wholly before the cut survive; the partial one is cut off.
    uint64_t complete = 0;
    uint64_t keep = journal_format::PositionOffset(pos[0]);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t end = i + 1 < n ? journal_format::PositionOffset(pos[i + 1]) : pristine.size();
      if (end <= cut) {
        complete = i + 1;
        keep = end;
      }
    }
    CapturedLog log;
    Replayed r;
    ASSERT_TRUE(Recover(&r, log.logger.get()).ok()) << "cut at " << cut;
    ExpectRecords(r, complete);
    EXPECT_EQ(ReadWholeFile(path).size(), keep) << "cut at " << cut;
    if (cut != keep) {
      EXPECT_NE(log.text().find("torn tail"), std::string::npos);
    }
  }
}

TEST_F(JournalRecovery, CorruptingEveryByteOfTheLastRecords) {
  const uint64_t n = 6;
  std::vector<JournalPosition> pos = WriteJournal(n, payload_);
  std::string path = SegmentPath(dir_.path(), 1);
  std::string pristine = ReadWholeFile(path);
  for (uint64_t rec = n - 3; rec < n; ++rec) {
    uint64_t start = journal_format::PositionOffset(pos[rec]);
    uint64_t end = rec + 1 < n ? journal_format::PositionOffset(pos[rec + 1]) : pristine.size();
    for (uint64_t b = start; b < end; ++b) {
      std::string bad = pristine;
      bad[b] = static_cast<char>(bad[b] ^ 0x5a);
      WriteWholeFile(path, bad);
      Replayed r;
      Status s = Recover(&r);
      if (rec + 1 == n) {
        // Nothing after it: it may have been in flight when the machine died.
        ASSERT_TRUE(s.ok()) << "byte " << b << ": " << s.ToString();
        ExpectRecords(r, n - 1);
        ASSERT_EQ(ReadWholeFile(path), pristine.substr(0, start)) << "byte " << b;
      } else {
        // The next record was written after this one's sync: not a torn write.
        ASSERT_TRUE(s.IsCorruption()) << "byte " << b << ": " << s.ToString();
        EXPECT_NE(s.message().find(path + ": offset " + std::to_string(start) + ": "), std::string::npos)
            << s.message();
        ASSERT_EQ(ReadWholeFile(path), bad) << "byte " << b;
      }
    }
  }
}

// Records 1..5 each synced (record k+1 says synced through k), then 6..9
// written in one batch after the sync through 5 that never completed again.
class UnsyncedWindow : public JournalRecovery {
 protected:
  void SetUp() override {
    for (uint64_t seq = 1; seq <= 9; ++seq) builder_.Add(MakeRecord(seq, payload_), seq <= 5 ? seq - 1 : 5);
    path_ = SegmentPath(dir_.path(), 1);
  }
  uint64_t End(size_t i) const { return i + 1 < builder_.count() ? builder_.offset(i + 1) : builder_.bytes().size(); }
  SegmentBuilder builder_{1};
  std::string path_;
};

TEST_F(UnsyncedWindow, BadRecordFollowedByGoodOnesIsCutWithThem) {
  for (size_t rec = 5; rec < 9; ++rec) {  // sequences 6..9
    for (uint64_t b = builder_.offset(rec); b < End(rec); ++b) {
      std::string bad = builder_.bytes();
      bad[b] = static_cast<char>(bad[b] ^ 0x21);
      WriteWholeFile(path_, bad);
      CapturedLog log;
      Replayed r;
      Status s = Recover(&r, log.logger.get());
      ASSERT_TRUE(s.ok()) << "sequence " << rec + 1 << " byte " << b << ": " << s.ToString();
      ExpectRecords(r, rec);
      ASSERT_EQ(ReadWholeFile(path_), builder_.bytes().substr(0, builder_.offset(rec)));
      std::string dropped = std::to_string(8 - rec);
      dropped += " intact but unsynced records after it dropped";
      EXPECT_NE(log.text().find(dropped), std::string::npos) << log.text();
    }
  }
}

TEST_F(UnsyncedWindow, LostPagesInsideTheWindowAreATornTail) {
  // Record 7 never reached the disk (zeros) while 8 and 9 did.
  std::string bytes = builder_.bytes();
  for (uint64_t b = builder_.offset(6); b < builder_.offset(7); ++b) bytes[b] = '\0';
  WriteWholeFile(path_, bytes);
  Replayed r;
  ASSERT_TRUE(Recover(&r).ok());
  ExpectRecords(r, 6);
  EXPECT_EQ(ReadWholeFile(path_).size(), builder_.offset(6));
}

TEST_F(UnsyncedWindow, DamageToSyncedRecordsIsRefused) {
  for (size_t rec = 0; rec < 5; ++rec) {  // sequences 1..5: the window proves them synced
    for (uint64_t b = builder_.offset(rec); b < End(rec); b += 3) {
      std::string bad = builder_.bytes();
      bad[b] = static_cast<char>(bad[b] ^ 0x21);
      WriteWholeFile(path_, bad);
      auto before = Snapshot(env_.get(), dir_.path());
      Replayed r;
      Status s = Recover(&r);
      ASSERT_TRUE(s.IsCorruption()) << "sequence " << rec + 1 << " byte " << b;
      EXPECT_NE(s.message().find(path_ + ": offset " + std::to_string(builder_.offset(rec))), std::string::npos)
          << s.message();
      EXPECT_NE(s.message().find("had been synced"), std::string::npos) << s.message();
      ASSERT_EQ(Snapshot(env_.get(), dir_.path()), before);
    }
  }
}

TEST_F(JournalRecovery, CorruptedMiddleRecordRefusedWithFileOffsetReasonAndUntouched) {
  std::vector<JournalPosition> pos = WriteJournal(20, 300);
  uint64_t off = journal_format::PositionOffset(pos[11]);  // sequence 12, a submission
  std::string path = SegmentPath(dir_.path(), 1);
  std::string bytes = ReadWholeFile(path);
  bytes[off + 100] = static_cast<char>(bytes[off + 100] ^ 1);
  WriteWholeFile(path, bytes);
  auto before = Snapshot(env_.get(), dir_.path());
  Replayed r;
  Status s = Recover(&r);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_EQ(s.message().rfind(path + ": offset " + std::to_string(off) + ": checksum mismatch", 0), 0u)
      << s.message();
  EXPECT_EQ(Snapshot(env_.get(), dir_.path()), before);
}

TEST_F(JournalRecovery, RotationAndMultiSegmentReplay) {
  std::vector<JournalPosition> pos = WriteJournal(60, 200, 2048);
  uint32_t segments = journal_format::PositionSegment(pos.back());
  ASSERT_GE(segments, 5u);
  for (uint32_t s = 1; s <= segments; ++s) {
    uint64_t size = 0;
    ASSERT_TRUE(env_->GetFileSize(SegmentPath(dir_.path(), s), &size).ok());
    EXPECT_LE(size, 2048u) << "segment " << s;
  }
  Replayed r;
  ASSERT_TRUE(Recover(&r).ok());
  payload_ = 200;
  ExpectRecords(r, 60);
  EXPECT_EQ(r.positions, pos);
}

TEST_F(JournalRecovery, ReplayWithoutPayloadsDropsOnlyThePayloads) {
  std::vector<JournalPosition> pos = WriteJournal(60, 200, 2048);
  JournalOptions options = Options(dir_.path());
  options.replay_payloads = false;
  std::unique_ptr<Journal> j;
  Replayed r;
  ASSERT_TRUE(OpenAndReplay(env_.get(), options, &j, &r).ok());
  ASSERT_EQ(r.records.size(), 60u);
  size_t submissions = 0;
  for (uint64_t i = 0; i < 60; ++i) {
    JournalRecord want = MakeRecord(i + 1, 200);
    if (want.has_submission()) {
      ++submissions;
      EXPECT_TRUE(r.records[i].submission().payload().empty()) << "sequence " << i + 1;
      want.mutable_submission()->clear_payload();
    }
    EXPECT_TRUE(SameRecord(r.records[i], want)) << "sequence " << i + 1;
  }
  EXPECT_GT(submissions, 0u);
  EXPECT_EQ(r.positions, pos);
  // The payload is still in the journal, where Read finds it.
  JournalRecord read;
  ASSERT_TRUE(j->Read(pos[0], &read).ok());
  EXPECT_TRUE(SameRecord(read, MakeRecord(1, 200)));
  j->Close();
}

TEST_F(JournalRecovery, DamageInAnEarlierSegmentIsCorruptionEvenAtItsEnd) {
  WriteJournal(40, 200, 2048);
  std::string seg1 = SegmentPath(dir_.path(), 1);
  std::string pristine = ReadWholeFile(seg1);
  WriteWholeFile(seg1, pristine.substr(0, pristine.size() - 3));
  auto before = Snapshot(env_.get(), dir_.path());
  Replayed r;
  Status s = Recover(&r);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(seg1 + ": offset "), std::string::npos) << s.message();
  EXPECT_EQ(Snapshot(env_.get(), dir_.path()), before);

  std::string bad = pristine;
  bad[pristine.size() - 1] = static_cast<char>(bad[pristine.size() - 1] ^ 0x40);
  WriteWholeFile(seg1, bad);
  s = Recover(&r);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("checksum mismatch"), std::string::npos) << s.message();
}

TEST_F(JournalRecovery, MissingSegmentRefused) {
  WriteJournal(40, 200, 2048);
  ASSERT_TRUE(env_->RemoveFile(SegmentPath(dir_.path(), 2)).ok());
  Replayed r;
  Status s = Recover(&r);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("journal-00000002.log: missing"), std::string::npos) << s.message();
}

TEST_F(JournalRecovery, SegmentTornAtCreationIsRemovedAndRecreated) {
  std::vector<JournalPosition> pos = WriteJournal(20, 200, 2048);
  uint32_t last = journal_format::PositionSegment(pos.back());
  std::string header = journal_format::EncodeSegmentHeaderFrame(TestFingerprint(), 21);
  std::string next = SegmentPath(dir_.path(), last + 1);
  for (size_t len : {size_t{0}, size_t{5}, header.size() - 1}) {
    WriteWholeFile(next, header.substr(0, len) + std::string(len == 0 ? 0 : 100, '\0'));
    CapturedLog log;
    Replayed r;
    ASSERT_TRUE(Recover(&r, log.logger.get()).ok()) << "header bytes " << len;
    payload_ = 200;
    ExpectRecords(r, 20);
    EXPECT_FALSE(env_->FileExists(next));
    EXPECT_NE(log.text().find("torn at creation"), std::string::npos) << log.text();
  }
  // The journal goes on, and rotates into the next segment again.
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path(), Durability::kFsync, 2048), &j).ok());
  ASSERT_TRUE(AppendDurably(j.get(), 21, 20, 200).ok());
  j->Close();
  EXPECT_TRUE(env_->FileExists(next));
  Replayed r;
  ASSERT_TRUE(Recover(&r).ok());
  ExpectRecords(r, 40);
}

TEST_F(JournalRecovery, DamagedHeaderFollowedByRecordsIsCorruption) {
  std::vector<JournalPosition> pos = WriteJournal(20, 200, 2048);
  uint32_t last = journal_format::PositionSegment(pos.back());
  for (uint32_t seg : {last, 1u}) {
    std::string path = SegmentPath(dir_.path(), seg);
    std::string pristine = ReadWholeFile(path);
    std::string bad = pristine;
    bad[10] = static_cast<char>(bad[10] ^ 0x08);
    WriteWholeFile(path, bad);
    auto before = Snapshot(env_.get(), dir_.path());
    Replayed r;
    Status s = Recover(&r);
    ASSERT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(path + ": offset 0: segment header: checksum mismatch"), std::string::npos)
        << s.message();
    EXPECT_EQ(Snapshot(env_.get(), dir_.path()), before);
    WriteWholeFile(path, pristine);
  }
}

TEST_F(JournalRecovery, IntactFrameWithWrongSequenceIsCorruptionEvenAtTheTail) {
  SegmentBuilder b(1);
  b.Add(MakeRecord(1, payload_), 0);
  b.Add(MakeRecord(2, payload_), 1);
  b.Add(MakeRecord(4, payload_), 2);
  std::string path = SegmentPath(dir_.path(), 1);
  WriteWholeFile(path, b.bytes());
  Replayed r;
  Status s = Recover(&r);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(": offset " + std::to_string(b.offset(2)) + ": record has sequence 4, expected 3"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(ReadWholeFile(path), b.bytes());
}

TEST_F(JournalRecovery, FirstSegmentMustStartAtSequenceOne) {
  SegmentBuilder b(5);
  b.Add(MakeRecord(5, payload_), 4);
  WriteWholeFile(SegmentPath(dir_.path(), 1), b.bytes());
  Replayed r;
  Status s = Recover(&r);
  ASSERT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("segment starts at sequence 5, expected 1"), std::string::npos) << s.message();
}

TEST_F(JournalRecovery, FingerprintMismatchRefusedAndFreshStartsOver) {
  WriteJournal(5, payload_);
  ASSERT_TRUE(env_->WriteFileAtomically(dir_.Sub("master.key"), "k", 0600).ok());
  auto before = Snapshot(env_.get(), dir_.path());
  Fingerprint other = TestFingerprint(2);
  Replayed r;
  Status s = Recover(&r, nullptr, other);
  ASSERT_TRUE(s.code() == Status::Code::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(s.message(), "data dir " + dir_.path() +
                             " was written with seed 1 (this run: 2); use a new --data-dir or --fresh");
  EXPECT_EQ(Snapshot(env_.get(), dir_.path()), before);

  JournalOptions fresh = Options(dir_.path());
  fresh.fresh = true;
  std::unique_ptr<Journal> j;
  ASSERT_TRUE(Journal::Open(env_.get(), fresh, other, nullptr, &j).ok());
  Replayed empty;
  ASSERT_TRUE(j->Replay([&](const JournalRecord& rec, JournalPosition) { empty.records.push_back(rec); }).ok());
  EXPECT_TRUE(empty.records.empty());
  EXPECT_EQ(j->last_sequence(), 0u);
  j->Close();
  EXPECT_EQ(ReadWholeFile(dir_.Sub("master.key")), "k");
  // The new journal belongs to the new settings, even with no record in it.
  ASSERT_TRUE(Recover(&r, nullptr, other).ok());
  EXPECT_EQ(Recover(&r, nullptr, TestFingerprint(1)).code(), Status::Code::kFailedPrecondition);
}

TEST_F(JournalRecovery, UnknownFormatVersionRefused) {
  SegmentHeader h;
  h.set_format_version(journal_format::kFormatVersion + 1);
  *h.mutable_fingerprint() = TestFingerprint();
  h.set_first_sequence(1);
  std::string frame;
  journal_format::AppendFrame(h.SerializeAsString(), &frame);
  WriteWholeFile(SegmentPath(dir_.path(), 1), frame);
  Replayed r;
  Status s = Recover(&r);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("journal format version 2"), std::string::npos) << s.message();
}

TEST_F(JournalRecovery, SecondJournalOnALockedDirectoryRefused) {
  std::unique_ptr<Journal> first, second;
  ASSERT_TRUE(OpenAndReplay(env_.get(), Options(dir_.path()), &first).ok());
  Status s = Journal::Open(env_.get(), Options(dir_.path()), TestFingerprint(), nullptr, &second);
  ASSERT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(s.message().find("data dir " + dir_.path() + " is in use by another nsw-server"), std::string::npos)
      << s.message();
  first->Close();
  EXPECT_TRUE(Journal::Open(env_.get(), Options(dir_.path()), TestFingerprint(), nullptr, &second).ok());
}

TEST_F(JournalRecovery, BadSegmentSizeRefused) {
  std::unique_ptr<Journal> j;
  Status s = Journal::Open(env_.get(), Options(dir_.path(), Durability::kFsync, 0), TestFingerprint(), nullptr, &j);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

}  // namespace
}  // namespace nsw
