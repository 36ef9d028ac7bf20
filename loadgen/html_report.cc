// HTML report (see html_report.h). The SVG is written by hand: a chart is
// a frame, axis ticks and polylines in data coordinates mapped to pixels.
#include "loadgen/html_report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "loadgen/summary.h"
#include "proto/histogram.h"
#include "proto/units.h"

namespace nsw::loadgen {
namespace {

void Append(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Append(std::string* out, const char* format, ...) {
  char buf[2048];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n > 0) out->append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

int64_t FloorDivSeconds(int64_t us) { return us / 1'000'000 - (us % 1'000'000 < 0); }

constexpr int kWidth = 900, kHeight = 280;
constexpr int kLeft = 70, kRight = 20, kTop = 20, kBottom = 40;
constexpr size_t kMaxPoints = 1200;

struct Series {
  std::string label;
  std::string color;
  std::vector<std::pair<double, double>> points;  // data coordinates
};

// A chart with linear or log10 axes.
class Chart {
 public:
  Chart(double x0, double x1, double y0, double y1, bool log_x, bool log_y)
      : x0_(x0), x1_(x1 > x0 ? x1 : x0 + 1), y0_(y0), y1_(y1 > y0 ? y1 : y0 + 1), log_x_(log_x), log_y_(log_y) {
    if (log_y_) {
      y0_ = std::log10(std::max(y0, 1e-9));
      y1_ = std::log10(std::max(y1, y0 * 10));
    }
    if (log_x_) {
      x0_ = std::log10(std::max(x0, 1e-9));
      x1_ = std::log10(std::max(x1, x0 * 10));
    }
  }
  double X(double x) const {
    const double v = log_x_ ? std::log10(std::max(x, 1e-12)) : x;
    return kLeft + (v - x0_) / (x1_ - x0_) * (kWidth - kLeft - kRight);
  }
  double Y(double y) const {
    const double v = log_y_ ? std::log10(std::max(y, 1e-12)) : y;
    const double f = std::clamp((v - y0_) / (y1_ - y0_), -0.05, 1.05);
    return kHeight - kBottom - f * (kHeight - kTop - kBottom);
  }

  std::string Render(const std::string& title, const std::vector<Series>& series,
                     const std::vector<std::pair<double, std::string>>& x_ticks,
                     const std::vector<std::pair<double, std::string>>& y_ticks, const std::string& x_label,
                     const std::string& y_label) const {
    std::string svg;
    Append(&svg, "<figure><figcaption>%s</figcaption>\n", HtmlEscape(title).c_str());
    Append(&svg,
           "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
           "role=\"img\" aria-label=\"%s\">\n",
           kWidth, kHeight, kWidth, kHeight, HtmlEscape(title).c_str());
    Append(&svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>\n", kLeft, kTop,
           kWidth - kLeft - kRight, kHeight - kTop - kBottom);
    for (const auto& [v, text] : y_ticks) {
      const double y = Y(v);
      Append(&svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>", kLeft, y, kWidth - kRight, y);
      Append(&svg, "<text x=\"%d\" y=\"%.1f\" class=\"ytick\">%s</text>\n", kLeft - 6, y + 4, HtmlEscape(text).c_str());
    }
    for (const auto& [v, text] : x_ticks) {
      const double x = X(v);
      Append(&svg, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>", x, kTop, x, kHeight - kBottom);
      Append(&svg, "<text x=\"%.1f\" y=\"%d\" class=\"xtick\">%s</text>\n", x, kHeight - kBottom + 16,
             HtmlEscape(text).c_str());
    }
    Append(&svg, "<text x=\"%d\" y=\"%d\" class=\"axis\">%s</text>\n", (kWidth + kLeft) / 2, kHeight - 4,
           HtmlEscape(x_label).c_str());
    Append(&svg, "<text x=\"14\" y=\"%d\" class=\"axis\" transform=\"rotate(-90 14 %d)\">%s</text>\n", kHeight / 2,
           kHeight / 2, HtmlEscape(y_label).c_str());
    int legend_x = kLeft + 10;
    for (const auto& s : series) {
      if (s.points.empty()) continue;
      svg += "<polyline fill=\"none\" stroke-width=\"1.6\" stroke=\"" + s.color + "\" points=\"";
      for (const auto& [x, y] : s.points) Append(&svg, "%.1f,%.1f ", X(x), Y(y));
      svg += "\"><title>" + HtmlEscape(s.label) + "</title></polyline>\n";
      Append(&svg, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>", legend_x, kTop + 8, s.color.c_str());
      Append(&svg, "<text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>\n", legend_x + 16, kTop + 13,
             HtmlEscape(s.label).c_str());
      legend_x += 30 + static_cast<int>(s.label.size()) * 7;
    }
    svg += "</svg></figure>\n";
    return svg;
  }

 private:
  double x0_, x1_, y0_, y1_;
  bool log_x_, log_y_;
};

// 1-2-5 ticks over [lo, hi].
std::vector<double> LinearTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  const double span = std::max(hi - lo, 1e-9);
  const double raw = span / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push_back(v);
  return ticks;
}

std::vector<std::pair<double, std::string>> LatencyTicks(double lo_us, double hi_us) {
  std::vector<std::pair<double, std::string>> ticks;
  for (double decade = 1; decade <= 1e10; decade *= 10) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = decade * m;
      if (v >= lo_us * 0.999 && v <= hi_us * 1.001) ticks.emplace_back(v, FormatLatency(v));
    }
  }
  return ticks;
}

std::string Td(const std::string& s) { return "<td>" + HtmlEscape(s) + "</td>"; }
std::string Num(uint64_t v) { return "<td class=\"n\">" + std::to_string(v) + "</td>"; }
std::string Lat(double us) { return "<td class=\"n\">" + HtmlEscape(FormatLatency(us)) + "</td>"; }

Histogram Load(const HistogramData& d) {
  Histogram h;
  if (!HistogramFromProto(d, &h).ok()) h = NewLatencyHistogram();
  return h;
}

std::string StatsTable(const char* title, const google::protobuf::RepeatedPtrField<RequestStats>& rows) {
  if (rows.empty()) return {};
  std::string out;
  Append(&out, "<h2>%s</h2>\n<table><tr><th>name</th><th>scheduled</th><th>sent</th><th>responses</th><th>ok</th>"
               "<th>errors</th><th>error %%</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th>"
               "<th>uncorrected p99</th></tr>\n",
         title);
  for (const auto& r : rows) {
    const Histogram h = Load(r.latency());
    const Histogram u = Load(r.uncorrected());
    char err[32];
    std::snprintf(err, sizeof err, "%.3g", ErrorPercent(r));
    out += "<tr>" + Td(r.name()) + Num(r.scheduled()) + Num(r.sent()) + Num(r.responses()) + Num(r.ok()) +
           Num(TotalErrors(r.errors(), true)) + "<td class=\"n\">" + err + "</td>" +
           Lat(static_cast<double>(h.ValueAtPercentile(50))) + Lat(static_cast<double>(h.ValueAtPercentile(90))) +
           Lat(static_cast<double>(h.ValueAtPercentile(99))) + Lat(static_cast<double>(h.ValueAtPercentile(99.9))) +
           Lat(static_cast<double>(h.max())) +
           (u.count() ? Lat(static_cast<double>(u.ValueAtPercentile(99))) : "<td class=\"n\">-</td>") + "</tr>\n";
  }
  out += "</table>\n";
  return out;
}

// Spectrum points (x = 1/(1-p), y = value) of a histogram.
std::vector<std::pair<double, double>> Spectrum(const Histogram& h) {
  std::vector<std::pair<double, double>> pts;
  if (h.count() == 0) return pts;
  const double top = std::min(1e6, static_cast<double>(h.count()));
  for (double x = 1; x <= top * 1.0001; x *= 1.08) {
    const double p = 100.0 * (1.0 - 1.0 / x);
    pts.emplace_back(x, std::max(1.0, static_cast<double>(h.ValueAtPercentile(p))));
  }
  pts.emplace_back(top, std::max(1.0, static_cast<double>(h.max())));
  return pts;
}

// Merges consecutive points so that at most kMaxPoints remain: counts are
// averaged per second, latencies take the worst of the group.
std::vector<IntervalPoint> Downsample(const std::vector<IntervalPoint>& in, int64_t* group_seconds) {
  *group_seconds = 1;
  if (in.size() <= kMaxPoints) return in;
  const int64_t span = in.back().unix_second - in.front().unix_second + 1;
  const int64_t group = (span + static_cast<int64_t>(kMaxPoints) - 1) / static_cast<int64_t>(kMaxPoints);
  *group_seconds = group;
  std::map<int64_t, IntervalPoint> out;
  for (const auto& p : in) {
    const int64_t key = in.front().unix_second + (p.unix_second - in.front().unix_second) / group * group;
    auto& g = out[key];
    g.unix_second = key;
    g.responses += p.responses;
    g.ok += p.ok;
    g.errors += p.errors;
    g.dropped += p.dropped;
    g.p50_us = std::max(g.p50_us, p.p50_us);
    g.p90_us = std::max(g.p90_us, p.p90_us);
    g.p99_us = std::max(g.p99_us, p.p99_us);
    g.max_us = std::max(g.max_us, p.max_us);
  }
  std::vector<IntervalPoint> result;
  for (auto& [k, p] : out) result.push_back(p);
  return result;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2733;max-width:1000px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d5dbe1}
.sub{color:#5a6672;margin-top:0}table{border-collapse:collapse;font-size:13px;margin:8px 0}
td,th{border:1px solid #d5dbe1;padding:3px 8px;text-align:left}th{background:#f1f4f7}td.n{text-align:right;font-variant-numeric:tabular-nums}
.kpi{display:inline-block;margin:6px 18px 6px 0}.kpi b{display:block;font-size:22px}
.pass{color:#18794e}.fail{color:#c0392b;font-weight:bold}.warn{color:#a15c00}
figure{margin:12px 0}figcaption{font-weight:600;font-size:14px;margin-bottom:4px}
svg .frame{fill:#fbfcfd;stroke:#aab4bf}svg .grid{stroke:#e3e8ed}svg text{font-size:11px;fill:#46525e}
svg .ytick{text-anchor:end}svg .xtick{text-anchor:middle}svg .axis{text-anchor:middle;font-size:12px}
pre{background:#f6f8fa;padding:8px;font-size:12px;overflow-x:auto}
)";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

IntervalPoint PointOf(const IntervalStats& interval) {
  IntervalPoint p;
  p.unix_second = interval.unix_second();
  p.responses = interval.responses();
  p.ok = interval.ok();
  p.errors = interval.errors();
  p.dropped = interval.dropped();
  Histogram h;
  if (HistogramFromProto(interval.latency(), &h).ok() && h.count() > 0) {
    p.p50_us = static_cast<double>(h.ValueAtPercentile(50));
    p.p90_us = static_cast<double>(h.ValueAtPercentile(90));
    p.p99_us = static_cast<double>(h.ValueAtPercentile(99));
    p.max_us = static_cast<double>(h.max());
  }
  return p;
}

std::string RenderHtmlReport(const RunResults& r, const std::vector<IntervalPoint>& all_points) {
  std::string out;
  const std::string title = (r.mode() == "url" ? "url " : "replay ") + r.target();
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>nsw-loadgen: " +
         HtmlEscape(title) + "</title>\n<style>" + kStyle + "</style></head><body>\n";
  out += "<h1>nsw-loadgen " + HtmlEscape(r.mode()) + " report</h1>\n";
  std::string shards;
  for (const auto& s : r.shards()) shards += (shards.empty() ? "" : ", ") + s;
  Append(&out, "<p class=\"sub\">%s &middot; run %s &middot; %s &middot; shards %s &middot; %u threads, %u connections",
         HtmlEscape(r.target()).c_str(), HtmlEscape(r.run_id()).c_str(),
         HtmlEscape(FormatInstant(r.start_unix_us())).c_str(), HtmlEscape(shards).c_str(), r.threads(), r.connections());
  if (!r.trace().empty()) Append(&out, " &middot; trace %s", HtmlEscape(r.trace()).c_str());
  out += "</p>\n";

  // Headline figures.
  const Histogram h = Load(r.total().latency());
  const Histogram u = Load(r.total().uncorrected());
  auto kpi = [&](const std::string& label, const std::string& value, const char* cls = "") {
    out += "<div class=\"kpi " + std::string(cls) + "\">" + HtmlEscape(label) + "<b>" + HtmlEscape(value) + "</b></div>";
  };
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f/s", AchievedRate(r));
  kpi("achieved", buf);
  if (r.pacing() == "rate") {
    std::snprintf(buf, sizeof buf, "%.1f/s", r.target_rate());
    kpi("target", buf);
  }
  kpi("responses", std::to_string(r.total().responses()));
  std::snprintf(buf, sizeof buf, "%.3g%%", ErrorPercent(r.total()));
  kpi("errors", buf, TotalErrors(r.total().errors(), true) > 0 ? "warn" : "");
  kpi("p50", FormatLatency(static_cast<double>(h.ValueAtPercentile(50))));
  kpi("p99", FormatLatency(static_cast<double>(h.ValueAtPercentile(99))));
  kpi("p99.9", FormatLatency(static_cast<double>(h.ValueAtPercentile(99.9))));
  kpi("max", FormatLatency(static_cast<double>(h.max())));
  std::snprintf(buf, sizeof buf, "%.1fs", WindowSeconds(r));
  kpi("measured", buf);
  out += "\n";

  if (!r.failures().empty() || !r.warnings().empty() || !r.thresholds().empty()) {
    out += "<h2>Verdict</h2>\n<ul>\n";
    for (const auto& f : r.failures()) out += "<li class=\"fail\">FAILED: " + HtmlEscape(f) + "</li>\n";
    for (const auto& t : r.thresholds()) {
      out += std::string("<li class=\"") + (t.passed() ? "pass\">pass" : "fail\">FAIL") + ": " +
             HtmlEscape(t.expression()) + " (actual " + HtmlEscape(t.actual_text()) + ")</li>\n";
    }
    for (const auto& w : r.warnings()) out += "<li class=\"warn\">warning: " + HtmlEscape(w) + "</li>\n";
    out += "</ul>\n";
  }

  // Time charts. Seconds without completions are zeros, not gaps.
  std::vector<IntervalPoint> filled;
  if (!all_points.empty() && all_points.back().unix_second - all_points.front().unix_second < 10'000'000) {
    for (const auto& p : all_points) {
      while (!filled.empty() && filled.back().unix_second + 1 < p.unix_second) {
        IntervalPoint zero;
        zero.unix_second = filled.back().unix_second + 1;
        filled.push_back(zero);
      }
      filled.push_back(p);
    }
  } else {
    filled = all_points;
  }
  int64_t group = 1;
  const std::vector<IntervalPoint> points = Downsample(filled, &group);
  if (!points.empty()) {
    const int64_t t0 = r.start_unix_us() > 0 ? FloorDivSeconds(r.start_unix_us()) : points.front().unix_second;
    const double span = static_cast<double>(std::max<int64_t>(points.back().unix_second - t0 + group, 1));
    double max_rate = 1;
    double lat_lo = 1e18, lat_hi = 1;
    Series responses{"responses/s", "#2f6fb2", {}}, errors{"errors/s", "#c0392b", {}}, dropped{"dropped/s", "#a15c00", {}};
    Series p50{"p50", "#18794e", {}}, p90{"p90", "#2f6fb2", {}}, p99{"p99", "#a15c00", {}}, pmax{"max", "#c0392b", {}};
    for (const auto& p : points) {
      const double x = static_cast<double>(p.unix_second - t0);
      const double g = static_cast<double>(group);
      responses.points.emplace_back(x, static_cast<double>(p.responses) / g);
      errors.points.emplace_back(x, static_cast<double>(p.errors) / g);
      dropped.points.emplace_back(x, static_cast<double>(p.dropped) / g);
      max_rate = std::max({max_rate, static_cast<double>(p.responses) / g, static_cast<double>(p.errors + p.dropped) / g});
      if (p.responses > 0) {
        p50.points.emplace_back(x, std::max(1.0, p.p50_us));
        p90.points.emplace_back(x, std::max(1.0, p.p90_us));
        p99.points.emplace_back(x, std::max(1.0, p.p99_us));
        pmax.points.emplace_back(x, std::max(1.0, p.max_us));
        lat_lo = std::min(lat_lo, std::max(1.0, p.p50_us));
        lat_hi = std::max(lat_hi, p.max_us);
      }
    }
    std::vector<std::pair<double, std::string>> x_ticks;
    for (double v : LinearTicks(0, span, 8)) {
      x_ticks.emplace_back(v, FormatDuration(static_cast<int64_t>(v) * 1'000'000));
    }
    std::vector<std::pair<double, std::string>> rate_ticks;
    for (double v : LinearTicks(0, max_rate * 1.1, 5)) {
      std::snprintf(buf, sizeof buf, "%g", v);
      rate_ticks.emplace_back(v, buf);
    }
    const std::string per = group > 1 ? " (mean per second over " + std::to_string(group) + " s bins)" : "";
    out += "<h2>Throughput over time</h2>\n";
    out += Chart(0, span, 0, max_rate * 1.1, false, false)
               .Render("Responses, errors and drops per second" + per, {responses, errors, dropped}, x_ticks,
                       rate_ticks, "time since start", "per second");
    if (lat_hi >= 1 && lat_lo < 1e18) {
      const double lo = std::pow(10, std::floor(std::log10(lat_lo)));
      const double hi = std::pow(10, std::ceil(std::log10(lat_hi * 1.01)));
      out += "<h2>Latency over time</h2>\n";
      out += Chart(0, span, lo, hi, false, true)
                 .Render(std::string("Corrected latency percentiles per second") +
                             (group > 1 ? " (worst second of each bin)" : ""),
                         {p50, p90, p99, pmax}, x_ticks, LatencyTicks(lo, hi), "time since start", "latency");
    }
  }

  // Distribution.
  if (h.count() > 0) {
    const double top = std::min(1e6, static_cast<double>(h.count()));
    const double lo = std::pow(10, std::floor(std::log10(std::max(1.0, static_cast<double>(std::min(h.min(), u.count() ? u.min() : h.min()))))));
    const double hi = std::pow(10, std::ceil(std::log10(std::max<double>(static_cast<double>(h.max()) * 1.01, 10))));
    std::vector<std::pair<double, std::string>> x_ticks;
    const char* labels[] = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"};
    for (int i = 0; i < 7; ++i) {
      const double x = std::pow(10, i);
      if (x <= top * 1.0001) x_ticks.emplace_back(x, labels[i]);
    }
    out += "<h2>Latency distribution</h2>\n";
    out += Chart(1, std::max(top, 10.0), lo, hi, true, true)
               .Render("Latency by percentile (HdrHistogram plot)",
                       {Series{"corrected", "#2f6fb2", Spectrum(h)}, Series{"uncorrected", "#8e9aa6", Spectrum(u)}},
                       x_ticks, LatencyTicks(lo, hi), "percentile", "latency");
    out += "<table><tr><th>percentile</th><th>corrected</th><th>uncorrected</th></tr>\n";
    for (double p : {50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0}) {
      std::snprintf(buf, sizeof buf, "%.3f%%", p);
      out += "<tr>" + Td(buf) + Lat(static_cast<double>(h.ValueAtPercentile(p))) +
             Lat(static_cast<double>(u.ValueAtPercentile(p))) + "</tr>\n";
    }
    out += "</table>\n";
  }

  out += StatsTable("Request kinds", r.kinds());
  out += StatsTable("Submissions by ministry", r.ministries());

  out += "<h2>Errors and status codes</h2>\n<table><tr><th>class</th><th>count</th></tr>\n";
  for (int i = 0; i < kErrorClassCount; ++i) {
    const auto c = static_cast<ErrorClass>(i);
    out += "<tr>" + Td(std::string(ErrorClassName(c))) + Num(ErrorCount(r.total().errors(), c)) + "</tr>\n";
  }
  out += "</table>\n<table><tr><th>status</th><th>count</th></tr>\n";
  std::map<int, uint64_t> codes(r.status_codes().begin(), r.status_codes().end());
  for (const auto& [code, count] : codes) out += "<tr>" + Td(std::to_string(code)) + Num(count) + "</tr>\n";
  out += "</table>\n";

  if (!r.settings().empty()) {
    out += "<h2>Settings</h2>\n<table>\n";
    std::map<std::string, std::string> settings(r.settings().begin(), r.settings().end());
    for (const auto& [k, v] : settings) out += "<tr>" + Td(k) + Td(v) + "</tr>\n";
    out += "</table>\n";
  }
  out += "<h2>Summary</h2>\n<pre>" + HtmlEscape(FormatSummary(r, false)) + "</pre>\n";
  out += "<p class=\"sub\">nsw-loadgen " + HtmlEscape(r.tool_version()) + "</p>\n</body></html>\n";
  return out;
}

Status WriteHtmlReport(const RunResults& results, const IntervalSource& more_intervals, const std::string& path) {
  std::vector<IntervalPoint> points;
  for (const auto& i : results.intervals()) points.push_back(PointOf(i));
  if (more_intervals) {
    IntervalStats next;
    for (;;) {
      bool end = false;
      next.Clear();
      Status s = more_intervals(&next, &end);
      if (!s.ok()) return s;
      if (end) break;
      points.push_back(PointOf(next));
    }
  }
  std::sort(points.begin(), points.end(),
            [](const IntervalPoint& a, const IntervalPoint& b) { return a.unix_second < b.unix_second; });
  const std::string html = RenderHtmlReport(results, points);
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot create " + tmp + ": " + std::strerror(errno));
  out << html;
  out.close();
  if (!out) return Status::IoError("cannot write " + tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace nsw::loadgen
