// Histogram: HdrHistogram's layout (see histogram.h), with unit magnitude 0.
// Index arithmetic follows HdrHistogram_c (hdr_histogram.c) so that counts
// arrays are interchangeable with HdrHistogram's encodings.
#include "proto/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace nsw {

namespace {

int ClampDigits(int digits) { return std::clamp(digits, 1, 5); }

}  // namespace

Histogram::Histogram(int64_t highest_trackable, int significant_digits)
    : highest_trackable_(std::max<int64_t>(highest_trackable, 2)),
      significant_digits_(ClampDigits(significant_digits)) {
  int64_t largest_single_unit = 2;
  for (int i = 0; i < significant_digits_; ++i) largest_single_unit *= 10;
  // ceil(log2(largest_single_unit)), exactly, without floating point.
  const int sub_bucket_count_magnitude =
      64 - std::countl_zero(static_cast<uint64_t>(largest_single_unit - 1));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  sub_bucket_count_ = 1 << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = static_cast<int64_t>(sub_bucket_count_ - 1);

  int64_t smallest_untrackable = static_cast<int64_t>(sub_bucket_count_);
  int buckets_needed = 1;
  while (smallest_untrackable <= highest_trackable_) {
    if (smallest_untrackable > INT64_MAX / 2) {
      ++buckets_needed;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets_needed;
  }
  bucket_count_ = buckets_needed;
  counts_.assign(static_cast<size_t>(bucket_count_ + 1) * sub_bucket_half_count_, 0);
}

int Histogram::BucketIndex(int64_t value) const {
  const int pow2ceiling = 64 - std::countl_zero(static_cast<uint64_t>(value | sub_bucket_mask_));
  return pow2ceiling - (sub_bucket_half_count_magnitude_ + 1);
}

int Histogram::CountsIndexFor(int64_t value) const {
  const int bucket = BucketIndex(value);
  const int sub_bucket = static_cast<int>(value >> bucket);
  return ((bucket + 1) << sub_bucket_half_count_magnitude_) + (sub_bucket - sub_bucket_half_count_);
}

int64_t Histogram::value_at_index(int index) const {
  int bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  int sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return static_cast<int64_t>(sub_bucket) << bucket;
}

int64_t Histogram::LowestEquivalentValue(int64_t value) const {
  const int bucket = BucketIndex(value);
  const int64_t sub_bucket = value >> bucket;
  return sub_bucket << bucket;
}

int64_t Histogram::HighestEquivalentValue(int64_t value) const {
  const int bucket = BucketIndex(value);
  const int64_t sub_bucket = value >> bucket;
  const int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  const int64_t lowest = sub_bucket << bucket;
  return lowest + (int64_t{1} << adjusted) - 1;
}

int64_t Histogram::MedianEquivalentValue(int64_t value) const {
  const int bucket = BucketIndex(value);
  const int64_t sub_bucket = value >> bucket;
  const int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return (sub_bucket << bucket) + ((int64_t{1} << adjusted) >> 1);
}

void Histogram::Record(int64_t value, uint64_t count) {
  if (count == 0) return;
  if (value < 0) {
    value = 0;
    clamped_ += count;
  } else if (value > highest_trackable_) {
    value = highest_trackable_;
    clamped_ += count;
  }
  counts_[CountsIndexFor(value)] += count;
  total_count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::AddAtIndex(int index, uint64_t count) {
  if (count == 0 || index < 0 || index >= counts_length()) return;
  const int64_t value = value_at_index(index);
  counts_[index] += count;
  total_count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::RestoreExtremes(int64_t min, int64_t max, uint64_t clamped) {
  clamped_ = clamped;
  if (total_count_ == 0) return;
  if (min >= 0 && ValuesAreEquivalent(min, min_)) min_ = min;
  if (max >= 0 && max <= highest_trackable_ && ValuesAreEquivalent(max, max_)) max_ = max;
}

void Histogram::Merge(const Histogram& other) {
  if (other.total_count_ == 0) return;
  if (SameLayout(other)) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_count_ += other.total_count_;
    clamped_ += other.clamped_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    return;
  }
  // Different layouts cannot merge exactly; keep every sample, at the
  // median of its source bucket, so counts stay right and values close.
  const uint64_t clamped_before = clamped_;
  for (int i = 0; i < other.counts_length(); ++i) {
    if (other.counts_[i] != 0) {
      Record(other.MedianEquivalentValue(other.value_at_index(i)), other.counts_[i]);
    }
  }
  clamped_ = clamped_before + other.clamped_;
}

void Histogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = 0;
  clamped_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
}

double Histogram::mean() const {
  if (total_count_ == 0) return 0.0;
  double total = 0.0;
  for (int i = 0; i < counts_length(); ++i) {
    if (counts_[i] != 0) {
      total += static_cast<double>(counts_[i]) * static_cast<double>(MedianEquivalentValue(value_at_index(i)));
    }
  }
  return total / static_cast<double>(total_count_);
}

double Histogram::stddev() const {
  if (total_count_ == 0) return 0.0;
  const double m = mean();
  double geometric_dev_total = 0.0;
  for (int i = 0; i < counts_length(); ++i) {
    if (counts_[i] != 0) {
      const double dev = static_cast<double>(MedianEquivalentValue(value_at_index(i))) - m;
      geometric_dev_total += dev * dev * static_cast<double>(counts_[i]);
    }
  }
  return std::sqrt(geometric_dev_total / static_cast<double>(total_count_));
}

uint64_t Histogram::RankAtPercentile(double percentile, uint64_t count) {
  // long double keeps counts up to 2^64 exact.
  const long double exact = static_cast<long double>(percentile) / 100.0L * static_cast<long double>(count);
  const long double nearest = std::round(exact);
  const uint64_t wanted = std::fabs(exact - nearest) <= 1e-9L * std::max(1.0L, exact)
                              ? static_cast<uint64_t>(nearest)
                              : static_cast<uint64_t>(std::ceil(exact));
  return std::clamp<uint64_t>(wanted, 1, count);
}

int64_t Histogram::ValueAtPercentile(double percentile) const {
  if (total_count_ == 0) return 0;
  if (!(percentile > 0.0)) return min_;  // also NaN
  if (percentile >= 100.0) return max_;
  const uint64_t wanted = RankAtPercentile(percentile, total_count_);
  uint64_t running = 0;
  for (int i = 0; i < counts_length(); ++i) {
    running += counts_[i];
    if (running >= wanted) {
      return std::min(HighestEquivalentValue(value_at_index(i)), max_);
    }
  }
  return max_;
}

uint64_t Histogram::CountAtOrBelow(int64_t value) const {
  if (value < 0) return 0;
  const int last = CountsIndexFor(std::min(value, highest_trackable_));
  uint64_t running = 0;
  for (int i = 0; i <= last; ++i) running += counts_[i];
  return running;
}

void Histogram::ForEachBucket(const std::function<void(int64_t, int64_t, uint64_t)>& f) const {
  for (int i = 0; i < counts_length(); ++i) {
    if (counts_[i] != 0) {
      const int64_t lowest = value_at_index(i);
      f(lowest, HighestEquivalentValue(lowest), counts_[i]);
    }
  }
}

}  // namespace nsw
