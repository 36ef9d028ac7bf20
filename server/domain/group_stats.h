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

// A piecewise-constant quantity with its running integral over time.
struct TimeLevel {
  int64_t value = 0;
  int64_t last_t = 0;
  __int128 area = 0;  // value x microseconds

  void Change(int64_t t, int64_t delta) {
    area = AreaAt(t);
    last_t = t;
    value += delta;
  }
  __int128 AreaAt(int64_t t) const {
    if (value == 0) return area;  // also keeps never-changed levels away from overflow
    // A 64x64->128 multiply: the elapsed time fits in 64 bits (instants are
    // kept far below 2^62), and widening only the operands lets the compiler
    // use one multiply instead of a full 128-bit product.
    return area + static_cast<__int128>(value) * static_cast<__int128>(t - last_t);
  }
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
