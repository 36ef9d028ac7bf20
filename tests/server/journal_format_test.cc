// Journal framing: names, positions, frame round trips, and that every
// single-byte change, every truncation and all-zero bytes are detected.
#include <gtest/gtest.h>

#include "server/journal/record_format.h"
#include "server/journal_test_util.h"

namespace nsw {
namespace {

using namespace journal_format;
using journal_test::MakeRecord;

TEST(JournalFormat, SegmentFileNamesRoundTrip) {
  EXPECT_EQ(SegmentFileName(1), "journal-00000001.log");
  EXPECT_EQ(SegmentFileName(12345678), "journal-12345678.log");
  uint32_t n = 0;
  ASSERT_TRUE(ParseSegmentFileName("journal-00000042.log", &n));
  EXPECT_EQ(n, 42u);
  for (const char* bad : {"journal-00000000.log", "journal-0000042.log", "journal-0000004x.log",
                          "journal-00000042.log.tmp", "LOCK", "xjournal-00000042.log", "journal-99999999.log"}) {
    EXPECT_FALSE(ParseSegmentFileName(bad, &n)) << bad;
  }
}

TEST(JournalFormat, PositionsPackSegmentAndOffset) {
  JournalPosition p = MakePosition(77, 123456789012);
  EXPECT_EQ(PositionSegment(p), 77u);
  EXPECT_EQ(PositionOffset(p), 123456789012u);
  EXPECT_EQ(PositionSegment(MakePosition(kMaxSegmentNumber, kMaxOffset)), kMaxSegmentNumber);
  EXPECT_EQ(PositionOffset(MakePosition(kMaxSegmentNumber, kMaxOffset)), kMaxOffset);
  EXPECT_LT(MakePosition(1, kMaxOffset), MakePosition(2, 0));
}

TEST(JournalFormat, FrameRoundTripCarriesSyncedSequence) {
  JournalRecord in = MakeRecord(9, 1000);
  in.set_synced_sequence(12345);  // the caller's value is dropped
  std::string payload;
  ASSERT_TRUE(EncodeRecordPayload(in, &payload).ok());
  JournalRecord zero;
  ASSERT_TRUE(zero.ParseFromString(payload));
  EXPECT_EQ(zero.synced_sequence(), 0u);
  SetSyncedSequence(payload.data(), payload.size(), 0x0102030405060708ull);
  std::string frame;
  AppendFrame(payload, &frame);
  ASSERT_EQ(frame.size(), kFrameHeaderSize + payload.size());
  uint32_t len = 0;
  ASSERT_EQ(CheckFrame(frame.data(), frame.size(), &len), FrameCheck::kOk);
  EXPECT_EQ(len, payload.size());
  JournalRecord out;
  ASSERT_TRUE(out.ParseFromArray(frame.data() + kFrameHeaderSize, static_cast<int>(len)));
  EXPECT_EQ(out.synced_sequence(), 0x0102030405060708ull);
  EXPECT_TRUE(journal_test::SameRecord(in, out));
}

TEST(JournalFormat, EveryByteChangeAndTruncationIsDetected) {
  std::string payload;
  ASSERT_TRUE(EncodeRecordPayload(MakeRecord(3, 200), &payload).ok());
  std::string frame;
  AppendFrame(payload, &frame);
  uint32_t len = 0;
  for (size_t i = 0; i < frame.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80, 0xff}) {
      std::string bad = frame;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      EXPECT_NE(CheckFrame(bad.data(), bad.size(), &len), FrameCheck::kOk) << "byte " << i << " ^ " << int(flip);
    }
  }
  for (size_t n = 0; n < frame.size(); ++n) {
    EXPECT_NE(CheckFrame(frame.data(), n, &len), FrameCheck::kOk) << "truncated to " << n;
  }
  std::string zeros(64, '\0');
  EXPECT_EQ(CheckFrame(zeros.data(), zeros.size(), &len), FrameCheck::kBadLength);
  std::string empty_frame;
  AppendFrame("", &empty_frame);
  EXPECT_EQ(CheckFrame(empty_frame.data(), empty_frame.size(), &len), FrameCheck::kBadLength);
}

TEST(JournalFormat, OversizedRecordRefused) {
  JournalRecord r = MakeRecord(1, 10);
  r.mutable_submission()->set_payload(std::string(kMaxPayload, 'x'));
  std::string payload;
  Status s = EncodeRecordPayload(r, &payload);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST(JournalFormat, SegmentHeaderFrame) {
  std::string frame = EncodeSegmentHeaderFrame(journal_test::TestFingerprint(5), 77);
  uint32_t len = 0;
  ASSERT_EQ(CheckFrame(frame.data(), frame.size(), &len), FrameCheck::kOk);
  SegmentHeader h;
  ASSERT_TRUE(h.ParseFromArray(frame.data() + kFrameHeaderSize, static_cast<int>(len)));
  EXPECT_EQ(h.format_version(), kFormatVersion);
  EXPECT_EQ(h.first_sequence(), 77u);
  EXPECT_EQ(h.fingerprint().seed(), 5u);
}

TEST(JournalFormat, FingerprintDifferenceNamesFields) {
  Fingerprint a = journal_test::TestFingerprint(1), b = journal_test::TestFingerprint(2);
  b.set_clock("trace");
  EXPECT_EQ(DescribeFingerprintDifference(a, b), "seed 1 (this run: 2), clock \"wall\" (this run: \"trace\")");
  EXPECT_EQ(DescribeFingerprintDifference(a, a), "");
}

}  // namespace
}  // namespace nsw
