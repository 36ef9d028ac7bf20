// Deterministic randomness for traces and schedules: a small fast generator
// (xoshiro256**, seeded through SplitMix64 from a seed and a stream number)
// and the distribution transforms written here rather than taken from
// <random>, whose distributions differ between standard libraries; a trace
// must be the same bytes for the same seed on every machine. Also the
// Walker/Vose alias table for O(1) weighted choices (enterprises by Zipf
// weight, procedures by popularity). Not thread-safe: one Rng per thread.
#ifndef NSW_LOADGEN_RANDOM_H_
#define NSW_LOADGEN_RANDOM_H_

#include <cstdint>
#include <vector>

#include "proto/nsw.pb.h"

namespace nsw::loadgen {

// SplitMix64's finalizer: a bijective 64-bit mix, also used as a hash.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  // Independent streams for one seed: (seed, stream) pairs give unrelated
  // sequences, so a day, a thread or a schedule can each own one.
  explicit Rng(uint64_t seed, uint64_t stream = 0);

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe under log().
  double UniformOpenZero() { return 1.0 - Uniform(); }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, unbiased).
  uint64_t Below(uint64_t n);
  // Exponential with mean 1.
  double Exponential();
  // Standard normal (Box-Muller; the second variate is kept).
  double Normal();
  // Log-normal with the given mean and coefficient of variation.
  double LogNormal(double mean, double cv);
  // A sample of a catalog Distribution; 0 for an unspecified one.
  double Sample(const Distribution& d);

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

// O(1) weighted choice among n items (Vose's alias method). Immutable after
// construction: safe to share between threads.
class AliasTable {
 public:
  AliasTable() = default;
  // REQUIRES: weights non-empty, each >= 0, sum > 0.
  explicit AliasTable(const std::vector<double>& weights);
  uint32_t Pick(Rng& rng) const;
  size_t size() const { return prob_.size(); }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

// Zipf weights 1/(rank+1)^exponent for ranks 0..n-1.
std::vector<double> ZipfWeights(size_t n, double exponent);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_RANDOM_H_
