// Thresholds (see thresholds.h).
#include "loadgen/thresholds.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "loadgen/results.h"
#include "proto/histogram.h"
#include "proto/units.h"

namespace nsw::loadgen {
namespace {

bool ParseNumber(std::string_view text, double* out) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string_view::npos) return false;
  const std::string copy(text);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && std::isfinite(*out);
}

bool IsLatency(Threshold::Metric m) {
  return m == Threshold::Metric::kPercentile || m == Threshold::Metric::kMean || m == Threshold::Metric::kMax ||
         m == Threshold::Metric::kMin || m == Threshold::Metric::kStddev;
}

std::string FormatValue(const Threshold& t, double v) {
  char buf[64];
  if (IsLatency(t.metric)) return FormatDuration(static_cast<int64_t>(std::llround(v)));
  if (t.metric == Threshold::Metric::kErrorPercent) {
    std::snprintf(buf, sizeof buf, "%.4g%%", v);
  } else if (t.metric == Threshold::Metric::kRps) {
    std::snprintf(buf, sizeof buf, "%.1f/s", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

}  // namespace

Status ParseThreshold(std::string_view text, Threshold* out) {
  Threshold t;
  t.expression = std::string(text);
  std::string s;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  }
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid threshold '" + std::string(text) + "': " + why);
  };
  const size_t op_pos = s.find_first_of("<>=");
  if (op_pos == std::string::npos) return bad("no comparison (<, <=, >, >=, ==)");
  std::string lhs = s.substr(0, op_pos);
  std::string rest = s.substr(op_pos);
  std::string value_text;
  if (rest.rfind("<=", 0) == 0) {
    t.op = Threshold::Op::kLessEqual;
    value_text = rest.substr(2);
  } else if (rest.rfind(">=", 0) == 0) {
    t.op = Threshold::Op::kGreaterEqual;
    value_text = rest.substr(2);
  } else if (rest.rfind("==", 0) == 0) {
    t.op = Threshold::Op::kEqual;
    value_text = rest.substr(2);
  } else if (rest[0] == '<') {
    t.op = Threshold::Op::kLess;
    value_text = rest.substr(1);
  } else if (rest[0] == '>') {
    t.op = Threshold::Op::kGreater;
    value_text = rest.substr(1);
  } else {
    return bad("unknown comparison");
  }
  const size_t colon = lhs.find(':');
  if (colon != std::string::npos) {
    t.scope = lhs.substr(0, colon);
    lhs = lhs.substr(colon + 1);
    if (t.scope.empty()) return bad("empty scope before ':'");
  }
  std::string metric = lhs;
  for (auto& c : metric) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (metric.size() > 1 && metric[0] == 'p' && (std::isdigit(static_cast<unsigned char>(metric[1])) || metric[1] == '(')) {
    std::string number = metric.substr(1);
    if (number.front() == '(') {
      if (number.back() != ')') return bad("unbalanced parenthesis in the percentile");
      number = number.substr(1, number.size() - 2);
    }
    if (!ParseNumber(number, &t.percentile) || t.percentile < 0 || t.percentile > 100) {
      return bad("percentile must be a number between 0 and 100");
    }
    t.metric = Threshold::Metric::kPercentile;
  } else if (metric == "mean" || metric == "avg") {
    t.metric = Threshold::Metric::kMean;
  } else if (metric == "max") {
    t.metric = Threshold::Metric::kMax;
  } else if (metric == "min") {
    t.metric = Threshold::Metric::kMin;
  } else if (metric == "stddev") {
    t.metric = Threshold::Metric::kStddev;
  } else if (metric == "errors" || metric == "error_rate") {
    t.metric = Threshold::Metric::kErrorPercent;
  } else if (metric == "rps") {
    t.metric = Threshold::Metric::kRps;
  } else if (metric == "requests") {
    t.metric = Threshold::Metric::kRequests;
  } else if (metric == "dropped") {
    t.metric = Threshold::Metric::kDropped;
  } else if (metric == "duplicates") {
    t.metric = Threshold::Metric::kDuplicates;
  } else {
    return bad("unknown metric '" + lhs + "' (p99, p(99.9), mean, max, min, stddev, errors, rps, requests, dropped, duplicates)");
  }
  if (value_text.empty()) return bad("missing value");
  if (IsLatency(t.metric)) {
    int64_t us = 0;
    Status st = ParseDuration(value_text, &us);
    if (!st.ok()) return bad("'" + value_text + "' is not a duration with a unit (e.g. 50ms)");
    t.value = static_cast<double>(us);
  } else if (t.metric == Threshold::Metric::kErrorPercent) {
    if (value_text.back() == '%') {
      if (!ParseNumber(value_text.substr(0, value_text.size() - 1), &t.value)) return bad("bad percentage");
    } else {
      if (!ParseNumber(value_text, &t.value) || t.value > 1) {
        return bad("error rate must be a percentage ('0.1%') or a fraction between 0 and 1");
      }
      t.value *= 100;
    }
  } else {
    if (!ParseNumber(value_text, &t.value)) return bad("'" + value_text + "' is not a number");
  }
  *out = std::move(t);
  return Status::OK();
}

