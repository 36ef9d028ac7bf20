// Text summary (see summary.h).
#include "loadgen/summary.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <map>

#include "loadgen/results.h"

namespace nsw::loadgen {
namespace {

void Append(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Append(std::string* out, const char* format, ...) {
  char buf[1024];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n > 0) out->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

constexpr double kSpectrum[] = {50, 75, 90, 99, 99.9, 99.99, 99.999, 100};

Histogram Load(const HistogramData& data) {
  Histogram h;
  if (!HistogramFromProto(data, &h).ok()) h = NewLatencyHistogram();
  return h;
}

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (b < 1024) std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(bytes));
  else if (b < 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2fKB", b / 1024);
  else if (b < 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2fMB", b / 1024 / 1024);
  else std::snprintf(buf, sizeof buf, "%.2fGB", b / 1024 / 1024 / 1024);
  return buf;
}

// Share of samples within one standard deviation of the mean (wrk's "+/- Stdev").
double WithinStdev(const Histogram& h) {
  if (h.count() == 0) return 0;
  const double lo = h.mean() - h.stddev(), hi = h.mean() + h.stddev();
  const uint64_t below_hi = h.CountAtOrBelow(static_cast<int64_t>(std::floor(hi)));
  const uint64_t below_lo = lo < 0 ? 0 : h.CountAtOrBelow(static_cast<int64_t>(std::ceil(lo)) - 1);
  return 100.0 * static_cast<double>(below_hi - below_lo) / static_cast<double>(h.count());
}

void AppendTable(std::string* out, const char* title, const google::protobuf::RepeatedPtrField<RequestStats>& rows) {
  if (rows.empty()) return;
  Append(out, "\n  %s\n", title);
  Append(out, "    %-12s %9s %9s %9s %8s %9s %9s %9s %9s %9s %11s\n", "name", "sent", "responses", "ok", "errors", "p50",
         "p90", "p99", "p99.9", "max", "uncorr p99");
  for (const auto& row : rows) {
    const Histogram h = Load(row.latency());
    const Histogram u = Load(row.uncorrected());
    Append(out, "    %-12s %9llu %9llu %9llu %8llu %9s %9s %9s %9s %9s %11s\n", row.name().c_str(),
           static_cast<unsigned long long>(row.sent()), static_cast<unsigned long long>(row.responses()),
           static_cast<unsigned long long>(row.ok()),
           static_cast<unsigned long long>(TotalErrors(row.errors(), true)),
           FormatLatency(static_cast<double>(h.ValueAtPercentile(50))).c_str(),
           FormatLatency(static_cast<double>(h.ValueAtPercentile(90))).c_str(),
           FormatLatency(static_cast<double>(h.ValueAtPercentile(99))).c_str(),
           FormatLatency(static_cast<double>(h.ValueAtPercentile(99.9))).c_str(),
           FormatLatency(static_cast<double>(h.max())).c_str(),
           u.count() ? FormatLatency(static_cast<double>(u.ValueAtPercentile(99))).c_str() : "-");
  }
}

}  // namespace

std::string FormatLatency(double us) {
  char buf[32];
  if (us < 1000) std::snprintf(buf, sizeof buf, "%.0fus", us);
  else if (us < 1e6) std::snprintf(buf, sizeof buf, "%.2fms", us / 1e3);
  else if (us < 60e6) std::snprintf(buf, sizeof buf, "%.2fs", us / 1e6);
  else if (us < 3600e6) std::snprintf(buf, sizeof buf, "%.2fm", us / 60e6);
  else std::snprintf(buf, sizeof buf, "%.2fh", us / 3600e6);
  return buf;
}

std::string FormatPercentileSpectrum(const Histogram& h) {
  std::string out;
  Append(&out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  if (h.count() > 0) {
    constexpr int kTicksPerHalfDistance = 5;
    double percentile = 0;
    int64_t previous_value = -1;
    for (int guard = 0; guard < 10000; ++guard) {
      const int64_t value = h.ValueAtPercentile(percentile);
      const uint64_t total = h.CountAtOrBelow(value);
      if (value != previous_value || percentile == 0) {
        const double level = percentile / 100.0;
        if (level < 1.0) {
          Append(&out, "%12.3f %14.12f %10llu %14.2f\n", static_cast<double>(value) / 1000.0, level,
                 static_cast<unsigned long long>(total), 1.0 / (1.0 - level));
        }
        previous_value = value;
      }
      if (total >= h.count()) break;
      // HdrHistogram's percentile iteration: halve the remaining distance
      // to 100 % every `ticks` steps.
      const double half_distance = std::pow(2.0, std::floor(std::log2(100.0 / (100.0 - percentile))) + 1);
      percentile += 100.0 / (half_distance * kTicksPerHalfDistance);
    }
    Append(&out, "%12.3f %14.12f %10llu %14s\n", static_cast<double>(h.max()) / 1000.0, 1.0,
           static_cast<unsigned long long>(h.count()), "inf");
  }
  Append(&out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", h.mean() / 1000.0, h.stddev() / 1000.0);
  Append(&out, "#[Max     = %12.3f, Total count    = %12llu]\n", static_cast<double>(h.max()) / 1000.0,
         static_cast<unsigned long long>(h.count()));
  int64_t sub_buckets = 1;
  int64_t single_unit = 2;
  for (int i = 0; i < h.significant_digits(); ++i) single_unit *= 10;
  while (sub_buckets < single_unit) sub_buckets *= 2;
  Append(&out, "#[Buckets = %12lld, SubBuckets     = %12lld]\n",
         static_cast<long long>(h.counts_length() / (sub_buckets / 2) - 1), static_cast<long long>(sub_buckets));
  return out;
}

std::string FormatSummary(const RunResults& r, bool detailed) {
  std::string out;
  const double window = WindowSeconds(r);
  Append(&out, "%s @ %s", r.mode() == "url" ? "url" : ("replay of " + r.trace()).c_str(), r.target().c_str());
  if (!r.run_id().empty()) Append(&out, " (run %s)", r.run_id().c_str());
  out += "\n";
  std::string shards;
  for (const auto& s : r.shards()) shards += (shards.empty() ? "" : ",") + s;
  Append(&out, "  %u threads and %u connections, ", r.threads(), r.connections());
  if (r.pacing() == "rate") {
    Append(&out, "rate %.6g/s %s", r.target_rate(), r.arrivals().c_str());
  } else if (r.pacing() == "speed") {
    Append(&out, "trace timing x%.6g", r.speed());
  } else {
    Append(&out, "closed loop (--max)");
  }
  Append(&out, "; shard%s %s", r.shards_size() > 1 ? "s" : "", shards.empty() ? "1/1" : shards.c_str());
  if (r.parts() > 1) Append(&out, " (%u parts merged)", r.parts());
  out += "\n";

  const Histogram h = Load(r.total().latency());
  const Histogram u = Load(r.total().uncorrected());
  Append(&out, "  Thread Stats   Avg      Stdev     Max   +/- Stdev\n");
  Append(&out, "    Latency   %8s  %8s  %8s  %7.2f%%\n", FormatLatency(h.mean()).c_str(),
         FormatLatency(h.stddev()).c_str(), FormatLatency(static_cast<double>(h.max())).c_str(), WithinStdev(h));
  Append(&out, "  Latency Distribution (HdrHistogram - Recorded Latency)\n");
  for (double p : kSpectrum) {
    Append(&out, " %7.3f%%  %9s   (uncorrected %s)\n", p, FormatLatency(static_cast<double>(h.ValueAtPercentile(p))).c_str(),
           FormatLatency(static_cast<double>(u.ValueAtPercentile(p))).c_str());
  }
  if (detailed) {
    Append(&out, "\n  Detailed Percentile spectrum:\n");
    out += FormatPercentileSpectrum(h);
    Append(&out, "\n  Uncorrected (from the actual send) Percentile spectrum:\n");
    out += FormatPercentileSpectrum(u);
  }
  Append(&out, "----------------------------------------------------------\n");
  Append(&out, "  %llu requests in %.2fs, %s read, %s written\n",
         static_cast<unsigned long long>(r.total().responses()), window, FormatBytes(r.total().response_bytes()).c_str(),
         FormatBytes(r.total().request_bytes()).c_str());
  const ErrorCounts& e = r.total().errors();
  if (TotalErrors(e, true) > 0) {
    Append(&out, "  Errors:");
    for (int i = 0; i < kErrorClassCount; ++i) {
      const auto c = static_cast<ErrorClass>(i);
      if (ErrorCount(e, c) > 0) {
        Append(&out, " %s %llu", std::string(ErrorClassName(c)).c_str(), static_cast<unsigned long long>(ErrorCount(e, c)));
      }
    }
    Append(&out, " (%.4g%%)\n", ErrorPercent(r.total()));
  }
  if (r.total().retries() > 0) Append(&out, "  Retries: %llu\n", static_cast<unsigned long long>(r.total().retries()));
  if (r.total().repeats() > 0) {
    Append(&out, "  Already submitted (resumed run): %llu\n", static_cast<unsigned long long>(r.total().repeats()));
  }
  Append(&out, "Requests/sec: %10.2f", AchievedRate(r));
  if (r.pacing() != "max") {
    // What this run (or shard) was asked to send in its window, beside the
    // global target rate every shard shares.
    Append(&out, "   (scheduled %.2f", static_cast<double>(r.total().scheduled()) / window);
    if (r.pacing() == "rate" && r.target_rate() > 0) Append(&out, ", global target %.2f", r.target_rate());
    out += ")";
  }
  out += "\n";
  if (!r.status_codes().empty()) {
    std::map<int, uint64_t> codes(r.status_codes().begin(), r.status_codes().end());
    Append(&out, "  Status codes:");
    for (const auto& [code, count] : codes) Append(&out, " %d: %llu", code, static_cast<unsigned long long>(count));
    out += "\n";
  }
  if (r.generator_lag().total_count() > 0) {
    const Histogram lag = Load(r.generator_lag());
    Append(&out, "  Generator lag: p50 %s, p99 %s, max %s\n", FormatLatency(static_cast<double>(lag.ValueAtPercentile(50))).c_str(),
           FormatLatency(static_cast<double>(lag.ValueAtPercentile(99))).c_str(),
           FormatLatency(static_cast<double>(lag.max())).c_str());
  }
  AppendTable(&out, "By request kind:", r.kinds());
  AppendTable(&out, "Submissions by ministry:", r.ministries());
  if (!r.thresholds().empty()) {
    Append(&out, "\n  Thresholds:\n");
    for (const auto& t : r.thresholds()) {
      Append(&out, "    %s %-24s actual %s\n", t.passed() ? "pass" : "FAIL", t.expression().c_str(), t.actual_text().c_str());
    }
  }
  for (const auto& w : r.warnings()) Append(&out, "  warning: %s\n", w.c_str());
  for (const auto& f : r.failures()) Append(&out, "  FAILED: %s\n", f.c_str());
  return out;
}

}  // namespace nsw::loadgen
