// Cost of one live dashboard frame (LiveModel::Next: rates, the Erlang C
// column for every ministry, five minutes of history, JSON) on Stats shaped
// like the built-in catalog's (13 ministries, 198 procedures, all active).
// The sampler pays it once a second, plus NswService::GetStats, whose cost
// is the bulk of a /metrics scrape (metrics_bench.cc).
#include <benchmark/benchmark.h>

#include <string>

#include "proto/catalog.h"
#include "server/http/live_model.h"

namespace nsw::http {
namespace {

Stats Populated(const Catalog& catalog, int64_t sim_us, uint64_t scale) {
  Stats s;
  s.set_clock("wall");
  s.set_sim_time_us(sim_us);
  uint64_t total = 0;
  for (int m = 0; m < catalog.ministry_count(); ++m) {
    GroupStats* g = s.add_ministries();
    g->set_code(catalog.ministry(m).code());
    g->set_officers(static_cast<uint32_t>(catalog.ministry(m).officers()));
    g->set_busy_officers(1);
    g->set_queue_depth(3);
    g->set_arrivals(100 * scale);
    g->set_approved(90 * scale);
    g->mutable_wait()->set_count(90 * scale);
    g->mutable_wait()->set_mean_seconds(12.5 + static_cast<double>(scale));
    total += 100 * scale;
  }
  for (int p = 0; p < catalog.procedure_count(); ++p) {
    GroupStats* g = s.add_procedures();
    g->set_code(catalog.procedure(p).code());
    g->set_arrivals(7 * scale);
    g->set_queue_visits(6 * scale);
  }
  s.mutable_total()->set_arrivals(total);
  return s;
}

void BM_LiveFrame(benchmark::State& state) {
  Catalog catalog;
  (void)Catalog::Default(&catalog);
  LiveModel model(catalog, LiveModelOptions());
  ClockReply clock;
  clock.set_speed(540);
  // Monday 2020-01-06 10:00 UTC+7, one simulated 540 s per frame.
  const int64_t start = (1578279600LL + 3 * 3600) * 1'000'000;
  int64_t i = 0;
  // Fill the history first: a steady-state frame carries 300 points.
  for (; i < 400; ++i) model.Next(i * 1'000'000, Populated(catalog, start + i * 540'000'000, i), clock, 1);
  // Each frame's Stats moves on by one step; updating its 211 counters is
  // timed too (well under a microsecond).
  Stats in = Populated(catalog, start + i * 540'000'000, static_cast<uint64_t>(i));
  size_t bytes = 0;
  for (auto _ : state) {
    ++i;
    in.set_sim_time_us(start + i * 540'000'000);
    for (GroupStats& g : *in.mutable_ministries()) {
      g.set_arrivals(g.arrivals() + 100);
      g.set_approved(g.approved() + 90);
      g.mutable_wait()->set_count(g.wait().count() + 90);
    }
    for (GroupStats& g : *in.mutable_procedures()) {
      g.set_arrivals(g.arrivals() + 7);
      g.set_queue_visits(g.queue_visits() + 6);
    }
    in.mutable_total()->set_arrivals(in.total().arrivals() + 1300);
    std::string frame = model.Next(i * 1'000'000, in, clock, 1);
    bytes = frame.size();
    benchmark::DoNotOptimize(frame);
  }
  state.counters["frame_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_LiveFrame);

}  // namespace
}  // namespace nsw::http
