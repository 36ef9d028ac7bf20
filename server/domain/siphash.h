// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash of short byte
// strings. With a secret per-run key it indexes the idempotency table so
// that clients cannot aim collisions at it (HashDoS); with a fixed public key
// it gives the stable reference hash that feeds randomness and tie-breaks,
// which must not depend on the secret. Pure functions; thread-safe.
#ifndef NSW_SERVER_DOMAIN_SIPHASH_H_
#define NSW_SERVER_DOMAIN_SIPHASH_H_

#include <cstdint>
#include <string_view>

namespace nsw {

struct SipKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
};

uint64_t SipHash24(const SipKey& key, std::string_view data);

// SipHash-2-4 of the 8 little-endian bytes of `prefix` followed by `data`,
// without building the concatenation: how (enterprise, reference) pairs are
// hashed.
uint64_t SipHash24(const SipKey& key, uint64_t prefix, std::string_view data);

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_SIPHASH_H_
