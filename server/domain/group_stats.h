// GroupAccumulator: the running statistics of one group of dossiers (a
// ministry or a procedure) in simulated time, updated by the simulation at
// each transition, and turned into a nsw.GroupStats on demand.
//
// Levels (queue depth, busy officers, open dossiers) keep an exact integral
// of value x time in 128-bit integers, so time averages are exact and sums of
// groups add up. Durations keep an exact sum for the mean and bucket counts
// in Histogram's layout for percentiles. Not thread-safe; owned by a
// MinistrySim.
#ifndef NSW_SERVER_DOMAIN_GROUP_STATS_H_
#define NSW_SERVER_DOMAIN_GROUP_STATS_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "proto/histogram.h"
#include "proto/nsw.pb.h"

namespace nsw {

// A piecewise-constant quantity with its running integral over time. The
// integral up to t is value * t - weighted, where `weighted` sums delta x
// instant over the changes (summation by parts), so a change is one 128-bit
// add and the area is exact whenever asked for. Instants are far below
// 2^62 and values below 2^32, so nothing comes near 2^127.
struct TimeLevel {
  int64_t value = 0;
  __int128 weighted = 0;  // sum of delta x t over the changes

  void Change(int64_t t, int64_t delta) {
    value += delta;
    weighted += static_cast<__int128>(delta) * t;
  }
  // REQUIRES: t is not before the last change.
  __int128 AreaAt(int64_t t) const { return static_cast<__int128>(value) * t - weighted; }
};

// Durations: count, exact sum, min and max, and bucket counts in
// Histogram's layout (see proto/histogram.h) for percentiles. The counts are
// kept here, not in a Histogram, because the simulation records two
// durations per lifecycle into one of hundreds of accumulators: the record
// is inline (no call, no second count/min/max), and the counts are 32-bit
// (a 64-bit carry table takes the rare wrap), allocated on the first record,
// so the counts a server touches take half the cache and procedures that
// never saw a dossier take none. ToHistogram rebuilds the exact Histogram.
class DurationAccumulator {
 public:
  explicit DurationAccumulator(int significant_digits);
  // Simulated durations reach months; beyond two years they are clamped in
  // the histogram (the sum and max stay exact).
  static constexpr int64_t kMaxTrackedMicros = 2LL * 366 * 86400 * 1000000;

  void Record(int64_t micros) {
    ++count;
    sum += micros;
    if (micros > max) max = micros;
    if (micros < min_) min_ = micros;
    int64_t v = micros;
    if (__builtin_expect(v < 0 || v > kMaxTrackedMicros, 0)) {
      v = v < 0 ? 0 : kMaxTrackedMicros;
      ++clamped_;
    }
    if (__builtin_expect(counts_ == nullptr, 0)) Allocate();
    const size_t i = CountsIndexFor(v);
    if (__builtin_expect(++counts_[i] == 0, 0)) Carry(i);
  }
  // Adds this accumulator's samples to `h`, which must have the layout of
  // Histogram(kMaxTrackedMicros, significant_digits) and hold nothing but
  // samples of other accumulators of that layout. The result equals a
  // Histogram that recorded every sample (counts, total, min, max, clamped).
  void AddTo(Histogram* h) const;
  // What ValueAtPercentile(percentile) answers on the Histogram AddTo builds
  // from this accumulator alone, read from the counts: a group's own
  // percentiles need no 42 KB histogram cleared and filled.
  int64_t ValueAtPercentile(double percentile) const;
  int significant_digits() const { return significant_digits_; }

  uint64_t count = 0;
  __int128 sum = 0;
  int64_t max = 0;

 private:
  // Histogram::CountsIndexFor with unit magnitude 0.
  size_t CountsIndexFor(int64_t v) const {
    const int bucket = (64 - __builtin_clzll(static_cast<uint64_t>(v) | sub_bucket_mask_)) - (half_magnitude_ + 1);
    const int64_t sub_bucket = v >> bucket;
    return (static_cast<size_t>(bucket + 1) << half_magnitude_) + static_cast<size_t>(sub_bucket - (int64_t{1} << half_magnitude_));
  }
  void Allocate();
  void Carry(size_t index);

  int significant_digits_;
  int half_magnitude_;        // log2 of half the sub-buckets per bucket
  uint64_t sub_bucket_mask_;  // sub-buckets per bucket - 1
  size_t counts_length_;
  int64_t min_ = std::numeric_limits<int64_t>::max();
  uint64_t clamped_ = 0;
  std::unique_ptr<uint32_t[]> counts_;  // null until the first record
  std::unique_ptr<uint64_t[]> carries_; // units of 2^32, null until a count wraps
};

struct GroupAccumulator {
  explicit GroupAccumulator(int significant_digits) : wait(significant_digits), time_to_decision(significant_digits) {}

  uint64_t arrivals = 0;
  uint64_t late_arrivals = 0;
  uint64_t approved = 0;
  uint64_t rejected = 0;
  uint64_t supplements_requested = 0;
  uint64_t withdrawn = 0;
  uint64_t deadline_breaches = 0;
  uint64_t queue_visits = 0;  // visits that started review
  uint64_t waited = 0;        // of those, visits that waited > 0
  int64_t first_arrival = std::numeric_limits<int64_t>::max();
  TimeLevel queue;
  TimeLevel busy;
  TimeLevel open;
  DurationAccumulator wait;
  DurationAccumulator time_to_decision;
};

// Fills `out` with the combination of `parts` (one group, or every ministry
// for the total) as of simulated instant `now`, which must not precede any
// part's last change. `officers` is the group's officer count.
void FillGroupStats(const std::vector<const GroupAccumulator*>& parts, int64_t now, const std::string& code,
                    uint32_t officers, GroupStats* out);

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_GROUP_STATS_H_
