// The simulation core without network or journal: complete dossier
// lifecycles simulated per second on one core (target >= 5 M/s), and the
// anonymous memory a stored dossier costs at 1,000,000 dossiers (target
// <= ~128 bytes: record, idempotency index and simulation state).
//
// Arrivals are generated before timing: Poisson in time, procedures by the
// catalog's popularity, enterprises from a pool. The timed part is what the
// server does once a record is durable: store it, schedule it, and advance
// the simulation, which runs every event of the dossier's life.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "proto/catalog.h"
#include "server/domain/dossier_store.h"
#include "server/domain/idempotency_index.h"
#include "server/domain/random.h"
#include "server/domain/sim_model.h"
#include "server/domain/simulation.h"

namespace nsw {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000;

// One ALWAYS ministry per "lane": the core's raw speed with simple
// distributions (a fee on half the procedures, some supplements).
const char* kLeanCatalog = R"pb(
  name: "lean"
  ministries { code: "A" name: "a" officers: 8 calendar { kind: ALWAYS } queue_policy: FIFO }
  ministries { code: "B" name: "b" officers: 4 calendar { kind: ALWAYS } queue_policy: EDF }
  procedures {
    code: "A.X" ministry: "A" name: "x" service_time { kind: EXPONENTIAL mean: 600 }
    deadline { working_hours: 8 } approve_probability: 0.9 reject_probability: 0.05 supplement_probability: 0.05
    fee_payment_delay { kind: EXPONENTIAL mean: 3600 } supplement_delay { kind: EXPONENTIAL mean: 7200 }
    popularity: 3 payload_bytes { kind: FIXED mean: 1000 }
  }
  procedures {
    code: "A.Y" ministry: "A" name: "y" service_time { kind: FIXED mean: 300 }
    deadline { working_hours: 4 } approve_probability: 0.95 reject_probability: 0.05
    fee_vnd: 100000
    fee_payment_delay { kind: EXPONENTIAL mean: 3600 } supplement_delay { kind: EXPONENTIAL mean: 7200 }
    popularity: 1 payload_bytes { kind: FIXED mean: 1000 }
  }
  procedures {
    code: "B.Z" ministry: "B" name: "z" service_time { kind: LOGNORMAL mean: 900 cv: 0.6 }
    deadline { working_days: 1 } approve_probability: 0.8 reject_probability: 0.1 supplement_probability: 0.1
    fee_vnd: 100000 withdraw_probability: 0.05
    fee_payment_delay { kind: LOGNORMAL mean: 3600 cv: 1 } supplement_delay { kind: EXPONENTIAL mean: 7200 }
    popularity: 1 payload_bytes { kind: FIXED mean: 1000 }
  }
)pb";

struct Arrival {
  int64_t at;
  uint64_t key;
  uint32_t enterprise;  // index in the store: RunAll interns 0..n-1 in order
  uint16_t procedure;
};

constexpr uint32_t kEnterprises = 38000;
constexpr uint64_t kFirstTaxCode = 100000000;

// `count` arrivals, Poisson with the given mean gap, procedures weighted by
// popularity, enterprises from `enterprises`.
std::vector<Arrival> MakeArrivals(const Catalog& catalog, size_t count, double mean_gap_us, uint32_t enterprises) {
  std::vector<double> cumulative;
  double total = 0;
  for (int p = 0; p < catalog.procedure_count(); ++p) {
    total += catalog.procedure(p).popularity();
    cumulative.push_back(total);
  }
  std::vector<Arrival> out;
  out.reserve(count);
  const DossierRandom rng(12345, 0);
  int64_t t = 1704067200LL * 1000000;  // 2024-01-01T00:00:00Z, a Monday
  char ref[32];
  for (size_t i = 0; i < count; ++i) {
    const Uniforms u = rng.Draw(RandomPurpose::kTest, static_cast<uint32_t>(i));
    t += static_cast<int64_t>(Exponential(mean_gap_us, u.u[0]));
    const double pick = u.u[1] * total;
    const auto it = std::lower_bound(cumulative.begin(), cumulative.end(), pick);
    const int len = std::snprintf(ref, sizeof(ref), "bench-%zu", i);
    const auto enterprise = static_cast<uint32_t>(u.u[2] * enterprises);
    out.push_back(Arrival{t, DossierKey(kFirstTaxCode + enterprise, std::string_view(ref, len)), enterprise,
                          static_cast<uint16_t>(it - cumulative.begin())});
  }
  return out;
}

std::unique_ptr<Catalog> LoadCatalog(bool lean) {
  auto catalog = std::make_unique<Catalog>();
  const Status s = lean ? Catalog::FromText(kLeanCatalog, "lean", catalog.get()) : Catalog::Default(catalog.get());
  if (!s.ok()) {
    std::fprintf(stderr, "catalog: %s\n", s.ToString().c_str());
    return nullptr;
  }
  return catalog;
}

