// Trace generation: a realistic, deterministic stream of submissions for a
// catalog. Enterprise activity is Zipf-skewed (exponent ~1: a few firms file
// most dossiers), procedures follow the catalog's popularity weights and
// payload-size distributions, and time follows Seasonality (office hours,
// weekdays, month ends, the pre-Tết surge, holidays, growth) with a little
// day-to-day noise. Generation streams: per-day counts come from the day
// weights (largest-remainder rounding, so the total is exact), then each
// day's timestamps are drawn from its own random stream and sorted, so
// memory is one day of records and the output depends only on the options.
// Days the model leaves empty get a floor record (GenOptions::daily_floor).
#ifndef NSW_LOADGEN_TRACE_GEN_H_
#define NSW_LOADGEN_TRACE_GEN_H_

#include <cstdint>

#include "loadgen/seasonality.h"
#include "loadgen/trace_file.h"
#include "proto/catalog.h"
#include "proto/status.h"

namespace nsw::loadgen {

// 2020-01-01T00:00:00+07:00.
inline constexpr int64_t kDefaultTraceStartUs = 1577811600LL * 1'000'000;

struct GenOptions {
  uint64_t dossiers = 3'000'000;          // --dossiers
  uint32_t enterprises = 38'000;          // --enterprises
  uint32_t days = 1826;                   // --days: five years
  uint64_t seed = 1;                      // --seed
  int64_t start_us = kDefaultTraceStartUs;  // --start, rounded down to local midnight
  double zipf_exponent = 1.0;             // enterprise activity skew
  double daily_noise_cv = 0.12;           // day-to-day variation around the model
  uint32_t max_payload_bytes = 256u << 10;  // payload sizes are clamped to [1, this] (server --max-body is 1M)
  SeasonalityOptions seasonality;         // local time, weekday/holiday/Tết factors
  // A day the model leaves empty (a small trace across Tết or a long
  // holiday) gets one record of a procedure whose ministry works around
  // the clock (`always` calendar), taken from the fullest day: every day
  // has a record when dossiers >= days, else no more than 5 days in a row
  // are empty. So no gap between records exceeds a trace-clock server's
  // default --max-jump (7 days). Off: the model alone.
  bool daily_floor = true;
};

// Writes the header then every record, in non-decreasing time, to `sink`.
// InvalidArgument for zero enterprises or days, or a catalog without a
// procedure of positive popularity.
Status GenerateTrace(const GenOptions& options, const Catalog& catalog, TraceSink* sink);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_TRACE_GEN_H_
