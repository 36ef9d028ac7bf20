// Schedules and shards: stage and rate parsing, constant and Poisson due
// times, ramps, and the scale-out property: shards are disjoint, cover the
// trace, and together reproduce the unsharded schedule exactly.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <unistd.h>

#include "loadgen/engine.h"
#include "loadgen/enterprises.h"
#include "loadgen/replay_workload.h"
#include "loadgen/schedule.h"
#include "loadgen/trace_gen.h"
#include "loadgen/url_workload.h"
#include "proto/catalog.h"

namespace nsw::loadgen {
namespace {

TEST(Stages, ParsesK6StyleSpecs) {
  std::vector<Stage> stages;
  ASSERT_TRUE(ParseStages("30s:100,1m:500,10s:0", &stages).ok());
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[0].duration_us, 30'000'000);
  EXPECT_DOUBLE_EQ(stages[0].target_rate, 100);
  EXPECT_EQ(stages[1].duration_us, 60'000'000);
  EXPECT_DOUBLE_EQ(stages[1].target_rate, 500);
  EXPECT_DOUBLE_EQ(stages[2].target_rate, 0);
  ASSERT_TRUE(ParseStages("500ms:2.5", &stages).ok());
  EXPECT_DOUBLE_EQ(stages[0].target_rate, 2.5);
  for (const char* bad : {"", "30s", "30:100", "30s:", "30s:abc", "0s:10", "30s:100,", "30s:-1", "1m:100;2m:5"}) {
    EXPECT_FALSE(ParseStages(bad, &stages).ok()) << bad;
  }
}

TEST(Stages, RatesWithUnits) {
  double r = 0;
  ASSERT_TRUE(ParseRate("1000", &r).ok());
  EXPECT_DOUBLE_EQ(r, 1000);
  ASSERT_TRUE(ParseRate("60/m", &r).ok());
  EXPECT_DOUBLE_EQ(r, 1);
  ASSERT_TRUE(ParseRate("7200/h", &r).ok());
  EXPECT_DOUBLE_EQ(r, 2);
  EXPECT_FALSE(ParseRate("10/d", &r).ok());
  EXPECT_FALSE(ParseRate("-5", &r).ok());
  EXPECT_FALSE(ParseRate("fast", &r).ok());
}

TEST(Schedule, ConstantRateIsIOverR) {
  ArrivalSchedule s(RateProfile(1000, {}), Arrivals::kConstant, 1);
  for (int i = 0; i < 5000; ++i) {
    int64_t due = 0;
    ASSERT_TRUE(s.Next(&due));
    ASSERT_EQ(due, i * 1000) << i;
  }
}

TEST(Schedule, PoissonIsDeterministicPerSeedWithTheRightRate) {
  ArrivalSchedule a(RateProfile(500, {}), Arrivals::kPoisson, 9);
  ArrivalSchedule b(RateProfile(500, {}), Arrivals::kPoisson, 9);
  ArrivalSchedule c(RateProfile(500, {}), Arrivals::kPoisson, 10);
  int64_t da = 0, db = 0, dc = 0, previous = 0;
  bool differs = false;
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(a.Next(&da));
    ASSERT_TRUE(b.Next(&db));
    ASSERT_TRUE(c.Next(&dc));
    ASSERT_EQ(da, db);
    ASSERT_GE(da, previous);
    previous = da;
    differs = differs || da != dc;
  }
  EXPECT_TRUE(differs);
  // n arrivals at 500/s take about n/500 s (within 2 %).
  EXPECT_NEAR(static_cast<double>(da) / 1e6, n / 500.0, n / 500.0 * 0.02);
}

TEST(Schedule, RampsFollowTheCumulativeRate) {
  // 0 -> 100/s over 10 s (500 requests), then 100/s for 10 s (1000 more).
  RateProfile p(0, {{10'000'000, 100}, {10'000'000, 100}});
  EXPECT_EQ(p.end_us(), 20'000'000);
  EXPECT_NEAR(p.CountAt(10'000'000), 500, 1e-6);
  EXPECT_NEAR(p.CountAt(20'000'000), 1500, 1e-6);
  EXPECT_NEAR(p.RateAt(5'000'000), 50, 1e-9);
  ArrivalSchedule s(p, Arrivals::kConstant, 1);
  std::vector<int64_t> due;
  for (int64_t d = 0; s.Next(&d);) due.push_back(d);
  EXPECT_NEAR(static_cast<double>(due.size()), 1501, 1);
  // Request 125 is due when 0.5 * 10 * t^2 = 125 -> t = 5 s.
  EXPECT_NEAR(static_cast<double>(due[125]), 5'000'000, 10);
  EXPECT_NEAR(static_cast<double>(due[500]), 10'000'000, 10);
  EXPECT_NEAR(static_cast<double>(due[1000]), 15'000'000, 10);
  // Ramping down to zero ends the schedule.
  ArrivalSchedule down(RateProfile(100, {{1'000'000, 0}}), Arrivals::kConstant, 1);
  int count = 0;
  for (int64_t d = 0; down.Next(&d);) ++count;
  EXPECT_NEAR(count, 50, 1);
}

