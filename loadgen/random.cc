// Rng and AliasTable (see random.h). The transforms use only +, *, log, exp,
// sqrt, cos of IEEE doubles, which glibc computes identically everywhere we
// run, so traces are reproducible.
#include "loadgen/random.h"

#include <cmath>
#include <numbers>

namespace nsw::loadgen {

Rng::Rng(uint64_t seed, uint64_t stream) {
  uint64_t x = Mix64(seed) ^ Mix64(stream + 0x632be59bd9b4e019ULL);
  for (auto& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = Mix64(x);
  }
}

uint64_t Rng::Below(uint64_t n) {
  unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(Next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::Exponential() { return -std::log(UniformOpenZero()); }

double Rng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double r = std::sqrt(-2.0 * std::log(UniformOpenZero()));
  const double theta = 2.0 * std::numbers::pi * Uniform();
  spare_ = r * std::sin(theta);
  has_spare_ = true;
  return r * std::cos(theta);
}

double Rng::LogNormal(double mean, double cv) {
  if (mean <= 0) return 0;
  const double sigma2 = std::log1p(cv * cv);
  const double mu = std::log(mean) - sigma2 / 2;
  return std::exp(mu + std::sqrt(sigma2) * Normal());
}

double Rng::Sample(const Distribution& d) {
  switch (d.kind()) {
    case Distribution::FIXED:
      return d.mean();
    case Distribution::EXPONENTIAL:
      return d.mean() * Exponential();
    case Distribution::LOGNORMAL:
      return LogNormal(d.mean(), d.cv());
    default:
      return 0;
  }
}

AliasTable::AliasTable(const std::vector<double>& weights) {
  const size_t n = weights.size();
  prob_.assign(n, 0.0);
  alias_.assign(n, 0);
  double sum = 0;
  for (double w : weights) sum += w;
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / sum;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (uint32_t i : large) prob_[i] = 1.0;
  for (uint32_t i : small) prob_[i] = 1.0;  // rounding leftovers
}

uint32_t AliasTable::Pick(Rng& rng) const {
  const uint64_t column = rng.Below(prob_.size());
  return rng.Uniform() < prob_[column] ? static_cast<uint32_t>(column) : alias_[column];
}

std::vector<double> ZipfWeights(size_t n, double exponent) {
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = std::pow(static_cast<double>(i + 1), -exponent);
  return w;
}

}  // namespace nsw::loadgen
