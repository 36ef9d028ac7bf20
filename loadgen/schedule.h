// Open-loop schedules. A schedule maps the global index i of a request
// (the record number in the trace, or the request number of a `url` run)
// to its due time relative to the start, the same on every machine and
// thread: every shard computes the whole sequence and sends only its own
// requests, so N shards with a common start reproduce the unsharded
// schedule exactly (k6's execution segments). The rate may ramp
// (`--stages`, k6's ramping-arrival-rate: linear from the previous target
// to each stage's target over its duration); arrivals are evenly spaced
// (constant) or a Poisson process driven by a seeded generator, mapped
// through the inverse of the cumulative rate so ramps apply to both.
// ArrivalSchedule is not thread-safe: one per thread.
#ifndef NSW_LOADGEN_SCHEDULE_H_
#define NSW_LOADGEN_SCHEDULE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/random.h"
#include "proto/status.h"

namespace nsw::loadgen {

struct Stage {
  int64_t duration_us = 0;
  double target_rate = 0;  // requests per second reached at the stage's end
};
// "30s:100,1m:500" -> {{30 s, 100}, {60 s, 500}}. Rates may be fractional
// and may be 0; durations take units and must be > 0.
Status ParseStages(std::string_view spec, std::vector<Stage>* out);
// "1000", "1000/s", "60/m", "3600/h" -> requests per second.
Status ParseRate(std::string_view text, double* per_second);

enum class Arrivals { kConstant, kPoisson };
Status ParseArrivals(std::string_view text, Arrivals* out);
std::string_view ArrivalsName(Arrivals a);

// Rate as a function of time: `initial_rate` then each stage's linear ramp;
// without stages the initial rate holds forever, with stages the profile
// ends after the last one.
class RateProfile {
 public:
  RateProfile(double initial_rate, std::vector<Stage> stages);
  // End of the profile (us), or INT64_MAX when it never ends.
  int64_t end_us() const { return end_us_; }
  double RateAt(int64_t t_us) const;
  // Expected count of arrivals in [0, t).
  double CountAt(int64_t t_us) const;
  // The time t at which CountAt(t) == count; false when the profile ends
  // (or the rate stays 0) before that.
  bool TimeOfCount(double count, int64_t* t_us) const;

 private:
  struct Piece {
    int64_t start_us, end_us;  // end INT64_MAX for the final open piece
    double from_rate, to_rate;
    double count_before;       // CountAt(start_us)
  };
  std::vector<Piece> pieces_;
  int64_t end_us_ = INT64_MAX;
};

// Due offsets of requests 0, 1, 2, ... in order. Request i of a constant
// schedule is due when the expected count reaches i (so at i / R for a
// fixed rate R); of a Poisson schedule when it reaches the sum of i + 1
// unit exponentials drawn from Rng(seed, stream).
class ArrivalSchedule {
 public:
  ArrivalSchedule(RateProfile profile, Arrivals arrivals, uint64_t seed);
  // The due offset of the next request; false when the profile has ended.
  bool Next(int64_t* due_us);
  uint64_t next_index() const { return index_; }
  const RateProfile& profile() const { return profile_; }

 private:
  RateProfile profile_;
  Arrivals arrivals_;
  Rng rng_;
  double position_ = 0;
  uint64_t index_ = 0;
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_SCHEDULE_H_
