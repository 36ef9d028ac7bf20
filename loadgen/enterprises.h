// Enterprises of generated traces and how replays split them: the 10-digit
// tax code of enterprise `index` is a keyed permutation of the index (a
// Feistel network over 34 bits, cycle-walked below 10^10), so codes are
// unique, look random and are recomputed from (seed, index) instead of being
// stored; the shard of an enterprise is a fixed hash of its index, so every
// machine of a scaled-out replay agrees without talking. Pure functions.
#ifndef NSW_LOADGEN_ENTERPRISES_H_
#define NSW_LOADGEN_ENTERPRISES_H_

#include <cstdint>
#include <string>

#include "proto/status.h"

namespace nsw::loadgen {

// The tax code (exactly 10 digits, leading zeros kept) of enterprise
// `index` of a trace generated with `seed`. Distinct indexes give distinct
// codes. REQUIRES: index < 10^10.
std::string EnterpriseTaxCode(uint64_t seed, uint64_t index);

// K/N: this process replays shard `index` (0-based) of `count`.
struct Shard {
  uint32_t index = 0;   // K - 1 of the command line's 1-based "K/N"
  uint32_t count = 1;
  bool Owns(uint32_t enterprise) const;
  std::string ToString() const;  // "K/N", 1-based
};
// "2/4" -> {1, 4}. K and N 1-based, 1 <= K <= N.
Status ParseShard(std::string_view text, Shard* out);
// The shard (0-based) of an enterprise among `count`.
uint32_t ShardOfEnterprise(uint32_t enterprise, uint32_t count);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_ENTERPRISES_H_