ThresholdOutcome EvaluateThreshold(const Threshold& t, const RunResults& results) {
  ThresholdOutcome o;
  o.set_expression(t.expression);
  const RequestStats* stats = FindStats(results, t.scope);
  if (stats == nullptr) {
    o.set_actual_text("no such requests ('" + t.scope + "')");
    o.set_passed(false);
    return o;
  }
  double actual = 0;
  if (IsLatency(t.metric)) {
    Histogram h;
    if (!HistogramFromProto(stats->latency(), &h).ok()) {
      o.set_actual_text("unreadable histogram");
      return o;
    }
    switch (t.metric) {
      case Threshold::Metric::kPercentile: actual = static_cast<double>(h.ValueAtPercentile(t.percentile)); break;
      case Threshold::Metric::kMean: actual = h.mean(); break;
      case Threshold::Metric::kMax: actual = static_cast<double>(h.max()); break;
      case Threshold::Metric::kMin: actual = static_cast<double>(h.min()); break;
      default: actual = h.stddev(); break;
    }
    if (h.count() == 0) {
      o.set_actual(0);
      o.set_actual_text("no responses");
      o.set_passed(false);
      return o;
    }
  } else if (t.metric == Threshold::Metric::kErrorPercent) {
    actual = ErrorPercent(*stats);
  } else if (t.metric == Threshold::Metric::kRps) {
    actual = static_cast<double>(stats->responses()) / WindowSeconds(results);
  } else if (t.metric == Threshold::Metric::kRequests) {
    actual = static_cast<double>(stats->responses());
  } else if (t.metric == Threshold::Metric::kDropped) {
    actual = static_cast<double>(stats->errors().dropped());
  } else {
    actual = static_cast<double>(stats->errors().duplicate());
  }
  bool pass = false;
  switch (t.op) {
    case Threshold::Op::kLess: pass = actual < t.value; break;
    case Threshold::Op::kLessEqual: pass = actual <= t.value; break;
    case Threshold::Op::kGreater: pass = actual > t.value; break;
    case Threshold::Op::kGreaterEqual: pass = actual >= t.value; break;
    case Threshold::Op::kEqual: pass = actual == t.value; break;
  }
  o.set_actual(actual);
  o.set_actual_text(FormatValue(t, actual));
  o.set_passed(pass);
  return o;
}

bool EvaluateThresholds(const std::vector<Threshold>& thresholds, RunResults* results) {
  results->clear_thresholds();
  bool all = true;
  for (const auto& t : thresholds) {
    *results->add_thresholds() = EvaluateThreshold(t, *results);
    all = all && results->thresholds().rbegin()->passed();
  }
  return all;
}

}  // namespace nsw::loadgen
