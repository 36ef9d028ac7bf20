// DurationAccumulator keeps its own 32-bit bucket counts; what it hands to
// FillGroupStats must be the Histogram that recording every sample would
// have built, bucket for bucket, merged or not.
#include "server/domain/group_stats.h"

#include <gtest/gtest.h>

#include <vector>

#include "server/domain/random.h"

namespace nsw {
namespace {

void ExpectSame(const Histogram& got, const Histogram& want) {
  ASSERT_EQ(got.counts_length(), want.counts_length());
  for (int i = 0; i < want.counts_length(); ++i) ASSERT_EQ(got.count_at_index(i), want.count_at_index(i)) << i;
  EXPECT_EQ(got.count(), want.count());
  EXPECT_EQ(got.min(), want.min());
  EXPECT_EQ(got.max(), want.max());
  EXPECT_EQ(got.clamped(), want.clamped());
  for (double p : {0.0, 1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) EXPECT_EQ(got.ValueAtPercentile(p), want.ValueAtPercentile(p));
}

// Durations over every magnitude, a few negative or beyond the range.
int64_t Duration(const DossierRandom& rng, uint32_t i) {
  const Uniforms u = rng.Draw(RandomPurpose::kTest, i);
  if (u.u[0] < 0.01) return -static_cast<int64_t>(u.u[1] * 1000);
  if (u.u[0] > 0.99) return DurationAccumulator::kMaxTrackedMicros + static_cast<int64_t>(u.u[1] * 1e12);
  return static_cast<int64_t>(DeterministicExp(u.u[1] * 45.0));  // 1 us to ~1 year
}

TEST(DurationAccumulatorTest, HistogramEqualsRecordingEverySample) {
  for (int digits : {1, 2, 3}) {
    const DossierRandom rng(digits, 0);
    DurationAccumulator a(digits), b(digits);
    Histogram want_a(DurationAccumulator::kMaxTrackedMicros, digits);
    Histogram want_b(DurationAccumulator::kMaxTrackedMicros, digits);
    for (uint32_t i = 0; i < 20000; ++i) {
      const int64_t v = Duration(rng, i);
      if (i % 3 == 0) {
        b.Record(v);
        want_b.Record(v);
      } else {
        a.Record(v);
        want_a.Record(v);
      }
    }
    Histogram got_a(DurationAccumulator::kMaxTrackedMicros, digits);
    a.AddTo(&got_a);
    ExpectSame(got_a, want_a);
    for (double p : {0.0, 0.001, 1.0, 10.0, 33.3, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
      EXPECT_EQ(a.ValueAtPercentile(p), want_a.ValueAtPercentile(p)) << digits << " " << p;
      EXPECT_EQ(b.ValueAtPercentile(p), want_b.ValueAtPercentile(p)) << digits << " " << p;
    }

    // Several accumulators into one histogram: what Histogram::Merge gives.
    Histogram merged(DurationAccumulator::kMaxTrackedMicros, digits);
    const DurationAccumulator empty(digits);
    empty.AddTo(&merged);
    b.AddTo(&merged);
    a.AddTo(&merged);
    want_b.Merge(want_a);
    ExpectSame(merged, want_b);
  }
}

TEST(DurationAccumulatorTest, ExactExtremesAndCounts) {
  DurationAccumulator a(2);
  for (int64_t v : {1234567, 7654321, 1000}) a.Record(v);
  Histogram h(DurationAccumulator::kMaxTrackedMicros, 2);
  a.AddTo(&h);
  EXPECT_EQ(h.min(), 1000);
  EXPECT_EQ(h.max(), 7654321);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.max, 7654321);
  EXPECT_EQ(static_cast<int64_t>(a.sum), 1234567 + 7654321 + 1000);
  EXPECT_EQ(a.ValueAtPercentile(50), h.ValueAtPercentile(50));
  EXPECT_EQ(DurationAccumulator(2).ValueAtPercentile(50), 0);
}

}  // namespace
}  // namespace nsw
