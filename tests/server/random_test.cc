// Counter-based randomness: SplitMix64 known answers, SipHash-2-4 reference
// vectors, the independence of draws, the math functions against the C
// library, and the distribution transforms' moments.
#include "server/domain/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "server/domain/siphash.h"

namespace nsw {
namespace {

constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;

TEST(RandomTest, Mix64IsSplitMix64) {
  // Vigna's splitmix64.c seeded with 1234567: state += gamma, then the mix.
  const uint64_t expect[] = {6457827717110365317ULL, 3203168211198807973ULL, 9817491932198370423ULL,
                             4593380528125082431ULL, 16408922859458223821ULL};
  for (uint64_t n = 0; n < 5; ++n) EXPECT_EQ(Mix64(1234567 + n * kGamma), expect[n]) << n;
}

TEST(RandomTest, DrawIsTwoSplitMix64OutputsAtItsPosition) {
  const uint64_t seed = 42, key = 0xdeadbeefcafef00dULL;
  const uint64_t stream = Mix64(seed ^ Mix64(key));
  const uint64_t position = ((uint64_t{2} << 32) | 3) << 1;  // kReview, round 3
  const uint64_t a = Mix64(stream + position * kGamma), b = Mix64(stream + (position + 1) * kGamma);
  const Uniforms u = DossierRandom(seed, key).Draw(RandomPurpose::kReview, 3);
  EXPECT_EQ(u.u[0], UniformFromBits(static_cast<uint32_t>(a)));
  EXPECT_EQ(u.u[1], UniformFromBits(static_cast<uint32_t>(a >> 32)));
  EXPECT_EQ(u.u[2], UniformFromBits(static_cast<uint32_t>(b)));
  EXPECT_EQ(u.u[3], UniformFromBits(static_cast<uint32_t>(b >> 32)));
}

// Pearson correlation of x[i] and y[i] over n pairs drawn by `pair`.
template <typename Pair>
double Correlation(int n, const Pair& pair) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (int i = 0; i < n; ++i) {
    double x = 0, y = 0;
    pair(i, &x, &y);
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  return cov / std::sqrt((sxx / n - (sx / n) * (sx / n)) * (syy / n - (sy / n) * (sy / n)));
}

TEST(RandomTest, DrawsOfNeighbouringInputsAreUncorrelated) {
  // 200,000 pairs: |r| of independent uniforms is below 0.012 with
  // probability ~0.9999 (standard error 1/sqrt(n) = 0.0022).
  const int n = 200000;
  const double bound = 0.012;
  // Two purposes of one dossier.
  EXPECT_LT(std::fabs(Correlation(n, [](int i, double* x, double* y) {
              const DossierRandom r(3, static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL);
              *x = r.Draw(RandomPurpose::kFee, 0).u[0];
              *y = r.Draw(RandomPurpose::kReview, 0).u[0];
            })),
            bound);
  // Consecutive rounds of one purpose.
  EXPECT_LT(std::fabs(Correlation(n, [](int i, double* x, double* y) {
              const DossierRandom r(3, static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ULL);
              *x = r.Draw(RandomPurpose::kReview, 0).u[2];
              *y = r.Draw(RandomPurpose::kReview, 1).u[2];
            })),
            bound);
  // Dossier keys one apart, and seeds one apart.
  EXPECT_LT(std::fabs(Correlation(n, [](int i, double* x, double* y) {
              *x = DossierRandom(3, 2 * static_cast<uint64_t>(i)).Draw(RandomPurpose::kReview, 0).u[0];
              *y = DossierRandom(3, 2 * static_cast<uint64_t>(i) + 1).Draw(RandomPurpose::kReview, 0).u[0];
            })),
            bound);
  EXPECT_LT(std::fabs(Correlation(n, [](int i, double* x, double* y) {
              *x = DossierRandom(3, static_cast<uint64_t>(i)).Draw(RandomPurpose::kReview, 0).u[1];
              *y = DossierRandom(4, static_cast<uint64_t>(i)).Draw(RandomPurpose::kReview, 0).u[1];
            })),
            bound);
  // The four uniforms of one draw.
  for (int j = 1; j < 4; ++j) {
    EXPECT_LT(std::fabs(Correlation(n, [j](int i, double* x, double* y) {
                const Uniforms u = DossierRandom(5, static_cast<uint64_t>(i)).Draw(RandomPurpose::kReview, 0);
                *x = u.u[0];
                *y = u.u[j];
              })),
              bound)
        << j;
  }
}

TEST(RandomTest, MathMatchesTheCLibrary) {
  // Within a few ulps of libm over the transforms' whole domains (the
  // exponential's argument: ln of a lognormal's mean plus sigma z).
  double worst_log = 0, worst_exp = 0, worst_cos = 0;
  for (uint64_t i = 0; i < 1000000; ++i) {
    const double u = UniformFromBits(static_cast<uint32_t>(Mix64(i)));
    // The error bound is absolute where the logarithm is small: what the
    // transforms need is microseconds, not relative precision near u = 1.
    worst_log = std::fmax(worst_log, std::fabs(DeterministicLog(u) - std::log(u)) / std::fmax(1.0, -std::log(u)));
    const double x = -700 + 1400 * u;
    worst_exp = std::fmax(worst_exp, std::fabs(DeterministicExp(x) / std::exp(x) - 1));
    const double cos_libm = std::cos(6.283185307179586476925286766559 * u);
    worst_cos = std::fmax(worst_cos, std::fabs(DeterministicCosTwoPi(u) - cos_libm));
  }
  EXPECT_LT(worst_log, 5e-16);
  EXPECT_LT(worst_exp, 1e-15);
  EXPECT_LT(worst_cos, 1e-15);
  for (const double x : {1e-300, 2.5e-10, 0.1, 0.7071067811865476, 1.0, 1.5, 2.0, 3.0, 1e300}) {
    EXPECT_NEAR(DeterministicLog(x), std::log(x), 5e-16 * std::fmax(1.0, std::fabs(std::log(x)))) << x;
  }
  EXPECT_NEAR(DeterministicLog(1.0), 0.0, 1e-16);
  EXPECT_EQ(DeterministicExp(0.0), 1.0);
  EXPECT_EQ(DeterministicExp(-800.0), 0.0);
  EXPECT_EQ(DeterministicExp(800.0), DeterministicExp(700.0));
  EXPECT_EQ(DeterministicCosTwoPi(0.0), 1.0);
  EXPECT_EQ(DeterministicCosTwoPi(0.5), -1.0);
  EXPECT_EQ(DeterministicCosTwoPi(1.0), 1.0);
  EXPECT_NEAR(DeterministicCosTwoPi(0.25), 0.0, 1e-16);
  EXPECT_NEAR(DeterministicCosTwoPi(1.0 / 3), -0.5, 1e-15);
}

TEST(RandomTest, SipHashMatchesReferenceVectors) {
  const SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::string msg;
  for (int i = 0; i < 16; ++i) msg.push_back(static_cast<char>(i));
  EXPECT_EQ(SipHash24(key, msg.substr(0, 0)), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(SipHash24(key, msg.substr(0, 1)), 0x74f839c593dc67fdULL);
  EXPECT_EQ(SipHash24(key, msg.substr(0, 2)), 0x0d6c8009d9a94f5aULL);
  EXPECT_EQ(SipHash24(key, msg.substr(0, 4)), 0xcf2794e0277187b7ULL);
  EXPECT_EQ(SipHash24(key, msg.substr(0, 8)), 0x93f5f5799a932462ULL);
  EXPECT_EQ(SipHash24(key, msg.substr(0, 15)), 0xa129ca6149be45e5ULL);
  EXPECT_EQ(SipHash24(key, msg.substr(0, 16)), 0x3f2acc7f57c29bdbULL);
  // The prefixed form hashes the prefix's little-endian bytes then the data.
  EXPECT_EQ(SipHash24(key, 0x0706050403020100ULL, msg.substr(8, 7)), 0xa129ca6149be45e5ULL);
  EXPECT_EQ(SipHash24(key, 0x0706050403020100ULL, ""), 0x93f5f5799a932462ULL);
}

TEST(RandomTest, DrawsArePureFunctionsOfTheirInputs) {
  const DossierRandom a(42, 0xdeadbeefcafef00dULL);
  const DossierRandom b(42, 0xdeadbeefcafef00dULL);
  const Uniforms x = a.Draw(RandomPurpose::kReview, 3), y = b.Draw(RandomPurpose::kReview, 3);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(x.u[i], y.u[i]);
  // Any change of seed, dossier key, purpose or round changes the draw.
  const Uniforms others[] = {
      DossierRandom(43, 0xdeadbeefcafef00dULL).Draw(RandomPurpose::kReview, 3),
      DossierRandom(42, 0xdeadbeefcafef00eULL).Draw(RandomPurpose::kReview, 3),
      DossierRandom(42, 0x1eadbeefcafef00dULL).Draw(RandomPurpose::kReview, 3),
      a.Draw(RandomPurpose::kFee, 3),
      a.Draw(RandomPurpose::kReview, 4),
  };
  for (const Uniforms& o : others) EXPECT_NE(o.u[0], x.u[0]);
}

TEST(RandomTest, UniformsAreStrictlyInsideTheUnitInterval) {
  EXPECT_GT(UniformFromBits(0), 0.0);
  EXPECT_LT(UniformFromBits(0xffffffffu), 1.0);
  const DossierRandom r(1, 23);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const Uniforms u = r.Draw(RandomPurpose::kTest, static_cast<uint32_t>(i));
    for (double v : u.u) {
      ASSERT_GT(v, 0.0);
      ASSERT_LT(v, 1.0);
      sum += v;
    }
  }
  EXPECT_NEAR(sum / (4.0 * n), 0.5, 0.002);
}

// Mean and coefficient of variation of n samples.
void Moments(const DurationSampler& s, int n, double* mean, double* cv) {
  const DossierRandom r(9, 87);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const Uniforms u = r.Draw(RandomPurpose::kTest, static_cast<uint32_t>(i));
    const double x = static_cast<double>(s.Sample(u.u[0], u.u[1]));
    sum += x;
    sum2 += x * x;
  }
  *mean = sum / n;
  *cv = std::sqrt(sum2 / n - *mean * *mean) / *mean;
}

TEST(RandomTest, DistributionTransformsHaveTheirMoments) {
  Distribution d;
  DurationSampler s;
  double mean = 0, cv = 0;

  d.set_kind(Distribution::FIXED);
  d.set_mean(2.5);
  ASSERT_TRUE(DurationSampler::Create(d, "fixed", &s).ok());
  EXPECT_EQ(s.Sample(0.1, 0.9), 2500000);

  d.set_kind(Distribution::EXPONENTIAL);
  d.set_mean(10);
  ASSERT_TRUE(DurationSampler::Create(d, "exp", &s).ok());
  Moments(s, 200000, &mean, &cv);
  EXPECT_NEAR(mean / 10e6, 1.0, 0.01);
  EXPECT_NEAR(cv, 1.0, 0.02);
  EXPECT_EQ(s.Sample(0.5, 0.5), std::llround(-10e6 * std::log(0.5)));
  EXPECT_EQ(s.Sample(0.25, 0.9), std::llround(-10e6 * std::log(0.25)));

  d.set_kind(Distribution::LOGNORMAL);
  d.set_mean(3600);
  d.set_cv(0.5);
  ASSERT_TRUE(DurationSampler::Create(d, "lognormal", &s).ok());
  Moments(s, 200000, &mean, &cv);
  EXPECT_NEAR(mean / 3600e6, 1.0, 0.01);
  EXPECT_NEAR(cv, 0.5, 0.02);
  // u2 = 1/4: cos(2 pi u2) = 0, so the sample is the median e^mu.
  const double mu = std::log(3600e6) - std::log1p(0.25) / 2;
  EXPECT_NEAR(static_cast<double>(s.Sample(0.3, 0.25)), std::exp(mu), 1.0);

  d.set_cv(0);  // a degenerate lognormal is fixed
  ASSERT_TRUE(DurationSampler::Create(d, "lognormal", &s).ok());
  EXPECT_EQ(s.Sample(0.01, 0.3), 3600000000LL);

  Distribution absent;
  ASSERT_TRUE(DurationSampler::Create(absent, "absent", &s).ok());
  EXPECT_EQ(s.Sample(0.3, 0.3), 0);

  d.set_mean(-1);
  EXPECT_TRUE(DurationSampler::Create(d, "negative", &s).IsInvalidArgument());
  d.set_mean(1);
  d.set_cv(std::nan(""));
  EXPECT_TRUE(DurationSampler::Create(d, "nan", &s).IsInvalidArgument());
}

TEST(RandomTest, StandardNormalMoments) {
  const DossierRandom r(5, 55);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const Uniforms u = r.Draw(RandomPurpose::kTest, static_cast<uint32_t>(i));
    const double z = StandardNormal(u.u[0], u.u[1]);
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.01);
}

}  // namespace
}  // namespace nsw
