// The simulation against queueing theory: an M/M/c queue (Poisson arrivals,
// exponential service, c officers, FIFO, an ALWAYS calendar, no fee,
// supplement or withdrawal) must wait as Erlang C says. About a million
// arrivals after a warm-up, cut into batches whose means give a confidence
// interval (the batch-means method). The core is driven directly so the
// test stays fast under sanitizers.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "server/domain/erlang_c.h"
#include "server/domain/random.h"
#include "tests/server/sim_harness.h"

namespace nsw {
namespace testing {
namespace {

const char* kMmcCatalog = R"pb(
  name: "mmc"
  ministries { code: "MMC" name: "M/M/3" officers: 3 calendar { kind: ALWAYS } queue_policy: FIFO }
  procedures {
    code: "MMC.EXP" ministry: "MMC" name: "exponential service"
    service_time { kind: EXPONENTIAL mean: 1 }
    deadline { working_days: 1 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
)pb";

// The formula under test lives in the domain (server/domain/erlang_c.h).
void ErlangC(double lambda, double mu, int c, double* p_wait, double* wq) {
  ErlangCPrediction p;
  ASSERT_TRUE(nsw::ErlangC(lambda, mu, c, &p));
  *p_wait = p.p_wait;
  *wq = p.mean_wait;
}

struct Interval {
  double mean = 0;
  double half_width = 0;
};

// 99% interval from batch means (t quantile for 49 degrees of freedom).
Interval BatchInterval(const std::vector<double>& batches) {
  double sum = 0, sum2 = 0;
  for (double b : batches) sum += b;
  const double n = static_cast<double>(batches.size());
  const double mean = sum / n;
  for (double b : batches) sum2 += (b - mean) * (b - mean);
  const double sd = std::sqrt(sum2 / (n - 1));
  return Interval{mean, 2.68 * sd / std::sqrt(n)};
}

TEST(ErlangCTest, TheFormulaGivesTheDocumentedExample) {
  double p = 0, wq = 0;
  ErlangC(2, 1, 3, &p, &wq);
  EXPECT_NEAR(p, 4.0 / 9, 1e-12);
  EXPECT_NEAR(wq, 4.0 / 9, 1e-12);
}

TEST(ErlangCTest, MMcWaitsAsErlangCPredicts) {
  const double lambda = 2, mu = 1;
  const int c = 3;
  double expect_p = 0, expect_wq = 0;
  ErlangC(lambda, mu, c, &expect_p, &expect_wq);

  SimHarness h(kMmcCatalog, /*seed=*/2024);
  const DossierRandom arrivals(77, 0);
  int64_t t = Hanoi(2024, 1, 1, 0);
  const int64_t start = t;
  uint32_t k = 0;
  auto feed = [&](int n) {
    for (int i = 0; i < n; ++i, ++k) {
      const Uniforms u = arrivals.Draw(RandomPurpose::kTest, k);
      t += std::llround(Exponential(1e6 / lambda, u.u[0]));
      h.Submit("MMC.EXP", 1000000000ULL + k % 1000, std::to_string(k), t);
    }
    h.sim().AdvanceTo(t);
  };

  feed(50000);  // warm-up, discarded
  const GroupAccumulator& g = h.sim().procedure_group(0);
  uint64_t visits = g.queue_visits, waited = g.waited;
  __int128 wait_sum = g.wait.sum;
  std::vector<double> wq_batches, p_batches;
  for (int b = 0; b < 50; ++b) {
    feed(20000);
    const uint64_t dv = g.queue_visits - visits;
    ASSERT_GT(dv, 0u);
    wq_batches.push_back(static_cast<double>(g.wait.sum - wait_sum) / 1e6 / static_cast<double>(dv));
    p_batches.push_back(static_cast<double>(g.waited - waited) / static_cast<double>(dv));
    visits = g.queue_visits;
    waited = g.waited;
    wait_sum = g.wait.sum;
  }
  const Interval wq = BatchInterval(wq_batches), p = BatchInterval(p_batches);
  RecordProperty("wq", std::to_string(wq.mean) + " +- " + std::to_string(wq.half_width));
  RecordProperty("p_wait", std::to_string(p.mean) + " +- " + std::to_string(p.half_width));
  // The interval must be tight enough to mean something, and hold the truth.
  EXPECT_LT(wq.half_width, 0.05 * expect_wq);
  EXPECT_NEAR(wq.mean, expect_wq, wq.half_width) << "Wq interval " << wq.mean << " +- " << wq.half_width;
  EXPECT_LT(p.half_width, 0.05 * expect_p);
  EXPECT_NEAR(p.mean, expect_p, p.half_width) << "P(wait) interval " << p.mean << " +- " << p.half_width;

  // The reported statistics agree: utilisation a/c and Little's law on the
  // queue (Lq = lambda Wq), over the whole run including the warm-up.
  h.sim().AdvanceTo(t + 1);  // the last arrival too
  const Stats s = h.stats();
  const GroupStats& total = s.total();
  EXPECT_NEAR(total.mean_busy_officers() / (lambda / mu), 1.0, 0.02);
  const double span = static_cast<double>(t - start) / 1e6;
  EXPECT_NEAR(total.mean_queue_depth() / (total.queue_visits() / span * total.wait().mean_seconds()), 1.0, 0.02);
  EXPECT_NEAR(total.wait().mean_seconds(), expect_wq, 0.03);
  EXPECT_EQ(total.arrivals(), 1050000u);
}

}  // namespace
}  // namespace testing
}  // namespace nsw
