// CRC32C (Castagnoli, the iSCSI polynomial 0x1EDC6F41, reflected 0x82F63B78)
// for the journal's frames. Uses the SSE4.2 crc32 instruction when the CPU has
// it (checked once at run time) and a slicing-by-8 table otherwise; both give
// identical results. Mask/Unmask follow leveldb: a CRC stored next to the
// data it covers is masked, so that data which itself contains CRCs (or is
// all zeros) does not checksum to a plausible stored value. Pure functions,
// thread-safe.
#ifndef NSW_SERVER_JOURNAL_CRC32C_H_
#define NSW_SERVER_JOURNAL_CRC32C_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nsw::crc32c {

// The CRC of data appended to a stream whose CRC so far is `crc`
// (Extend(0, ...) starts a new stream).
uint32_t Extend(uint32_t crc, const char* data, size_t n);
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view data) { return Extend(0, data.data(), data.size()); }

// The portable table implementation, exposed so tests can compare it with
// the hardware path on the same inputs.
uint32_t ExtendPortable(uint32_t crc, const char* data, size_t n);
// True when Extend uses the SSE4.2 instruction on this CPU.
bool HardwareAccelerated();

constexpr uint32_t kMaskDelta = 0xa282ead8u;

inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace nsw::crc32c

#endif  // NSW_SERVER_JOURNAL_CRC32C_H_
