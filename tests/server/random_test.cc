// Counter-based randomness: Philox4x32-10 known answers, SipHash-2-4
// reference vectors, and the distribution transforms' moments.
#include "server/domain/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "server/domain/siphash.h"

namespace nsw {
namespace {

TEST(RandomTest, PhiloxMatchesRandom123KnownAnswers) {
  EXPECT_EQ(Philox4x32({0, 0, 0, 0}, {0, 0}), (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(Philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
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

  d.set_kind(Distribution::LOGNORMAL);
  d.set_mean(3600);
  d.set_cv(0.5);
  ASSERT_TRUE(DurationSampler::Create(d, "lognormal", &s).ok());
  Moments(s, 200000, &mean, &cv);
  EXPECT_NEAR(mean / 3600e6, 1.0, 0.01);
  EXPECT_NEAR(cv, 0.5, 0.02);

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
