// Results files and their arithmetic: exact histogram serialization, merges
// equal to the histogram of all samples with intervals aligned by second,
// JSON round trips (also with streamed intervals), HdrHistogram V2
// encoding and interval logs, thresholds and exit codes.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>

#include "loadgen/cli.h"
#include "loadgen/hlog.h"
#include "loadgen/html_report.h"
#include "loadgen/results.h"
#include "loadgen/summary.h"
#include "loadgen/thresholds.h"

namespace nsw::loadgen {
namespace {

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/loadgen_results_" + std::to_string(getpid()) + "_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fake single-shard run of `n` samples from `rng`, recording every sample
// also into `all` and `per_second` (by its second).
RunResults FakeRun(std::mt19937_64& rng, int n, int shard, int shards, Histogram* all,
                   std::map<int64_t, Histogram>* per_second) {
  std::lognormal_distribution<double> latency(std::log(2000.0), 1.0);
  Histogram h = NewLatencyHistogram(), u = NewLatencyHistogram();
  std::map<int64_t, IntervalStats> intervals;
  std::map<int64_t, Histogram> interval_h;
  for (int i = 0; i < n; ++i) {
    const int64_t v = static_cast<int64_t>(latency(rng));
    const int64_t second = 1'700'000'000 + static_cast<int64_t>(rng() % 20);
    h.Record(v);
    u.Record(v / 2);
    all->Record(v);
    per_second->try_emplace(second, NewLatencyHistogram()).first->second.Record(v);
    interval_h.try_emplace(second, NewLatencyHistogram()).first->second.Record(v);
    auto& iv = intervals[second];
    iv.set_unix_second(second);
    iv.set_responses(iv.responses() + 1);
    iv.set_ok(iv.ok() + 1);
  }
  RunResults r;
  r.set_format(std::string(kResultsFormat));
  r.set_mode("url");
  r.set_target("http://127.0.0.1/");
  r.set_run_id("abc");
  r.add_shards(std::to_string(shard) + "/" + std::to_string(shards));
  r.set_parts(1);
  r.set_pacing("rate");
  r.set_target_rate(1000);
  r.set_threads(2);
  r.set_connections(4);
  r.set_start_unix_us(1'700'000'000'000'000LL + shard);
  r.set_end_unix_us(1'700'000'020'000'000LL - shard);
  RequestStats* total = r.mutable_total();
  total->set_name("total");
  total->set_sent(static_cast<uint64_t>(n));
  total->set_responses(static_cast<uint64_t>(n));
  total->set_ok(static_cast<uint64_t>(n));
  AddError(total->mutable_errors(), ErrorClass::kTimeout, 3);
  HistogramToProto(h, total->mutable_latency());
  HistogramToProto(u, total->mutable_uncorrected());
  *r.add_kinds() = *total;
  r.mutable_kinds(0)->set_name("url");
  (*r.mutable_status_codes())[200] = static_cast<uint64_t>(n);
  for (auto& [second, iv] : intervals) {
    HistogramToProto(interval_h.at(second), iv.mutable_latency());
    *r.add_intervals() = iv;
  }
  return r;
}

TEST(Results, HistogramProtoRoundTripIsExact) {
  Histogram h = NewLatencyHistogram();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10000; ++i) h.Record(static_cast<int64_t>(rng() % 5'000'000'000ULL));
  HistogramData d;
  HistogramToProto(h, &d);
  Histogram back;
  ASSERT_TRUE(HistogramFromProto(d, &back).ok());
  EXPECT_EQ(back.count(), h.count());
  EXPECT_EQ(back.min(), h.min());
  EXPECT_EQ(back.max(), h.max());
  EXPECT_EQ(back.clamped(), h.clamped());
  for (int i = 0; i < h.counts_length(); ++i) ASSERT_EQ(back.count_at_index(i), h.count_at_index(i));
  d.set_total_count(d.total_count() + 1);
  EXPECT_TRUE(HistogramFromProto(d, &back).IsCorruption());
}

TEST(Results, MergeEqualsTheHistogramOfAllSamplesAlignedBySecond) {
  std::mt19937_64 rng(5);
  Histogram all = NewLatencyHistogram();
  std::map<int64_t, Histogram> per_second;
  RunResults merged;
  const int shards = 3;
  uint64_t total = 0;
  for (int k = 1; k <= shards; ++k) {
    RunResults part = FakeRun(rng, 5000 + k * 100, k, shards, &all, &per_second);
    total += part.total().responses();
    // Through JSON, as `merge` reads them.
    const std::string path = TempPath("part" + std::to_string(k) + ".json");
    ASSERT_TRUE(WriteResultsJson(part, path).ok());
    RunResults read;
    ASSERT_TRUE(ReadResultsJson(path, &read).ok());
    ASSERT_TRUE(MergeResults(read, &merged).ok());
    std::remove(path.c_str());
  }
  EXPECT_EQ(merged.parts(), 3u);
  EXPECT_EQ(merged.shards_size(), 3);
  EXPECT_EQ(merged.total().responses(), total);
  EXPECT_EQ(merged.total().errors().timeout(), 9u);
  EXPECT_EQ(merged.status_codes().at(200), total);
  EXPECT_DOUBLE_EQ(merged.target_rate(), 1000);  // shards of one schedule share the global rate
  EXPECT_EQ(merged.threads(), 6u);
  EXPECT_EQ(merged.start_unix_us(), 1'700'000'000'000'001LL);
  EXPECT_EQ(merged.end_unix_us(), 1'700'000'019'999'999LL);
  Histogram h;
  ASSERT_TRUE(HistogramFromProto(merged.total().latency(), &h).ok());
  ASSERT_EQ(h.count(), all.count());
  EXPECT_EQ(h.min(), all.min());
  EXPECT_EQ(h.max(), all.max());
  for (int i = 0; i < all.counts_length(); ++i) ASSERT_EQ(h.count_at_index(i), all.count_at_index(i)) << i;
  ASSERT_EQ(merged.kinds_size(), 1);
  EXPECT_EQ(merged.kinds(0).responses(), total);
  // Intervals: one per second, in order, each the histogram of its samples.
  ASSERT_EQ(static_cast<size_t>(merged.intervals_size()), per_second.size());
  int64_t previous = 0;
  for (const auto& iv : merged.intervals()) {
    EXPECT_GT(iv.unix_second(), previous);
    previous = iv.unix_second();
    Histogram ih;
    ASSERT_TRUE(HistogramFromProto(iv.latency(), &ih).ok());
    const Histogram& expected = per_second.at(iv.unix_second());
    ASSERT_EQ(ih.count(), expected.count());
    EXPECT_EQ(iv.responses(), expected.count());
    for (int i = 0; i < expected.counts_length(); ++i) ASSERT_EQ(ih.count_at_index(i), expected.count_at_index(i));
  }
}

TEST(Results, IndependentGeneratorsAddTheirRates) {
  std::mt19937_64 rng(1);
  Histogram all = NewLatencyHistogram();
  std::map<int64_t, Histogram> ps;
  RunResults merged;
  ASSERT_TRUE(MergeResults(FakeRun(rng, 10, 1, 1, &all, &ps), &merged).ok());
  ASSERT_TRUE(MergeResults(FakeRun(rng, 10, 1, 1, &all, &ps), &merged).ok());
  EXPECT_DOUBLE_EQ(merged.target_rate(), 2000);
}

TEST(Results, JsonWithStreamedIntervals) {
  std::mt19937_64 rng(8);
  Histogram all = NewLatencyHistogram();
  std::map<int64_t, Histogram> ps;
  RunResults r = FakeRun(rng, 2000, 1, 1, &all, &ps);
  std::vector<IntervalStats> spooled(r.intervals().begin(), r.intervals().end());
  RunResults head = r;
  head.clear_intervals();
  *head.add_intervals() = spooled[0];  // one in memory, the rest streamed
  size_t next = 1;
  const std::string path = TempPath("streamed.json");
  ASSERT_TRUE(WriteResultsJson(head, path, [&](IntervalStats* out, bool* end) {
                *end = next >= spooled.size();
                if (!*end) *out = spooled[next++];
                return Status::OK();
              }).ok());
  RunResults back;
  Status s = ReadResultsJson(path, &back);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
  std::remove(path.c_str());
}

TEST(Results, ReadRefusesOtherFiles) {
  const std::string path = TempPath("other.json");
  std::ofstream(path) << "{\"format\": \"something-else\"}";
  RunResults r;
  EXPECT_FALSE(ReadResultsJson(path, &r).ok());
  std::ofstream(path) << "not json";
  EXPECT_FALSE(ReadResultsJson(path, &r).ok());
  std::remove(path.c_str());
}

// ---------------------------------------------------------------- hlog

TEST(Hlog, Base64RoundTrip) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &back).ok());
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  std::string out;
  EXPECT_FALSE(Base64Decode("Zm9v!mFy", &out).ok());
  EXPECT_FALSE(Base64Decode("Zm9", &out).ok());
}

TEST(Hlog, CompressedV2EncodingRoundTripsAndLooksLikeHdrHistogram) {
  Histogram h = NewLatencyHistogram();
  std::mt19937_64 rng(2);
  for (int i = 0; i < 20000; ++i) h.Record(static_cast<int64_t>(rng() % 3'000'000));
  h.Record(0, 5);
  h.Record(kLatencyHighestUs);
  const std::string encoded = EncodeCompressedHistogram(h);
  // HdrHistogram's compressed V2 cookie: base64 starts with "HISTF".
  EXPECT_EQ(Base64Encode(encoded).substr(0, 5), "HISTF");
  std::unique_ptr<Histogram> back;
  ASSERT_TRUE(DecodeHistogram(encoded, &back).ok());
  EXPECT_EQ(back->highest_trackable(), h.highest_trackable());
  EXPECT_EQ(back->significant_digits(), 3);
  ASSERT_EQ(back->count(), h.count());
  for (int i = 0; i < h.counts_length(); ++i) ASSERT_EQ(back->count_at_index(i), h.count_at_index(i)) << i;
  // The uncompressed form decodes too; damage does not.
  ASSERT_TRUE(DecodeHistogram(EncodeHistogramV2(h), &back).ok());
  EXPECT_EQ(back->count(), h.count());
  std::string broken = encoded;
  broken[broken.size() / 2] ^= 0x55;
  EXPECT_FALSE(DecodeHistogram(broken, &back).ok() && back->count() == h.count());
  // An empty histogram encodes to a header only.
  ASSERT_TRUE(DecodeHistogram(EncodeCompressedHistogram(NewLatencyHistogram()), &back).ok());
  EXPECT_EQ(back->count(), 0u);
}

TEST(Hlog, LargeCountsUseTheNinthVarintByte) {
  Histogram h(1000, 2);
  h.Record(7, uint64_t{1} << 62);
  h.Record(900, 3);
  std::unique_ptr<Histogram> back;
  ASSERT_TRUE(DecodeHistogram(EncodeCompressedHistogram(h), &back).ok());
  EXPECT_EQ(back->count(), h.count());
  EXPECT_TRUE(back->ValuesAreEquivalent(back->ValueAtPercentile(100), 900));
  EXPECT_EQ(back->ValueAtPercentile(50), 7);
}

TEST(Hlog, IntervalLogWriteAndParse) {
  const std::string path = TempPath("run.hlog");
  std::unique_ptr<HlogWriter> w;
  const int64_t start = 1'700'000'000'000'000LL;
  ASSERT_TRUE(HlogWriter::Open(path, start, &w).ok());
  std::vector<Histogram> written;
  for (int s = 0; s < 3; ++s) {
    Histogram h = NewLatencyHistogram();
    for (int i = 0; i < 100 * (s + 1); ++i) h.Record(1000 * (i + 1));
    ASSERT_TRUE(w->WriteInterval(start + s * 1'000'000, 1'000'000, h, s == 2 ? "uncorrected" : "").ok());
    written.push_back(std::move(h));
  }
  ASSERT_TRUE(w->Close().ok());
  const std::string text = ReadFile(path);
  EXPECT_NE(text.find("#[Histogram log format version 1.3]"), std::string::npos);
  EXPECT_NE(text.find("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""),
            std::string::npos);
  std::vector<HlogInterval> intervals;
  double base = 0;
  ASSERT_TRUE(ParseHlog(text, &intervals, &base).ok());
  EXPECT_DOUBLE_EQ(base, 1'700'000'000.0);
  ASSERT_EQ(intervals.size(), 3u);
  for (int s = 0; s < 3; ++s) {
    EXPECT_NEAR(intervals[s].start_seconds, s, 1e-9);
    EXPECT_NEAR(intervals[s].length_seconds, 1, 1e-9);
    EXPECT_NEAR(intervals[s].max_ms, static_cast<double>(written[s].max()) / 1000, 1e-3);
    EXPECT_EQ(intervals[s].histogram->count(), written[s].count());
  }
  EXPECT_EQ(intervals[2].tag, "uncorrected");
  std::remove(path.c_str());
}

// ---------------------------------------------------------------- thresholds

TEST(Thresholds, ParseTheSupportedForms) {
  Threshold t;
  ASSERT_TRUE(ParseThreshold("p99<50ms", &t).ok());
  EXPECT_EQ(t.metric, Threshold::Metric::kPercentile);
  EXPECT_DOUBLE_EQ(t.percentile, 99);
  EXPECT_EQ(t.op, Threshold::Op::kLess);
  EXPECT_DOUBLE_EQ(t.value, 50000);
  ASSERT_TRUE(ParseThreshold("p(99.9) <= 1.5s", &t).ok());
  EXPECT_DOUBLE_EQ(t.percentile, 99.9);
  EXPECT_EQ(t.op, Threshold::Op::kLessEqual);
  EXPECT_DOUBLE_EQ(t.value, 1.5e6);
  ASSERT_TRUE(ParseThreshold("errors<0.1%", &t).ok());
  EXPECT_EQ(t.metric, Threshold::Metric::kErrorPercent);
  EXPECT_DOUBLE_EQ(t.value, 0.1);
  ASSERT_TRUE(ParseThreshold("errors<0.001", &t).ok());
  EXPECT_DOUBLE_EQ(t.value, 0.1);
  ASSERT_TRUE(ParseThreshold("rps>1000", &t).ok());
  EXPECT_EQ(t.metric, Threshold::Metric::kRps);
  EXPECT_EQ(t.op, Threshold::Op::kGreater);
  ASSERT_TRUE(ParseThreshold("submit:mean<20ms", &t).ok());
  EXPECT_EQ(t.scope, "submit");
  EXPECT_EQ(t.metric, Threshold::Metric::kMean);
  ASSERT_TRUE(ParseThreshold("duplicates==0", &t).ok());
  EXPECT_EQ(t.op, Threshold::Op::kEqual);
  for (const char* bad : {"p99", "p99<50", "p101<1s", "latency<1s", "errors<5", "rps>fast", "p99<<1s", ":p99<1s",
                          "p(99<1s"}) {
    Status s = ParseThreshold(bad, &t);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  }
}

TEST(Thresholds, EvaluateAgainstResultsAndExitCodes) {
  RunResults r;
  r.set_start_unix_us(0);
  r.set_end_unix_us(10'000'000);
  Histogram h = NewLatencyHistogram();
  for (int i = 1; i <= 1000; ++i) h.Record(i * 100);  // 100us .. 100ms
  RequestStats* total = r.mutable_total();
  total->set_sent(1000);
  total->set_responses(1000);
  AddError(total->mutable_errors(), ErrorClass::kStatus5xx, 2);
  HistogramToProto(h, total->mutable_latency());
  auto eval = [&](const char* text) {
    Threshold t;
    EXPECT_TRUE(ParseThreshold(text, &t).ok()) << text;
    return EvaluateThreshold(t, r);
  };
  EXPECT_TRUE(eval("p99<100ms").passed());
  EXPECT_FALSE(eval("p99<50ms").passed());
  EXPECT_NEAR(eval("p50<1s").actual(), 50000, 50);
  EXPECT_TRUE(eval("errors<0.5%").passed());
  EXPECT_FALSE(eval("errors<0.1%").passed());
  EXPECT_NEAR(eval("errors<1%").actual(), 0.2, 1e-9);
  EXPECT_TRUE(eval("rps>99").passed());
  EXPECT_FALSE(eval("rps>101").passed());
  EXPECT_FALSE(eval("poll:p99<1s").passed());  // no such requests
  std::vector<Threshold> all(2);
  ASSERT_TRUE(ParseThreshold("p99<100ms", &all[0]).ok());
  ASSERT_TRUE(ParseThreshold("errors<0.1%", &all[1]).ok());
  EXPECT_FALSE(EvaluateThresholds(all, &r));
  ASSERT_EQ(r.thresholds_size(), 2);
  EXPECT_TRUE(r.thresholds(0).passed());
  EXPECT_FALSE(r.thresholds(1).passed());
  EXPECT_EQ(ExitCodeFor(false, true), 0);
  EXPECT_EQ(ExitCodeFor(false, false), 99);
  EXPECT_EQ(ExitCodeFor(true, false), 1);
  EXPECT_EQ(ExitCodeFor(true, true), 1);
}

// ---------------------------------------------------------------- reports

TEST(Reports, SummaryHasWrk2SpectrumAndHtmlIsSelfContained) {
  std::mt19937_64 rng(4);
  Histogram all = NewLatencyHistogram();
  std::map<int64_t, Histogram> ps;
  RunResults r = FakeRun(rng, 3000, 1, 1, &all, &ps);
  const std::string text = FormatSummary(r, true);
  for (const char* line : {" 50.000%", " 75.000%", " 90.000%", " 99.000%", " 99.900%", " 99.990%", " 99.999%",
                           "100.000%", "Detailed Percentile spectrum", "Requests/sec:", "1/(1-Percentile)"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
  std::vector<IntervalPoint> points;
  for (const auto& iv : r.intervals()) points.push_back(PointOf(iv));
  const std::string html = RenderHtmlReport(r, points);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Throughput over time"), std::string::npos);
  EXPECT_NE(html.find("Latency distribution"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://127.0.0.1"));  // only the target itself
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(HtmlEscape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace nsw::loadgen
