// Counter-based randomness for the simulation: Philox4x32-10 (Salmon et al.,
// "Parallel random numbers: as easy as 1, 2, 3", SC'11) and the distribution
// transforms written here, because the standard library's distributions
// differ between implementations.
//
// Every random quantity of a dossier is a pure function of (run seed,
// dossier key, purpose, round), where the dossier key is a public hash of
// (enterprise tax code, client reference): the Philox key is derived from
// the seed and the dossier key, the counter holds the dossier key and the
// (purpose, round) pair. Nothing per dossier is stored, so the
// same journal replays to the same draws, in any order. One Philox call gives
// four uniforms of 32-bit resolution, enough for a duration (two, for the
// lognormal's Box-Muller pair) and the decisions that go with it.
// All functions are pure and thread-safe.
#ifndef NSW_SERVER_DOMAIN_RANDOM_H_
#define NSW_SERVER_DOMAIN_RANDOM_H_

#include <array>
#include <cstdint>

#include "proto/nsw.pb.h"
#include "proto/status.h"

namespace nsw {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// Philox4x32 with 10 rounds, bit-for-bit the Random123 reference. Inline:
// it sits on the simulation's hot path.
inline PhiloxCounter Philox4x32(PhiloxCounter c, PhiloxKey k) {
  constexpr uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    const uint64_t p0 = kM0 * c[0];
    const uint64_t p1 = kM1 * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<uint32_t>(p0)};
  }
  return c;
}

// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// What a draw is for; each purpose and round has its own Philox block.
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
  DossierRandom(uint64_t seed, uint64_t dossier_key) {
    const uint64_t k = Mix64(seed ^ Mix64(dossier_key));
    key_ = {static_cast<uint32_t>(k), static_cast<uint32_t>(k >> 32)};
    ref_lo_ = static_cast<uint32_t>(dossier_key);
    ref_hi_ = static_cast<uint32_t>(dossier_key >> 32);
  }
  Uniforms Draw(RandomPurpose purpose, uint32_t round) const {
    const PhiloxCounter out = Philox4x32({ref_lo_, ref_hi_, static_cast<uint32_t>(purpose), round}, key_);
    return Uniforms{{UniformFromBits(out[0]), UniformFromBits(out[1]), UniformFromBits(out[2]),
                     UniformFromBits(out[3])}};
  }

 private:
  PhiloxKey key_;
  uint32_t ref_lo_, ref_hi_;
};

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
