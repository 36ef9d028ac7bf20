// Pass/fail criteria on a run (`--threshold EXPR`, repeatable; exit code 99
// when one fails), in the spirit of k6's thresholds:
//   [SCOPE:]METRIC OP VALUE
// SCOPE: a request kind ("submit", "url", ...) or a ministry code; the
// whole run when absent. METRIC: p50, p99.9, p(99) (corrected latency
// percentiles), mean|avg, max, min, stddev, errors (error rate, VALUE as
// "0.1%" or a fraction "0.001"), rps (achieved responses per second),
// requests, dropped, duplicates (counts). OP: < <= > >= ==. Latency VALUEs
// are durations with a unit ("50ms"). Pure functions.
#ifndef NSW_LOADGEN_THRESHOLDS_H_
#define NSW_LOADGEN_THRESHOLDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "proto/results.pb.h"
#include "proto/status.h"

namespace nsw::loadgen {

struct Threshold {
  enum class Metric { kPercentile, kMean, kMax, kMin, kStddev, kErrorPercent, kRps, kRequests, kDropped, kDuplicates };
  enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };
  std::string expression;   // as written
  std::string scope;        // empty: the whole run
  Metric metric = Metric::kPercentile;
  double percentile = 0;    // kPercentile
  Op op = Op::kLess;
  double value = 0;         // us for latencies, percent for errors, 1/s for rps, a count otherwise
};

// InvalidArgument naming what is wrong with `text`.
Status ParseThreshold(std::string_view text, Threshold* out);

// Evaluates against `results`. A scope absent from the results fails with
// actual_text "no such requests".
ThresholdOutcome EvaluateThreshold(const Threshold& t, const RunResults& results);
// Evaluates all, stores the outcomes in results->thresholds; true when all pass.
bool EvaluateThresholds(const std::vector<Threshold>& thresholds, RunResults* results);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_THRESHOLDS_H_
