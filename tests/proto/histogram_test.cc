// Tests of nsw::Histogram: HdrHistogram's layout and precision, percentiles
// against exact sorted samples, exact merge, clamping, serialization hooks.
#include "proto/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace nsw {
namespace {

// The exact nearest-rank percentile of sorted samples.
int64_t ExactPercentile(const std::vector<int64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()) - 1e-9));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

TEST(HistogramTest, LayoutMatchesHdrHistogram) {
  // HdrHistogram(1, 3600000000, 3): sub-bucket count 2048, 22 buckets
  // (2048 * 2^21 > 3.6e9), counts length (22 + 1) * 1024.
  Histogram h(3'600'000'000LL, 3);
  EXPECT_EQ(h.counts_length(), 23 * 1024);
  Histogram h2(3'600'000'000LL, 2);  // 2*10^2 = 200 -> 256 sub-buckets
  EXPECT_EQ(h2.counts_length(), (1 + 25) * 128);
  // Single-unit resolution below 2048, then powers of two.
  EXPECT_EQ(h.LowestEquivalentValue(2047), 2047);
  EXPECT_EQ(h.HighestEquivalentValue(2047), 2047);
  EXPECT_EQ(h.LowestEquivalentValue(2049), 2048);
  EXPECT_EQ(h.HighestEquivalentValue(2048), 2049);
  EXPECT_EQ(h.LowestEquivalentValue(10007), 10000);
  EXPECT_EQ(h.HighestEquivalentValue(10007), 10007);
  EXPECT_EQ(h.MedianEquivalentValue(10000), 10004);
  // value_at_index inverts the index of every bucket's lowest value.
  for (int i = 0; i < h.counts_length(); ++i) {
    const int64_t v = h.value_at_index(i);
    if (v > h.highest_trackable()) break;
    ASSERT_EQ(h.LowestEquivalentValue(v), v) << i;
  }
}

TEST(HistogramTest, PercentilesWithinPrecisionOfExact) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(5000.0), 1.5);
  Histogram h;
  std::vector<int64_t> samples;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<int64_t>(dist(rng));
    samples.push_back(std::min<int64_t>(v, h.highest_trackable()));
    h.Record(v);
  }
  std::sort(samples.begin(), samples.end());
  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
    const int64_t exact = ExactPercentile(samples, p);
    const int64_t got = h.ValueAtPercentile(p);
    // Never below the exact value, and within 10^-3 relative above it.
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE(static_cast<double>(got - exact), 0.001 * static_cast<double>(exact) + 1) << "p" << p;
    EXPECT_TRUE(h.ValuesAreEquivalent(got, exact)) << "p" << p;
  }
  double sum = 0;
  for (int64_t v : samples) sum += static_cast<double>(v);
  EXPECT_NEAR(h.mean(), sum / static_cast<double>(samples.size()), 0.001 * sum / static_cast<double>(samples.size()));
}

TEST(HistogramTest, SmallCountsPercentileIsNearestRank) {
  Histogram h;
  for (int v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.ValueAtPercentile(50), 50);
  EXPECT_EQ(h.ValueAtPercentile(99), 99);  // not 100: 0.99*100 is 99 exactly
  EXPECT_EQ(h.ValueAtPercentile(99.5), 100);
  EXPECT_EQ(h.ValueAtPercentile(100), 100);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_EQ(Histogram().ValueAtPercentile(50), 0);
}

TEST(HistogramTest, PercentileNeverExceedsMax) {
  Histogram h;
  h.Record(1'000'001);  // bucket [1000000, 1000447]
  EXPECT_EQ(h.ValueAtPercentile(100), 1'000'001);
  EXPECT_EQ(h.ValueAtPercentile(50), 1'000'001);
}

TEST(HistogramTest, MergeEqualsHistogramOfAllSamples) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> dist(0, 5'000'000'000LL);  // some beyond 1 h: clamped
  Histogram all, parts[4];
  for (int i = 0; i < 100000; ++i) {
    const int64_t v = dist(rng) >> (i % 20);
    all.Record(v);
    parts[i % 4].Record(v);
  }
  Histogram merged;
  for (const auto& p : parts) merged.Merge(p);
  ASSERT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_EQ(merged.clamped(), all.clamped());
  EXPECT_GT(all.clamped(), 0u);
  for (int i = 0; i < all.counts_length(); ++i) ASSERT_EQ(merged.count_at_index(i), all.count_at_index(i)) << i;
  EXPECT_EQ(merged.mean(), all.mean());
  EXPECT_EQ(merged.stddev(), all.stddev());
  EXPECT_EQ(merged.ValueAtPercentile(99.9), all.ValueAtPercentile(99.9));
}

TEST(HistogramTest, ClampsAndCounts) {
  Histogram h(1000, 3);
  h.Record(-5);
  h.Record(5000, 2);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.clamped(), 3u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 1000);
  h.Reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.clamped(), 0u);
  EXPECT_EQ(h.max(), 0);
}

TEST(HistogramTest, ForEachBucketAndRestoreRoundTrip) {
  Histogram h;
  for (int64_t v : {3, 3, 2500, 123456, 987654321}) h.Record(v);
  Histogram copy;
  uint64_t buckets = 0;
  int64_t previous = -1;
  h.ForEachBucket([&](int64_t lo, int64_t hi, uint64_t n) {
    EXPECT_GT(lo, previous);
    EXPECT_GE(hi, lo);
    previous = hi;
    ++buckets;
    copy.Record(lo, n);
  });
  EXPECT_EQ(buckets, 4u);
  copy.RestoreExtremes(h.min(), h.max(), h.clamped());
  EXPECT_EQ(copy.min(), 3);
  EXPECT_EQ(copy.max(), 987654321);
  for (int i = 0; i < h.counts_length(); ++i) ASSERT_EQ(copy.count_at_index(i), h.count_at_index(i));
  EXPECT_EQ(h.CountAtOrBelow(2500), 3u);
  EXPECT_EQ(h.CountAtOrBelow(2), 0u);
}

TEST(HistogramTest, MeanAndStddevOfKnownValues) {
  Histogram h;
  h.Record(1000);
  h.Record(2000);
  EXPECT_DOUBLE_EQ(h.mean(), 1500.0);
  EXPECT_DOUBLE_EQ(h.stddev(), 500.0);
}

}  // namespace
}  // namespace nsw
