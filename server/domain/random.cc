// Distribution transforms over the generator's uniforms (see random.h), and
// the math they need, in plain double arithmetic only (no FMA contraction on
// the baseline x86-64 target; the tables are computed by the compiler), so
// the results are the same on every machine. The simulation waits on these
// results (an event's time decides where it goes in the heap), so they are
// written for latency: table-driven log and exp after the glibc/ARM
// optimized-routines designs, cos by a series in Estrin's scheme, no
// division. fdlibm's log and exp (Sun Microsystems, freely distributable)
// only compute the tables. Durations are rounded to whole microseconds.
#include "server/domain/random.h"

#include <array>
#include <bit>
#include <cmath>
#include <string>

namespace nsw {
namespace {

// Durations are clamped to a century: a lognormal tail must not overflow.
constexpr double kMaxMicros = 100.0 * 365 * 86400 * 1e6;

int64_t ToMicros(double us) {
  if (!(us > 0)) return 0;
  if (us > kMaxMicros) us = kMaxMicros;
  return static_cast<int64_t>(us + 0.5);  // round half up; us > 0
}

constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2, top 32 bits
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln 2 - kLn2Hi

// fdlibm e_log.c for a positive normal x, within an ulp: x = 2^k (1 + f),
// 1 + f in [sqrt(2)/2, sqrt(2)), ln(1 + f) = 2 atanh(f / (2 + f)).
constexpr double FdlibmLog(double x) {
  constexpr double kLg1 = 6.666666666666735130e-01, kLg2 = 3.999999999940941908e-01,
                   kLg3 = 2.857142874366239149e-01, kLg4 = 2.222219843214978396e-01,
                   kLg5 = 1.818357216161805012e-01, kLg6 = 1.531383769920937332e-01,
                   kLg7 = 1.479819860511658591e-01;
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  int32_t hx = static_cast<int32_t>(bits >> 32);
  int32_t k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const int32_t i = (hx + 0x95f64) & 0x100000;  // 1 + f above sqrt(2): halve it
  k += i >> 20;
  const double m = std::bit_cast<double>((static_cast<uint64_t>(hx | (i ^ 0x3ff00000)) << 32) |
                                         (bits & 0xffffffffULL));
  const double f = m - 1.0;
  const double s = f / (2.0 + f);
  const double dk = k;
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
  const double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
  const double r = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const double hfsq = 0.5 * f * f;
    return dk * kLn2Hi - ((hfsq - (s * (hfsq + r) + dk * kLn2Lo)) - f);
  }
  return dk * kLn2Hi - ((s * (f - r) - dk * kLn2Lo) - f);
}

// fdlibm e_exp.c for 0 <= x < ln 2, within an ulp.
constexpr double FdlibmExpBelowLn2(double x) {
  constexpr double kP1 = 1.66666666666666019037e-01, kP2 = -2.77777777770155933842e-03,
                   kP3 = 6.61375632143793436117e-05, kP4 = -1.65339022054652515390e-06,
                   kP5 = 4.13813679705723846039e-08, kInvLn2 = 1.44269504088896338700e+00;
  const int k = static_cast<int>(x * kInvLn2 + 0.5);  // 0 or 1
  const double kd = k;
  const double hi = x - kd * kLn2Hi;
  const double lo = kd * kLn2Lo;
  const double r = hi - lo;
  const double t = r * r;
  const double c = r - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  return k == 0 ? y : 2.0 * y;
}

// log: x = 2^k z, z in [1, 2) falls in one of 128 intervals around c; then
// ln x = k ln 2 + ln c + ln(1 + r) with r = z / c - 1, |r| < 1/256, and
// ln(1 + r) to r^6 (the next term is below 3e-18).
struct LogEntry {
  double inverse_c;
  double log_c;
};
constexpr int kLogBits = 7;
constexpr std::array<LogEntry, 1 << kLogBits> kLogTable = [] {
  std::array<LogEntry, 1 << kLogBits> t{};
  for (int i = 0; i < (1 << kLogBits); ++i) {
    const double c = 1.0 + (i + 0.5) / (1 << kLogBits);
    t[i] = LogEntry{1.0 / c, FdlibmLog(c)};
  }
  return t;
}();

// exp: x = (64 q + j) ln(2) / 64 + r, |r| <= ln(2) / 128; then
// e^x = 2^q 2^(j/64) e^r with e^r to r^5 (the next term is below 4e-17).
constexpr int kExpBits = 6;
constexpr std::array<double, 1 << kExpBits> kExp2Table = [] {
  std::array<double, 1 << kExpBits> t{};
  for (int j = 0; j < (1 << kExpBits); ++j) t[j] = FdlibmExpBelowLn2(j * (kLn2Hi + kLn2Lo) / (1 << kExpBits));
  return t;
}();

// Absolute error below 5e-16 (relative 1e-15 away from 1, where durations
// are short: what counts is microseconds).
inline double Log(double x) {
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  const int k = static_cast<int>(bits >> 52) - 1023;
  const LogEntry& e = kLogTable[(bits >> (52 - kLogBits)) & ((1 << kLogBits) - 1)];
  const double z = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  const double r = z * e.inverse_c - 1.0;
  const double r2 = r * r;
  const double p = r2 * ((-0.5 + r * (1.0 / 3)) + r2 * ((-0.25 + r * 0.2) + r2 * (-1.0 / 6)));
  const double dk = k;
  return (dk * kLn2Hi + e.log_c) + (r + (dk * kLn2Lo + p));
}

inline double Exp(double x) {
  constexpr double kN = 1 << kExpBits;
  constexpr double kInvLn2N = 1.44269504088896338700e+00 * kN;
  constexpr double kRound = 0x1.8p52;  // adding and subtracting it rounds to an integer
  if (!(x > -700.0)) return 0.0;  // also NaN
  if (x > 700.0) x = 700.0;
  const double kd = (x * kInvLn2N + kRound) - kRound;
  const int64_t ki = static_cast<int64_t>(kd);
  const double r = (x - kd * (kLn2Hi / kN)) - kd * (kLn2Lo / kN);
  const double r2 = r * r;
  const double p = r + r2 * ((0.5 + r * (1.0 / 6)) + r2 * ((1.0 / 24) + r * (1.0 / 120)));
  const double scale = std::bit_cast<double>(static_cast<uint64_t>((ki >> kExpBits) + 1023) << 52);
  const double t = kExp2Table[ki & ((1 << kExpBits) - 1)];
  return (t + t * p) * scale;
}

inline double CosTwoPi(double u) {
  // cos(2 pi u) = cos(2 pi w), w = min(u, 1 - u) in [0, 1/2], folded to
  // [0, 1/4] by cos(pi - a) = -cos(a). The folds are exact; one rounding
  // makes the angle a <= pi/2, where the series to a^22 is within 2e-17.
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  double w = u >= 0.5 ? 1.0 - u : u;
  const bool negate = w > 0.25;
  if (negate) w = 0.5 - w;
  const double a = kTwoPi * w;
  const double x = a * a;
  const double x2 = x * x;
  const double x4 = x2 * x2;
  const double x8 = x4 * x4;
  const double c0 = 1.0 - x * 0.5, c1 = 1.0 / 24 - x * (1.0 / 720), c2 = 1.0 / 40320 - x * (1.0 / 3628800),
               c3 = 1.0 / 479001600 - x * (1.0 / 87178291200.0),
               c4 = 1.0 / 20922789888000.0 - x * (1.0 / 6402373705728000.0),
               c5 = 1.0 / 2432902008176640000.0 - x * (1.0 / 1124000727777607680000.0);
  const double v = (c0 + x2 * c1) + x4 * (c2 + x2 * c3) + x8 * (c4 + x2 * c5);
  return negate ? -v : v;
}

inline double ExponentialOf(double mean, double u) { return -mean * Log(u); }

inline double StandardNormalOf(double u1, double u2) { return std::sqrt(-2.0 * Log(u1)) * CosTwoPi(u2); }

}  // namespace

