// The self-contained HTML report (`--html FILE.html`, `report --html`): one
// file with inline CSS and inline SVG charts, no script and no external URL,
// so it opens anywhere and can be mailed. Charts: throughput over time
// (responses, errors, dropped per second), latency percentiles over time
// (p50, p90, p99, max; log scale), and the latency distribution as
// HdrHistogram plots it (value by percentile on a 1/(1-p) axis, corrected
// and uncorrected); tables of the percentile spectrum, request kinds,
// ministries, errors, status codes, thresholds and settings. Pure
// functions; long runs are binned down to at most ~1,200 points per chart.
#ifndef NSW_LOADGEN_HTML_REPORT_H_
#define NSW_LOADGEN_HTML_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/results.h"
#include "proto/results.pb.h"
#include "proto/status.h"

namespace nsw::loadgen {

// What the time charts need of one interval.
struct IntervalPoint {
  int64_t unix_second = 0;
  uint64_t responses = 0, ok = 0, errors = 0, dropped = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
};
IntervalPoint PointOf(const IntervalStats& interval);

std::string HtmlEscape(std::string_view text);
// The whole document. `points` in time order (may be empty).
std::string RenderHtmlReport(const RunResults& results, const std::vector<IntervalPoint>& points);
// Reads `intervals` (results.intervals() first, then the source when set)
// and writes the report to `path`.
Status WriteHtmlReport(const RunResults& results, const IntervalSource& more_intervals, const std::string& path);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_HTML_REPORT_H_
