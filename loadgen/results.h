// Run results (proto/results.proto) and the arithmetic on them: exact
// conversion between nsw::Histogram and HistogramData, request kinds and
// error classes, merging of result files (bucket for bucket, intervals by
// absolute second), JSON files via the protobuf JSON mapping (intervals may
// be streamed in from a spool so a long run never holds them in memory),
// and the derived figures reports and thresholds use. Pure functions.
#ifndef NSW_LOADGEN_RESULTS_H_
#define NSW_LOADGEN_RESULTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "proto/histogram.h"
#include "proto/results.pb.h"
#include "proto/status.h"

namespace nsw::loadgen {

inline constexpr std::string_view kResultsFormat = "nswsim-results-1";
// The project version (CMake PROJECT_VERSION).
std::string_view ToolVersion();

enum class RequestKind { kSubmit = 0, kPoll, kPay, kSupplement, kWithdraw, kUrl };
inline constexpr int kRequestKindCount = 6;
// "submit", "poll", "pay", "supplement", "withdraw", "url".
std::string_view RequestKindName(RequestKind kind);

enum class ErrorClass {
  kConnect = 0,
  kTimeout,
  kReset,
  kOther,
  kStatus4xx,
  kStatus5xx,
  kDuplicate,
  kDropped,
  kBadResponse,
  kUnexpectedStatus,
};
inline constexpr int kErrorClassCount = 10;
// "connect", "timeout", "reset", "other", "4xx", "5xx", "duplicate",
// "dropped", "bad_response", "unexpected_status".
std::string_view ErrorClassName(ErrorClass error);
void AddError(ErrorCounts* counts, ErrorClass error, uint64_t n = 1);
uint64_t ErrorCount(const ErrorCounts& counts, ErrorClass error);
// Sum over classes; dropped counted only when `with_dropped`.
uint64_t TotalErrors(const ErrorCounts& counts, bool with_dropped = true);
void AddErrorCounts(const ErrorCounts& from, ErrorCounts* to);

// The latency histograms of every run: 1 h in microseconds, 3 significant
// digits (HdrHistogram's classic configuration).
inline constexpr int64_t kLatencyHighestUs = 3'600'000'000LL;
inline constexpr int kLatencyDigits = 3;
inline Histogram NewLatencyHistogram() { return Histogram(kLatencyHighestUs, kLatencyDigits); }

void HistogramToProto(const Histogram& h, HistogramData* out);
// Exact inverse of HistogramToProto. An empty HistogramData (no layout)
// gives an empty latency histogram. Corruption for bad indexes or counts.
Status HistogramFromProto(const HistogramData& data, Histogram* out);
// Merges `from` into `into` (either may be empty). Corruption when layouts differ.
Status MergeHistogramData(const HistogramData& from, HistogramData* into);

// Adds `from` into `into`: counters, errors, histograms.
Status MergeRequestStats(const RequestStats& from, RequestStats* into);
// Adds a result file into an accumulated one; intervals are summed by
// second, histograms bucket for bucket. `into` may be empty (first part).
Status MergeResults(const RunResults& part, RunResults* into);

// Writes `results` as JSON. `more_intervals`, when set, is called until it
// sets *end, and its intervals are appended after results.intervals()
// without ever holding all of them.
using IntervalSource = std::function<Status(IntervalStats* next, bool* end)>;
Status WriteResultsJson(const RunResults& results, const std::string& path,
                        const IntervalSource& more_intervals = nullptr);
Status ReadResultsJson(const std::string& path, RunResults* out);

// Derived figures.
double WindowSeconds(const RunResults& r);  // measured window, > 0
double AchievedRate(const RunResults& r);   // responses per second
// Errors (dropped included) per scheduled-or-attempted request, in percent.
double ErrorPercent(const RequestStats& s);
// Finds a kind or ministry by name; null when absent.
const RequestStats* FindStats(const RunResults& r, std::string_view name);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_RESULTS_H_
