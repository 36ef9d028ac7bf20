// Histogram: a log-linear histogram of int64 values with HdrHistogram's bucket
// layout and precision (lowest discernible value 1, i.e. unit magnitude 0;
// sub-bucket count 2^ceil(log2(2 * 10^significant_digits))), so any recorded
// value is reported within 10^-significant_digits of itself, and two
// histograms of the same configuration merge exactly (counts add index by
// index). Values above highest_trackable are recorded as highest_trackable
// and negative values as 0; both are counted in clamped(). The counts array
// costs (log2(highest)+1) * 2^(ceil(log2(2*10^digits))-1) * 8 bytes: pick
// (highest, digits) to fit the use.
//
// The index-level accessors (counts_length, count_at_index, value_at_index,
// AddAtIndex) exist for exact serialization (results files, HdrHistogram's
// interval-log encoding), which must reproduce the counts array bit for bit.
//
// Thread-compatible: one writer, or external synchronization. Per-thread
// histograms merged after join is the intended pattern.
#ifndef NSW_PROTO_HISTOGRAM_H_
#define NSW_PROTO_HISTOGRAM_H_

#include <cstdint>
#include <functional>
#include <vector>

namespace nsw {

class Histogram {
 public:
  // REQUIRES: highest_trackable >= 2, 1 <= significant_digits <= 5.
  // Out-of-range arguments are raised to the nearest valid value.
  explicit Histogram(int64_t highest_trackable = 3'600'000'000LL /*1 h in us*/, int significant_digits = 3);

  void Record(int64_t value, uint64_t count = 1);
  // Exact: counts add index by index, min/max/clamped combine. REQUIRES the
  // same (highest_trackable, significant_digits) for exactness; otherwise
  // each sample of `other` is re-recorded at its bucket's median value.
  void Merge(const Histogram& other);
  void Reset();

  uint64_t count() const { return total_count_; }
  // 0 when empty.
  int64_t min() const { return total_count_ == 0 ? 0 : min_; }
  int64_t max() const { return total_count_ == 0 ? 0 : max_; }
  // From each bucket's median equivalent value, as HdrHistogram does, so
  // they depend only on the counts (identical after an exact merge).
  double mean() const;
  double stddev() const;
  // The smallest bucket value v (its highest equivalent value, capped at
  // max()) such that at least percentile% of the samples are <= v; the
  // lowest value for percentile 0; 0 when empty. percentile in [0, 100].
  int64_t ValueAtPercentile(double percentile) const;
  // How many of `count` samples lie at or below the percentile's value:
  // ceil(percentile/100 * count) in [1, count], where a product that is an
  // integer up to rounding noise (99% of 100 = 99.00000000000001) counts as
  // that integer. percentile in (0, 100), count > 0.
  static uint64_t RankAtPercentile(double percentile, uint64_t count);
  // Samples at values <= `value` (its bucket included).
  uint64_t CountAtOrBelow(int64_t value) const;

  // Non-empty buckets in increasing order: f(bucket lowest value, bucket
  // highest equivalent value, count).
  void ForEachBucket(const std::function<void(int64_t, int64_t, uint64_t)>& f) const;

  int64_t highest_trackable() const { return highest_trackable_; }
  int significant_digits() const { return significant_digits_; }
  uint64_t clamped() const { return clamped_; }
  bool SameLayout(const Histogram& other) const {
    return highest_trackable_ == other.highest_trackable_ && significant_digits_ == other.significant_digits_;
  }

  // Bucket arithmetic (HdrHistogram's names).
  int64_t LowestEquivalentValue(int64_t value) const;
  int64_t HighestEquivalentValue(int64_t value) const;
  int64_t MedianEquivalentValue(int64_t value) const;
  bool ValuesAreEquivalent(int64_t a, int64_t b) const {
    return LowestEquivalentValue(a) == LowestEquivalentValue(b);
  }

  // The raw counts array, in HdrHistogram's index order.
  int counts_length() const { return static_cast<int>(counts_.size()); }
  uint64_t count_at_index(int index) const { return counts_[index]; }
  int64_t value_at_index(int index) const;
  // Adds `count` at `index` as a sample of that bucket's lowest value.
  void AddAtIndex(int index, uint64_t count);
  // After restoring counts with AddAtIndex, puts back the exact extremes and
  // clamped count a serialization kept. Ignores a min/max that does not lie
  // in the bucket of the restored lowest/highest sample.
  void RestoreExtremes(int64_t min, int64_t max, uint64_t clamped);

 private:
  int CountsIndexFor(int64_t value) const;
  int BucketIndex(int64_t value) const;

  int64_t highest_trackable_;
  int significant_digits_;
  int sub_bucket_half_count_magnitude_;
  int sub_bucket_count_;
  int sub_bucket_half_count_;
  int64_t sub_bucket_mask_;
  int bucket_count_;
  std::vector<uint64_t> counts_;
  uint64_t total_count_ = 0;
  uint64_t clamped_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
};

}  // namespace nsw

#endif  // NSW_PROTO_HISTOGRAM_H_
