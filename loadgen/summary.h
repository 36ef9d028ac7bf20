// The text summary printed at the end of a run and by `report`: wrk2's
// layout (latency statistics, the percentile spectrum 50 ... 100 %, and
// with `detailed` HdrHistogram's full percentile distribution), the
// uncorrected figures beside the corrected ones, then per request kind,
// per ministry, errors by class, status codes, thresholds, warnings and
// failures. Pure functions.
#ifndef NSW_LOADGEN_SUMMARY_H_
#define NSW_LOADGEN_SUMMARY_H_

#include <cstdint>
#include <string>

#include "proto/histogram.h"
#include "proto/results.pb.h"

namespace nsw::loadgen {

// "850us", "1.23ms", "2.50s", "3.1m": wrk's units.
std::string FormatLatency(double micros);
// HdrHistogram's percentile distribution ("Value Percentile TotalCount
// 1/(1-Percentile)"), values in milliseconds, 5 ticks per half distance.
std::string FormatPercentileSpectrum(const Histogram& h);
std::string FormatSummary(const RunResults& results, bool detailed);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_SUMMARY_H_