double DeterministicLog(double x) { return Log(x); }
double DeterministicExp(double x) { return Exp(x); }
double DeterministicCosTwoPi(double u) { return CosTwoPi(u); }

double Exponential(double mean, double u) { return ExponentialOf(mean, u); }

double StandardNormal(double u1, double u2) { return StandardNormalOf(u1, u2); }

Status DurationSampler::Create(const Distribution& d, const char* what, DurationSampler* out) {
  DurationSampler s;
  const double mean = d.mean();
  const double cv = d.cv();
  if (!std::isfinite(mean) || mean < 0) {
    return Status::InvalidArgument(std::string(what) + ": mean must be finite and >= 0");
  }
  if (!std::isfinite(cv) || cv < 0) {
    return Status::InvalidArgument(std::string(what) + ": cv must be finite and >= 0");
  }
  s.mean_us_ = mean * 1e6;
  switch (d.kind()) {
    case Distribution::KIND_UNSPECIFIED:  // an absent distribution: always 0
    case Distribution::FIXED:
      s.kind_ = Distribution::FIXED;
      break;
    case Distribution::EXPONENTIAL:
      s.kind_ = Distribution::EXPONENTIAL;
      break;
    case Distribution::LOGNORMAL:
      if (cv == 0 || mean == 0) {
        s.kind_ = Distribution::FIXED;  // a degenerate lognormal is its mean
      } else {
        s.kind_ = Distribution::LOGNORMAL;
        const double sigma2 = std::log1p(cv * cv);
        s.sigma_ = std::sqrt(sigma2);
        s.mu_ = std::log(s.mean_us_) - sigma2 / 2;
      }
      break;
    default:
      return Status::InvalidArgument(std::string(what) + ": unknown distribution kind " +
                                     std::to_string(static_cast<int>(d.kind())));
  }
  *out = s;
  return Status::OK();
}

int64_t DurationSampler::Sample(double u1, double u2) const {
  switch (kind_) {
    case Distribution::EXPONENTIAL:
      return ToMicros(ExponentialOf(mean_us_, u1));
    case Distribution::LOGNORMAL:
      return ToMicros(Exp(mu_ + sigma_ * StandardNormalOf(u1, u2)));
    default:
      return ToMicros(mean_us_);
  }
}

}  // namespace nsw
