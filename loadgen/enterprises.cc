// Tax codes and shards (see enterprises.h).
#include "loadgen/enterprises.h"

#include <charconv>
#include <cstdio>

#include "loadgen/random.h"

namespace nsw::loadgen {
namespace {

constexpr int kHalfBits = 17;  // 34-bit domain: 2^34 > 10^10
constexpr uint64_t kHalfMask = (uint64_t{1} << kHalfBits) - 1;
constexpr uint64_t kDomain = 10'000'000'000ULL;

uint64_t Feistel(uint64_t seed, uint64_t x) {
  uint64_t left = x >> kHalfBits, right = x & kHalfMask;
  for (uint64_t round = 0; round < 4; ++round) {
    const uint64_t f = Mix64(seed ^ (round << 56) ^ right) & kHalfMask;
    const uint64_t next = left ^ f;
    left = right;
    right = next;
  }
  return (left << kHalfBits) | right;
}

}  // namespace

std::string EnterpriseTaxCode(uint64_t seed, uint64_t index) {
  const uint64_t key = Mix64(seed ^ 0x7461782d636f6465ULL);  // "tax-code"
  // Cycle walking: a permutation of [0, 2^34) restricted to [0, 10^10)
  // is a permutation of [0, 10^10).
  uint64_t x = index;
  do {
    x = Feistel(key, x);
  } while (x >= kDomain);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010llu", static_cast<unsigned long long>(x));
  return buf;
}

uint32_t ShardOfEnterprise(uint32_t enterprise, uint32_t count) {
  if (count <= 1) return 0;
  return static_cast<uint32_t>(Mix64(0x5348415244ULL ^ enterprise) % count);  // "SHARD"
}

bool Shard::Owns(uint32_t enterprise) const { return ShardOfEnterprise(enterprise, count) == index; }

std::string Shard::ToString() const { return std::to_string(index + 1) + "/" + std::to_string(count); }

Status ParseShard(std::string_view text, Shard* out) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid shard '" + std::string(text) + "' (expected K/N with 1 <= K <= N)");
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  uint32_t k = 0, n = 0;
  auto a = text.substr(0, slash), b = text.substr(slash + 1);
  auto ra = std::from_chars(a.data(), a.data() + a.size(), k);
  auto rb = std::from_chars(b.data(), b.data() + b.size(), n);
  if (a.empty() || b.empty() || ra.ec != std::errc() || ra.ptr != a.data() + a.size() || rb.ec != std::errc() ||
      rb.ptr != b.data() + b.size() || k < 1 || n < 1 || k > n) {
    return bad();
  }
  out->index = k - 1;
  out->count = n;
  return Status::OK();
}

}  // namespace nsw::loadgen
