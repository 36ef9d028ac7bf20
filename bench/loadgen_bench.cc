// Load generator hot paths without sockets: histogram record, merge and
// percentile queries (every response and every interval touch them), trace
// generation (3 M records must take seconds), trace writing and reading
// (every replay thread streams the whole file), and the HdrHistogram V2
// encoding written once per second to --hlog.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <unistd.h>

#include "loadgen/hlog.h"
#include "loadgen/results.h"
#include "loadgen/trace_file.h"
#include "loadgen/trace_gen.h"
#include "proto/catalog.h"
#include "proto/histogram.h"

namespace nsw::loadgen {
namespace {

const Catalog& DefaultCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    if (!Catalog::Default(c).ok()) std::abort();
    return c;
  }();
  return *catalog;
}

std::vector<int64_t> Latencies(size_t n) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(std::log(3000.0), 1.2);
  std::vector<int64_t> v(n);
  for (auto& x : v) x = static_cast<int64_t>(d(rng));
  return v;
}

void BM_HistogramRecord(benchmark::State& state) {
  Histogram h = NewLatencyHistogram();
  const auto values = Latencies(1 << 16);
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i++ & 0xffff]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_HistogramMerge(benchmark::State& state) {
  Histogram a = NewLatencyHistogram(), b = NewLatencyHistogram();
  for (int64_t v : Latencies(100000)) b.Record(v);
  for (auto _ : state) a.Merge(b);
  benchmark::DoNotOptimize(a.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramMerge);

void BM_HistogramPercentile(benchmark::State& state) {
  Histogram h = NewLatencyHistogram();
  for (int64_t v : Latencies(100000)) h.Record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.ValueAtPercentile(99.9));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramPercentile);

class NullSink : public TraceSink {
 public:
  Status WriteHeader(TraceHeader) override { return Status::OK(); }
  Status Append(const TraceRecord& r) override {
    bytes += r.ByteSizeLong();
    return Status::OK();
  }
  uint64_t bytes = 0;
};

void BM_TraceGenerate(benchmark::State& state) {
  GenOptions o;
  o.dossiers = static_cast<uint64_t>(state.range(0));
  o.days = 365;
  for (auto _ : state) {
    NullSink sink;
    if (!GenerateTrace(o, DefaultCatalog(), &sink).ok()) state.SkipWithError("generate failed");
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TraceGenerate)->Arg(300000)->Unit(benchmark::kMillisecond);

std::string BenchTrace(uint64_t dossiers) {
  const std::string path = "/tmp/nsw_loadgen_bench_" + std::to_string(getpid()) + ".pb";
  GenOptions o;
  o.dossiers = dossiers;
  o.days = 365;
  std::unique_ptr<TraceWriter> w;
  if (!TraceWriter::Open(path, &w).ok() || !GenerateTrace(o, DefaultCatalog(), w.get()).ok() || !w->Close().ok()) {
    std::abort();
  }
  return path;
}

void BM_TraceWrite(benchmark::State& state) {
  for (auto _ : state) {
    const std::string path = BenchTrace(static_cast<uint64_t>(state.range(0)));
    state.PauseTiming();
    std::remove(path.c_str());
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TraceWrite)->Arg(300000)->Unit(benchmark::kMillisecond);

void BM_TraceRead(benchmark::State& state) {
  const std::string path = BenchTrace(300000);
  const bool skip_two_of_three = state.range(0) == 1;
  for (auto _ : state) {
    std::unique_ptr<TraceReader> r;
    if (!TraceReader::Open(path, &r).ok()) state.SkipWithError("open failed");
    TraceRecord rec;
    uint64_t n = 0;
    for (bool end = false; !end; ++n) {
      const Status s = skip_two_of_three && n % 3 != 0 ? r->Skip(&end) : r->Next(&rec, &end);
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        break;
      }
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * 300000);
  state.SetLabel(skip_two_of_three ? "one thread of three (skips 2/3)" : "every record parsed");
  std::remove(path.c_str());
}
BENCHMARK(BM_TraceRead)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_HlogEncode(benchmark::State& state) {
  Histogram h = NewLatencyHistogram();
  for (int64_t v : Latencies(5000)) h.Record(v);
  for (auto _ : state) benchmark::DoNotOptimize(Base64Encode(EncodeCompressedHistogram(h)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HlogEncode);

}  // namespace
}  // namespace nsw::loadgen
