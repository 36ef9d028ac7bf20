// The Erlang C formula of server/domain/erlang_c.h against known values:
// DOMAIN.md's example, M/M/1 (C = rho), the textbook sum-of-terms formula
// for small c, large c (no overflow), and the inputs where the model does
// not apply.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "server/domain/erlang_c.h"

namespace nsw {
namespace {

// C(c, a) from its definition, with factorials: fine for small c.
double DirectErlangC(int c, double a) {
  double term = 1, sum = 0;  // term = a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term = term * a / (k + 1);
  }
  const double last = term * c / (c - a);
  return last / (sum + last);
}

TEST(ErlangCFormulaTest, DocumentedExample) {
  ErlangCPrediction p;
  ASSERT_TRUE(ErlangC(2, 1, 3, &p));
  EXPECT_NEAR(p.p_wait, 4.0 / 9, 1e-12);
  EXPECT_NEAR(p.mean_wait, 4.0 / 9, 1e-12);
  EXPECT_NEAR(p.offered_load, 2, 1e-12);
  EXPECT_NEAR(p.utilisation, 2.0 / 3, 1e-12);
}

TEST(ErlangCFormulaTest, OneServerIsMM1) {
  ErlangCPrediction p;
  ASSERT_TRUE(ErlangC(0.5, 1, 1, &p));
  EXPECT_NEAR(p.p_wait, 0.5, 1e-12);
  EXPECT_NEAR(p.mean_wait, 1.0, 1e-12);  // rho / (mu - lambda)
  ASSERT_TRUE(ErlangC(3, 4, 1, &p));
  EXPECT_NEAR(p.p_wait, 0.75, 1e-12);
  EXPECT_NEAR(p.mean_wait, 0.75, 1e-12);
}

TEST(ErlangCFormulaTest, TwoServersAtOneErlang) {
  ErlangCPrediction p;
  ASSERT_TRUE(ErlangC(1, 1, 2, &p));
  EXPECT_NEAR(p.p_wait, 1.0 / 3, 1e-12);
  EXPECT_NEAR(p.mean_wait, 1.0 / 3, 1e-12);
}

TEST(ErlangCFormulaTest, MatchesTheDefinitionForSmallC) {
  for (int c = 1; c <= 30; ++c) {
    for (double rho : {0.05, 0.3, 0.7, 0.95, 0.999}) {
      const double a = rho * c;
      const double mu = 1.0 / 1800;  // half an hour of service, rates per second
      ErlangCPrediction p;
      ASSERT_TRUE(ErlangC(a * mu, mu, c, &p)) << c << " " << rho;
      const double expect = DirectErlangC(c, a);
      EXPECT_NEAR(p.p_wait, expect, 1e-9 * std::max(1.0, expect)) << c << " " << rho;
      EXPECT_NEAR(p.mean_wait, expect / (c * mu - a * mu), 1e-6 * std::max(1.0, p.mean_wait)) << c << " " << rho;
    }
  }
}

TEST(ErlangCFormulaTest, LargeCStaysFinite) {
  ErlangCPrediction p;
  ASSERT_TRUE(ErlangC(490, 1, 500, &p));
  EXPECT_TRUE(std::isfinite(p.p_wait));
  EXPECT_GT(p.p_wait, 0);
  EXPECT_LT(p.p_wait, 1);
  EXPECT_NEAR(p.mean_wait, p.p_wait / 10, 1e-12);
}

TEST(ErlangCFormulaTest, NoArrivalsNoWait) {
  ErlangCPrediction p;
  ASSERT_TRUE(ErlangC(0, 2, 4, &p));
  EXPECT_EQ(p.p_wait, 0);
  EXPECT_EQ(p.mean_wait, 0);
}

TEST(ErlangCFormulaTest, DoesNotApplyWithoutASteadyState) {
  ErlangCPrediction p;
  p.p_wait = -7;
  EXPECT_FALSE(ErlangC(3, 1, 3, &p));  // utilisation 1
  EXPECT_FALSE(ErlangC(4, 1, 3, &p));  // overloaded
  EXPECT_FALSE(ErlangC(1, 1, 0, &p));  // no officer
  EXPECT_FALSE(ErlangC(1, 0, 3, &p));  // no service
  EXPECT_FALSE(ErlangC(-1, 1, 3, &p));
  EXPECT_FALSE(ErlangC(std::numeric_limits<double>::quiet_NaN(), 1, 3, &p));
  EXPECT_FALSE(ErlangC(1, std::numeric_limits<double>::infinity(), 3, &p));
  EXPECT_EQ(p.p_wait, -7);  // untouched
}

}  // namespace
}  // namespace nsw
