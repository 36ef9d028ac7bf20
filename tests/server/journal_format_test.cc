// Journal framing: names, positions, frame round trips, that every
// single-byte change, every truncation and all-zero bytes are detected, and
// that ParseRecord's fast path agrees with protobuf.
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

// ParseRecord must accept exactly what protobuf accepts, with the same
// fields (less the payload when skipping it).
void ExpectParseRecordAgrees(const std::string& bytes, const std::string& what) {
  JournalRecord want;
  const bool want_ok = want.ParseFromString(bytes);
  for (bool skip : {false, true}) {
    JournalRecord got;
    got.set_sequence(999);  // ParseRecord starts from a clear record
    ASSERT_EQ(ParseRecord(bytes.data(), bytes.size(), skip, &got), want_ok) << what << (skip ? " (skip)" : "");
    if (!want_ok) continue;
    JournalRecord expected = want;
    if (skip && expected.has_submission()) expected.mutable_submission()->clear_payload();
    EXPECT_EQ(got.SerializeAsString(), expected.SerializeAsString()) << what << (skip ? " (skip)" : "");
  }
}

std::string Encoded(const JournalRecord& r) {
  std::string payload;
  EXPECT_TRUE(EncodeRecordPayload(r, &payload).ok());
  SetSyncedSequence(payload.data(), payload.size(), r.sequence() - 1);
  return payload;
}

TEST(JournalFormat, ParseRecordAgreesWithProtobufOnRecords) {
  for (size_t payload : {0, 1, 200, 3000, 20000, 3000000}) {
    for (uint64_t seq = 1; seq <= 8; ++seq) {
      ExpectParseRecordAgrees(Encoded(MakeRecord(seq, payload)), "record " + std::to_string(seq));
    }
  }
  JournalRecord clock;
  clock.set_sequence(4);
  clock.mutable_clock()->set_advance_to_us(123);
  ExpectParseRecordAgrees(Encoded(clock), "clock");
  JournalRecord negative = MakeRecord(5, 10);
  negative.set_sim_time_us(-1);
  ExpectParseRecordAgrees(Encoded(negative), "negative time");
  JournalRecord late = MakeRecord(6, 10);
  late.mutable_submission()->set_late(true);
  late.mutable_submission()->set_dossier_id(1ull << 62);
  ExpectParseRecordAgrees(Encoded(late), "late, large id");
  JournalRecord empty_sub;
  empty_sub.set_sequence(2);
  empty_sub.mutable_submission();
  ExpectParseRecordAgrees(Encoded(empty_sub), "empty submission");
  ExpectParseRecordAgrees("", "empty");
}

TEST(JournalFormat, ParseRecordAgreesWithProtobufOnOddEncodings) {
  const std::string rec = Encoded(MakeRecord(2, 30));
  JournalRecord text = MakeRecord(2, 30);
  text.mutable_submission()->set_enterprise("\xc3\xa9nterprise");  // valid UTF-8, not ASCII
  ExpectParseRecordAgrees(Encoded(text), "UTF-8 enterprise");
  std::string bad_utf8 = Encoded(text);
  bad_utf8[bad_utf8.find('\xc3')] = '\xff';
  ExpectParseRecordAgrees(bad_utf8, "invalid UTF-8");
  ExpectParseRecordAgrees(rec + std::string("\x08\x07", 2), "sequence repeated (last wins)");
  ExpectParseRecordAgrees(rec + std::string("\x1a\x02\x08\x09", 4), "submission twice (merged)");
  ExpectParseRecordAgrees(rec + std::string("\x22\x04" "more", 6), "field 4 at the top level (unknown)");
  ExpectParseRecordAgrees(rec + std::string("\xa0\x01\x05", 3), "unknown field 20");
  ExpectParseRecordAgrees(std::string("\x88\x00\x05", 3) + rec, "overlong tag");
  ExpectParseRecordAgrees(std::string("\x08\x85\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11) + rec.substr(2),
                          "ten-byte varint");
  ExpectParseRecordAgrees(std::string("\x08\x85\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12),
                          "eleven-byte varint");
  ExpectParseRecordAgrees(std::string("\x09" "12345678", 9), "sequence as fixed64 (unknown)");
  ExpectParseRecordAgrees(std::string("\x00\x01", 2), "field 0");
  ExpectParseRecordAgrees(std::string("\x1a\x80\x80\x00", 4), "overlong empty submission");
  ExpectParseRecordAgrees(std::string("\x1a\x03\x12\x05" "ab", 6), "string past its message");
  ExpectParseRecordAgrees(std::string("\x1a\x02\x08", 3), "message past the record");
  ExpectParseRecordAgrees(std::string("\x1a\x01\x08", 3), "varint past its message");
}

TEST(JournalFormat, ParseRecordAgreesWithProtobufOnEveryByteChangeAndTruncation) {
  const std::string rec = Encoded(MakeRecord(2, 12));
  for (size_t i = 0; i < rec.size(); ++i) {
    for (unsigned char flip : {0x01, 0x02, 0x08, 0x40, 0x80, 0xff}) {
      std::string bad = rec;
      bad[i] = static_cast<char>(bad[i] ^ flip);
      ExpectParseRecordAgrees(bad, "byte " + std::to_string(i) + " ^ " + std::to_string(flip));
    }
  }
  for (size_t n = 0; n < rec.size(); ++n) ExpectParseRecordAgrees(rec.substr(0, n), "truncated to " + std::to_string(n));
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