TEST(Shards, ParseAndOwnership) {
  Shard s;
  ASSERT_TRUE(ParseShard("2/4", &s).ok());
  EXPECT_EQ(s.index, 1u);
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.ToString(), "2/4");
  for (const char* bad : {"0/4", "5/4", "4", "a/b", "1/0", "1/", "/3", "1/2/3"}) {
    EXPECT_FALSE(ParseShard(bad, &s).ok()) << bad;
  }
  // Every enterprise belongs to exactly one of N shards, and the split is
  // roughly even.
  std::map<uint32_t, int> sizes;
  for (uint32_t e = 0; e < 40000; ++e) {
    int owners = 0;
    for (uint32_t k = 0; k < 5; ++k) owners += Shard{k, 5}.Owns(e) ? 1 : 0;
    ASSERT_EQ(owners, 1) << e;
    ++sizes[ShardOfEnterprise(e, 5)];
  }
  for (const auto& [k, n] : sizes) EXPECT_NEAR(n, 8000, 400) << k;
}

const Catalog& DefaultCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    EXPECT_TRUE(Catalog::Default(c).ok());
    return c;
  }();
  return *catalog;
}

// (index -> due) of every primary job a shard's threads would send.
std::map<uint64_t, int64_t> ShardSchedule(Workload* w, const EngineOptions& o, int threads) {
  std::map<uint64_t, int64_t> out;
  for (int t = 0; t < threads; ++t) {
    std::unique_ptr<JobSource> source;
    EXPECT_TRUE(w->NewSource(t, threads, &source).ok());
    Pacer pacer(o, w->trace_origin_us());
    for (;;) {
      Job j;
      bool end = false;
      EXPECT_TRUE(source->Next(&j, &end).ok());
      if (end || (o.limit > 0 && j.index >= o.limit)) break;
      if (!pacer.Assign(&j)) break;
      EXPECT_TRUE(out.emplace(j.index, j.due_us).second) << "index " << j.index << " twice";
    }
  }
  return out;
}

TEST(Shards, ReplayShardsAreDisjointCoverAndKeepTheGlobalSchedule) {
  const std::string path = testing::TempDir() + "/loadgen_shards_" + std::to_string(getpid()) + ".pb";
  {
    GenOptions g;
    g.dossiers = 6000;
    g.enterprises = 300;
    g.days = 10;
    std::unique_ptr<TraceWriter> w;
    ASSERT_TRUE(TraceWriter::Open(path, &w).ok());
    ASSERT_TRUE(GenerateTrace(g, DefaultCatalog(), w.get()).ok());
    ASSERT_TRUE(w->Close().ok());
  }
  for (Pacing pacing : {Pacing::kRate, Pacing::kSpeed}) {
    for (Arrivals arrivals : {Arrivals::kConstant, Arrivals::kPoisson}) {
      EngineOptions o;
      o.pacing = pacing;
      o.rate = 2000;
      o.arrivals = arrivals;
      o.speed = 3600;
      o.seed = 5;
      auto make = [&](Shard shard) {
        ReplayOptions ro;
        ro.trace_path = path;
        ro.run_id = "test";
        ro.shard = shard;
        std::unique_ptr<ReplayWorkload> w;
        EXPECT_TRUE(ReplayWorkload::Create(ro, &DefaultCatalog(), &w).ok());
        return w;
      };
      auto whole_w = make(Shard{0, 1});
      const auto whole = ShardSchedule(whole_w.get(), o, 1);
      ASSERT_EQ(whole.size(), 6000u);
      std::map<uint64_t, int64_t> united;
      for (uint32_t k = 0; k < 3; ++k) {
        auto w = make(Shard{k, 3});
        const auto part = ShardSchedule(w.get(), o, 2);
        EXPECT_GT(part.size(), 0u);
        for (const auto& [i, due] : part) ASSERT_TRUE(united.emplace(i, due).second) << "shards overlap at " << i;
      }
      EXPECT_EQ(united, whole) << PacingName(pacing) << " " << ArrivalsName(arrivals);
    }
  }
  std::remove(path.c_str());
}

TEST(Shards, UrlShardsInterleaveOneSchedule) {
  EngineOptions o;
  o.pacing = Pacing::kRate;
  o.rate = 100;
  o.limit = 1000;
  UrlWorkloadOptions base;
  ASSERT_TRUE(client::ParseUrl("http://127.0.0.1:1/", &base.url).ok());
  base.shard = Shard{0, 1};
  UrlWorkload whole_w(base);
  const auto whole = ShardSchedule(&whole_w, o, 1);
  ASSERT_EQ(whole.size(), 1000u);
  std::map<uint64_t, int64_t> united;
  for (uint32_t k = 0; k < 4; ++k) {
    UrlWorkloadOptions uo = base;
    uo.shard = Shard{k, 4};
    UrlWorkload w(uo);
    for (const auto& [i, due] : ShardSchedule(&w, o, 3)) ASSERT_TRUE(united.emplace(i, due).second) << i;
  }
  EXPECT_EQ(united, whole);
}

}  // namespace
}  // namespace nsw::loadgen
