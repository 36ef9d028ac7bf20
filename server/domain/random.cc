// Distribution transforms over Philox uniforms (see random.h). The results
// are rounded to whole microseconds, which also absorbs last-ulp differences
// between math libraries in all but vanishingly rare cases.
#include "server/domain/random.h"

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

}  // namespace

double Exponential(double mean, double u) { return -mean * std::log(u); }

double StandardNormal(double u1, double u2) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

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
      return ToMicros(Exponential(mean_us_, u1));
    case Distribution::LOGNORMAL:
      return ToMicros(std::exp(mu_ + sigma_ * StandardNormal(u1, u2)));
    default:
      return ToMicros(mean_us_);
  }
}

}  // namespace nsw
