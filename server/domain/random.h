// Counter-based randomness for the simulation, and the distribution
// transforms written here, because the standard library's distributions (and
// its math functions' last bits) differ between implementations.
//
// Every random quantity of a dossier is a pure function of (run seed,
// dossier key, purpose, round), where the dossier key is a public hash of
// (enterprise tax code, client reference). The generator is SplitMix64 used
// as a counter-based generator (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA'14): the dossier's stream is
// Mix64(seed ^ Mix64(dossier key)) and a draw is the SplitMix64 outputs at
// positions 2c and 2c + 1 of that stream, c = (purpose, round). Nothing per
// dossier is stored, so the same journal replays to the same draws, in any
// order. One draw gives four uniforms of 32-bit resolution, enough for a
// duration (two, for the lognormal's Box-Muller pair) and the decisions that
// go with it. It replaced Philox4x32-10: both pass BigCrush, and a draw
// costs a third of Philox's instructions on the simulation's hottest path.
// All functions are pure and thread-safe.
#ifndef NSW_SERVER_DOMAIN_RANDOM_H_
#define NSW_SERVER_DOMAIN_RANDOM_H_

#include <cstdint>

#include "proto/nsw.pb.h"
#include "proto/status.h"

namespace nsw {

// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// What a draw is for; each purpose and round has its own pair of positions.
enum class RandomPurpose : uint32_t {
  kFee = 1,         // payment delay (u0, u1), withdraw instead (u2)
  kReview = 2,      // service time (u0, u1), outcome (u2), withdraw at supplement (u3)
  kSupplement = 3,  // supplement delay (u0, u1)
  kTest = 100,      // free for tests and benchmarks (arrival processes)
};

// Four uniforms in (0, 1), never 0 or 1.
struct Uniforms {
  double u[4];
};

inline double UniformFromBits(uint32_t bits) { return (static_cast<double>(bits) + 0.5) * 0x1p-32; }

// The draws of one dossier.
class DossierRandom {
 public:
  DossierRandom(uint64_t seed, uint64_t dossier_key) : stream_(Mix64(seed ^ Mix64(dossier_key))) {}
  Uniforms Draw(RandomPurpose purpose, uint32_t round) const {
    // Mix64 adds the golden gamma itself, so Mix64(stream + n * gamma) is
    // SplitMix64's output at position n.
    constexpr uint64_t kGamma = 0x9e3779b97f4a7c15ULL;
    const uint64_t position = ((static_cast<uint64_t>(purpose) << 32) | round) << 1;
    const uint64_t a = Mix64(stream_ + position * kGamma);
    const uint64_t b = Mix64(stream_ + (position + 1) * kGamma);
    return Uniforms{{UniformFromBits(static_cast<uint32_t>(a)), UniformFromBits(static_cast<uint32_t>(a >> 32)),
                     UniformFromBits(static_cast<uint32_t>(b)), UniformFromBits(static_cast<uint32_t>(b >> 32))}};
  }

 private:
  uint64_t stream_;
};

// The math the transforms need, in plain double arithmetic (see random.cc),
// so a given uniform maps to the same duration whatever the math library,
// and so the samplers inline them instead of calling into libm.
// Natural logarithm of a positive, finite, normal x, within
// 5e-16 * max(1, |ln x|).
double DeterministicLog(double x);
// e^x; 0 below -700, clamped to e^700 above.
double DeterministicExp(double x);
// cos(2 pi u) for u in [0, 1].
double DeterministicCosTwoPi(double u);

// -ln(u) * mean: exponential by inversion.
double Exponential(double mean, double u);
// A standard normal from two uniforms (Box-Muller, cosine branch).
double StandardNormal(double u1, double u2);

// A catalog Distribution prepared for sampling in microseconds: the
// lognormal's parameters are derived once from (mean, cv).
class DurationSampler {
 public:
  DurationSampler() = default;
  // `what` names the field in errors. mean must be >= 0 and finite, cv >= 0.
  static Status Create(const Distribution& d, const char* what, DurationSampler* out);
  // Microseconds, >= 0, from two uniforms (the second is used by lognormal).
  int64_t Sample(double u1, double u2) const;
  double mean_micros() const { return mean_us_; }

 private:
  Distribution::Kind kind_ = Distribution::FIXED;
  double mean_us_ = 0;
  double mu_ = 0;     // lognormal: ln-space mean
  double sigma_ = 0;  // lognormal: ln-space standard deviation
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_RANDOM_H_