// Stores and schedules every arrival, advancing as a server would, then runs
// out every life. Returns the lifecycles completed. Enterprises are interned
// up front (the service does it when it accepts a submission, before the
// simulation sees it).
uint64_t RunAll(const Catalog& catalog, const SimModel& model, const std::vector<Arrival>& arrivals,
                DossierStore* store, Simulation* sim, IdempotencyIndex* index) {
  for (uint32_t e = 0; e < kEnterprises; ++e) store->InternEnterprise(kFirstTaxCode + e);
  size_t i = 0;
  for (const Arrival& a : arrivals) {
    DossierRecord r;
    r.submitted_at = a.at;
    r.key = a.key;
    r.enterprise = a.enterprise;
    r.procedure = a.procedure;
    const uint32_t d = store->Add(r);
    if (index != nullptr) index->Insert(d);
    sim->Schedule(d);
    if (++i % 1024 == 0) sim->AdvanceTo(a.at);
  }
  sim->AdvanceTo(arrivals.back().at + 3650 * kDayUs);
  Stats stats;
  sim->FillStats(&stats);
  return stats.total().approved() + stats.total().rejected() + stats.total().withdrawn();
}

void Lifecycles(benchmark::State& state, bool lean) {
  const auto catalog = LoadCatalog(lean);
  if (catalog == nullptr) {
    state.SkipWithError("catalog did not load");
    return;
  }
  SimModel model;
  if (!SimModel::Create(*catalog, &model).ok()) {
    state.SkipWithError("model did not build");
    return;
  }
  // Lean: about 70% of the officers busy. Default catalog: the real NSW's
  // volume, about 2,400 dossiers per working day spread over the week.
  const double gap_us = lean ? 60e6 : 86400e6 * 5 / 7 / 2400;
  const auto arrivals = MakeArrivals(*catalog, static_cast<size_t>(state.range(0)), gap_us, kEnterprises);
  uint64_t lifecycles = 0, events = 0;
  for (auto _ : state) {
    DossierStore store;
    Simulation sim(*catalog, model, SimOptions{7, true}, &store);
    lifecycles += RunAll(*catalog, model, arrivals, &store, &sim, nullptr);
    events += sim.events_processed();
  }
  state.SetItemsProcessed(static_cast<int64_t>(lifecycles));
  state.counters["lifecycles/s"] = benchmark::Counter(static_cast<double>(lifecycles), benchmark::Counter::kIsRate);
  state.counters["events/lifecycle"] = static_cast<double>(events) / static_cast<double>(lifecycles);
}

void BM_LifecyclesLeanCatalog(benchmark::State& state) { Lifecycles(state, true); }
void BM_LifecyclesDefaultCatalog(benchmark::State& state) { Lifecycles(state, false); }
BENCHMARK(BM_LifecyclesLeanCatalog)->Arg(1 << 16)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LifecyclesDefaultCatalog)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// Anonymous memory of this process in bytes (Linux), or -1.
int64_t AnonymousBytes() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return -1;
  char line[256];
  int64_t kb = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "Anonymous:", 10) == 0) {
      kb = std::strtoll(line + 10, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

void BM_MemoryPerDossier(benchmark::State& state) {
  const auto catalog = LoadCatalog(false);
  SimModel model;
  if (catalog == nullptr || !SimModel::Create(*catalog, &model).ok()) {
    state.SkipWithError("catalog did not load");
    return;
  }
  const size_t n = static_cast<size_t>(state.range(0));
  const auto arrivals = MakeArrivals(*catalog, n, 86400e6 * 5 / 7 / 2400, kEnterprises);
  // Large blocks straight from mmap and back, so memory freed by earlier
  // benchmarks cannot be silently reused and hide this one's growth.
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  malloc_trim(0);
  double per_dossier = 0, overflowed = 0, index_bytes = 0;
  for (auto _ : state) {
    // Fixed costs (statistics, histograms) are allocated before the baseline.
    auto store = std::make_unique<DossierStore>();
    auto sim = std::make_unique<Simulation>(*catalog, model, SimOptions{7, true}, store.get());
    auto index = std::make_unique<IdempotencyIndex>(SipKey{1, 2}, store.get());
    const int64_t before = AnonymousBytes();
    RunAll(*catalog, model, arrivals, store.get(), sim.get(), index.get());
    const int64_t after = AnonymousBytes();
    if (before < 0 || after < 0) {
      state.SkipWithError("no /proc/self/smaps_rollup");
      return;
    }
    per_dossier = static_cast<double>(after - before) / static_cast<double>(n);
    overflowed = static_cast<double>(store->overflowed()) / static_cast<double>(n);
    index_bytes = static_cast<double>(index->capacity() * 8) / static_cast<double>(n);
  }
  state.counters["anon_bytes_per_dossier"] = per_dossier;
  state.counters["record_bytes"] = sizeof(DossierRecord);
  state.counters["index_bytes_per_dossier"] = index_bytes;
  state.counters["timelines_overflowed"] = overflowed;
}
BENCHMARK(BM_MemoryPerDossier)->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);

// GET /v1/stats on the default catalog: every procedure, ministries and the
// total merged from them (histograms included), after 100,000 dossiers.
void BM_FillStatsDefaultCatalog(benchmark::State& state) {
  const auto catalog = LoadCatalog(false);
  SimModel model;
  if (catalog == nullptr || !SimModel::Create(*catalog, &model).ok()) {
    state.SkipWithError("catalog did not load");
    return;
  }
  const auto arrivals = MakeArrivals(*catalog, 100000, 86400e6 * 5 / 7 / 2400, kEnterprises);
  DossierStore store;
  Simulation sim(*catalog, model, SimOptions{7, true}, &store);
  RunAll(*catalog, model, arrivals, &store, &sim, nullptr);
  for (auto _ : state) {
    Stats stats;
    sim.FillStats(&stats);
    benchmark::DoNotOptimize(stats.total().arrivals());
  }
}
BENCHMARK(BM_FillStatsDefaultCatalog)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nsw
