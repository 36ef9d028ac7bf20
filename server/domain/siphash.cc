// SipHash-2-4 over a byte stream fed in 8-byte little-endian words. The
// prefixed form hashes exactly what the plain form would for the bytes of the
// prefix followed by the data.
#include "server/domain/siphash.h"

#include <algorithm>

namespace nsw {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

class SipState {
 public:
  explicit SipState(const SipKey& key)
      : v0_(key.k0 ^ 0x736f6d6570736575ULL),
        v1_(key.k1 ^ 0x646f72616e646f6dULL),
        v2_(key.k0 ^ 0x6c7967656e657261ULL),
        v3_(key.k1 ^ 0x7465646279746573ULL) {}

  void Word(uint64_t m) {
    v3_ ^= m;
    Round();
    Round();
    v0_ ^= m;
  }

  // Feeds bytes, keeping a partial word between calls.
  void Bytes(const unsigned char* p, size_t n) {
    total_ += n;
    while (n > 0) {
      const size_t take = std::min<size_t>(8 - pending_len_, n);
      for (size_t i = 0; i < take; ++i) pending_ |= static_cast<uint64_t>(p[i]) << (8 * (pending_len_ + i));
      pending_len_ += take;
      p += take;
      n -= take;
      if (pending_len_ == 8) {
        Word(pending_);
        pending_ = 0;
        pending_len_ = 0;
      }
    }
  }

  uint64_t Finish() {
    Word(pending_ | (static_cast<uint64_t>(total_ & 0xff) << 56));
    v2_ ^= 0xff;
    for (int i = 0; i < 4; ++i) Round();
    return v0_ ^ v1_ ^ v2_ ^ v3_;
  }

 private:
  void Round() {
    v0_ += v1_; v1_ = Rotl(v1_, 13); v1_ ^= v0_; v0_ = Rotl(v0_, 32);
    v2_ += v3_; v3_ = Rotl(v3_, 16); v3_ ^= v2_;
    v0_ += v3_; v3_ = Rotl(v3_, 21); v3_ ^= v0_;
    v2_ += v1_; v1_ = Rotl(v1_, 17); v1_ ^= v2_; v2_ = Rotl(v2_, 32);
  }

  uint64_t v0_, v1_, v2_, v3_;
  uint64_t pending_ = 0;
  size_t pending_len_ = 0;
  uint64_t total_ = 0;
};

}  // namespace

uint64_t SipHash24(const SipKey& key, std::string_view data) {
  SipState s(key);
  s.Bytes(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return s.Finish();
}

uint64_t SipHash24(const SipKey& key, uint64_t prefix, std::string_view data) {
  SipState s(key);
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(prefix >> (8 * i));
  s.Bytes(bytes, 8);
  s.Bytes(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return s.Finish();
}

}  // namespace nsw
