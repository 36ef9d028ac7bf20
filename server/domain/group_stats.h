// GroupAccumulator: the running statistics of one group of dossiers (a
// ministry or a procedure) in simulated time, updated by the simulation at
// each transition, and turned into a nsw.GroupStats on demand.
//
// Levels (queue depth, busy officers, open dossiers) keep an exact integral
// of value x time in 128-bit integers, so time averages are exact and sums of
// groups add up. Durations keep an exact sum for the mean and a Histogram for
// percentiles. Not thread-safe; owned by a MinistrySim.
#ifndef NSW_SERVER_DOMAIN_GROUP_STATS_H_
#define NSW_SERVER_DOMAIN_GROUP_STATS_H_

#include <cstdint>
#include <limits>
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

// Durations: count, exact sum and max, histogram for percentiles.
struct DurationAccumulator {
  explicit DurationAccumulator(int significant_digits) : histogram(kMaxTrackedMicros, significant_digits) {}
  // Simulated durations reach months; beyond two years they are clamped in
  // the histogram (the sum and max stay exact).
  static constexpr int64_t kMaxTrackedMicros = 2LL * 366 * 86400 * 1000000;

  void Record(int64_t micros) {
    ++count;
    sum += micros;
    if (micros > max) max = micros;
    histogram.Record(micros);
  }

  uint64_t count = 0;
  __int128 sum = 0;
  int64_t max = 0;
  Histogram histogram;
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
